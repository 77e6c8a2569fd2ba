/**
 * `manifest.json`: the run's last checkpoint. It names the completed parts, how far the current generation's source
 * has been consumed, how long each frontier file and the quarantine were, the counters, and the fingerprint of
 * what the run computes (input, rules, settings), so that `--resume` continues exactly where the checkpoint was, or
 * refuses, saying what differs.
 *
 * It is replaced atomically (temporary file, fsync, rename, fsync of the folder): a kill leaves the previous
 * checkpoint or the new one, never a torn file.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, FileSystem, Schema } from "effect"
import type { ChosenEngine } from "../engine/choice.js"
import { describeFilters, filtersOf } from "../engine/filters.js"
import { builtinRuleSets, type RuleSet, ruleSetDigest } from "../engine/rules.js"
import type { RunSettings } from "../settings.js"
import { replaceFile } from "./durableFile.js"
import { describeCause, OutputFolderError } from "./errors.js"
import { scanFile } from "./fileScan.js"
import { parquetFilesOf } from "./parquetSource.js"
import { InputFileError } from "./inputErrors.js"

export const manifestName = "manifest.json"

/** What must be equal for a resumed run to compute the same product set. */
export interface Fingerprint {
  readonly input: string
  readonly inputBytes: number
  readonly inputSha256: string
  readonly rules: string
  readonly rulesSha256: string
  readonly generations: number
  readonly dedup: string
  readonly bloomSizing: string
  readonly smilesColumn: string
  readonly idColumn: string
  readonly idField: string
  /** RDKit's version and build (`--engine`): another gives other keys for some molecules. */
  readonly engine: string
  /** `--reactions`: a resume must go on writing the network it began, or not write one. */
  readonly reactions: boolean
  /** The product filters in words (`describeFilters`), "" for none. */
  readonly filters: string
  readonly maxProductSets: number
}

export interface PartRecord {
  readonly file: string
  readonly rows: number
  readonly rowGroups: number
  readonly bytes: number
}

/** A product a rule gave, with its parent: keys both. */
export interface RuleExample {
  readonly parent: string
  readonly product: string
}

/** The counters a summary needs, as they were at the checkpoint. */
export interface SavedStats {
  readonly inputsRead: number
  readonly inputsValid: number
  readonly inputsInvalid: number
  readonly inputsDuplicate: number
  readonly candidates: number
  readonly invalidCandidates: number
  readonly productsByGeneration: ReadonlyArray<number>
  readonly productsByRule: Readonly<Record<string, number>>
  /** Absent from checkpoints written before examples were kept. */
  readonly ruleExamples?: Readonly<Record<string, RuleExample>> | undefined
  readonly moleculeFailures: number
  readonly flushes: number
  readonly rowsWritten: number
  readonly maxBufferRows: number
  /** Edges written, by the generation that found them and by rule (absent from checkpoints without the network). */
  readonly edgesByGeneration?: ReadonlyArray<number> | undefined
  readonly edgesByRule?: Readonly<Record<string, number>> | undefined
  /** Absent from checkpoints without a product filter. */
  readonly filteredByFilter?: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined
}

/**
 * The settings that decide a run's product set, as the run was given them (paths made absolute): what `--resume DIR`
 * alone takes from the checkpoint.
 */
export type RunDefinition = Pick<
  RunSettings,
  | "input"
  | "rules"
  | "coreactants"
  | "maxProductSets"
  | "explicitH"
  | "kekulize"
  | "generations"
  | "dedup"
  | "expectedProducts"
  | "fpRate"
  | "smilesColumn"
  | "idColumn"
  | "idField"
  | "reactions"
  | "maxHeavyAtoms"
  | "maxMw"
  | "elements"
>

/** A built-in rule set is named, a rule file is a path: made absolute so that a resume from elsewhere finds it. */
const absoluteRules = (rules: string): string => (builtinRuleSets.includes(rules) ? rules : path.resolve(rules))

export const runDefinitionOf = (s: RunSettings): RunDefinition => ({
  input: s.input === undefined ? undefined : path.resolve(s.input),
  rules: absoluteRules(s.rules),
  coreactants: s.coreactants === undefined ? undefined : path.resolve(s.coreactants),
  maxProductSets: s.maxProductSets,
  explicitH: s.explicitH,
  kekulize: s.kekulize,
  generations: s.generations,
  dedup: s.dedup,
  expectedProducts: s.expectedProducts,
  fpRate: s.fpRate,
  smilesColumn: s.smilesColumn,
  idColumn: s.idColumn,
  idField: s.idField,
  reactions: s.reactions,
  maxHeavyAtoms: s.maxHeavyAtoms,
  maxMw: s.maxMw,
  elements: s.elements
})

/**
 * The definition a checkpoint holds. A checkpoint written before definitions were kept has only its fingerprint:
 * everything comes from it but the preparation overrides, which the fingerprint's rule digest still checks.
 */
export const runDefinitionIn = (manifest: Manifest): Partial<RunDefinition> => {
  if (manifest.run !== undefined) return manifest.run
  const f = manifest.fingerprint
  const [expectedProducts, fpRate] = f.bloomSizing === "" ? [] : f.bloomSizing.split("@").map(Number)
  return {
    input: f.input,
    rules: f.rules,
    generations: f.generations,
    dedup: f.dedup as RunDefinition["dedup"],
    smilesColumn: f.smilesColumn,
    idColumn: f.idColumn,
    ...(expectedProducts === undefined || fpRate === undefined ? {} : { expectedProducts, fpRate })
  }
}

export interface Manifest {
  readonly version: 1
  readonly fingerprint: Fingerprint
  /** Absent from checkpoints written before it was kept (see `runDefinitionIn`). */
  readonly run?: RunDefinition | undefined
  readonly complete: boolean
  /** The generation in progress (0 reads the inputs). */
  readonly generation: number
  /** Items of that generation's source fully processed and written. */
  readonly consumed: number
  /** Bytes of each frontier file (by generation) and of the quarantine at the checkpoint. */
  readonly frontierBytes: Readonly<Record<string, number>>
  readonly quarantineBytes: number
  /** Bytes of `filtered.tsv` at the checkpoint; absent from runs without a filter. */
  readonly filteredBytes?: number | undefined
  readonly parts: ReadonlyArray<PartRecord>
  /** The reaction network's parts (`--reactions`); absent from checkpoints without it. */
  readonly reactionParts?: ReadonlyArray<PartRecord> | undefined
  readonly stats: SavedStats
  readonly checkpoints: number
  readonly savedAt: string
}

export const manifestPath = (output: string) => path.join(output, manifestName)

/**
 * The sha256 and size of an input: of the file, or of a folder's Parquet files in the order they are read, each
 * file's name and bytes (so that a part renamed, added or changed changes the digest).
 */
const digestOfInput = (input: string) =>
  Effect.suspend(() => {
    const hash = createHash("sha256")
    const folder = fs.statSync(input).isDirectory()
    const files = folder ? parquetFilesOf(input) : [input]
    return Effect.forEach(files, (file) => {
      if (folder) hash.update(`${path.basename(file)}\n`)
      return scanFile(file, (bytes) => hash.update(bytes))
    }, { discard: true }).pipe(
      Effect.map(() => ({ sha256: hash.digest("hex"), bytes: files.reduce((total, file) => total + fs.statSync(file).size, 0) })),
      Effect.mapError((cause) => new InputFileError({ path: input, reason: `cannot read it to fingerprint the run: ${String(cause)}` }))
    )
  })

/**
 * The fingerprint of a run. A file input is read once for its sha256, a small cost next to a run; molecules given in
 * memory cannot be read twice, so such a run is not resumable and says so in its fingerprint.
 */
export const fingerprintOf = (settings: RunSettings, input: string | undefined, ruleSet: RuleSet, engine: ChosenEngine) =>
  Effect.gen(function*() {
    const digest = input === undefined ? { sha256: "in memory", bytes: 0 } : yield* digestOfInput(input)
    return {
      input: input === undefined ? "(molecules in memory)" : path.resolve(input),
      inputBytes: digest.bytes,
      inputSha256: digest.sha256,
      rules: ruleSet.source,
      rulesSha256: ruleSetDigest(ruleSet),
      generations: settings.generations,
      dedup: settings.dedup,
      bloomSizing: settings.dedup === "bloom" ? `${settings.expectedProducts}@${settings.fpRate}` : "",
      smilesColumn: settings.smilesColumn,
      idColumn: settings.idColumn,
      idField: settings.idField ?? "",
      engine: engine.rdkit,
      reactions: settings.reactions,
      filters: describeFilters(filtersOf(settings)),
      maxProductSets: settings.maxProductSets
    } satisfies Fingerprint
  })

const fingerprintLabels: Record<keyof Fingerprint, string> = {
  input: "input file",
  inputBytes: "input size",
  inputSha256: "input content (sha256)",
  rules: "rule set",
  rulesSha256: "rules or their preparation (sha256)",
  generations: "--generations",
  dedup: "--dedup",
  bloomSizing: "--expected-products / --fp-rate (Bloom sizing)",
  smilesColumn: "--smiles-column",
  idColumn: "--id-column",
  idField: "--id-field",
  engine: "RDKit (--engine)",
  reactions: "--reactions",
  filters: "--max-heavy-atoms / --max-mw / --elements",
  maxProductSets: "--max-product-sets"
}

/** Each way the new run differs from the checkpointed one, in words; empty when it may resume. */
export const fingerprintDifferences = (saved: Fingerprint, now: Fingerprint): Array<string> =>
  (Object.keys(fingerprintLabels) as Array<keyof Fingerprint>)
    // A key a checkpoint of an earlier version did not write compares as empty, as the settings it stands for were.
    .filter((key) => (saved[key] ?? "") !== (now[key] ?? ""))
    .map((key) => `${fingerprintLabels[key]}: was ${String(saved[key])}, now ${String(now[key])}`)

/** A manifest that cannot be read as one: the folder is not a resumable run. */
export class ManifestError extends Schema.TaggedError<ManifestError>()("ManifestError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.path}: ${this.reason}`
  }
}

export const readManifest = (output: string): Effect.Effect<Manifest, ManifestError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = manifestPath(output)
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((cause) =>
        new ManifestError({
          path: file,
          reason: cause.reason._tag === "NotFound"
            ? "no manifest: this folder does not hold a resumable run"
            : `unreadable manifest: ${describeCause(cause)}`
        })
      )
    )
    return yield* Effect.try({
      try: () => {
        const manifest = JSON.parse(text) as Manifest
        if (manifest.version !== 1) throw new Error(`unknown manifest version ${String(manifest.version)}`)
        return manifest
      },
      catch: (cause) => new ManifestError({ path: file, reason: `unreadable manifest: ${String(cause)}` })
    })
  })

/** Replaces the manifest atomically and durably. */
export const writeManifest = (output: string, manifest: Manifest): Effect.Effect<void, OutputFolderError, FileSystem.FileSystem> =>
  replaceFile(manifestPath(output), JSON.stringify(manifest, null, 2) + "\n").pipe(
    Effect.mapError((error) => new OutputFolderError({ path: manifestPath(output), reason: `cannot write the checkpoint: ${error.message}` }))
  )
