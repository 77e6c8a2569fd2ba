/**
 * The deduper actor: the single owner of the run's seen set. Generation 0 seeds it with the valid inputs (the
 * product contract's "seen set starts with the inputs"); later generations pass on only keys it has not seen, and,
 * with `--reactions`, every edge, seen product or not. A product a filter judged out joins the seen set too, but is
 * logged as filtered instead of written, and no edge leads to it. It quarantines inputs RDKit rejects and molecules
 * RDKit failed on, and counts candidates.
 *
 * Each message in gives at most one message out, of at most as many rows, so its output is bounded like its input.
 * It ends the writer's inbox when its own ends. Interrupted, keys already added stay in the seen set, which dies
 * with the run.
 */
import { Effect } from "effect"
import type { SeenSet } from "../dedup/SeenSet.js"
import { filterOf, passes } from "../engine/filters.js"
import type { FilteredLog } from "../io/filtered.js"
import type { Quarantine } from "../io/quarantine.js"
import type { Mailbox } from "./mailbox.js"
import type { ToDeduper, ToWriter } from "./messages.js"
import type { RunStats } from "./stats.js"

export const runDeduper = (options: {
  readonly seen: SeenSet
  readonly ruleNames: ReadonlyArray<string>
  /** What each rule consumes and gives of the coreactants, for its edges. */
  readonly ruleCoreactants: ReadonlyArray<{ readonly consumed: string; readonly given: string }>
  /** Pass on the reaction network's edges; the engine then gives each molecule's distinct (rule, product) pairs. */
  readonly edges: boolean
  readonly inbox: Mailbox<ToDeduper>
  readonly out: Mailbox<ToWriter>
  readonly quarantine: Quarantine
  /** Where filtered molecules are listed; absent without a filter. */
  readonly filtered: FilteredLog | undefined
  readonly stats: RunStats
}) => {
  const { seen, ruleNames, ruleCoreactants, edges, inbox, out, quarantine, filtered, stats } = options

  /** Generation 0: the valid inputs seed the seen set and the first frontier; the others are quarantined or counted. */
  const seedInputs = (message: Extract<ToDeduper, { _tag: "Canonicalized" }>) =>
    Effect.gen(function*() {
      const { records, result } = message
      const keys: Array<string> = []
      const rootIds: Array<string> = []
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!
        const key = result.keys[i]
        if (key === null || key === undefined) {
          stats.inputsInvalid++
          yield* quarantine.add(record.line, record.label ?? record.smiles, result.reasons[i] ?? "invalid SMILES")
        } else if (seen.addIfNew(result.keys, result.hashes, i)) {
          stats.inputsValid++
          keys.push(key)
          rootIds.push(record.id)
        } else {
          stats.inputsDuplicate++
        }
      }
      if (keys.length > 0) yield* out.send({ _tag: "Seeds", keys, rootIds })
    })

  /**
   * A chunk of a generation's products: each unseen key that passes the filters is a product, each filtered one is
   * listed once, and with `--reactions` each candidate that passes is an edge.
   */
  const sortProducts = (message: Extract<ToDeduper, { _tag: "Products" }>) =>
    Effect.gen(function*() {
      const { generation, batch, chunk } = message
      stats.candidates += chunk.candidates
      stats.invalidCandidates += chunk.invalidCandidates
      stats.moleculeFailures += chunk.failures.length
      for (const failure of chunk.failures) {
        yield* quarantine.add(undefined, batch.keys[failure.index] ?? "", `generation ${generation}: ${failure.reason}`)
      }
      const smiles: Array<string> = []
      const parent: Array<string> = []
      const rootId: Array<string> = []
      const rule: Array<string> = []
      const edgeRows = edges
        ? { reactant: [] as Array<string>, rule: [] as Array<string>, product: [] as Array<string>, coreactantsIn: [] as Array<string>, coreactantsOut: [] as Array<string> }
        : undefined
      // A key's text is read only where it is kept: most keys of a large run are seen already, and a cluster's
      // arrive as bytes (`KeyList`).
      for (let i = 0; i < chunk.keys.length; i++) {
        const from = chunk.parents[i]!
        const ruleName = ruleNames[chunk.rules[i]!]!
        const verdict = chunk.verdicts[i] ?? passes
        if (verdict !== passes) {
          if (!seen.addIfNew(chunk.keys, chunk.hashes, i)) continue
          const filter = filterOf(verdict) ?? String(verdict)
          const byRule = (stats.filteredByFilter[filter] ??= {})
          byRule[ruleName] = (byRule[ruleName] ?? 0) + 1
          if (filtered !== undefined) yield* filtered.add(chunk.keys.at(i)!, filter, ruleName, batch.keys[from]!, generation)
          continue
        }
        let key: string | undefined
        if (edgeRows !== undefined) {
          key = chunk.keys.at(i)!
          edgeRows.reactant.push(batch.keys[from]!)
          edgeRows.rule.push(ruleName)
          edgeRows.product.push(key)
          const coreactants = ruleCoreactants[chunk.rules[i]!]!
          edgeRows.coreactantsIn.push(coreactants.consumed)
          edgeRows.coreactantsOut.push(coreactants.given)
          stats.edgesByRule[ruleName] = (stats.edgesByRule[ruleName] ?? 0) + 1
        }
        if (!seen.addIfNew(chunk.keys, chunk.hashes, i)) continue
        key ??= chunk.keys.at(i)!
        smiles.push(key)
        parent.push(batch.keys[from]!)
        rootId.push(batch.rootIds[from]!)
        rule.push(ruleName)
        stats.productsByRule[ruleName] = (stats.productsByRule[ruleName] ?? 0) + 1
        stats.ruleExamples[ruleName] ??= { parent: batch.keys[from]!, product: key }
      }
      stats.productsByGeneration[generation] = (stats.productsByGeneration[generation] ?? 0) + smiles.length
      const edgeCount = edgeRows?.product.length ?? 0
      if (edgeRows !== undefined) stats.edgesByGeneration[generation] = (stats.edgesByGeneration[generation] ?? 0) + edgeCount
      if (smiles.length > 0 || edgeCount > 0) {
        yield* out.send({
          _tag: "Products",
          rows: { smiles, generation: new Array<number>(smiles.length).fill(generation), parent, rootId, rule },
          edges: edgeRows === undefined ? undefined : { ...edgeRows, generation: new Array<number>(edgeCount).fill(generation) }
        })
      }
    })

  return inbox.drain((message) => (message._tag === "Canonicalized" ? seedInputs(message) : sortProducts(message))).pipe(Effect.ensuring(out.end))
}
