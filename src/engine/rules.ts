/**
 * Rule sets: named reaction SMARTS read from a built-in set or a file, with the structural checks that need no
 * RDKit (whether each SMARTS parses is checked where RDKit runs).
 *
 * TSV format: one rule a line, `name<TAB>reaction SMARTS`; further tab fields are ignored; blank lines and lines
 * starting with `#` are comments. A rule set states how molecules must be prepared with directive lines, placed
 * before the first rule:
 *
 *     #! explicit-h            add explicit hydrogens (AddHs) to each molecule before matching; products are
 *                              read back with hydrogens removed
 *     #! kekulize              kekulize each molecule before matching
 *     #! explicit-h kekulize   several directives may share a line
 *
 * An unknown directive is an error rather than a comment, so that a typo cannot silently change the products.
 *
 * JSON format: `{ "explicitH"?: boolean, "kekulize"?: boolean, "rules": [{ "name": ..., "smarts": ... }] }`;
 * a rule's line is its 1-based position in `rules`.
 *
 * The preparation belongs to the rule set, not to the run: rules written for implicit hydrogens break on molecules
 * with explicit ones, and the other way round.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Result } from "effect"
import { RuleParseError } from "./ruleErrors.js"

export interface Rule { readonly name: string; readonly smarts: string; readonly line: number }
export interface RuleSet {
  readonly source: string
  readonly rules: ReadonlyArray<Rule>
  readonly explicitH: boolean
  readonly kekulize: boolean
}

/**
 * The sha256 of what a rule set does: its rules (names and SMARTS, in order) and their preparation, not where it was
 * read from. A resumed run must have the same; a cluster's runners know a rule set by it.
 */
export const ruleSetDigest = (ruleSet: RuleSet): string =>
  createHash("sha256")
    .update(JSON.stringify({
      rules: ruleSet.rules.map((rule) => [rule.name, rule.smarts]),
      explicitH: ruleSet.explicitH,
      kekulize: ruleSet.kekulize
    }))
    .digest("hex")

/** The rule sets shipped in `rules/` at the package root, by name (the file is `<name>.tsv`). */
export const builtinRuleSets: ReadonlyArray<string> = ["polyphenol-phase2", "mine-metacyc-generalized", "mine-enzymatic"]

/** Both `src/engine/rules.ts` (tests) and `dist/engine/rules.js` (package) sit two folders below the package root. */
const builtinFolder = fileURLToPath(new URL("../../rules/", import.meta.url))

/** Line 0 stands for the whole file (see `RuleParseError`). */
const WHOLE_FILE = 0
const DIRECTIVE_PREFIX = "#!"
const COMMENT_PREFIX = "#"

type Directive = "explicitH" | "kekulize"
/** A Map, not an object literal: `#! constructor` must not find `Object.prototype.constructor`. */
const directives: ReadonlyMap<string, Directive> = new Map([["explicit-h", "explicitH"], ["kekulize", "kekulize"]])

const jsonTopLevelKeys: ReadonlySet<string> = new Set(["explicitH", "kekulize", "rules"])

/**
 * Splits `text` at `separator` where it stands outside `[...]` atoms and `(...)` groups. Brackets hold recursive
 * SMARTS `$(...)` with their own brackets, so one depth counter covers both kinds.
 */
const splitTopLevel = (text: string, separator: string): Array<string> => {
  const parts: Array<string> = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "[" || c === "(") depth += 1
    else if (c === "]" || c === ")") depth -= 1
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

const isBalanced = (text: string): boolean => {
  const open: Array<string> = []
  for (const c of text) {
    if (c === "[" || c === "(") open.push(c)
    else if (c === "]" && open.pop() !== "[") return false
    else if (c === ")" && open.pop() !== "(") return false
  }
  return open.length === 0
}

/**
 * Reactant templates of a reaction SMARTS: the molecules before the first `>`, separated by top-level dots. Dots
 * inside `[...]` do not count, and a component group `( ... )` is one template (MINE writes
 * `([#6:1].[#6:2]-[#6:3])>>...` for one reactant). An empty reactant side has 0.
 */
export const countReactantTemplates = (smarts: string): number => {
  const arrow = smarts.indexOf(">")
  const reactants = arrow === -1 ? smarts : smarts.slice(0, arrow)
  return splitTopLevel(reactants, ".").filter((component) => component.trim() !== "").length
}

/** Why a reaction SMARTS cannot be a rule, judged on its structure alone; `undefined` when it can. */
const structuralProblem = (smarts: string): string | undefined => {
  if (!isBalanced(smarts)) return "unbalanced brackets or parentheses in the reaction SMARTS"
  const sides = splitTopLevel(smarts, ">")
  if (sides.length === 1) return "no \">>\" in the reaction SMARTS (expected reactant>>products)"
  if (sides.length !== 3) {
    return `the reaction SMARTS has ${sides.length - 1} ">" where reactants>agents>products has 2`
  }
  const templates = countReactantTemplates(smarts)
  if (templates !== 1) {
    return templates === 0
      ? "no reactant template (the reactant side is empty)"
      : `${templates} reactant templates; a rule takes exactly one (group them as "( ... )" to match one molecule)`
  }
  if ((sides[2] ?? "").trim() === "") return "no product template (the product side is empty)"
  return undefined
}

/** Checks each rule and the set as a whole, in order, failing on the first problem. */
const checkRules = (
  source: string,
  candidates: ReadonlyArray<Rule>,
  preparation: { readonly explicitH: boolean; readonly kekulize: boolean }
): Result.Result<RuleSet, RuleParseError> => {
  const fail = (line: number, reason: string) => Result.fail(new RuleParseError({ file: source, line, reason }))
  const firstLine = new Map<string, number>()
  for (const rule of candidates) {
    if (rule.name === "") return fail(rule.line, "empty rule name")
    if (rule.smarts === "") return fail(rule.line, `rule "${rule.name}" has an empty reaction SMARTS`)
    const earlier = firstLine.get(rule.name)
    if (earlier !== undefined) return fail(rule.line, `duplicate rule name "${rule.name}" (first on line ${earlier})`)
    firstLine.set(rule.name, rule.line)
    const problem = structuralProblem(rule.smarts)
    if (problem !== undefined) return fail(rule.line, `rule "${rule.name}": ${problem}`)
  }
  if (candidates.length === 0) return fail(WHOLE_FILE, "the rule set has no rules")
  return Result.succeed({ source, rules: candidates, ...preparation })
}

const parseTsv = (text: string, source: string): Result.Result<RuleSet, RuleParseError> => {
  const fail = (line: number, reason: string) => Result.fail(new RuleParseError({ file: source, line, reason }))
  const known = [...directives.keys()].join(", ")
  const candidates: Array<Rule> = []
  const preparation = { explicitH: false, kekulize: false }
  const lines = text.split(/\r?\n/)
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1
    const raw = lines[index] ?? ""
    const content = raw.trim()
    if (content.startsWith(DIRECTIVE_PREFIX)) {
      if (candidates.length > 0) return fail(line, "directives must come before the first rule")
      const words = content.slice(DIRECTIVE_PREFIX.length).trim().split(/\s+/).filter((word) => word !== "")
      if (words.length === 0) return fail(line, `empty directive (known: ${known})`)
      for (const word of words) {
        const directive = directives.get(word)
        if (directive === undefined) return fail(line, `unknown directive "${word}" (known: ${known})`)
        preparation[directive] = true
      }
    } else if (content !== "" && !content.startsWith(COMMENT_PREFIX)) {
      // Split the untrimmed line: trimming first would eat the tab after an empty name.
      const fields = raw.split("\t")
      if (fields.length < 2) return fail(line, "no tab between the rule name and the reaction SMARTS")
      candidates.push({ name: (fields[0] ?? "").trim(), smarts: (fields[1] ?? "").trim(), line })
    }
  }
  return checkRules(source, candidates, preparation)
}

/**
 * The 1-based line of a JSON syntax error, when the engine's message ends with a line (Node 22) or a position
 * (Node 20, for some errors). Anchored at the end: the message quotes a piece of the document, which may hold anything.
 */
const jsonErrorLine = (text: string, message: string): number => {
  const lineColumn = /\(line (\d+) column \d+\)$/.exec(message)
  if (lineColumn?.[1] !== undefined) return Number(lineColumn[1])
  const position = /at position (\d+)$/.exec(message)
  if (position?.[1] === undefined) return WHOLE_FILE
  return text.slice(0, Number(position[1])).split("\n").length
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parseJson = (text: string, source: string): Result.Result<RuleSet, RuleParseError> => {
  const fail = (line: number, reason: string) => Result.fail(new RuleParseError({ file: source, line, reason }))
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return fail(jsonErrorLine(text, message), `invalid JSON: ${message}`)
  }
  if (!isRecord(document)) return fail(WHOLE_FILE, "expected a JSON object with a \"rules\" array")
  const unknown = Object.keys(document).filter((key) => !jsonTopLevelKeys.has(key))
  if (unknown.length > 0) {
    return fail(WHOLE_FILE, `unknown key "${unknown[0]}" (known: ${[...jsonTopLevelKeys].join(", ")})`)
  }
  const { explicitH = false, kekulize = false, rules } = document
  if (typeof explicitH !== "boolean") return fail(WHOLE_FILE, "\"explicitH\" must be true or false")
  if (typeof kekulize !== "boolean") return fail(WHOLE_FILE, "\"kekulize\" must be true or false")
  if (!Array.isArray(rules)) return fail(WHOLE_FILE, "expected a \"rules\" array")
  const candidates: Array<Rule> = []
  for (const [index, rule] of rules.entries()) {
    const line = index + 1
    if (!isRecord(rule) || typeof rule["name"] !== "string" || typeof rule["smarts"] !== "string") {
      return fail(line, "a rule must be an object with string \"name\" and \"smarts\"")
    }
    candidates.push({ name: rule["name"].trim(), smarts: rule["smarts"].trim(), line })
  }
  return checkRules(source, candidates, { explicitH, kekulize })
}

/** A rule set from its text; `source` names it in the result and in errors. Pure. */
export const parseRuleText = (
  text: string,
  source: string,
  format: "tsv" | "json"
): Result.Result<RuleSet, RuleParseError> => {
  // A BOM from a Windows editor would otherwise glue itself to the first rule's name or break JSON.parse.
  const content = text.startsWith("\uFEFF") ? text.slice(1) : text
  return format === "tsv" ? parseTsv(content, source) : parseJson(content, source)
}

const formatOf = (file: string): "tsv" | "json" | undefined => {
  const extension = path.extname(file).toLowerCase()
  return extension === ".tsv" ? "tsv" : extension === ".json" ? "json" : undefined
}

const readError = (error: unknown): string => {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined
  if (code === "ENOENT") return `the file does not exist (built-in rule sets: ${builtinRuleSets.join(", ")})`
  if (code === "EACCES" || code === "EPERM") return "permission denied"
  if (code === "EISDIR") return "it is a directory"
  return error instanceof Error ? error.message : String(error)
}

/**
 * A rule set by built-in name (see `builtinRuleSets`) or from a `.tsv` or `.json` file. A built-in's `source` is
 * its name; a file's is the path as given.
 */
export const loadRuleSet = (nameOrPath: string): Effect.Effect<RuleSet, RuleParseError> =>
  Effect.suspend(() => {
    const builtin = builtinRuleSets.includes(nameOrPath)
    const file = builtin ? path.join(builtinFolder, `${nameOrPath}.tsv`) : nameOrPath
    const format = formatOf(file)
    if (format === undefined) {
      return Effect.fail(new RuleParseError({
        file: nameOrPath,
        line: WHOLE_FILE,
        reason: `not a built-in rule set (${builtinRuleSets.join(", ")}) nor a .tsv or .json file`
      }))
    }
    return Effect.tryPromise({
      try: () => fs.readFile(file, "utf8"),
      catch: (error) => new RuleParseError({ file: nameOrPath, line: WHOLE_FILE, reason: readError(error) })
    }).pipe(Effect.flatMap((text) => Effect.fromResult(parseRuleText(text, nameOrPath, format))))
  })
