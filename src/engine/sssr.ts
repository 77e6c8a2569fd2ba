/**
 * The rings RDKit 2022.09 perceives when it sanitizes a molecule (`symmetrizeSSSR`), in its order and with each
 * ring's atoms in its order.
 *
 * The reference's `Kekulize` walks a ring system starting from the first atom of its first ring and restarts from
 * the next atom of that order, so which Kekulé structure a macrocycle or a partly aliphatic ring system gets depends
 * on how the ring finder listed its rings. RDKit 2026 reports each ring's atoms sorted, so molexpand finds the rings
 * itself, following RDKit 2022.09's smallest-set-of-smallest-rings search (Figueras' breadth-first search from
 * degree-2 atoms after trimming chains, degree-3 atoms when none is left, extra rings dropped and offered back by
 * symmetrization). `undefined` when the search reaches a branch RDKit itself leaves to an approximate finder.
 */

import { EmulationGaveUp as GaveUp, type GraphBond, MoleculeGraph } from "./graph.js"
import { gccSort } from "./stdSort.js"

const WHITE = 0
const GRAY = 1
const BLACK = 2

/** A ring's atoms as a set: a key for lookups, and the atoms highest first for RDKit's (bitset) ordering. */
interface Invariant { readonly key: string; readonly descending: ReadonlyArray<number> }
const invariantOf = (ring: ReadonlyArray<number>): Invariant => {
  const descending = [...ring].sort((a, b) => b - a)
  return { key: descending.join(","), descending }
}
/** RDKit keys rings by a bitset of their atoms; bitsets compare as numbers, highest bit first. */
const compareInvariants = (a: Invariant, b: Invariant): number => {
  for (let i = 0; i < Math.min(a.descending.length, b.descending.length); i++) {
    if (a.descending[i] !== b.descending[i]) return a.descending[i]! - b.descending[i]!
  }
  return a.descending.length - b.descending.length
}

/** RDKit 2022.09's symmetrized SSSR of the graph with `atomCount` atoms and these bonds (in bond index order). */
export const symmetrizedSssr = (atomCount: number, bonds: ReadonlyArray<GraphBond>): Array<Array<number>> | undefined => {
  try {
    return new RingSearch(atomCount, bonds).symmetrized()
  } catch (error) {
    if (error instanceof GaveUp) return undefined
    throw error
  }
}

class RingSearch {
  private readonly graph: MoleculeGraph
  private readonly incident: MoleculeGraph["incident"]
  private extras: Array<Array<number>> = []

  constructor(private readonly atomCount: number, private readonly bonds: ReadonlyArray<GraphBond>) {
    this.graph = new MoleculeGraph(atomCount, bonds)
    this.incident = this.graph.incident
  }

  symmetrized(): Array<Array<number>> {
    const sssr = this.sssr()
    const result = sssr.map((ring) => [...ring])
    const ringBonds = sssr.map((ring) => this.graph.ringBonds(ring))
    const bondCounts = new Array<number>(this.bonds.length).fill(0)
    for (const ring of ringBonds) for (const bond of ring) bondCounts[bond]!++
    for (const extra of this.extras) {
      const extraBonds = this.graph.ringBonds(extra)
      for (const ring of ringBonds) {
        if (ring.length !== extraBonds.length) continue
        let shareBond = false
        let replacesAllUnique = true
        for (const bond of ring) {
          if (bondCounts[bond] === 1 || !shareBond) {
            if (extraBonds.includes(bond)) shareBond = true
            else if (bondCounts[bond] === 1) replacesAllUnique = false
          }
        }
        if (shareBond && replacesAllUnique) {
          result.push([...extra])
          break
        }
      }
    }
    return result
  }

  private fragments(): Array<Array<number>> {
    const fragmentOf = new Array<number>(this.atomCount).fill(-1)
    const fragments: Array<Array<number>> = []
    for (let start = 0; start < this.atomCount; start++) {
      if (fragmentOf[start]! >= 0) continue
      const id = fragments.length
      const stack = [start]
      fragmentOf[start] = id
      while (stack.length > 0) {
        for (const { other } of this.incident[stack.pop()!]!) {
          if (fragmentOf[other]! < 0) {
            fragmentOf[other] = id
            stack.push(other)
          }
        }
      }
      fragments.push([])
    }
    fragmentOf.forEach((id, atom) => fragments[id]!.push(atom))
    return fragments
  }

  private sssr(): Array<Array<number>> {
    const degrees = this.incident.map((list) => list.length)
    const active = new Array<boolean>(this.bonds.length).fill(true)
    const invariants = new Set<string>()
    const result: Array<Array<number>> = []
    for (const fragment of this.fragments()) {
      if (fragment.length < 3) continue
      const changed = new SortedSet()
      let degreeSum = 0
      for (const atom of fragment) {
        degreeSum += degrees[atom]!
        if (degrees[atom]! < 2) changed.add(atom)
      }
      const bondCount = degreeSum / 2
      if (bondCount - fragment.length + 1 < 1) continue
      const found: Array<Array<number>> = []
      const done = new Array<boolean>(this.atomCount).fill(false)
      let atomsDone = 0
      while (atomsDone < fragment.length) {
        while (changed.size > 0) {
          const candidate = changed.popMin()
          if (!done[candidate]) {
            done[candidate] = true
            atomsDone++
            this.trimBonds(candidate, changed, degrees, active)
          }
        }
        const d2nodes = this.pickD2Nodes(fragment, degrees, active)
        if (d2nodes.length > 0) {
          this.ringsFromD2Nodes(found, invariants, d2nodes, degrees, active)
          for (const node of d2nodes) {
            done[node] = true
            atomsDone++
            this.trimBonds(node, changed, degrees, active)
          }
        } else if (atomsDone < fragment.length) {
          const candidate = fragment.find((atom) => degrees[atom] === 3)
          if (candidate === undefined) break
          this.ringsFromD3Node(found, invariants, candidate, active)
          done[candidate] = true
          atomsDone++
          this.trimBonds(candidate, changed, degrees, active)
        }
      }
      const expected = bondCount - fragment.length + 1
      // Fewer rings than the cyclomatic number sends RDKit to further searches and an approximate finder.
      if (found.length < expected) throw new GaveUp("fewer rings than expected")
      result.push(...(found.length > expected ? this.removeExtraRings(found) : found))
    }
    return result
  }

  private trimBonds(candidate: number, changed: SortedSet, degrees: Array<number>, active: Array<boolean>) {
    for (const { bond, other } of this.incident[candidate]!) {
      if (!active[bond]) continue
      if (degrees[other]! <= 2) changed.add(other)
      active[bond] = false
      degrees[other]!--
      degrees[candidate]!--
    }
  }

  /** One degree-2 atom per chain of degree-2 atoms, in fragment order. */
  private pickD2Nodes(fragment: ReadonlyArray<number>, degrees: ReadonlyArray<number>, active: ReadonlyArray<boolean>): Array<number> {
    const nodes: Array<number> = []
    const forbidden = new Array<boolean>(this.atomCount).fill(false)
    const markChain = (root: number) => {
      for (const { bond, other } of this.incident[root]!) {
        if (!active[bond]) continue
        if (!forbidden[other] && degrees[other] === 2) {
          forbidden[other] = true
          markChain(other)
        }
      }
    }
    for (;;) {
      const root = fragment.find((atom) => degrees[atom] === 2 && !forbidden[atom])
      if (root === undefined) return nodes
      nodes.push(root)
      forbidden[root] = true
      markChain(root)
    }
  }

  private addRing(found: Array<Array<number>>, invariants: Set<string>, ring: Array<number>): boolean {
    const { key } = invariantOf(ring)
    if (invariants.has(key)) return false
    found.push(ring)
    invariants.add(key)
    return true
  }

  private ringsFromD2Nodes(
    found: Array<Array<number>>,
    invariants: Set<string>,
    d2nodes: ReadonlyArray<number>,
    degrees: Array<number>,
    active: Array<boolean>
  ) {
    const candidatesOfRing = new Map<string, { invariant: Invariant; nodes: Array<number> }>()
    const duplicates = new Map<number, Array<number>>()
    const ringsOfNode = new Map<number, Array<string>>()
    for (const candidate of d2nodes) {
      const rings = this.smallestRings(candidate, active)
      for (const ring of rings) {
        const invariant = invariantOf(ring)
        this.addRing(found, invariants, ring)
        pushTo(ringsOfNode, candidate, invariant.key)
        for (const node of [...ringsOfNode.keys()].sort((a, b) => a - b)) {
          if (node !== candidate && ringsOfNode.get(node)!.includes(invariant.key)) {
            pushTo(duplicates, candidate, node)
            pushTo(duplicates, node, candidate)
          }
        }
        const entry = candidatesOfRing.get(invariant.key) ?? { invariant, nodes: [] }
        entry.nodes.push(candidate)
        candidatesOfRing.set(invariant.key, entry)
      }
      // With no ring through it, the chain it sits on can be trimmed right away.
      if (rings.length === 0) {
        const changed = new SortedSet()
        changed.add(candidate)
        while (changed.size > 0) this.trimBonds(changed.popMin(), changed, degrees, active)
      }
    }
    // Atoms that found the same ring may each sit on a further small ring, found once the others' bonds are cut.
    const ordered = [...candidatesOfRing.values()].sort((a, b) => compareInvariants(a.invariant, b.invariant))
    for (const { nodes } of ordered) {
      if (nodes.length < 2) continue
      const rings: Array<Array<number>> = []
      let smallest = Number.MAX_SAFE_INTEGER
      for (const node of nodes) {
        const degreesCopy = [...degrees]
        const activeCopy = [...active]
        const others = duplicates.get(node)
        if (others === undefined) throw new GaveUp("a duplicate ring without its duplicates")
        const scratch = new SortedSet()
        for (const other of others) this.trimBonds(other, scratch, degreesCopy, activeCopy)
        for (const ring of this.smallestRings(node, activeCopy)) {
          smallest = Math.min(smallest, ring.length)
          rings.push(ring)
        }
      }
      for (const ring of rings) if (ring.length === smallest) this.addRing(found, invariants, ring)
    }
  }

  private ringsFromD3Node(found: Array<Array<number>>, invariants: Set<string>, candidate: number, active: ReadonlyArray<boolean>) {
    const rings = this.smallestRings(candidate, active)
    for (const ring of rings) this.addRing(found, invariants, ring)
    if (rings.length >= 3) return
    const neighbours = this.incident[candidate]!.filter(({ bond }) => active[bond]).map(({ other }) => other)
    if (neighbours.length < 3) throw new GaveUp("a degree-3 atom without three neighbours")
    const [n1, n2, n3] = neighbours as [number, number, number]
    if (rings.length === 2) {
      const common = [n1, n2, n3].find((n) => rings[0]!.includes(n) && rings[1]!.includes(n))
      if (common === undefined) throw new GaveUp("no third ring")
      for (const ring of this.smallestRings(candidate, active, [common])) this.addRing(found, invariants, ring)
    }
    if (rings.length === 1) {
      const first = rings[0]!
      const pair: [number, number] | undefined = !first.includes(n1)
        ? [n2, n3]
        : !first.includes(n2)
        ? [n1, n3]
        : !first.includes(n3)
        ? [n1, n2]
        : undefined
      if (pair === undefined) throw new GaveUp("rings not found")
      for (const ring of this.smallestRings(candidate, active, [pair[1]])) this.addRing(found, invariants, ring)
      for (const ring of this.smallestRings(candidate, active, [pair[0]])) this.addRing(found, invariants, ring)
    }
  }

  /** Every smallest ring through `root` (Figueras' breadth-first search), avoiding `forbidden` atoms. */
  private smallestRings(root: number, active: ReadonlyArray<boolean>, forbidden: ReadonlyArray<number> = []): Array<Array<number>> {
    const state = new Array<number>(this.atomCount).fill(WHITE)
    for (const atom of forbidden) state[atom] = BLACK
    const parents = new Array<number>(this.atomCount).fill(-1)
    const depths = new Array<number>(this.atomCount).fill(0)
    const queue = [root]
    const rings: Array<Array<number>> = []
    let currentSize = Number.MAX_SAFE_INTEGER
    while (queue.length > 0) {
      const current = queue.shift()!
      state[current] = BLACK
      const depth = depths[current]! + 1
      if (depth > currentSize) break
      for (const { bond, other } of this.incident[current]!) {
        if (!active[bond]) continue
        if (state[other] === BLACK || parents[current] === other) continue
        if (state[other] === WHITE) {
          parents[other] = current
          state[other] = GRAY
          depths[other] = depth
          queue.push(other)
          continue
        }
        let ring: Array<number> = [other]
        for (let parent = parents[other]!; parent !== -1 && parent !== root; parent = parents[parent]!) ring.push(parent)
        ring.unshift(current)
        for (let parent = parents[current]!; parent !== -1; parent = parents[parent]!) {
          // The paths meet before the root: not a ring through the root.
          if (ring.includes(parent)) {
            ring = []
            break
          }
          ring.unshift(parent)
        }
        if (ring.length > 1) {
          if (ring.length > currentSize) return rings
          currentSize = ring.length
          rings.push(ring)
        }
      }
    }
    return rings
  }

  /** Keeps, smallest first, the rings that add a bond to those kept; the others become the extras. */
  private removeExtraRings(found: Array<Array<number>>): Array<Array<number>> {
    const rings = [...found]
    if (!gccSort(rings, (a, b) => a.length < b.length)) throw new GaveUp("a ring sort GCC finishes by heapsort")
    const ringBonds = rings.map((ring) => new Set(this.graph.ringBonds(ring)))
    const available = rings.map(() => true)
    const keep = rings.map(() => false)
    const union = new Set<number>()
    const isSubset = (bonds: Set<number>) => [...bonds].every((bond) => union.has(bond))
    const take = (i: number) => {
      for (const bond of ringBonds[i]!) union.add(bond)
      keep[i] = true
    }
    for (let i = 0; i < rings.length; i++) {
      if (isSubset(ringBonds[i]!)) available[i] = false
      if (!available[i]) continue
      take(i)
      const consider = new Set<number>()
      for (let j = i + 1; j < rings.length; j++) if (available[j] && ringBonds[j]!.size === ringBonds[i]!.size) consider.add(j)
      while (consider.size > 0) {
        let best = i + 1
        let bestOverlap = -1
        for (let j = i + 1; j < rings.length && ringBonds[j]!.size === ringBonds[i]!.size; j++) {
          if (!consider.has(j) || !available[j]) continue
          const overlap = [...ringBonds[j]!].filter((bond) => union.has(bond)).length
          if (overlap > bestOverlap) {
            bestOverlap = overlap
            best = j
          }
        }
        consider.delete(best)
        if (!isSubset(ringBonds[best]!)) take(best)
        available[best] = false
      }
    }
    // RDKit stores each fragment's extras over the previous fragment's: only the last fragment with extras counts.
    this.extras = rings.filter((_, i) => !keep[i])
    return rings.filter((_, i) => keep[i])
  }
}

const pushTo = <V>(map: Map<number, Array<V>>, key: number, value: V) => {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

/** RDKit's `std::set<int>` of atoms to trim: taken smallest first. */
class SortedSet {
  private readonly items = new Set<number>()
  get size(): number {
    return this.items.size
  }
  add(value: number) {
    this.items.add(value)
  }
  popMin(): number {
    let min = Infinity
    for (const value of this.items) if (value < min) min = value
    this.items.delete(min)
    return min
  }
}
