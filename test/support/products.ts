/** Reads a run's products back with hyparquet (a reader independent of both writers). */
import * as fs from "node:fs"
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

/** The reference format: `smiles<TAB>generation` lines. */
export const readReference = (file: string): Array<{ smiles: string; generation: number }> =>
  fs.readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0).map((line) => {
    const [smiles, generation] = line.split("\t")
    return { smiles: smiles!, generation: Number(generation) }
  })
