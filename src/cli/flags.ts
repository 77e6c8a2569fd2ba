/** How molexpand's commands declare flags: each says its default in its help line. */
import { Flag } from "effect/cli"
import { defaults, engineChoices } from "../config.js"

export const withDefault = <A>(flag: Flag.Flag<A>, value: A, description: string) =>
  flag.pipe(Flag.withDescription(`${description} (default: ${String(value)})`), Flag.withDefault(value))

/**
 * A flag that decides the product set: left out, it is the default for a new run and the checkpoint's value for
 * `--resume DIR`, so its absence must be seen.
 */
export const productSetFlag = <A>(flag: Flag.Flag<A>, value: A, description: string) =>
  flag.pipe(Flag.withDescription(`${description} (default: ${String(value)}) (with --resume: the run's own)`), Flag.optional)

/**
 * A flag that decides the product set and has no default (a filter, an SD id field, a coreactant file): left out,
 * it is absent for a new run and the checkpoint's value for `--resume DIR`.
 */
export const optionalProductSetFlag = <A>(flag: Flag.Flag<A>, description: string) =>
  flag.pipe(Flag.withDescription(`${description} (with --resume: the run's own)`), Flag.optional)

/** `--engine`, for runs and runners alike. */
export const engineFlag = withDefault(
  Flag.Literals("engine", engineChoices),
  defaults.engine,
  "RDKit engine: native (the C++ RDKit, built at install where librdkit-dev is installed), wasm (WebAssembly), or auto (native when it loads)"
)
