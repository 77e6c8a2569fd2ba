/**
 * Product sets of the two programs, compared as the product contract says: sets of (smiles, generation), both
 * sides' SMILES re-canonicalized with one RDKit (the WebAssembly one molexpand uses).
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as readline from "node:readline"
import rdkitPackage from "@rdkit/rdkit"
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet"

/** `smiles<TAB>generation` strings of molexpand's dataset: every part in OUTPUT/products/, in name order. */
export const readParquetProducts = async (output) => {
  const folder = path.join(output, "products")
  const parts = fs.readdirSync(folder).filter((name) => /^part-\d+\.parquet$/.test(name)).sort()
  const out = []
  for (const part of parts) {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(folder, part)), columns: ["smiles", "generation"] })
    for (const row of rows) out.push(`${row.smiles}\t${Number(row.generation)}`)
  }
  return out
}

/** `smiles<TAB>generation` strings of a TSV whose first two columns are smiles and generation. */
export const readTsvProducts = async (file) => {
  const out = []
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.length === 0) continue
    const first = line.indexOf("\t")
    const second = line.indexOf("\t", first + 1)
    out.push(second < 0 ? line : line.slice(0, second))
  }
  return out
}

/** An order-free digest of a product list and its distinct count, to check that repeated runs agree. */
export const digestProducts = (items) => {
  const distinct = [...new Set(items)].sort()
  const hash = createHash("sha256")
  for (const item of distinct) hash.update(item).update("\n")
  return { count: items.length, distinct: distinct.length, sha256: hash.digest("hex") }
}

let rdkitModule
export const loadRdkit = async () => (rdkitModule ??= await rdkitPackage.default())

/** RDKit WASM's canonical SMILES of `smiles`, or null where it does not parse. */
const canonicalizer = (RD) => {
  const cache = new Map()
  return (smiles) => {
    let key = cache.get(smiles)
    if (key !== undefined) return key
    let mol = null
    try {
      mol = RD.get_mol(smiles)
      key = mol !== null && mol.is_valid() ? mol.get_smiles() : null
    } catch {
      key = null
    } finally {
      mol?.delete()
    }
    cache.set(smiles, key)
    return key
  }
}

/**
 * Compares two product lists (`smiles<TAB>generation` strings) after re-canonicalizing every SMILES with RDKit WASM.
 * Returns the counts, how many keys the re-canonicalization changed on each side, and the differences.
 */
export const compareProductSets = async (left, right) => {
  const RD = await loadRdkit()
  const canon = canonicalizer(RD)
  const recanon = (items) => {
    const set = new Set()
    let changed = 0
    let unparsable = 0
    for (const item of items) {
      const tab = item.lastIndexOf("\t")
      const smiles = item.slice(0, tab)
      const key = canon(smiles)
      if (key === null) unparsable++
      else if (key !== smiles) changed++
      set.add(`${key ?? `UNPARSABLE:${smiles}`}\t${item.slice(tab + 1)}`)
    }
    return { set, changed, unparsable }
  }
  const a = recanon(left)
  const b = recanon(right)
  const onlyLeft = [...a.set].filter((item) => !b.set.has(item)).sort()
  const onlyRight = [...b.set].filter((item) => !a.set.has(item)).sort()
  return {
    equal: onlyLeft.length === 0 && onlyRight.length === 0,
    left: { rows: left.length, distinct: a.set.size, changedByRecanonicalization: a.changed, unparsable: a.unparsable },
    right: { rows: right.length, distinct: b.set.size, changedByRecanonicalization: b.changed, unparsable: b.unparsable },
    onlyLeft,
    onlyRight
  }
}
