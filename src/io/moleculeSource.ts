/**
 * Molecules read as a stream: input files (SMILES, CSV, TSV, each optionally gzipped) or SMILES given in memory,
 * turned into `Record` items for the run and `Rejected` items for the quarantine, never held whole in memory.
 *
 * A file is read in chunks and split into lines on bytes, so that a line's length can be bounded before it is
 * decoded and a line that is not UTF-8 can be told apart from one that is. A bad line becomes a `Rejected` item and
 * the lines around it still come through; only a file that cannot be opened or read fails the stream.
 */
import { isUtf8 } from "node:buffer"
import * as fs from "node:fs/promises"
import { pipeline, type Readable } from "node:stream"
import * as zlib from "node:zlib"
import { Effect, Result, type Scope, Stream } from "effect"
import { isReadonlyArrayNonEmpty, type NonEmptyReadonlyArray } from "effect/Array"
import { READ_CHUNK_BYTES, scanFile } from "./fileScan.js"
import { InputFileError } from "./inputErrors.js"
import { countParquetRows, isParquetInput, readParquetMolecules } from "./parquetSource.js"
import { makeSdfParser, RECORD_END } from "./sdf.js"

export interface InputRecord {
  readonly line: number
  readonly id: string
  /** What RDKit reads: a SMILES, or an SD record's molfile. */
  readonly smiles: string
  /** How the quarantine names the record when RDKit rejects it, where its text is not one line (an SD record). */
  readonly label?: string | undefined
}
export interface RejectedLine { readonly line: number; readonly text: string; readonly reason: string }
export type InputItem =
  | { readonly _tag: "Record"; readonly record: InputRecord }
  | { readonly _tag: "Rejected"; readonly rejected: RejectedLine }
export interface SourceOptions {
  readonly smilesColumn: string
  readonly idColumn: string
  /** The SD data item that holds an SD record's id; absent: its title line. */
  readonly idField: string | undefined
}

/**
 * The longest line kept, in bytes. The largest natural-product SMILES are a few kilobytes; a line over 1 MiB is a
 * broken or binary file, and holding it whole would defeat the reader's bounded memory.
 */
export const MAX_LINE_BYTES = 1024 * 1024
/** Text kept of an over-long or binary line: enough to find it in the file, not a megabyte of junk in the quarantine. */
export const REJECTED_TEXT_CHARS = 200
/** UTF-8 spends at most 4 bytes on a character, so this many bytes hold the first `REJECTED_TEXT_CHARS` characters. */
const PREVIEW_BYTES = REJECTED_TEXT_CHARS * 4

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])
/**
 * C0 controls and DEL never occur in SMILES or ids; they mean binary data (tab separates fields, a line's final
 * CR is already cut off).
 */
const CONTROL_CHARACTER = /[\x00-\x08\x0b-\x1f\x7f]/
const WHITESPACE_RUN = /[ \t]+/

type Format = "smi" | "csv" | "tsv" | "sdf"

/** A Map, not an object literal: a file named `x.constructor` must not find `Object.prototype.constructor`. */
const formatsByExtension: ReadonlyMap<string, Format> = new Map([
  ["smi", "smi"],
  ["smiles", "smi"],
  ["txt", "smi"],
  ["csv", "csv"],
  ["tsv", "tsv"],
  ["sdf", "sdf"],
  ["sd", "sdf"]
])

interface FileKind { readonly format: Format; readonly gzipped: boolean }

const fileKind = (path: string): FileKind | undefined => {
  const parts = path.toLowerCase().split(/[\\/]/).pop()?.split(".") ?? []
  const gzipped = parts.length > 2 && parts[parts.length - 1] === "gz"
  const extension = parts.length > 1 ? parts[parts.length - (gzipped ? 2 : 1)] : undefined
  const format = extension === undefined ? undefined : formatsByExtension.get(extension)
  return format === undefined ? undefined : { format, gzipped }
}

const unsupportedExtension = (path: string): InputFileError =>
  new InputFileError({
    path,
    reason: "unsupported file extension (use .smi, .smiles, .txt, .csv, .tsv or .sdf, optionally followed by .gz, or .parquet, or a folder of .parquet files)"
  })

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

const describeError = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error)
  switch (errorCode(error)) {
    case "ENOENT":
      return "the file does not exist"
    case "EACCES":
    case "EPERM":
      return "permission denied"
    case "EISDIR":
      return "it is a directory"
    case "Z_DATA_ERROR":
    case "Z_BUF_ERROR":
      return `not valid gzip data (${message})`
    default:
      return message
  }
}

const toInputFileError = (path: string) => (error: unknown): InputFileError =>
  error instanceof InputFileError ? error : new InputFileError({ path, reason: describeError(error) })

/** An open file as bytes, gunzipped if need be, and the way to close everything behind it. */
interface ByteSource { readonly bytes: AsyncIterable<Buffer>; readonly close: () => Promise<void> }

/** Resolves once the stream's file descriptor is closed, so that closing is finished when the stream's scope is. */
const destroyAndWait = (stream: Readable): Promise<void> =>
  stream.closed ? Promise.resolve() : new Promise((resolve) => {
    stream.once("close", resolve)
    stream.destroy()
  })

/**
 * Opening the file first (rather than letting a read stream open it) turns a missing or unreadable file into a
 * typed failure before any stream event fires, so no error event can go unheard.
 */
const openBytes = (path: string, gzipped: boolean): Effect.Effect<ByteSource, InputFileError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async (): Promise<ByteSource> => {
        const handle = await fs.open(path, "r")
        const file = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES })
        if (!gzipped) return { bytes: file, close: () => destroyAndWait(file) }
        const gunzip = zlib.createGunzip()
        // pipeline destroys the gunzip stream with any read or inflate error, so iterating it rethrows that error;
        // the callback only has to exist.
        const inflated: Readable = pipeline(file, gunzip, () => undefined)
        return { bytes: inflated, close: () => Promise.all([destroyAndWait(gunzip), destroyAndWait(file)]).then(() => undefined) }
      },
      catch: toInputFileError(path)
    }),
    (source) => Effect.promise(source.close)
  )

/** One physical line as bytes; `overLong` lines keep only their first `PREVIEW_BYTES`. */
interface RawLine { readonly line: number; readonly bytes: Buffer; readonly overLong: boolean }

/**
 * Splits chunks into lines. A line that runs past `MAX_LINE_BYTES` is cut to its preview and the rest of it is
 * dropped as it arrives, so what is held never exceeds `MAX_LINE_BYTES` plus one chunk.
 */
class LineSplitter {
  private lineNumber = 0
  private pending: Array<Buffer> = []
  private pendingBytes = 0
  private overLong = false

  push(chunk: Buffer, emit: (line: RawLine) => void): void {
    let start = 0
    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      if (this.pendingBytes === 0 && !this.overLong) {
        emit({ line: ++this.lineNumber, bytes: chunk.subarray(start, newline), overLong: false })
      } else {
        this.hold(chunk.subarray(start, newline))
        emit(this.takePending())
      }
      start = newline + 1
    }
    if (start < chunk.length) this.hold(chunk.subarray(start))
  }

  /** The last line, when the file does not end with a newline. */
  end(emit: (line: RawLine) => void): void {
    if (this.pendingBytes > 0 || this.overLong) emit(this.takePending())
  }

  private hold(piece: Buffer): void {
    if (this.overLong) return
    if (this.pendingBytes + piece.length <= MAX_LINE_BYTES) {
      this.pending.push(piece)
      this.pendingBytes += piece.length
      return
    }
    // Copied so that the preview does not keep the chunks it was cut from alive.
    const preview = Buffer.from(Buffer.concat([...this.pending, piece]).subarray(0, PREVIEW_BYTES))
    this.pending = [preview]
    this.pendingBytes = preview.length
    this.overLong = true
  }

  private takePending(): RawLine {
    const line: RawLine = { line: ++this.lineNumber, bytes: Buffer.concat(this.pending), overLong: this.overLong }
    this.pending = []
    this.pendingBytes = 0
    this.overLong = false
    return line
  }
}

const record = (line: number, smiles: string, id: string): InputItem =>
  ({ _tag: "Record", record: { line, id: id === "" ? String(line) : id, smiles } })

const rejected = (line: number, text: string, reason: string): InputItem =>
  ({ _tag: "Rejected", rejected: { line, text, reason } })

const controlCharacterReason = (text: string): string | undefined => {
  const found = CONTROL_CHARACTER.exec(text)
  if (found === null) return undefined
  const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")
  return `contains control character U+${code} at column ${found.index + 1} (binary data?)`
}

/** A line's text, or the rejection of a line that is too long, not UTF-8 or binary. */
const decodeLine = (raw: RawLine): Result.Result<string, RejectedLine> => {
  let bytes = raw.bytes
  if (raw.line === 1 && bytes.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) bytes = bytes.subarray(UTF8_BOM.length)
  if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, -1)
  const preview = (): string => bytes.subarray(0, PREVIEW_BYTES).toString("utf8").slice(0, REJECTED_TEXT_CHARS)
  const refuse = (reason: string) => Result.fail({ line: raw.line, text: preview(), reason })
  if (raw.overLong) return refuse(`line is longer than ${MAX_LINE_BYTES} bytes`)
  if (!isUtf8(bytes)) return refuse("not valid UTF-8 text (binary data?)")
  const text = bytes.toString("utf8")
  const control = controlCharacterReason(text)
  return control === undefined ? Result.succeed(text) : refuse(control)
}

/**
 * Turns a file's decoded lines into items: an item for a line, or for a record of several lines (SD files), or
 * `undefined` for a line that carries no molecule (yet). A line that could not be decoded is handed over as it was
 * rejected, and the parser says what it spoils; at the file's end, `end` gives what is left.
 */
interface LineParser {
  readonly line: (line: number, text: string) => InputItem | undefined
  readonly rejectLine: (rejected: RejectedLine) => InputItem | undefined
  readonly end: () => InputItem | undefined
}

/** A parser of one item per line: blank lines carry nothing, and a line that could not be read is its own rejection. */
const perLine = (parse: (line: number, text: string) => InputItem | undefined): LineParser => ({
  line: (line, text) => (text.trim() === "" ? undefined : parse(line, text)),
  rejectLine: (rejected) => ({ _tag: "Rejected", rejected }),
  end: () => undefined
})

const parseSmiLine = (line: number, text: string): InputItem | undefined => {
  const trimmed = text.trim()
  if (trimmed.startsWith("#")) return undefined
  const [smiles = "", id = ""] = trimmed.split(WHITESPACE_RUN)
  return record(line, smiles, id)
}

/**
 * RFC 4180 fields of one line: `"` quotes a field, `""` inside quotes is one `"`. Our inputs keep a record on one
 * line, so a quote left open at the end of the line is an error, not a field continued on the next line.
 */
const splitCsvLine = (text: string): Result.Result<Array<string>, string> => {
  const fields: Array<string> = []
  let position = 0
  for (;;) {
    if (text[position] === "\"") {
      let value = ""
      let from = position + 1
      for (;;) {
        const quote = text.indexOf("\"", from)
        if (quote === -1) {
          return Result.fail(`unclosed quote in field ${fields.length + 1} (a quoted field may not span lines)`)
        }
        value += text.slice(from, quote)
        if (text[quote + 1] !== "\"") {
          position = quote + 1
          break
        }
        value += "\""
        from = quote + 2
      }
      if (position < text.length && text[position] !== ",") {
        return Result.fail(`unexpected text after the closing quote of field ${fields.length + 1}`)
      }
      fields.push(value)
    } else {
      const comma = text.indexOf(",", position)
      const end = comma === -1 ? text.length : comma
      fields.push(text.slice(position, end))
      position = end
    }
    if (position >= text.length) return Result.succeed(fields)
    position += 1
  }
}

const splitTsvLine = (text: string): Result.Result<Array<string>, string> => Result.succeed(text.split("\t"))

const findColumn = (header: ReadonlyArray<string>, name: string): number => {
  const exact = header.indexOf(name)
  if (exact !== -1) return exact
  // A header written `SMILES` or `Id` still means the default columns; only an exact match decides between several.
  const folded = header.flatMap((column, index) => column.toLowerCase() === name.toLowerCase() ? [index] : [])
  return folded.length === 1 && folded[0] !== undefined ? folded[0] : -1
}

/**
 * A parser for delimited files: the first non-blank line is the header and picks the columns; each later line
 * must have as many fields as the header.
 */
const makeTableParser = (
  path: string,
  split: (text: string) => Result.Result<Array<string>, string>,
  options: SourceOptions
): ((line: number, text: string) => InputItem | undefined) => {
  let columns: { readonly count: number; readonly smiles: number; readonly id: number } | undefined
  return (line, text) => {
    const fields = split(text)
    if (columns === undefined) {
      if (Result.isFailure(fields)) {
        throw new InputFileError({ path, reason: `the header on line ${line} cannot be read: ${fields.failure}` })
      }
      const header = fields.success.map((column) => column.trim())
      const smiles = findColumn(header, options.smilesColumn)
      if (smiles === -1) {
        const found = header.map((column) => JSON.stringify(column)).join(", ")
        throw new InputFileError({
          path,
          reason: `the header on line ${line} has no column ${JSON.stringify(options.smilesColumn)} (found ${found})`
        })
      }
      columns = { count: header.length, smiles, id: findColumn(header, options.idColumn) }
      return undefined
    }
    if (Result.isFailure(fields)) return rejected(line, text, fields.failure)
    if (fields.success.length !== columns.count) {
      return rejected(line, text, `expected ${columns.count} fields as in the header, found ${fields.success.length}`)
    }
    const smiles = fields.success[columns.smiles]?.trim() ?? ""
    if (smiles === "") return rejected(line, text, "empty SMILES")
    return record(line, smiles, columns.id === -1 ? "" : fields.success[columns.id]?.trim() ?? "")
  }
}

const makeLineParser = (path: string, format: Format, options: SourceOptions): LineParser => {
  switch (format) {
    case "smi":
      return perLine(parseSmiLine)
    case "csv":
      return perLine(makeTableParser(path, splitCsvLine, options))
    case "tsv":
      return perLine(makeTableParser(path, splitTsvLine, options))
    case "sdf":
      return makeSdfParser(options.idField)
  }
}

/** Items chunk by chunk: one array per read keeps the per-item cost of the stream low on millions of lines. */
async function* itemChunks(
  bytes: AsyncIterable<Buffer>,
  parse: LineParser
): AsyncGenerator<NonEmptyReadonlyArray<InputItem>> {
  const splitter = new LineSplitter()
  let items: Array<InputItem> = []
  const emit = (raw: RawLine): void => {
    const decoded = decodeLine(raw)
    const item = Result.isFailure(decoded) ? parse.rejectLine(decoded.failure) : parse.line(raw.line, decoded.success)
    if (item !== undefined) items.push(item)
  }
  const flush = (): NonEmptyReadonlyArray<InputItem> | undefined => {
    const ready = items
    items = []
    return isReadonlyArrayNonEmpty(ready) ? ready : undefined
  }
  for await (const chunk of bytes) {
    splitter.push(chunk, emit)
    const ready = flush()
    if (ready !== undefined) yield ready
  }
  splitter.end(emit)
  const left = parse.end()
  if (left !== undefined) items.push(left)
  const last = flush()
  if (last !== undefined) yield last
}

/**
 * Molecules from a file, read lazily: the file is opened when the stream runs and closed when it ends, fails or
 * is interrupted. Format by extension: `.smi`/`.smiles`/`.txt` (`smiles [id]`, whitespace separated, `#` comments),
 * `.csv`/`.tsv` (header row; columns named by `options`), `.sdf`/`.sd` (see `sdf.ts`), each optionally `.gz`; and
 * Parquet, a file or a folder of parts (see `parquetSource.ts`). A record without an id gets its 1-based line (an SD
 * record its number, a Parquet row its position) as id.
 */
export const readMoleculeFile = (path: string, options: SourceOptions): Stream.Stream<InputItem, InputFileError> =>
  Stream.suspend(() => {
    if (isParquetInput(path)) return readParquetMolecules(path, options)
    const kind = fileKind(path)
    if (kind === undefined) return Stream.fail(unsupportedExtension(path))
    return Stream.unwrap(Effect.map(openBytes(path, kind.gzipped), (source) =>
      Stream.fromAsyncIterable(itemChunks(source.bytes, makeLineParser(path, kind.format, options)), toInputFileError(path))
        .pipe(Stream.flattenArray)))
  })

const inMemoryItem = (smiles: string, position: number): InputItem => {
  const trimmed = smiles.trim()
  if (Buffer.byteLength(trimmed) > MAX_LINE_BYTES) {
    return rejected(position, trimmed.slice(0, REJECTED_TEXT_CHARS), `SMILES is longer than ${MAX_LINE_BYTES} bytes`)
  }
  if (trimmed === "") return rejected(position, smiles, "empty SMILES")
  const control = controlCharacterReason(trimmed)
  if (control !== undefined) return rejected(position, trimmed.slice(0, REJECTED_TEXT_CHARS), control)
  return record(position, trimmed, String(position))
}

function* numberedItems(smiles: Iterable<string>): Generator<InputItem> {
  let position = 0
  for (const one of smiles) yield inMemoryItem(one, ++position)
}

async function* numberedItemsAsync(smiles: AsyncIterable<string>): AsyncGenerator<InputItem> {
  let position = 0
  for await (const one of smiles) yield inMemoryItem(one, ++position)
}

const isAsyncIterable = (value: Iterable<string> | AsyncIterable<string>): value is AsyncIterable<string> =>
  Symbol.asyncIterator in value

/**
 * Molecules given in memory (library API): an array or async iterable of SMILES; ids are their 1-based positions.
 * A lone string is one SMILES: as an `Iterable<string>` it would otherwise be read character by character.
 * The caller's async iterable failing is a defect of the caller, not a bad molecule, so it dies.
 */
export const readMoleculeIterable = (smiles: Iterable<string> | AsyncIterable<string>): Stream.Stream<InputItem> =>
  Stream.suspend(() => {
    if (typeof smiles === "string") return Stream.fromIterable(numberedItems([smiles]))
    if (isAsyncIterable(smiles)) return Stream.orDie(Stream.fromAsyncIterable(numberedItemsAsync(smiles), (error) => error))
    return Stream.fromIterable(numberedItems(smiles))
  })

/** Counts the lines of bytes given piece by piece: its newlines, and a last line that has none. */
const lineCounter = () => {
  let lines = 0
  let last = NEWLINE
  return {
    add: (bytes: Uint8Array) => {
      for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines += 1
      if (bytes.length > 0) last = bytes[bytes.length - 1]!
    },
    total: () => (last === NEWLINE ? lines : lines + 1)
  }
}

/** Counts the lines of bytes that end an SD record (`$$$$`), given piece by piece. */
const recordCounter = () => {
  const marker = Buffer.from(`\n${RECORD_END}`)
  let records = 0
  let tail = Buffer.from("\n")
  return {
    add: (bytes: Uint8Array) => {
      // The marker may straddle two pieces: search the last few bytes of the previous one with this one.
      const joined = Buffer.concat([tail, bytes])
      for (let at = joined.indexOf(marker); at !== -1; at = joined.indexOf(marker, at + 1)) {
        if (at + marker.length > tail.length) records += 1
      }
      tail = joined.subarray(Math.max(0, joined.length - marker.length))
    },
    total: () => records
  }
}

/**
 * How many items a file holds, for progress totals, counted without decoding: its physical lines (header, comments
 * and blank lines included), an SD file's records, a Parquet input's rows. A plain file is scanned through one reused
 * buffer (`fileScan.ts`); inflating a gzipped one allocates zlib's output as it goes, which the collector reclaims.
 */
export const countItems = (path: string): Effect.Effect<number, InputFileError> =>
  Effect.suspend(() => {
    if (isParquetInput(path)) return countParquetRows(path)
    const kind = fileKind(path)
    if (kind === undefined) return Effect.fail(unsupportedExtension(path))
    const counter = kind.format === "sdf" ? recordCounter() : lineCounter()
    const counted = kind.gzipped
      ? Effect.scoped(Effect.flatMap(openBytes(path, true), (source) =>
        Effect.tryPromise({
          try: async () => {
            for await (const chunk of source.bytes) counter.add(chunk)
          },
          catch: toInputFileError(path)
        })))
      : Effect.mapError(scanFile(path, counter.add), toInputFileError(path))
    return Effect.map(counted, counter.total)
  })
