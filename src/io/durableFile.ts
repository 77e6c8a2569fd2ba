/**
 * A file written through a raw descriptor and a fixed-size buffer, made visible only by an atomic commit.
 *
 * Bytes go to a hidden temporary file in the final path's folder. `commit` flushes, fsyncs, closes, renames it over the
 * final path and fsyncs the folder, so the final path holds either its previous content or the complete new file.
 * If the scope closes before `commit` (failure or interruption), the finalizer closes the descriptor and deletes the
 * temporary file. Only a hard kill (SIGKILL, power loss) can leave a `.<name>.<pid>-<uuid>.tmp` file behind, and even
 * then never a partial file at the final path.
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { promisify } from "node:util"
import { Effect, type Scope } from "effect"
import { ParquetWriteError } from "./errors.js"

/**
 * One MiB: a 2,000-row group encodes to roughly 60 KB and its footer entries to thousands of few-byte Thrift fields,
 * so this turns them into one write syscall per MiB, while staying a fixed sliver of memory whatever the file's size.
 */
export const DURABLE_BUFFER_BYTES = 1024 * 1024

const openFd = promisify(fs.open)
const fsyncFd = promisify(fs.fsync)
const closeFd = promisify(fs.close)

/** Runs one fs call; any failure becomes a ParquetWriteError naming the final path and what was being done. */
const attempt = <A>(finalPath: string, reason: string, run: () => Promise<A>): Effect.Effect<A, ParquetWriteError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new ParquetWriteError({ path: finalPath, reason, cause }) })

/** Hidden (leading dot) so that globs like `*.parquet` never pick it up; pid and UUID keep concurrent runs apart. */
const temporaryPathFor = (finalPath: string): string =>
  path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${process.pid}-${randomUUID()}.tmp`)

/** A rename is durable only once the folder entry itself is on disk. */
const syncFolder = (finalPath: string): Effect.Effect<void, ParquetWriteError> => {
  const folder = path.dirname(finalPath)
  return attempt(finalPath, `could not fsync the folder ${folder}`, async () => {
    const fd = await openFd(folder, "r")
    try {
      await fsyncFd(fd)
    } finally {
      await closeFd(fd)
    }
  })
}

export class DurableFile {
  private readonly buffer = new Uint8Array(DURABLE_BUFFER_BYTES)
  private buffered = 0
  private flushed = 0
  /** Undefined once closed, so a late write fails instead of landing in whatever file reuses the number. */
  private fd: number | undefined

  constructor(
    readonly finalPath: string,
    readonly temporaryPath: string,
    fd: number
  ) {
    this.fd = fd
  }

  /** Bytes handed to `write` so far, buffered or not: the file's size once flushed. */
  get bytesWritten(): number {
    return this.flushed + this.buffered
  }

  /**
   * Synchronous because hyparquet-writer calls it from inside its synchronous encoder; throws ParquetWriteError.
   * Chunks at least as large as the buffer skip it, since copying them would only add a second pass over the bytes.
   */
  write(bytes: Uint8Array): void {
    if (bytes.length > this.buffer.length - this.buffered) {
      this.flushBuffer()
      if (bytes.length >= this.buffer.length) {
        this.writeFully(bytes)
        return
      }
    }
    this.buffer.set(bytes, this.buffered)
    this.buffered += bytes.length
  }

  /** Writes out the buffer and fsyncs: everything passed to `write` so far is on disk under the temporary name. */
  sync(): Effect.Effect<void, ParquetWriteError> {
    return Effect.try({
      try: () => {
        this.flushBuffer()
        return this.openDescriptor()
      },
      catch: (cause) => this.toError("could not flush the temporary file", cause)
    }).pipe(
      Effect.flatMap((fd) => attempt(this.finalPath, `could not fsync the temporary file ${this.temporaryPath}`, () => fsyncFd(fd)))
    )
  }

  /** Closes the descriptor without publishing anything; the scope's finalizer still deletes the temporary file. */
  close(): Effect.Effect<void, ParquetWriteError> {
    return Effect.suspend(() => {
      const fd = this.fd
      if (fd === undefined) return Effect.void
      this.fd = undefined
      return attempt(this.finalPath, `could not close the temporary file ${this.temporaryPath}`, () => closeFd(fd))
    })
  }

  /**
   * Publishes the file: flush, fsync, close, rename over the final path, fsync the folder. Returns the file's size.
   * Uninterruptible so that the finalizer never closes the descriptor while an fsync on it is still running.
   */
  commit(): Effect.Effect<number, ParquetWriteError> {
    return this.sync().pipe(
      Effect.andThen(this.close()),
      Effect.andThen(
        attempt(this.finalPath, "could not rename its temporary file to the final path", () =>
          fs.promises.rename(this.temporaryPath, this.finalPath)
        )
      ),
      Effect.andThen(syncFolder(this.finalPath)),
      Effect.map(() => this.bytesWritten),
      Effect.uninterruptible
    )
  }

  /** The scope's finalizer. After a successful commit the temporary name no longer exists, so this does nothing. */
  discard(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.fd !== undefined) {
        const fd = this.fd
        this.fd = undefined
        try {
          fs.closeSync(fd)
        } catch {
          // The file is being thrown away; a failed close loses nothing.
        }
      }
      try {
        fs.unlinkSync(this.temporaryPath)
        return Effect.void
      } catch (cause) {
        return (cause as NodeJS.ErrnoException).code === "ENOENT"
          ? Effect.void
          : Effect.logWarning(`could not delete the temporary file ${this.temporaryPath}`, cause)
      }
    })
  }

  private flushBuffer(): void {
    if (this.buffered === 0) return
    this.writeFully(this.buffer.subarray(0, this.buffered))
    this.buffered = 0
  }

  private writeFully(bytes: Uint8Array): void {
    const fd = this.openDescriptor()
    let done = 0
    try {
      // A write may store fewer bytes than asked (a signal, or a disk filling up) without throwing.
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done)
    } catch (cause) {
      throw this.toError(`could not write to the temporary file ${this.temporaryPath}`, cause)
    }
    this.flushed += bytes.length
  }

  private openDescriptor(): number {
    if (this.fd === undefined) throw this.toError("the temporary file is already closed", undefined)
    return this.fd
  }

  private toError(reason: string, cause: unknown): ParquetWriteError {
    return cause instanceof ParquetWriteError ? cause : new ParquetWriteError({ path: this.finalPath, reason, cause })
  }
}

/**
 * Creates the temporary file (exclusively: an existing name is never overwritten) and ties its removal to the scope.
 * Fails with ParquetWriteError carrying `finalPath` if the folder is missing or not writable.
 */
export const openDurableFile = (finalPath: string): Effect.Effect<DurableFile, ParquetWriteError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const temporaryPath = temporaryPathFor(finalPath)
      // Node's open and rename errors name the paths themselves, so these reasons need not.
      return attempt(finalPath, "could not create its temporary file", () => openFd(temporaryPath, "wx")).pipe(Effect.map((fd) => new DurableFile(finalPath, temporaryPath, fd)))
    }),
    (file) => file.discard()
  )
