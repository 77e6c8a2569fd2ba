/** The machine a benchmark ran on, and the native RDKit it compares against. */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import { nativeAddon } from "./paths.mjs"
import { loadRdkit } from "./products.mjs"

export const PYTHON = "/usr/bin/python3"

const firstMatch = (file, pattern) => {
  try {
    return pattern.exec(fs.readFileSync(file, "utf8"))?.[1]?.trim() ?? null
  } catch {
    return null
  }
}

export const uptimeText = () => {
  const result = spawnSync("uptime", [], { encoding: "utf8" })
  return result.status === 0 ? result.stdout.trim() : `load average: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`
}

export const nativeRdkitVersion = () => {
  const result = spawnSync(PYTHON, ["-c", "from rdkit import rdBase; print(rdBase.rdkitVersion)"], { encoding: "utf8" })
  return result.status === 0 ? result.stdout.trim() : null
}

/** The C++ RDKit molexpand's native engine links (Debian's librdkit), or null where its addon is not built or does not load. */
export const nativeEngineRdkitVersion = () => {
  try {
    return createRequire(import.meta.url)(nativeAddon).rdkitVersion
  } catch {
    return null
  }
}

/**
 * Makes sure `/usr/bin/python3 -c "import rdkit"` works, installing Debian's python3-rdkit when it does not.
 * Returns what was done, or throws when the install failed.
 */
export const ensureNativeRdkit = (log) => {
  if (spawnSync(PYTHON, ["-c", "import rdkit"], { stdio: "ignore" }).status === 0) return "present"
  log("native RDKit missing: installing python3-rdkit (apt-get update && apt-get install -y python3-rdkit)")
  const install = spawnSync("bash", ["-c", "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-rdkit"], {
    stdio: ["ignore", "inherit", "inherit"]
  })
  if (install.status !== 0 || spawnSync(PYTHON, ["-c", "import rdkit"], { stdio: "ignore" }).status !== 0) {
    throw new Error("could not install python3-rdkit with apt-get; the peer needs /usr/bin/python3 with rdkit")
  }
  log("installed python3-rdkit")
  return "installed"
}

export const describeMachine = async () => {
  const RD = await loadRdkit()
  const python = spawnSync(PYTHON, ["--version"], { encoding: "utf8" })
  return {
    cores: os.cpus().length,
    cpuModel: firstMatch("/proc/cpuinfo", /^model name\s*:\s*(.+)$/m) ?? os.cpus()[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    os: firstMatch("/etc/os-release", /^PRETTY_NAME="?([^"\n]+)"?$/m) ?? os.type(),
    kernel: os.release(),
    node: process.version,
    rdkitWasm: RD.version(),
    rdkitNative: nativeRdkitVersion(),
    rdkitNativeEngine: nativeEngineRdkitVersion(),
    python: (python.stdout || python.stderr || "").trim()
  }
}
