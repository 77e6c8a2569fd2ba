// Compares a run's products with a reference TSV (smiles<TAB>generation) after re-canonicalizing both sides with
// the same RDKit (WebAssembly). Prints counts and every difference with the product's parent, rule and root.
// Usage: node bench/lib/compare-reference.mjs OUTPUT_DIR REFERENCE.tsv
import * as fs from "node:fs"
import * as path from "node:path"
import { parquetReadObjects } from "hyparquet"
import rdkitPackage from "@rdkit/rdkit"

const [output, reference] = process.argv.slice(2)
const RD = await rdkitPackage.default()
const canonical = (smiles) => {
  const mol = RD.get_mol(smiles)
  if (mol === null) return `unparsable:${smiles}`
  const key = mol.get_smiles()
  mol.delete()
  return key
}
const ours = new Map()
const folder = path.join(output, "products")
for (const name of fs.readdirSync(folder).filter((n) => n.endsWith(".parquet")).sort()) {
  const bytes = fs.readFileSync(path.join(folder, name))
  const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })
  for (const row of rows) ours.set(`${canonical(row.smiles)}\t${row.generation}`, row)
}
const theirs = new Set(
  fs.readFileSync(reference, "utf8").split("\n").filter(Boolean).map((line) => {
    const [smiles, generation] = line.split("\t")
    return `${canonical(smiles)}\t${generation}`
  })
)
const extra = [...ours.keys()].filter((entry) => !theirs.has(entry))
const missing = [...theirs].filter((entry) => !ours.has(entry))
console.log(`ours ${ours.size}, reference ${theirs.size}, extra ${extra.length}, missing ${missing.length}`)
for (const entry of extra) {
  const row = ours.get(entry)
  console.log(`extra: ${entry.replace("\t", " gen ")} (rule ${row.rule}, root ${row.root_id}, parent ${row.parent})`)
}
for (const entry of missing) console.log(`missing: ${entry.replace("\t", " gen ")}`)
