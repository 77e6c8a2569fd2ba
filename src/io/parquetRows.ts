/**
 * A Parquet file read one row group at a time, never whole: its footer first, then each row group's rows as objects,
 * only the columns asked for. Used to read a run's parts back (resume, merge) and Parquet inputs.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet"

/** The file's footer: its columns (top level) and each row group's row count. */
export const parquetLayout = async (file: string) => {
  const buffer = await asyncBufferFromFile(file)
  const metadata = await parquetMetadataAsync(buffer)
  return {
    buffer,
    metadata,
    columns: parquetSchema(metadata).children.map((child) => child.element.name),
    rows: metadata.row_groups.reduce((total, group) => total + Number(group.num_rows), 0)
  }
}

/** Each row group's rows, in order, with `columns` only (every column when undefined). */
export async function* parquetRowGroups(
  file: string,
  columns: ReadonlyArray<string> | undefined
): AsyncGenerator<ReadonlyArray<Record<string, unknown>>> {
  const { buffer, metadata } = await parquetLayout(file)
  let rowStart = 0
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows)
    yield await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, ...(columns === undefined ? {} : { columns: [...columns] }) })
    rowStart = rowEnd
  }
}
