/**
 * SD files (`.sdf`, `.sd`): records of a molfile (V2000 or V3000, ending in `M  END`), then data items
 * (`> <NAME>` and value lines up to a blank line), then `$$$$`. Read line by line, a record at a time: the molfile
 * goes to RDKit as it is, so stereo and charges stay as the file gives them, and the id is the title line or the data
 * item named by `--id-field`, else the record's number.
 *
 * A record without `M  END`, or with a line that could not be read (binary, over-long), is rejected whole, by its
 * number and title; the records around it still come through.
 */
import type { InputItem, RejectedLine } from "./moleculeSource.js"

export const RECORD_END = "$$$$"
const MOLFILE_END = /^M {2}END\s*$/
/** `> <NAME>`, `>  <NAME>  (12)`, `> 25  <NAME>`: a data item's header names it in angle brackets. */
const DATA_HEADER = /^>.*<([^>]*)>/

interface Pending {
  readonly number: number
  readonly firstLine: number
  readonly lines: Array<string>
  molfileEnds: boolean
  /** The data item whose value comes next, and the value found for the id field. */
  field: string | undefined
  id: string | undefined
  /** Why the record cannot be used, from a line that could not be read. */
  broken: string | undefined
}

const title = (pending: Pending): string => (pending.lines[0] ?? "").trim()

/** `record 12 ("aspirin")`: how the quarantine names a record. */
const recordName = (pending: Pending): string => `record ${pending.number}${title(pending) === "" ? "" : ` (${JSON.stringify(title(pending))})`}`

/** A line parser for an SD file (see `moleculeSource.ts`): an item per record, at its `$$$$` or at the file's end. */
export const makeSdfParser = (idField: string | undefined) => {
  let records = 0
  let pending: Pending | undefined

  const finish = (): InputItem | undefined => {
    const done = pending
    pending = undefined
    if (done === undefined || done.lines.every((line) => line.trim() === "")) return undefined
    const reject = (reason: string): InputItem => ({
      _tag: "Rejected",
      rejected: { line: done.firstLine, text: recordName(done), reason }
    })
    if (done.broken !== undefined) return reject(done.broken)
    if (!done.molfileEnds) return reject("no \"M  END\" line: not a molfile record")
    const id = idField === undefined ? title(done) : done.id ?? ""
    return {
      _tag: "Record",
      record: { line: done.firstLine, id: id === "" ? String(done.number) : id, smiles: done.lines.join("\n") + "\n", label: recordName(done) }
    }
  }

  const start = (line: number): Pending =>
    (pending ??= { number: ++records, firstLine: line, lines: [], molfileEnds: false, field: undefined, id: undefined, broken: undefined })

  return {
    line: (line: number, text: string): InputItem | undefined => {
      if (text.trimEnd() === RECORD_END) return finish()
      const current = start(line)
      if (!current.molfileEnds) {
        current.lines.push(text)
        if (MOLFILE_END.test(text)) current.molfileEnds = true
        return undefined
      }
      const header = DATA_HEADER.exec(text)
      if (header !== null) current.field = header[1]
      else if (current.field !== undefined && current.field === idField && current.id === undefined && text.trim() !== "") {
        current.id = text.trim()
      } else if (text.trim() === "") current.field = undefined
      return undefined
    },
    /** A line that could not be read spoils its record. */
    rejectLine: (rejected: RejectedLine): InputItem | undefined => {
      const current = start(rejected.line)
      current.broken ??= `line ${rejected.line}: ${rejected.reason}`
      if (!current.molfileEnds) current.lines.push("")
      return undefined
    },
    end: finish
  }
}
