/** DuckDB as an independent reader of the output. */
import * as fs from "node:fs"
import * as path from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"

export const withDuckDB = async <A>(use: (query: (sql: string) => Promise<Array<Array<unknown>>>) => Promise<A>): Promise<A> => {
  const connection = await (await DuckDBInstance.create()).connect()
  try {
    return await use(async (sql) => (await connection.runAndReadAll(sql)).getRows() as Array<Array<unknown>>)
  } finally {
    connection.closeSync()
  }
}

/** Every `.parquet` file under a folder, recursively. */
export const parquetFiles = (folder: string): Array<string> =>
  fs.readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".parquet"))
    .map((name) => path.join(folder, name))

/** Rows of each Parquet file under `folder`, as DuckDB reads them; throws if any file is unreadable. */
export const readableRowCounts = (folder: string) =>
  withDuckDB(async (query) => {
    const counts: Array<number> = []
    for (const file of parquetFiles(folder)) {
      counts.push(Number((await query(`select count(*) from read_parquet('${file}')`))[0]![0]))
    }
    return counts
  })

/** All edges of a run's reaction network parts: `reactant, rule, product, generation` entries, and how many rows. */
export const datasetEdges = (output: string) =>
  withDuckDB(async (query) => {
    const glob = path.join(output, "reactions", "*.parquet")
    const rows = await query(`select reactant, rule, product, generation from read_parquet('${glob}')`)
    return { rows: rows.length, set: new Set(rows.map((row) => row.map(String).join("\t"))) }
  })

/** All products of a run's parts: the (smiles, generation) set and whether any key repeats. */
export const datasetProducts = (output: string) =>
  withDuckDB(async (query) => {
    const glob = path.join(output, "products", "*.parquet")
    const rows = await query(`select smiles, generation from read_parquet('${glob}')`)
    const entries = rows.map(([smiles, generation]) => `${String(smiles)}\t${Number(generation)}`)
    return { rows: entries.length, set: new Set(entries), distinctSmiles: new Set(rows.map(([smiles]) => String(smiles))).size }
  })
