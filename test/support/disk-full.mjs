// A file-system layer for tests that fills up: loaded with `node --import`, it makes every `fs.writeSync` to a file
// under MOLEXPAND_TEST_DISK_DIR fail with ENOSPC once MOLEXPAND_TEST_DISK_BYTES bytes have been written there, as a
// full disk does. molexpand writes its output (parts, frontiers, quarantine, manifest) only through fs.writeSync on
// the main thread, so this simulates a full disk for everything it writes.
import fs from "node:fs"
import { syncBuiltinESMExports } from "node:module"
import path from "node:path"

const folder = path.resolve(process.env.MOLEXPAND_TEST_DISK_DIR ?? "/nonexistent")
let left = Number(process.env.MOLEXPAND_TEST_DISK_BYTES ?? Infinity)
const watched = new Set()

const openSync = fs.openSync
fs.openSync = (file, ...rest) => {
  const fd = openSync(file, ...rest)
  if (typeof file === "string" && path.resolve(file).startsWith(folder + path.sep)) watched.add(fd)
  else watched.delete(fd)
  return fd
}

const writeSync = fs.writeSync
fs.writeSync = (fd, data, ...rest) => {
  if (watched.has(fd)) {
    const size = typeof data === "string" ? Buffer.byteLength(data) : typeof rest[1] === "number" ? rest[1] : data.byteLength
    if (size > left) {
      const error = new Error(`ENOSPC: no space left on device, write`)
      error.code = "ENOSPC"
      error.errno = -28
      error.syscall = "write"
      throw error
    }
    left -= size
  }
  return writeSync(fd, data, ...rest)
}

syncBuiltinESMExports()
