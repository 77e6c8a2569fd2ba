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
 * Pickaxe's format (MINE-Database), recognised by its header line `Name<TAB>Reactants<TAB>SMARTS<TAB>Products`
 * (directives and comments may precede it): one rule a line, `name<TAB>reactants<TAB>SMARTS<TAB>products[<TAB>...]`,
 * where reactants and products are `;`-separated slots, one per template of the reaction, in order: `Any` is the
 * molecule being expanded, any other entry the ID of a coreactant. Coreactants come from their own TSV,
 * `#ID<TAB>Name<TAB>SMILES` (`--coreactants`); the product contract's "Rules with coreactants" says how such a rule
 * applies.
 *
 * JSON format: `{ "explicitH"?: boolean, "kekulize"?: boolean, "coreactants"?: [{ "id", "name"?, "smiles" }],
 * "rules": [{ "name": ..., "smarts": ..., "reactants"?: [...], "products"?: [...] }] }`; a rule's line (a
 * coreactant's) is its 1-based position in `rules` (`coreactants`).
 *
 * The preparation belongs to the rule set, not to the run: rules written for implicit hydrogens break on molecules
 * with explicit ones, and the other way round.
 */
import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Result } from "effect"
import { RuleParseError } from "./ruleErrors.js"

/** The slot that takes the molecule being expanded. */
export const anySlot = "Any"

/** A rule's templates as Pickaxe names them: one slot per reactant (product) template, `Any` or a coreactant's ID. */
export interface RuleSlots {
  readonly reactants: ReadonlyArray<string>
  readonly products: ReadonlyArray<string>
}

/** A rule without slots has one reactant template, the molecule, and every product is a candidate. */
export interface Rule {
  readonly name: string
  readonly smarts: string
  readonly line: number
  readonly slots?: RuleSlots
}

/** The coreactants a rule consumes and gives, as the network's edges name them: IDs, `;`-joined ("" for none). */
export const coreactantsOfRule = (rule: Rule): { readonly consumed: string; readonly given: string } => {
  const named = (slots: ReadonlyArray<string> | undefined) => (slots ?? []).filter((slot) => slot !== anySlot).join(slotSeparator)
  return { consumed: named(rule.slots?.reactants), given: named(rule.slots?.products) }
}

/** A fixed molecule that fills a rule's other reactant templates (water, NAD+, ATP, ...). */
export interface Coreactant {
  readonly id: string
  readonly name: string
  readonly smiles: string
  readonly line: number
}

export interface Coreactants {
  /** The file they were read from (the rule file itself for JSON), for errors. */
  readonly source: string
  readonly entries: ReadonlyArray<Coreactant>
}

export interface RuleSet {
  readonly source: string
  readonly rules: ReadonlyArray<Rule>
  readonly explicitH: boolean
  readonly kekulize: boolean
  /** Absent for a rule set without coreactants. */
  readonly coreactants?: Coreactants
}

/**
 * The sha256 of what a rule set does: its rules (names and SMARTS, in order) and their preparation, not where it was
 * read from. A resumed run must have the same; a cluster's runners know a rule set by it.
 */
export const ruleSetDigest = (ruleSet: RuleSet): string =>
  createHash("sha256")
    .update(JSON.stringify({
      rules: ruleSet.rules.map((rule) => rule.slots === undefined ? [rule.name, rule.smarts] : [rule.name, rule.smarts, rule.slots]),
      explicitH: ruleSet.explicitH,
      kekulize: ruleSet.kekulize,
      ...(ruleSet.coreactants === undefined ? {} : { coreactants: ruleSet.coreactants.entries.map((c) => [c.id, c.smiles]) })
    }))
    .digest("hex")

/**
 * The rule sets shipped in `rules/` at the package root, by name (the file is `<name>.tsv`, its coreactants, if it
 * has any, `<name>.coreactants.tsv`).
 */
export const builtinRuleSets: ReadonlyArray<string> = [
  "polyphenol-phase2",
  "mine-metacyc",
  "mine-enzymatic-full",
  "mine-chemical-damage",
  "mine-enzymatic"
]

/** Both `src/engine/rules.ts` (tests) and `dist/engine/rules.js` (package) sit two folders below the package root. */
const builtinFolder = fileURLToPath(new URL("../../rules/", import.meta.url))

/** Line 0 stands for the whole file (see `RuleParseError`). */
const WHOLE_FILE = 0
const DIRECTIVE_PREFIX = "#!"
const COMMENT_PREFIX = "#"

type Directive = "explicitH" | "kekulize"
/** A Map, not an object literal: `#! constructor` must not find `Object.prototype.constructor`. */
const directives: ReadonlyMap<string, Directive> = new Map([["explicit-h", "explicitH"], ["kekulize", "kekulize"]])

const jsonTopLevelKeys: ReadonlySet<string> = new Set(["explicitH", "kekulize", "coreactants", "rules"])

const pickaxeHeader = ["Name", "Reactants", "SMARTS", "Products"]
const isPickaxeHeader = (line: string): boolean => pickaxeHeader.every((column, i) => line.split("\t")[i]?.trim() === column)
const slotSeparator = ";"

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
  return countTemplates(reactants)
}

/** Product templates of a reaction SMARTS: the molecules after the last `>`, counted as reactants are. */
export const countProductTemplates = (smarts: string): number => countTemplates(smarts.slice(smarts.lastIndexOf(">") + 1))

const countTemplates = (side: string): number => splitTopLevel(side, ".").filter((component) => component.trim() !== "").length

/** Why a reaction SMARTS cannot be a rule (with these slots), judged on its structure alone; `undefined` when it can. */
const structuralProblem = (smarts: string, slots: RuleSlots | undefined): string | undefined => {
  if (!isBalanced(smarts)) return "unbalanced brackets or parentheses in the reaction SMARTS"
  const sides = splitTopLevel(smarts, ">")
  if (sides.length === 1) return "no \">>\" in the reaction SMARTS (expected reactant>>products)"
  if (sides.length !== 3) {
    return `the reaction SMARTS has ${sides.length - 1} ">" where reactants>agents>products has 2`
  }
  const templates = countReactantTemplates(smarts)
  if (slots === undefined && templates !== 1) {
    return templates === 0
      ? "no reactant template (the reactant side is empty)"
      : `${templates} reactant templates; a rule takes exactly one (group them as "( ... )" to match one molecule), or names a coreactant for each other one (Pickaxe's format)`
  }
  if ((sides[2] ?? "").trim() === "") return "no product template (the product side is empty)"
  if (slots === undefined) return undefined
  if (slots.reactants.length !== templates) {
    return `${slots.reactants.length} reactant slot(s) (${slots.reactants.join(slotSeparator)}) for ${templates} reactant template(s)`
  }
  const products = countProductTemplates(smarts)
  if (slots.products.length !== products) {
    return `${slots.products.length} product slot(s) (${slots.products.join(slotSeparator)}) for ${products} product template(s)`
  }
  if (!slots.reactants.includes(anySlot)) return `no "${anySlot}" among the reactant slots: the rule never takes the molecule`
  return undefined
}

/** Checks each rule and the set as a whole, in order, failing on the first problem. */
const checkRules = (
  source: string,
  candidates: ReadonlyArray<Rule>,
  preparation: { readonly explicitH: boolean; readonly kekulize: boolean },
  coreactants: Coreactants | undefined
): Result.Result<RuleSet, RuleParseError> => {
  const fail = (line: number, reason: string) => Result.fail(new RuleParseError({ file: source, line, reason }))
  const firstLine = new Map<string, number>()
  for (const rule of candidates) {
    if (rule.name === "") return fail(rule.line, "empty rule name")
    if (rule.smarts === "") return fail(rule.line, `rule "${rule.name}" has an empty reaction SMARTS`)
    const earlier = firstLine.get(rule.name)
    if (earlier !== undefined) return fail(rule.line, `duplicate rule name "${rule.name}" (first on line ${earlier})`)
    firstLine.set(rule.name, rule.line)
    const problem = structuralProblem(rule.smarts, rule.slots)
    if (problem !== undefined) return fail(rule.line, `rule "${rule.name}": ${problem}`)
  }
  if (candidates.length === 0) return fail(WHOLE_FILE, "the rule set has no rules")
  return Result.succeed({ source, rules: candidates, ...preparation, ...(coreactants === undefined ? {} : { coreactants }) })
}

/**
 * The rule set with its coreactants: every slot must name one of them. Without a coreactant file, the first rule
 * that names one says how to give it.
 */
export const withCoreactants = (ruleSet: RuleSet, coreactants: Coreactants | undefined): Result.Result<RuleSet, RuleParseError> => {
  const known = new Set(coreactants?.entries.map((c) => c.id))
  for (const rule of ruleSet.rules) {
    const slots = rule.slots === undefined ? [] : [...rule.slots.reactants, ...rule.slots.products]
    const unknown = slots.find((slot) => slot !== anySlot && !known.has(slot))
    if (unknown === undefined) continue
    const where = coreactants === undefined ? "no coreactants were given (--coreactants FILE)" : `not in ${coreactants.source}`
    return Result.fail(new RuleParseError({ file: ruleSet.source, line: rule.line, reason: `rule "${rule.name}": unknown coreactant "${unknown}" (${where})` }))
  }
  return Result.succeed(coreactants === undefined ? ruleSet : { ...ruleSet, coreactants })
}

/** Why `id` on `line` is refused as a coreactant already defined, or undefined (then it is remembered). */
const duplicateCoreactant = (firstLine: Map<string, number>, id: string, line: number): string | undefined => {
  const earlier = firstLine.get(id)
  if (earlier !== undefined) return `duplicate coreactant ID "${id}" (first on line ${earlier})`
  firstLine.set(id, line)
  return undefined
}

/** Coreactants from their TSV (`#ID<TAB>Name<TAB>SMILES`; `#` lines are comments). Whether each SMILES parses is checked where RDKit runs. */
export const parseCoreactantText = (text: string, source: string): Result.Result<Coreactants, RuleParseError> => {
  const fail = (line: number, reason: string) => Result.fail(new RuleParseError({ file: source, line, reason }))
  const entries: Array<Coreactant> = []
  const firstLine = new Map<string, number>()
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split(/\r?\n/)
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1
    const raw = lines[index] ?? ""
    if (raw.trim() === "" || raw.trim().startsWith(COMMENT_PREFIX)) continue
    const [id = "", name = "", smiles = ""] = raw.split("\t").map((field) => field.trim())
    if (id === "" || smiles === "") return fail(line, "expected ID<TAB>Name<TAB>SMILES")
    const duplicate = duplicateCoreactant(firstLine, id, line)
    if (duplicate !== undefined) return fail(line, duplicate)
    entries.push({ id, name, smiles, line })
  }
  if (entries.length === 0) return fail(WHOLE_FILE, "no coreactants in the file")
  return Result.succeed({ source, entries })
}

const parseTsv = (text: string, source: string): Result.Result<RuleSet, RuleParseError> => {
  const fail = (line: number, reason: string) => Result.fail(new RuleParseError({ file: source, line, reason }))
  const known = [...directives.keys()].join(", ")
  const candidates: Array<Rule> = []
  const preparation = { explicitH: false, kekulize: false }
  let pickaxe = false
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
    } else if (!pickaxe && candidates.length === 0 && isPickaxeHeader(raw)) {
      pickaxe = true
    } else if (content !== "" && !content.startsWith(COMMENT_PREFIX)) {
      // Split the untrimmed line: trimming first would eat the tab after an empty name.
      const fields = raw.split("\t").map((field) => field.trim())
      if (!pickaxe) {
        if (fields.length < 2) return fail(line, "no tab between the rule name and the reaction SMARTS")
        candidates.push({ name: fields[0] ?? "", smarts: fields[1] ?? "", line })
      } else {
        if (fields.length < 4) return fail(line, "expected Name<TAB>Reactants<TAB>SMARTS<TAB>Products (Pickaxe's format)")
        const slotsOf = (field: string | undefined) => (field ?? "").split(slotSeparator).map((slot) => slot.trim())
        candidates.push({ name: fields[0] ?? "", smarts: fields[2] ?? "", line, slots: { reactants: slotsOf(fields[1]), products: slotsOf(fields[3]) } })
      }
    }
  }
  return checkRules(source, candidates, preparation, undefined)
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
  const { explicitH = false, kekulize = false, rules, coreactants } = document
  if (typeof explicitH !== "boolean") return fail(WHOLE_FILE, "\"explicitH\" must be true or false")
  if (typeof kekulize !== "boolean") return fail(WHOLE_FILE, "\"kekulize\" must be true or false")
  if (!Array.isArray(rules)) return fail(WHOLE_FILE, "expected a \"rules\" array")
  if (coreactants !== undefined && !Array.isArray(coreactants)) return fail(WHOLE_FILE, "\"coreactants\" must be an array")
  const entries: Array<Coreactant> = []
  const firstLine = new Map<string, number>()
  for (const [index, coreactant] of (coreactants ?? []).entries()) {
    const line = index + 1
    if (!isRecord(coreactant) || typeof coreactant["id"] !== "string" || typeof coreactant["smiles"] !== "string") {
      return fail(line, "a coreactant must be an object with string \"id\" and \"smiles\"")
    }
    const duplicate = duplicateCoreactant(firstLine, coreactant["id"], line)
    if (duplicate !== undefined) return fail(line, duplicate)
    const name = typeof coreactant["name"] === "string" ? coreactant["name"] : ""
    entries.push({ id: coreactant["id"], name, smiles: coreactant["smiles"].trim(), line })
  }
  const candidates: Array<Rule> = []
  const isSlots = (value: unknown): value is ReadonlyArray<string> => Array.isArray(value) && value.every((slot) => typeof slot === "string")
  for (const [index, rule] of rules.entries()) {
    const line = index + 1
    if (!isRecord(rule) || typeof rule["name"] !== "string" || typeof rule["smarts"] !== "string") {
      return fail(line, "a rule must be an object with string \"name\" and \"smarts\"")
    }
    const { reactants, products } = rule
    if ((reactants === undefined) !== (products === undefined) || (reactants !== undefined && !(isSlots(reactants) && isSlots(products)))) {
      return fail(line, "\"reactants\" and \"products\" must both be arrays of slots (\"Any\" or a coreactant ID), or both absent")
    }
    const slots = isSlots(reactants) && isSlots(products) ? { slots: { reactants, products } } : {}
    candidates.push({ name: rule["name"].trim(), smarts: rule["smarts"].trim(), line, ...slots })
  }
  const checked = checkRules(source, candidates, { explicitH, kekulize }, undefined)
  return Result.flatMap(checked, (ruleSet) => withCoreactants(ruleSet, entries.length === 0 ? undefined : { source, entries }))
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

const readText = (file: string, source: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (error) => new RuleParseError({ file: source, line: WHOLE_FILE, reason: readError(error) })
  })

/** A built-in rule set's coreactants live beside it, as `<name>.coreactants.tsv`. */
const builtinCoreactants = (name: string): string | undefined => {
  const file = path.join(builtinFolder, `${name}.coreactants.tsv`)
  return existsSync(file) ? file : undefined
}

/**
 * A rule set by built-in name (see `builtinRuleSets`) or from a `.tsv` or `.json` file, with the coreactants of
 * `coreactantsFile` (`--coreactants`) or, for a built-in set, its own. A built-in's `source` is its name; a file's
 * is the path as given.
 */
export const loadRuleSet = (nameOrPath: string, coreactantsFile?: string): Effect.Effect<RuleSet, RuleParseError> =>
  Effect.gen(function*() {
    const builtin = builtinRuleSets.includes(nameOrPath)
    const file = builtin ? path.join(builtinFolder, `${nameOrPath}.tsv`) : nameOrPath
    const format = formatOf(file)
    if (format === undefined) {
      return yield* new RuleParseError({
        file: nameOrPath,
        line: WHOLE_FILE,
        reason: `not a built-in rule set (${builtinRuleSets.join(", ")}) nor a .tsv or .json file`
      })
    }
    const ruleSet = yield* Effect.fromResult(parseRuleText(yield* readText(file, nameOrPath), nameOrPath, format))
    const coreactantSource = coreactantsFile ?? (builtin ? builtinCoreactants(nameOrPath) : undefined)
    if (coreactantSource === undefined) return yield* Effect.fromResult(withCoreactants(ruleSet, ruleSet.coreactants))
    const shownAs = coreactantsFile ?? `${nameOrPath}.coreactants.tsv`
    const coreactants = yield* Effect.fromResult(parseCoreactantText(yield* readText(coreactantSource, shownAs), shownAs))
    return yield* Effect.fromResult(withCoreactants(ruleSet, coreactants))
  })
