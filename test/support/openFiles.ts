/** What this process holds open, to check that a reader closed its file. */
import * as fs from "node:fs"
import * as path from "node:path"

/** Paths this process holds open, read from /proc (Linux); `undefined` where there is no /proc. */
export const openFiles = (): Array<string> | undefined => {
  const fdFolder = "/proc/self/fd"
  if (!fs.existsSync(fdFolder)) return undefined
  return fs.readdirSync(fdFolder).flatMap((fd) => {
    try {
      return [fs.readlinkSync(path.join(fdFolder, fd))]
    } catch {
      return [] // the descriptor used to list the folder is gone by now
    }
  })
}
