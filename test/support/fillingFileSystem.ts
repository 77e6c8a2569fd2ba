/**
 * File systems that fail, for the run's `fileSystem` layer.
 *
 * `fillingFileSystem`: a file system that fills up: Node's, except that writes to files under `folder`
 * fail as a full disk's do (ENOSPC) once `capacityBytes` have been written there. A write that does not fit fails
 * whole and writes nothing.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, FileSystem, Layer, PlatformError } from "effect"

const systemFailure = (path: string, method: string, message: string, code: string, errno: number) =>
  PlatformError.systemError({
    _tag: "Unknown",
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    cause: Object.assign(new Error(message), { code, errno, syscall: method })
  })

const noSpace = (path: string) => systemFailure(path, "write", "ENOSPC: no space left on device, write", "ENOSPC", -28)

export const fillingFileSystem = (folder: string, capacityBytes: number): Layer.Layer<FileSystem.FileSystem> => {
  let left = capacityBytes
  const take = (path: string, bytes: number) =>
    Effect.suspend(() => {
      if (bytes > left) return Effect.fail(noSpace(path))
      left -= bytes
      return Effect.void
    })
  const guarded = (path: string, file: FileSystem.File): FileSystem.File => ({
    [FileSystem.FileTypeId]: FileSystem.FileTypeId,
    get stat() {
      return file.stat
    },
    get sync() {
      return file.sync
    },
    seek: (offset, from) => file.seek(offset, from),
    read: (buffer, options) => file.read(buffer, options),
    readAlloc: (size, options) => file.readAlloc(size, options),
    truncate: (length) => file.truncate(length),
    write: (buffer) => Effect.andThen(take(path, buffer.length), file.write(buffer)),
    writeAll: (buffer) => Effect.andThen(take(path, buffer.length), file.writeAll(buffer))
  })
  return Layer.effect(FileSystem.FileSystem)(
    Effect.map(FileSystem.FileSystem, (real) =>
      FileSystem.FileSystem.of({
        ...real,
        open: (path, options) =>
          Effect.map(real.open(path, options), (file) => (path.startsWith(folder) ? guarded(path, file) : file))
      }))
  ).pipe(Layer.provide(NodeFileSystem.layer))
}

/**
 * Node's file system, except that no file named `name` can be put in place (its rename fails with EIO): the run
 * stops as a kill just before that file lands would stop it, with everything before it on disk.
 */
export const neverLands = (name: string): Layer.Layer<FileSystem.FileSystem> =>
  Layer.effect(FileSystem.FileSystem)(
    Effect.map(FileSystem.FileSystem, (real) =>
      FileSystem.FileSystem.of({
        ...real,
        rename: (from, to) => (to.endsWith(`/${name}`) ? Effect.fail(systemFailure(to, "rename", "EIO: i/o error, rename", "EIO", -5)) : real.rename(from, to))
      }))
  ).pipe(Layer.provide(NodeFileSystem.layer))
