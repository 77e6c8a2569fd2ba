/**
 * How the CLI shows a run's events. On a terminal (text): one live progress line on stderr, redrawn in place, with
 * decisions and warnings printed above it. Off a terminal (pipes, CI, batch jobs): a plain progress line every
 * `--progress-seconds`. `--log-format json`: every event as one JSON line on stdout, the last one (`end`) carrying the
 * summary. `--quiet`: nothing but errors and the final summary.
 */
import { defaults } from "../config.js"
import type { EventSink, RunEvent } from "./events.js"
import { formatEventLine, formatJsonLine } from "./render.js"

export interface CliReporter {
  readonly onEvent: EventSink
  /** How often the run should emit progress; undefined for none. */
  readonly progressMs: number | undefined
  /** Whether the text summary should still be printed at the end (not in JSON mode). */
  readonly printSummary: boolean
}

interface Streams {
  readonly stdout: { write: (text: string) => unknown }
  readonly stderr: { write: (text: string) => unknown; readonly isTTY?: boolean | undefined }
}

const clearLine = "\r\u001b[K"

export const makeCliReporter = (
  options: { readonly format: "text" | "json"; readonly quiet: boolean; readonly progressSeconds: number },
  streams: Streams = process
): CliReporter => {
  if (options.format === "json") {
    return {
      printSummary: false,
      progressMs: options.quiet ? undefined : options.progressSeconds * 1000,
      onEvent: (event: RunEvent) => {
        if (!options.quiet || event.type === "end") streams.stdout.write(formatJsonLine(event) + "\n")
      }
    }
  }
  if (options.quiet) return { printSummary: true, progressMs: undefined, onEvent: () => undefined }
  if (streams.stderr.isTTY === true) {
    let live = ""
    return {
      printSummary: true,
      progressMs: defaults.liveProgressMs,
      onEvent: (event: RunEvent) => {
        if (event.type === "end") {
          if (live !== "") streams.stderr.write(clearLine)
          live = ""
          return
        }
        const line = formatEventLine(event)
        if (line === undefined) return
        if (event.type === "progress") {
          live = line
          streams.stderr.write(clearLine + live)
        } else {
          streams.stderr.write(clearLine + line + "\n" + live)
        }
      }
    }
  }
  return {
    printSummary: true,
    progressMs: options.progressSeconds * 1000,
    onEvent: (event: RunEvent) => {
      const line = formatEventLine(event)
      if (line !== undefined) streams.stderr.write(line + "\n")
    }
  }
}
