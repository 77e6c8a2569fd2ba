/** Reads a run's products and reaction network back with hyparquet (a reader independent of both writers). */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { parquetMetadata, parquetReadObjects } from "hyparquet"

export interface ProductRow {
  readonly smiles: string
  readonly generation: number
  readonly parent: string
  readonly root_id: string
  readonly rule: string
}

const arrayBufferOf = (file: string): ArrayBuffer => {
  const bytes = fs.readFileSync(file)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

export const readProducts = async (file: string): Promise<Array<ProductRow>> =>
  (await parquetReadObjects({ file: arrayBufferOf(file) })) as Array<ProductRow>

export const rowGroupSizes = (file: string): Array<number> =>
  parquetMetadata(arrayBufferOf(file)).row_groups.map((group) => Number(group.num_rows))

/** A run's part files, in order. */
export const partFiles = (output: string): Array<string> => {
  const folder = path.join(output, "products")
  return fs.readdirSync(folder).filter((name) => name.endsWith(".parquet")).sort().map((name) => path.join(folder, name))
}

/** Every product of a run, read from its parts. */
export const readRunProducts = async (output: string): Promise<Array<ProductRow>> => {
  const rows: Array<ProductRow> = []
  for (const file of partFiles(output)) rows.push(...(await readProducts(file)))
  return rows
}

/** The sizes of a run's row groups, part after part. */
export const runRowGroupSizes = (output: string): Array<number> => partFiles(output).flatMap(rowGroupSizes)

/** An edge of the reaction network as the reference writes it: `reactant<TAB>rule<TAB>product<TAB>generation`. */
export interface EdgeRow {
  readonly reactant: string
  readonly rule: string
  readonly product: string
  readonly generation: number
}

/** Every edge of a run's reaction network, read from its parts (or from one merged file). */
export const readRunEdges = async (output: string, file?: string): Promise<Array<EdgeRow>> => {
  const folder = path.join(output, "reactions")
  const files = file === undefined
    ? fs.readdirSync(folder).filter((name) => name.endsWith(".parquet")).sort().map((name) => path.join(folder, name))
    : [file]
  const rows: Array<EdgeRow> = []
  for (const part of files) rows.push(...((await parquetReadObjects({ file: arrayBufferOf(part) })) as Array<EdgeRow>))
  return rows
}

/** The reference's edges (`reference_expand.py --edges`, gzipped). */
export const readReferenceEdges = (file: string): Array<EdgeRow> =>
  zlib.gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n").filter((line) => line.length > 0).map((line) => {
    const [reactant, rule, product, generation] = line.split("\t")
    return { reactant: reactant!, rule: rule!, product: product!, generation: Number(generation) }
  })

/** The reference format: `smiles<TAB>generation` lines. */
export const readReference = (file: string): Array<{ smiles: string; generation: number }> =>
  fs.readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0).map((line) => {
    const [smiles, generation] = line.split("\t")
    return { smiles: smiles!, generation: Number(generation) }
  })
