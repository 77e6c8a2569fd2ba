/** A rule set written in a test: `[name, SMARTS]` pairs, numbered as lines from 1, prepared as asked. */
import type { RuleSet } from "../../src/engine/rules.js"

export type Preparation = { readonly explicitH?: boolean; readonly kekulize?: boolean }

export const ruleSet = (rules: ReadonlyArray<readonly [string, string]>, prepare: Preparation = {}): RuleSet => ({
  source: "test",
  rules: rules.map(([name, smarts], i) => ({ name, smarts, line: i + 1 })),
  explicitH: prepare.explicitH ?? false,
  kekulize: prepare.kekulize ?? false
})
