/**
 * A file system that fills up, for the run's `fileSystem` layer: Node's, except that writes to files under `folder`
 * fail as a full disk's do (ENOSPC) once `capacityBytes` have been written there. A write that does not fit fails
 * whole and writes nothing.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, FileSystem, Layer, PlatformError } from "effect"

const noSpace = (path: string) =>
  PlatformError.systemError({
    _tag: "Unknown",
    module: "FileSystem",
    method: "write",
    pathOrDescriptor: path,
    cause: Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: "ENOSPC", errno: -28, syscall: "write" })
  })

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
