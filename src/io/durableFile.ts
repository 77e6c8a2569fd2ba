/**
 * A file written through the run's `FileSystem` service, made visible only by an atomic commit.
 *
 * Bytes go to a hidden temporary file in the final path's folder. `commit` writes what is pending, fsyncs, renames
 * the temporary file over the final path and fsyncs the folder, so the final path holds either its previous content
 * or the complete new file. If the scope closes before `commit` (failure or interruption), the file is closed and the
 * temporary name deleted. Only a hard kill (SIGKILL, power loss) can leave a `.<name>.<pid>-<uuid>.tmp` file behind,
 * and even then never a partial file at the final path.
 *
 * Parquet encoders write synchronously, a few bytes at a time, while the file system's writes are effects: `write`
 * copies bytes into fixed-size blocks and `drain` writes the full ones out. The sinks drain after every row group,
 * so what waits in memory is at most one row group's encoding plus one block.
 */
import { randomUUID } from "node:crypto"
import * as path from "node:path"
import { Effect, FileSystem, type Scope } from "effect"
import { ParquetWriteError } from "./errors.js"

/**
 * One MiB: a 2,000-row group encodes to roughly 60 KB and its footer entries to thousands of few-byte Thrift fields,
 * so this turns them into one write call per MiB, while staying a fixed sliver of memory whatever the file's size.
 */
export const DURABLE_BLOCK_BYTES = 1024 * 1024

/** Any failure of the file system becomes a ParquetWriteError naming the final path and what was being done. */
const failing = (finalPath: string, reason: string) => (cause: unknown) => new ParquetWriteError({ path: finalPath, reason, cause })

/** Hidden (leading dot) so that globs like `*.parquet` never pick it up; pid and UUID keep concurrent runs apart. */
const temporaryPathFor = (finalPath: string): string =>
  path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${process.pid}-${randomUUID()}.tmp`)

/** A rename is durable only once the folder entry itself is on disk. */
export const syncFolder = (fs: FileSystem.FileSystem, folder: string) =>
  Effect.scoped(Effect.flatMap(fs.open(folder, { flag: "r" }), (handle) => handle.sync))

export class DurableFile {
  /** Filled blocks waiting for `drain`, then the block being filled. */
  private readonly full: Array<Uint8Array<ArrayBuffer>> = []
  private block = new Uint8Array(DURABLE_BLOCK_BYTES)
  /** One written-out block kept for reuse: a part of many row groups then allocates no block per MiB. */
  private spare: Uint8Array<ArrayBuffer> | undefined
  private filled = 0
  private total = 0

  constructor(
    readonly finalPath: string,
    readonly temporaryPath: string,
    private readonly handle: FileSystem.File,
    private readonly fs: FileSystem.FileSystem
  ) {}

  /** Bytes handed to `write` so far: the file's size once drained. */
  get bytesWritten(): number {
    return this.total
  }

  /** Synchronous because the Parquet encoders call it from inside their synchronous encoding; copies `bytes`. */
  write(bytes: Uint8Array): void {
    let done = 0
    while (done < bytes.length) {
      const n = Math.min(bytes.length - done, this.block.length - this.filled)
      this.block.set(bytes.subarray(done, done + n), this.filled)
      this.filled += n
      done += n
      if (this.filled === this.block.length) {
        this.full.push(this.block)
        this.block = this.spare ?? new Uint8Array(DURABLE_BLOCK_BYTES)
        this.spare = undefined
        this.filled = 0
      }
    }
    this.total += bytes.length
  }

  /** Writes out every full block; the block being filled waits for more bytes or for `commit`. */
  drain(): Effect.Effect<void, ParquetWriteError> {
    return Effect.suspend(() => {
      const blocks = this.full.splice(0)
      return Effect.forEach(blocks, (block) =>
        Effect.map(this.handle.writeAll(block), () => {
          this.spare = block
        }), { discard: true })
    }).pipe(Effect.mapError(failing(this.finalPath, `could not write to the temporary file ${this.temporaryPath}`)))
  }

  /**
   * Publishes the file: write what is pending, fsync, rename over the final path, fsync the folder. Returns the
   * file's size. Uninterruptible so that the scope never closes the file while an fsync on it is running.
   */
  commit(): Effect.Effect<number, ParquetWriteError> {
    return this.drain().pipe(
      Effect.andThen(Effect.suspend(() => {
        const rest = this.block.subarray(0, this.filled)
        this.filled = 0
        return this.handle.writeAll(rest)
      }).pipe(Effect.mapError(failing(this.finalPath, `could not write to the temporary file ${this.temporaryPath}`)))),
      Effect.andThen(this.handle.sync.pipe(Effect.mapError(failing(this.finalPath, `could not fsync the temporary file ${this.temporaryPath}`)))),
      Effect.andThen(this.fs.rename(this.temporaryPath, this.finalPath).pipe(
        Effect.mapError(failing(this.finalPath, "could not rename its temporary file to the final path"))
      )),
      Effect.andThen(syncFolder(this.fs, path.dirname(this.finalPath)).pipe(
        Effect.mapError(failing(this.finalPath, `could not fsync the folder ${path.dirname(this.finalPath)}`))
      )),
      Effect.map(() => this.total),
      Effect.uninterruptible
    )
  }
}

/**
 * Creates the temporary file (exclusively: an existing name is never overwritten) for the life of the scope, which
 * then closes it and deletes the temporary name (a no-op after a commit). Fails with ParquetWriteError carrying
 * `finalPath` if the folder is missing or not writable.
 */
export const openDurableFile = (finalPath: string): Effect.Effect<DurableFile, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const temporaryPath = temporaryPathFor(finalPath)
    // Registered before the open so that it runs after the file is closed.
    yield* Effect.addFinalizer(() =>
      fs.remove(temporaryPath, { force: true }).pipe(
        Effect.catch((cause) => Effect.logWarning(`could not delete the temporary file ${temporaryPath}`, cause))
      )
    )
    // Node's open errors name the path themselves, so this reason need not.
    const handle = yield* fs.open(temporaryPath, { flag: "wx" }).pipe(Effect.mapError(failing(finalPath, "could not create its temporary file")))
    return new DurableFile(finalPath, temporaryPath, handle, fs)
  })

/** Writes `text` to `finalPath` atomically and durably: complete new content or the previous one, never a mix. */
export const replaceFile = (finalPath: string, text: string): Effect.Effect<void, ParquetWriteError, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const file = yield* openDurableFile(finalPath)
    file.write(new TextEncoder().encode(text))
    yield* file.commit()
  }))
