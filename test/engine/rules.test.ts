/**
 * Rule sets: reactant templates counted on real rules, every shared rule file and built-in loaded with its rule
 * count, preparation and coreactants, Pickaxe's format and coreactant files, and each structural error reported with
 * its file, line and reason.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { RuleParseError } from "../../src/engine/ruleErrors.js"
import {
  builtinRuleSets,
  coreactantsOfRule,
  countReactantTemplates,
  loadRuleSet,
  parseCoreactantText,
  parseRuleText,
  type RuleSet,
  withCoreactants
} from "../../src/engine/rules.js"

const fixtures = fileURLToPath(new URL("../fixtures/rules/", import.meta.url))
const fixture = (name: string): string => path.join(fixtures, name)

const parsed = (text: string, format: "tsv" | "json" = "tsv"): RuleSet => {
  const result = parseRuleText(text, "test.tsv", format)
  if (Result.isFailure(result)) assert.fail(result.failure.message)
  return result.success
}

const parseError = (text: string, format: "tsv" | "json" = "tsv"): RuleParseError => {
  const result = parseRuleText(text, "test.tsv", format)
  if (Result.isSuccess(result)) return assert.fail("expected a RuleParseError")
  return result.failure
}

describe("countReactantTemplates", () => {
  const cases: ReadonlyArray<readonly [string, string, number]> = [
    ["one atom", "[C:1]>>[C:1]O", 1],
    ["polyphenol o_methylation", "[c:1][OX2H1:2]>>[c:1][O:2][CH3]", 1],
    ["products do not count", "[CX3:1](=[OX1:2])[OX2:3][#6:4]>>[C:1](=[O:2])[OH].[OH:3][#6:4]", 1],
    ["branches in parentheses", "[c:1][NH0;X3:2]([CH3])[CH3:3]>>[c:1][N:2][CH3:3]", 1],
    ["MINE component group is one template", "([#6:1].[#6:2]-[#6:3])>>([#6:2].[#6:1]-[#6:3])", 1],
    ["MINE group with a dotted product", "([#8:1].[#6:2]-[#8:3])>>[#6:2]-[#8:1].[#8:3]", 1],
    ["recursive SMARTS with nested brackets", "[!#1;$([$([O][H]),$(OC([H])([H])[H])]):4]>>[*:4]", 1],
    ["dot inside a bracket atom", "[C;$(C.O):1]>>[C:1]", 1],
    ["spaces around the arrow (GLORYx)", "[#16:1] >> [#16:1](=[O])", 1],
    ["agents are not reactants", "[C:1]>[Pt]>[C:1]", 1],
    ["two molecules", "[C:1].[O:2]>>[C:1][O:2]", 2],
    ["MINE multi-template rule", "[#6:1]-[#8:2].[#15:3]>>[#6:1]-[#8:2]-[#15:3]", 2],
    ["two groups", "([C:1].[C:2]).([O:3])>>[C:1][C:2][O:3]", 2],
    ["three molecules", "C.C.C>>CCC", 3],
    ["empty reactant side", ">>[C:1]", 0],
    ["no arrow: all of it is the reactant side", "[C:1].[O:2]", 2]
  ]
  for (const [label, smarts, expected] of cases) {
    it(`${label}: ${smarts} has ${expected}`, () => {
      assert.strictEqual(countReactantTemplates(smarts), expected)
    })
  }
})

describe("shared rule files", () => {
  // Counts from shared/rules/README.md and shared/rules/public/README.md.
  const expected: ReadonlyArray<readonly [string, number]> = [
    ["polyphenol-phase2.tsv", 10],
    ["mine_metacyc_generalized.tsv", 212],
    ["mine_enzymatic.tsv", 53],
    ["sygma_phase1.tsv", 148],
    ["sygma_phase2.tsv", 27],
    ["gloryx.tsv", 260],
    ["biotransformer_human.tsv", 647],
    ["biotransformer_envmicro.tsv", 299]
  ]
  for (const [file, rules] of expected) {
    it.effect(`${file} loads ${rules} single-template rules`, () =>
      Effect.gen(function* () {
        const set = yield* loadRuleSet(fixture(file))
        assert.strictEqual(set.rules.length, rules)
        assert.strictEqual(set.source, fixture(file))
        assert.isTrue(set.rules.every((rule) => countReactantTemplates(rule.smarts) === 1))
        assert.deepStrictEqual([set.explicitH, set.kekulize], [false, false])
      }))
  }
})

describe("built-in rule sets", () => {
  const expected: ReadonlyArray<readonly [string, number, boolean, boolean]> = [
    ["polyphenol-phase2", 10, false, false],
    ["mine-metacyc", 1_224, false, false],
    ["mine-enzymatic-full", 250, true, false],
    ["mine-chemical-damage", 148, false, false],
    ["mine-enzymatic", 53, true, false]
  ]

  it("are the five shipped sets", () => {
    assert.deepStrictEqual([...builtinRuleSets].sort(), expected.map(([name]) => name).sort())
  })

  for (const [name, rules, explicitH, kekulize] of expected) {
    it.effect(`${name}: ${rules} rules, explicitH=${explicitH}, kekulize=${kekulize}`, () =>
      Effect.gen(function* () {
        const set = yield* loadRuleSet(name)
        assert.deepStrictEqual([set.source, set.rules.length, set.explicitH, set.kekulize], [name, rules, explicitH, kekulize])
      }))
  }

  it.effect("hold the same rules as the shared files they were copied from", () =>
    Effect.gen(function* () {
      const pairs = [
        ["polyphenol-phase2", "polyphenol-phase2.tsv"],
        ["mine-enzymatic", "mine_enzymatic.tsv"]
      ] as const
      for (const [name, file] of pairs) {
        const shipped = yield* loadRuleSet(name)
        const original = yield* loadRuleSet(fixture(file))
        const strip = (set: RuleSet) => set.rules.map((rule) => [rule.name, rule.smarts])
        assert.deepStrictEqual(strip(shipped), strip(original))
      }
    }))
})

describe("parseRuleText: TSV", () => {
  it("keeps names, SMARTS and physical line numbers; skips comments and blank lines; ignores extra fields", () => {
    const set = parsed("# header\n\nfirst\t[C:1]>>[C:1]O\textra\tfields\r\n  # indented comment\nsecond\t[c:1][OH:2]>>[c:1][O:2]C\n")
    assert.deepStrictEqual(set, {
      source: "test.tsv",
      explicitH: false,
      kekulize: false,
      rules: [
        { name: "first", smarts: "[C:1]>>[C:1]O", line: 3 },
        { name: "second", smarts: "[c:1][OH:2]>>[c:1][O:2]C", line: 5 }
      ]
    })
  })

  it("reads directives, one or several on a line", () => {
    const rule = "r\t[C:1]>>[C:1]O\n"
    assert.deepStrictEqual(pick(parsed(`#! explicit-h\n${rule}`)), [true, false])
    assert.deepStrictEqual(pick(parsed(`#! kekulize\n${rule}`)), [false, true])
    assert.deepStrictEqual(pick(parsed(`#!explicit-h kekulize\n${rule}`)), [true, true])
    assert.deepStrictEqual(pick(parsed(`# ! not a directive\n${rule}`)), [false, false])
  })

  it("strips a byte order mark", () => {
    assert.strictEqual(parsed("\uFEFFr\t[C:1]>>[C:1]O\n").rules[0]?.name, "r")
  })

  const errors: ReadonlyArray<readonly [string, string, number, RegExp]> = [
    ["missing tab", "ok\t[C:1]>>[C:1]O\nno tab here [C:1]>>[C:1]O\n", 2, /no tab/],
    ["empty name", "\t[C:1]>>[C:1]O\n", 1, /empty rule name/],
    ["empty SMARTS", "# c\nr\t  \n", 2, /empty reaction SMARTS/],
    ["duplicate name", "r\t[C:1]>>[C:1]O\ns\t[N:1]>>[N:1]O\nr\t[O:1]>>[O:1]C\n", 3, /duplicate rule name "r" \(first on line 1\)/],
    ["no >>", "r\t[C:1][O:2]\n", 1, /no ">>"/],
    ["a single >", "r\t[C:1]>[C:1]O\n", 1, /1 ">"/],
    ["too many >", "r\t[C:1]>>[C:1]>>O\n", 1, /4 ">"/],
    ["zero reactant templates", "r\t>>[C:1]O\n", 1, /no reactant template/],
    ["several reactant templates", "a\t[C:1]>>[C:1]O\nr\t[C:1].[O:2]>>[C:1][O:2]\n", 2, /2 reactant templates/],
    ["empty product side", "r\t[C:1]>>\n", 1, /no product template/],
    ["unbalanced brackets", "r\t[C:1>>[C:1]O\n", 1, /unbalanced/],
    ["unknown directive", "#! kekulise\nr\t[C:1]>>[C:1]O\n", 1, /unknown directive "kekulise"/],
    ["a directive named like an object property", "#! constructor\nr\t[C:1]>>[C:1]O\n", 1, /unknown directive "constructor"/],
    ["empty directive", "#!\nr\t[C:1]>>[C:1]O\n", 1, /empty directive/],
    ["directive after a rule", "r\t[C:1]>>[C:1]O\n#! kekulize\n", 2, /before the first rule/],
    ["no rules", "# only comments\n\n#! kekulize\n", 0, /no rules/]
  ]
  for (const [label, text, line, reason] of errors) {
    it(`reports ${label} with its line`, () => {
      const error = parseError(text)
      assert.instanceOf(error, RuleParseError)
      assert.deepStrictEqual([error.file, error.line], ["test.tsv", line])
      assert.match(error.reason, reason)
      assert.strictEqual(error.message, line > 0 ? `test.tsv:${line}: ${error.reason}` : `test.tsv: ${error.reason}`)
    })
  }
})

const pick = (set: RuleSet): [boolean, boolean] => [set.explicitH, set.kekulize]

describe("parseRuleText: JSON", () => {
  it("reads rules with their positions as lines, and the preparation flags", () => {
    const set = parsed(JSON.stringify({
      explicitH: true,
      rules: [{ name: "a", smarts: "[C:1]>>[C:1]O" }, { name: "b", smarts: "[N:1]>>[N:1]O", comment: "ignored" }]
    }), "json")
    assert.deepStrictEqual(set, {
      source: "test.tsv",
      explicitH: true,
      kekulize: false,
      rules: [{ name: "a", smarts: "[C:1]>>[C:1]O", line: 1 }, { name: "b", smarts: "[N:1]>>[N:1]O", line: 2 }]
    })
  })

  const errors: ReadonlyArray<readonly [string, string, number, RegExp]> = [
    ["a syntax error on its line", "{\n  \"rules\": [\n    { \"name\": \"a\" \"smarts\": \"C>>C\" }\n  ]\n}", 3, /invalid JSON/],
    ["a document that is not an object", "[]", 0, /JSON object/],
    ["an unknown top-level key", "{\"rules\": [], \"explicitHs\": true}", 0, /unknown key "explicitHs"/],
    ["a flag that is not a boolean", "{\"kekulize\": \"yes\", \"rules\": []}", 0, /"kekulize" must be true or false/],
    ["missing rules", "{\"kekulize\": true}", 0, /"rules" array/],
    ["a rule without smarts", "{\"rules\": [{\"name\": \"a\", \"smarts\": \"C>>C\"}, {\"name\": \"b\"}]}", 2, /string "name" and "smarts"/],
    ["a duplicate name", "{\"rules\": [{\"name\": \"a\", \"smarts\": \"C>>C\"}, {\"name\": \"a\", \"smarts\": \"N>>N\"}]}", 2, /duplicate/],
    ["several reactant templates", "{\"rules\": [{\"name\": \"a\", \"smarts\": \"C.N>>CN\"}]}", 1, /2 reactant templates/],
    ["an empty rule set", "{\"rules\": []}", 0, /no rules/]
  ]
  for (const [label, text, line, reason] of errors) {
    it(`reports ${label} (line ${line})`, () => {
      const error = parseError(text, "json")
      assert.deepStrictEqual([error._tag, error.line], ["RuleParseError", line])
      assert.match(error.reason, reason)
    })
  }
})

describe("loadRuleSet", () => {
  it.effect("reads a JSON file by extension", () =>
    Effect.gen(function* () {
      const set = yield* loadRuleSet(fixture("custom.json"))
      assert.deepStrictEqual(set.rules.map((rule) => [rule.name, rule.line]), [["dehydration", 1], ["grouped", 2]])
      assert.deepStrictEqual(pick(set), [false, true])
    }))

  it.effect("reports an unknown directive in a file with the file and line", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(loadRuleSet(fixture("bad-directive.tsv")))
      assert.strictEqual(error.message, `${fixture("bad-directive.tsv")}:2: unknown directive "explicit-hydrogens" (known: explicit-h, kekulize)`)
    }))

  it.effect("reports a JSON syntax error in a file", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(loadRuleSet(fixture("bad-syntax.json")))
      assert.match(error.reason, /invalid JSON/)
    }))

  it.effect("fails on a missing file, naming the built-ins", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(loadRuleSet(fixture("missing.tsv")))
      assert.deepStrictEqual([error.file, error.line], [fixture("missing.tsv"), 0])
      assert.match(error.reason, /does not exist .*polyphenol-phase2/)
    }))

  it.effect("fails on a directory", () =>
    Effect.gen(function* () {
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "molexpand-rules-"))
      const folder = path.join(scratch, "folder.tsv")
      fs.mkdirSync(folder)
      const error = yield* Effect.flip(loadRuleSet(folder)).pipe(
        Effect.ensuring(Effect.sync(() => fs.rmSync(scratch, { recursive: true }))))
      assert.deepStrictEqual([error.file, error.reason], [folder, "it is a directory"])
    }))

  it.effect("fails on a name that is neither built in nor a .tsv or .json file", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(loadRuleSet("polyphenol-phase3"))
      assert.match(error.reason, /not a built-in rule set/)
    }))
})

describe("Pickaxe's format and coreactants", () => {
  const header = "Name\tReactants\tSMARTS\tProducts\tComments"
  const coreactants = parseCoreactantText("#ID\tName\tSMILES\nWATER\tWater\tO\nNAD_CoF\tNAD\tNC(=O)c1ccc[n+](C)c1\n", "co.tsv")

  it("reads each rule's slots after the header, with directives and comments before it", () => {
    const set = parsed(`#! explicit-h\n# MINE\n${header}\nhydrolysis\tAny;WATER\t[C:1][O:2].[O:3]>>[C:1][O:3].[O:2]\tAny;Any\tcomment\n`)
    assert.isTrue(set.explicitH)
    assert.deepStrictEqual(set.rules, [
      { name: "hydrolysis", smarts: "[C:1][O:2].[O:3]>>[C:1][O:3].[O:2]", line: 4, slots: { reactants: ["Any", "WATER"], products: ["Any", "Any"] } }
    ])
    assert.deepStrictEqual(coreactantsOfRule(set.rules[0]!), { consumed: "WATER", given: "" })
  })

  it.each([
    ["more slots than reactant templates", "r\tAny;WATER\t[C:1]>>[C:1]O\tAny", /rule "r": 2 reactant slot\(s\) \(Any;WATER\) for 1 reactant template\(s\)/],
    ["fewer product slots than product templates", "r\tAny\t[C:1]>>[C:1].O\tAny", /rule "r": 1 product slot\(s\) \(Any\) for 2 product template\(s\)/],
    ["no Any among the reactants", "r\tWATER\t[O:1]>>[O:1]\tAny", /no "Any" among the reactant slots/],
    ["too few fields", "r\tAny\t[C:1]>>[C:1]O", /expected Name<TAB>Reactants<TAB>SMARTS<TAB>Products/]
  ])("reports %s with its line", (_, line, reason) => {
    const error = parseError(`${header}\n${line}\n`)
    assert.strictEqual(error.line, 2)
    assert.match(error.reason, reason)
  })

  it("names the rule that names an unknown coreactant, and says how to give coreactants", () => {
    const set = parsed(`${header}\n\nr\tAny;SAM\t[C:1].[S:2]>>[C:1][S:2]\tAny\n`)
    assert.isTrue(Result.isSuccess(coreactants))
    const unknown = withCoreactants(set, Result.isSuccess(coreactants) ? coreactants.success : undefined)
    assert.isTrue(Result.isFailure(unknown) && unknown.failure.message === `test.tsv:3: rule "r": unknown coreactant "SAM" (not in co.tsv)`)
    const none = withCoreactants(set, undefined)
    assert.isTrue(Result.isFailure(none) && /no coreactants were given \(--coreactants FILE\)/.test(none.failure.message))
  })

  it.each([
    ["a line without a SMILES", "#ID\tName\tSMILES\nWATER\tWater\n", 2, /expected ID<TAB>Name<TAB>SMILES/],
    ["a duplicate ID", "WATER\tWater\tO\nWATER\tagain\t[OH2]\n", 2, /duplicate coreactant ID "WATER" \(first on line 1\)/],
    ["no coreactant at all", "#ID\tName\tSMILES\n", 0, /no coreactants in the file/]
  ])("reports %s in a coreactant file", (_, text, line, reason) => {
    const result = parseCoreactantText(text, "co.tsv")
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure.line, line)
      assert.match(result.failure.reason, reason)
    }
  })

  it("reads coreactants and slots from JSON, checking the IDs", () => {
    const json = (rules: string) =>
      `{ "coreactants": [{ "id": "WATER", "name": "Water", "smiles": "O" }], "rules": [${rules}] }`
    const set = parsed(json(`{ "name": "h", "smarts": "[C:1][O:2].[O:3]>>[C:1][O:3].[O:2]", "reactants": ["Any", "WATER"], "products": ["Any", "Any"] }`), "json")
    assert.deepStrictEqual(set.coreactants?.entries.map((c) => [c.id, c.smiles, c.line]), [["WATER", "O", 1]])
    assert.deepStrictEqual(set.rules[0]?.slots, { reactants: ["Any", "WATER"], products: ["Any", "Any"] })
    assert.match(parseError(json(`{ "name": "h", "smarts": "[C:1].[O:2]>>[C:1][O:2]", "reactants": ["Any", "ATP"], "products": ["Any"] }`), "json").message, /unknown coreactant "ATP"/)
    assert.match(parseError(json(`{ "name": "h", "smarts": "[C:1]>>[C:1]", "reactants": ["Any"] }`), "json").message, /must both be arrays/)
  })

  it.effect("gives each built-in set with coreactants its own, by its name", () =>
    Effect.gen(function* () {
      for (const [name, count] of [["mine-metacyc", 45], ["mine-enzymatic-full", 33], ["mine-chemical-damage", 44]] as const) {
        const set = yield* loadRuleSet(name)
        assert.strictEqual(set.coreactants?.source, `${name}.coreactants.tsv`)
        assert.strictEqual(set.coreactants?.entries.length, count, name)
      }
    }))
})
