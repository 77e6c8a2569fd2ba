import { defineConfig } from "vitest/config"
// Before any test runs, in the process whose reporter prints failures (see the file).
import "./test/support/node20-polyfills.mjs"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end runs start RDKit worker threads; two cores run two such files at a time at most.
    maxWorkers: 2,
    testTimeout: 600_000,
    hookTimeout: 600_000
  }
})
