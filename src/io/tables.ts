/**
 * The tables a run writes, as Parquet files see them: products (one row per new molecule) and, with `--reactions`,
 * the reaction network (one row per distinct edge). Each column names the field of the columnar rows that holds it,
 * its name in the file and its type, so that the row buffer, both Parquet writers and the merge of parts serve
 * either table without knowing which.
 */

/** UTF8 is written as BYTE_ARRAY with the UTF8 converted type and STRING logical type; generations are INT32. */
export type ColumnType = "utf8" | "int32"

/** Columnar rows: Parquet is columnar, and columns avoid one object per row. Every column has the same length. */
export type Rows = { readonly [field: string]: ReadonlyArray<string> | ReadonlyArray<number> }

export interface Column<R extends Rows> {
  readonly field: keyof R & string
  /** The column's name in the file. */
  readonly name: string
  readonly type: ColumnType
}

export interface Table<R extends Rows> {
  /** The table's name: its parts folder, and its single file's name with `--single-file`. */
  readonly name: string
  readonly columns: ReadonlyArray<Column<R>>
}

export type ProductRows = {
  /** Product key (canonical SMILES). */
  readonly smiles: ReadonlyArray<string>
  readonly generation: ReadonlyArray<number>
  /** The parent's key. */
  readonly parent: ReadonlyArray<string>
  /** Id of the input the product descends from. */
  readonly rootId: ReadonlyArray<string>
  readonly rule: ReadonlyArray<string>
}

export const productTable: Table<ProductRows> = {
  name: "products",
  columns: [
    { field: "smiles", name: "smiles", type: "utf8" },
    { field: "generation", name: "generation", type: "int32" },
    { field: "parent", name: "parent", type: "utf8" },
    { field: "rootId", name: "root_id", type: "utf8" },
    { field: "rule", name: "rule", type: "utf8" }
  ]
}

/**
 * Edges of the reaction network (the product contract's "The reaction network"): keys both ends. A rule set with
 * coreactants also names, for each edge, the coreactants its rule consumes and gives (IDs, `;`-joined, empty for a
 * rule on the molecule alone).
 */
export type ReactionRows = {
  readonly reactant: ReadonlyArray<string>
  readonly rule: ReadonlyArray<string>
  readonly product: ReadonlyArray<string>
  /** The generation whose expansion found the edge. */
  readonly generation: ReadonlyArray<number>
  readonly coreactantsIn: ReadonlyArray<string>
  readonly coreactantsOut: ReadonlyArray<string>
}

const edgeColumns: Table<ReactionRows>["columns"] = [
  { field: "reactant", name: "reactant", type: "utf8" },
  { field: "rule", name: "rule", type: "utf8" },
  { field: "product", name: "product", type: "utf8" },
  { field: "generation", name: "generation", type: "int32" }
]

/** The network's table: with the coreactant columns when the rule set has coreactants. */
export const reactionTableOf = (coreactants: boolean): Table<ReactionRows> =>
  coreactants
    ? {
      name: "reactions",
      columns: [
        ...edgeColumns,
        { field: "coreactantsIn", name: "coreactants_in", type: "utf8" },
        { field: "coreactantsOut", name: "coreactants_out", type: "utf8" }
      ]
    }
    : { name: "reactions", columns: edgeColumns }

/** The network's table without coreactant columns: its name and folder are the same either way. */
export const reactionTable = reactionTableOf(false)

/** How many rows `rows` holds: the length of the table's first column. */
export const rowCount = <R extends Rows>(table: Table<R>, rows: R): number => rows[table.columns[0]!.field]!.length
