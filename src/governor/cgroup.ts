/**
 * The memory limit of the process's control group, when it has one. In a container or a batch job the kernel kills
 * the process at that limit, whatever the machine has free, so the governor must measure against it.
 *
 * Reading is split from parsing: the parsers are pure and tested on file contents; `readCgroupMemory` only reads
 * the files. cgroup v2 (`memory.max`, `memory.current`) is the current interface; v1 (`memory.limit_in_bytes`,
 * `memory.usage_in_bytes`) is still found on older hosts.
 */
import * as fs from "node:fs"

export interface CgroupMemory {
  readonly limitBytes: number
  readonly usageBytes: number
}

/** v1 reports "no limit" as a huge page-aligned number rather than "max". */
const v1NoLimitAbove = 2 ** 60

/** The group's path for the memory controller, from /proc/self/cgroup lines `id:controllers:path`. */
export const cgroupPaths = (procSelfCgroup: string): { readonly v2: string | undefined; readonly v1: string | undefined } => {
  let v2: string | undefined
  let v1: string | undefined
  for (const line of procSelfCgroup.split("\n")) {
    const [id, controllers, ...rest] = line.split(":")
    const groupPath = rest.join(":")
    if (id === "0" && controllers === "") v2 = groupPath
    else if (controllers?.split(",").includes("memory")) v1 = groupPath
  }
  return { v2, v1 }
}

/** A limit file's content as bytes, or undefined when it says there is no limit. */
export const parseLimit = (text: string): number | undefined => {
  const value = text.trim()
  if (value === "max" || value === "") return undefined
  const bytes = Number(value)
  return Number.isFinite(bytes) && bytes > 0 && bytes < v1NoLimitAbove ? bytes : undefined
}

const readNumberFile = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

/** The limit and usage of this process's memory cgroup, or undefined when it has no limit. */
export const readCgroupMemory = (root = "/sys/fs/cgroup"): CgroupMemory | undefined => {
  const paths = cgroupPaths(readNumberFile("/proc/self/cgroup") ?? "")
  const candidates: Array<readonly [string, string]> = []
  if (paths.v2 !== undefined) candidates.push([`${root}${paths.v2}/memory.max`, `${root}${paths.v2}/memory.current`])
  if (paths.v1 !== undefined) {
    candidates.push([`${root}/memory${paths.v1}/memory.limit_in_bytes`, `${root}/memory${paths.v1}/memory.usage_in_bytes`])
    // Inside a container the group's own folder is mounted as the controller's root.
    candidates.push([`${root}/memory/memory.limit_in_bytes`, `${root}/memory/memory.usage_in_bytes`])
  }
  for (const [limitFile, usageFile] of candidates) {
    const limitBytes = parseLimit(readNumberFile(limitFile) ?? "")
    const usageBytes = Number(readNumberFile(usageFile)?.trim())
    if (limitBytes !== undefined && Number.isFinite(usageBytes)) return { limitBytes, usageBytes }
  }
  return undefined
}
