/**
 * The start-up scan: every byte of the file in order, through one buffer of bounded size, and the file closed.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { READ_CHUNK_BYTES, scanFile } from "../../src/io/fileScan.js"
import { openFiles } from "../support/openFiles.js"

/** Several reads and a partial last one. */
const FILE_BYTES = 5 * READ_CHUNK_BYTES + 12_345

let scratch = ""
let file = ""
let content = Buffer.alloc(0)

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "molexpand-scan-"))
  file = path.join(scratch, "bytes.bin")
  content = Buffer.from(Array.from({ length: FILE_BYTES }, (_, i) => (i * 31 + (i >> 8)) & 0xff))
  fs.writeFileSync(file, content)
})

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

describe("scanFile", () => {
  it.effect("hands over every byte in order, each piece a view of the same buffer, and closes the file", () =>
    Effect.gen(function*() {
      const hash = createHash("sha256")
      const buffers = new Set<ArrayBufferLike>()
      let pieces = 0
      let largest = 0
      yield* scanFile(file, (bytes) => {
        hash.update(bytes)
        buffers.add(bytes.buffer)
        pieces++
        largest = Math.max(largest, bytes.length)
      })
      assert.strictEqual(hash.digest("hex"), createHash("sha256").update(content).digest("hex"))
      assert.strictEqual(pieces, Math.ceil(FILE_BYTES / READ_CHUNK_BYTES))
      assert.strictEqual(buffers.size, 1)
      assert.strictEqual(largest, READ_CHUNK_BYTES)
      const open = openFiles()
      if (open !== undefined) assert.notInclude(open, file)
    }))

  it.effect("an empty file gives no piece", () =>
    Effect.gen(function*() {
      const empty = path.join(scratch, "empty.bin")
      fs.writeFileSync(empty, "")
      let pieces = 0
      yield* scanFile(empty, () => pieces++)
      assert.strictEqual(pieces, 0)
    }))

  it.effect("fails with the file system's error on a missing file", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(scanFile(path.join(scratch, "missing.bin"), () => undefined))
      assert.strictEqual((error as NodeJS.ErrnoException).code, "ENOENT")
    }))
})
