/**
 * What RDKit says, as text, the same for both engines: why it rejected an input (its log made one line), whether an
 * input is a molfile, its drawings without their XML declaration. No RDKit here, so a native worker does not load the
 * WebAssembly build's glue for these.
 */

/** The longest reason kept from RDKit's log: its first lines say what is wrong, the rest repeats the input. */
const maxReasonLength = 300

/** RDKit log lines start with a "[hh:mm:ss] " stamp and repeat themselves; keep each distinct message once. */
export const oneLineReason = (logText: string): string => {
  const lines = logText
    .split("\n")
    .map((line) => line.replace(/^\[\d\d:\d\d:\d\d\]\s*/, "").trim())
    .filter((line) => line.length > 0)
  return [...new Set(lines)].join("; ").slice(0, maxReasonLength)
}

/** An input that is an SD record's molfile rather than a SMILES (a SMILES is one line). */
export const isMolfile = (text: string): boolean => text.includes("\n")

/** Why an input was rejected when RDKit said nothing. */
export const unreadable = (text: string): string => `RDKit could not parse this ${isMolfile(text) ? "molfile" : "SMILES"}`

/** An RDKit SVG drawing as inline SVG: without its XML declaration. */
export const inlineSvg = (svg: string): string => svg.replace(/^<\?xml[^>]*>\s*/, "")
