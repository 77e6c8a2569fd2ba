/** How molexpand's commands declare flags: each says its default in its help line. */
import { Flag } from "effect/cli"

export const withDefault = <A>(flag: Flag.Flag<A>, value: A, description: string) =>
  flag.pipe(Flag.withDescription(`${description} (default: ${String(value)})`), Flag.withDefault(value))

/**
 * A flag that decides the product set: left out, it is the default for a new run and the checkpoint's value for
 * `--resume DIR`, so its absence must be seen.
 */
export const productSetFlag = <A>(flag: Flag.Flag<A>, value: A, description: string) =>
  flag.pipe(Flag.withDescription(`${description} (default: ${String(value)}) (with --resume: the run's own)`), Flag.optional)
