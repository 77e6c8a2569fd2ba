/**
 * The part of parquetjs-lite 0.8.7 (untyped CommonJS) that parquetjsSink.ts uses. Its named exports are invisible to
 * Node's ESM loader (`module.exports = { a: b.c }`), so it is imported as a default export.
 */
declare module "parquetjs-lite" {
  namespace parquet {
    interface FieldDefinition {
      readonly type: "UTF8" | "INT32"
      readonly compression?: "UNCOMPRESSED" | "SNAPPY" | "GZIP"
      readonly optional?: boolean
    }

    interface WriterOptions {
      readonly rowGroupSize?: number
      /** Rows per data page. */
      readonly pageSize?: number
      readonly useDataPageV2?: boolean
    }

    class ParquetSchema {
      constructor(fields: Readonly<Record<string, FieldDefinition>>)
    }

    /** Encodes the file's sections and hands each one, in order, to `write`; throwing there fails the operation. */
    class ParquetEnvelopeWriter {
      constructor(
        schema: ParquetSchema,
        write: (bytes: Uint8Array) => void,
        close: () => void,
        fileOffset: number,
        opts: WriterOptions
      )
    }

    class ParquetWriter {
      /** Writes the `PAR1` header through the envelope writer. */
      constructor(schema: ParquetSchema, envelopeWriter: ParquetEnvelopeWriter, opts: WriterOptions)
      /** Buffers the row; encodes and writes a row group once `rowGroupSize` rows are buffered. Must be awaited. */
      appendRow(row: Readonly<Record<string, string | number>>): Promise<void>
      setRowGroupSize(rows: number): void
      /** Writes any buffered rows, the indexes and the footer, then calls the envelope writer's `close`. */
      close(): Promise<void>
    }
  }

  export = parquet
}
