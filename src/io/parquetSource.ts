/**
 * Molecules from Parquet: a `.parquet` file, or a folder of them (read in name order), such as a previous run's
 * `products/`. The SMILES and id columns are `--smiles-column` and `--id-column`; rows are read one row group at a
 * time, never a whole file. A row's position (1-based, across the files) stands for its line.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Stream } from "effect"
import { InputFileError } from "./inputErrors.js"
import type { InputItem, SourceOptions } from "./moleculeSource.js"
import { parquetLayout, parquetRowGroups } from "./parquetRows.js"

const PARQUET_EXTENSION = ".parquet"

/** A `.parquet` file, or a folder (of Parquet parts). */
export const isParquetInput = (input: string): boolean => {
  if (input.toLowerCase().endsWith(PARQUET_EXTENSION)) return true
  try {
    return fs.statSync(input).isDirectory()
  } catch {
    return false
  }
}

/** The files of a Parquet input, in the order they are read. */
export const parquetFilesOf = (input: string): Array<string> =>
  fs.statSync(input).isDirectory()
    ? fs.readdirSync(input).filter((name) => name.toLowerCase().endsWith(PARQUET_EXTENSION)).sort().map((name) => path.join(input, name))
    : [input]

const readFailure = (input: string) => (cause: unknown) =>
  cause instanceof InputFileError ? cause : new InputFileError({ path: input, reason: `cannot read it as Parquet: ${cause instanceof Error ? cause.message : String(cause)}` })

/** The input's files, failing when a folder holds none. */
const filesOrFail = (input: string) =>
  Effect.try({
    try: () => {
      const files = parquetFilesOf(input)
      if (files.length === 0) throw new InputFileError({ path: input, reason: "the folder holds no .parquet file" })
      return files
    },
    catch: readFailure(input)
  })

/** Checks that a file has the SMILES column, and says whether it has the id column. */
const columnsOf = (file: string, options: SourceOptions) =>
  Effect.tryPromise({
    try: async () => {
      const { columns } = await parquetLayout(file)
      if (!columns.includes(options.smilesColumn)) {
        throw new InputFileError({
          path: file,
          reason: `no column ${JSON.stringify(options.smilesColumn)} (found ${columns.map((c) => JSON.stringify(c)).join(", ")}); choose one with --smiles-column`
        })
      }
      return columns.includes(options.idColumn) ? [options.smilesColumn, options.idColumn] : [options.smilesColumn]
    },
    catch: readFailure(file)
  })

/** A cell as text: UTF-8 columns come as strings, plain byte arrays as bytes. */
const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : value === undefined || value === null ? undefined : String(value)

const toItem = (row: Record<string, unknown>, position: number, options: SourceOptions): InputItem => {
  const smiles = text(row[options.smilesColumn])
  const id = text(row[options.idColumn])
  if (smiles === undefined || smiles.trim() === "") {
    return { _tag: "Rejected", rejected: { line: position, text: smiles ?? "", reason: "empty SMILES" } }
  }
  return { _tag: "Record", record: { line: position, id: id === undefined || id === "" ? String(position) : id, smiles: smiles.trim() } }
}

export const readParquetMolecules = (input: string, options: SourceOptions): Stream.Stream<InputItem, InputFileError> =>
  Stream.unwrap(Effect.map(filesOrFail(input), (files) => {
    let position = 0
    return Stream.fromIterable(files).pipe(
      Stream.flatMap((file) =>
        Stream.unwrap(Effect.map(columnsOf(file, options), (columns) =>
          Stream.fromAsyncIterable(parquetRowGroups(file, columns), readFailure(file)).pipe(
            Stream.map((rows) => rows.map((row) => toItem(row, ++position, options))),
            Stream.flattenIterable
          )))
      )
    )
  }))

/** Rows of a Parquet input, from the files' footers alone. */
export const countParquetRows = (input: string): Effect.Effect<number, InputFileError> =>
  Effect.flatMap(filesOrFail(input), (files) =>
    Effect.tryPromise({
      try: async () => {
        let rows = 0
        for (const file of files) rows += (await parquetLayout(file)).rows
        return rows
      },
      catch: readFailure(input)
    }))

/** Checks every file of a Parquet input for the SMILES column, so that a wrong column stops the run before any work. */
export const checkParquetInput = (input: string, options: SourceOptions): Effect.Effect<void, InputFileError> =>
  Effect.flatMap(filesOrFail(input), (files) => Effect.forEach(files, (file) => columnsOf(file, options), { discard: true }))
