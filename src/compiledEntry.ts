/**
 * Where a thread's or process's entry module is: the compiled file `fileName` in the folder of the module at
 * `sourceUrl`. Tests run the sources through vitest, where a worker still needs JavaScript: the build of the same
 * folder (`src/` → `dist/`).
 */
export const compiledEntry = (sourceUrl: string, fileName: string): URL =>
  new URL(fileName, sourceUrl.endsWith(".ts") ? sourceUrl.replace(/\/src\/(?!.*\/src\/)/, "/dist/") : sourceUrl)
