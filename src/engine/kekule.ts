/**
 * Kekulé structures the way the reference pipeline's RDKit assigns them.
 *
 * A rule set that asks for kekulized molecules matches single and double bonds, so which Kekulé structure a
 * molecule gets decides its products. RDKit picks one by a walk over each fused ring system, and the walk changed:
 * RDKit 2022.09 (native, the product contract's reference) walks in atom order, RDKit 2026 (our WebAssembly) in
 * canonical rank order. On the first 200 NCI phenols the two differ for 127 molecules, and the MINE MetaCyc rules
 * then gave 41,211 products the reference does not have and missed 45,844 of its 151,063.
 *
 * So molexpand walks the molecule itself, as RDKit 2022.09's `Kekulize` does: rings in the order its ring finder
 * lists them (`sssr.ts`; RDKit 2026 reports each ring's atoms sorted), grouped into fused systems (rings sharing a
 * bond), candidate atoms from valence, then a breadth-first walk from the first atom of the system's first ring that
 * gives each candidate atom a double bond to its first candidate neighbour and backtracks on a dead end. Atom and
 * bond order are the parse's, the same in both versions. The answer is the set of aromatic bonds that become
 * double; `undefined` means this walk found no structure, and the caller falls back to RDKit's own.
 */
import { EmulationGaveUp as GaveUp, type GraphBond, MoleculeGraph } from "./graph.js"

export interface KekuleAtom {
  readonly atomicNumber: number
  readonly aromatic: boolean
  readonly charge: number
  readonly radicals: number
  /** All hydrogens on the atom (explicit and implicit, not hydrogen atoms of the graph). */
  readonly hydrogens: number
  /** True for a bracket atom: its hydrogens are explicit and its valence takes no implicit ones. */
  readonly noImplicit: boolean
}

export interface KekuleBond extends GraphBond {
  readonly aromatic: boolean
  /** Bond order in any Kekulé structure of the molecule (1, 2 or 3): it gives each atom's total valence. */
  readonly order: number
}

export interface KekuleGraph {
  readonly atoms: ReadonlyArray<KekuleAtom>
  /** In bond index order: RDKit lists an atom's neighbours in the order its bonds were made. */
  readonly bonds: ReadonlyArray<KekuleBond>
  /** The atom rings, in the order RDKit 2022.09's ring info lists them, each ring's atoms in its order. */
  readonly rings: ReadonlyArray<ReadonlyArray<number>>
}

/** RDKit's bound on backtracking steps per ring system (`Kekulize`'s default). */
const maxBackTracks = 100

interface Valences { readonly defaultValence: number; readonly allowed: ReadonlyArray<number>; readonly outerElectrons: number }

/**
 * RDKit 2022.09's periodic table for the elements its aromaticity model can mark aromatic (and the dummy atom), read
 * from native RDKit (`GetDefaultValence`, `GetValenceList`, `GetNOuterElecs`). Another aromatic element makes the
 * walk give up rather than guess.
 */
const valences: ReadonlyMap<number, Valences> = new Map([
  [0, { defaultValence: -1, allowed: [-1], outerElectrons: 0 }],
  [5, { defaultValence: 3, allowed: [3], outerElectrons: 3 }],
  [6, { defaultValence: 4, allowed: [4], outerElectrons: 4 }],
  [7, { defaultValence: 3, allowed: [3], outerElectrons: 5 }],
  [8, { defaultValence: 2, allowed: [2], outerElectrons: 6 }],
  [13, { defaultValence: 3, allowed: [3, 6], outerElectrons: 3 }],
  [14, { defaultValence: 4, allowed: [4, 6], outerElectrons: 4 }],
  [15, { defaultValence: 3, allowed: [3, 5, 7], outerElectrons: 5 }],
  [16, { defaultValence: 2, allowed: [2, 4, 6], outerElectrons: 6 }],
  [32, { defaultValence: 4, allowed: [4], outerElectrons: 4 }],
  [33, { defaultValence: 3, allowed: [3, 5, 7], outerElectrons: 5 }],
  [34, { defaultValence: 2, allowed: [2, 4, 6], outerElectrons: 6 }],
  [50, { defaultValence: 2, allowed: [2, 4], outerElectrons: 4 }],
  [51, { defaultValence: 3, allowed: [3, 5, 7], outerElectrons: 5 }],
  [52, { defaultValence: 2, allowed: [2, 4, 6], outerElectrons: 6 }],
  [82, { defaultValence: 2, allowed: [2, 4], outerElectrons: 4 }],
  [83, { defaultValence: 3, allowed: [3, 5, 7], outerElectrons: 5 }]
])

/** RDKit counts a charge the other way for elements left of carbon (and for Ge, Sn, Pb). */
const isEarlyAtom = (atomicNumber: number, outerElectrons: number): boolean =>
  atomicNumber > 1 && (outerElectrons <= 3 || (outerElectrons === 4 && atomicNumber > 14))

/** The aromatic bonds (by index) that RDKit 2022.09's `Kekulize` makes double; undefined if it finds no structure. */
export const kekuleDoubleBonds = (graph: KekuleGraph): Set<number> | undefined => {
  try {
    return new Walk(graph).run()
  } catch (error) {
    if (error instanceof GaveUp) return undefined
    throw error
  }
}

const SINGLE = 1
const DOUBLE = 2
/** Any order other than single or double marks a bond the walk leaves alone. */
const AROMATIC = 1.5

class Walk {
  private readonly molecule: MoleculeGraph
  /** The order each bond has now: aromatic bonds start at 1.5, become single in their system, some then double. */
  private readonly order: Array<number>
  private readonly ringsOfAtom: Array<Array<number>>

  constructor(private readonly graph: KekuleGraph) {
    this.molecule = new MoleculeGraph(graph.atoms.length, graph.bonds)
    this.order = graph.bonds.map((bond) => (bond.aromatic ? AROMATIC : bond.order))
    this.ringsOfAtom = Array.from({ length: graph.atoms.length }, () => [])
    graph.rings.forEach((ring, r) => ring.forEach((atom) => this.ringsOfAtom[atom]!.push(r)))
  }

  run(): Set<number> {
    const { atoms, rings } = this.graph
    if (!atoms.some((atom) => atom.aromatic) && !this.graph.bonds.some((bond) => bond.aromatic)) return new Set()
    const isDummy = (atom: number) => atoms[atom]!.atomicNumber === 0
    const ringsToUse = rings.filter((ring) => ring.some((atom) => !isDummy(atom)))
    const ringBonds = ringsToUse.map((ring) => this.molecule.ringBonds(ring))
    const ringNeighbours = ringBonds.map((): Array<number> => [])
    for (let i = 0; i < ringBonds.length; i++) {
      const bonds = new Set(ringBonds[i])
      for (let j = i + 1; j < ringBonds.length; j++) {
        if (ringBonds[j]!.some((bond) => bonds.has(bond))) {
          ringNeighbours[i]!.push(j)
          ringNeighbours[j]!.push(i)
        }
      }
    }
    const picked = new Array<boolean>(ringsToUse.length).fill(false)
    const pickFused = (ring: number, into: Array<number>) => {
      picked[ring] = true
      into.push(ring)
      for (const next of ringNeighbours[ring]!) if (!picked[next]) pickFused(next, into)
    }
    for (let start = 0; start < ringsToUse.length; start++) {
      if (picked[start]) continue
      const fused: Array<number> = []
      pickFused(start, fused)
      this.kekulizeFused(fused.map((r) => ringsToUse[r]!))
    }
    const doubles = new Set<number>()
    this.graph.bonds.forEach((bond, index) => {
      if (!bond.aromatic) return
      if (this.order[index] === DOUBLE) doubles.add(index)
      else if (this.order[index] !== SINGLE) throw new GaveUp("an aromatic bond outside every ring system")
    })
    return doubles
  }

  private kekulizeFused(systemRings: ReadonlyArray<ReadonlyArray<number>>): void {
    const allAtoms: Array<number> = []
    const inSystem = new Set<number>()
    for (const ring of systemRings) {
      for (const atom of ring) {
        if (!inSystem.has(atom)) {
          inSystem.add(atom)
          allAtoms.push(atom)
        }
      }
    }
    const candidates = new Array<boolean>(this.graph.atoms.length).fill(false)
    const questions: Array<number> = []
    const done: Array<number> = []
    this.markCandidates(allAtoms, candidates, questions, done)
    const added = new Array<boolean>(this.graph.bonds.length).fill(false)
    if (this.walk(allAtoms, inSystem, [...candidates], added, [...done])) return
    if (questions.length > 0 && this.permuteDummies(allAtoms, inSystem, candidates, questions)) return
    throw new GaveUp("no Kekulé structure for a ring system")
  }

  /** Which atoms of the system can take a double bond; aromatic bonds of the system become single. */
  private markCandidates(allAtoms: ReadonlyArray<number>, candidates: Array<boolean>, questions: Array<number>, done: Array<number>) {
    const { atoms, bonds, rings } = this.graph
    if (!allAtoms.some((a) => atoms[a]!.atomicNumber === 0 || atoms[a]!.aromatic)) return
    const ringNotCandidate = rings.map((ring) => !ring.some((a) => atoms[a]!.aromatic && this.ringsOfAtom[a]!.length === 1))
    const makeSingle: Array<number> = []
    const seen = new Set<number>()
    for (const index of allAtoms) {
      seen.add(index)
      const atom = atoms[index]!
      if (atom.atomicNumber !== 0 && !atom.aromatic) {
        done.push(index)
        continue
      }
      let bondOrderSum = 0
      let ignored = 0
      let plainNeighbours = 0
      for (const { other, bond } of this.molecule.incident[index]!) {
        const otherAtom = atoms[other]!
        if (otherAtom.atomicNumber !== 0 && !otherAtom.aromatic && seen.has(other)) plainNeighbours++
        const order = this.order[bond]!
        if (bonds[bond]!.aromatic && (order === SINGLE || order === DOUBLE || order === AROMATIC)) {
          bondOrderSum++
          makeSingle.push(bond)
        } else {
          bondOrderSum += order
          if (order === 0) ignored++
        }
      }
      const memberRings = this.ringsOfAtom[index]!
      const nonCandidateRings = memberRings.filter((r) => ringNotCandidate[r]).length
      if (atom.atomicNumber === 0 && plainNeighbours < memberRings.length && nonCandidateRings < memberRings.length) {
        candidates[index] = true
        questions.push(index)
        continue
      }
      const table = valences.get(atom.atomicNumber)
      if (table === undefined) throw new GaveUp(`no valence table for element ${atom.atomicNumber}`)
      bondOrderSum += atom.hydrogens
      let charge = atom.charge
      if (isEarlyAtom(atom.atomicNumber, table.outerElectrons)) charge = -charge
      if (atom.atomicNumber === 6 && charge > 0) charge = -charge
      let valence = table.defaultValence + charge
      const totalValence = this.totalValence(index)
      const implicitHydrogens = atom.noImplicit ? 0 : atom.hydrogens
      const totalDegree = this.molecule.incident[index]!.length + implicitHydrogens - ignored
      for (let v = 1; totalValence > valence && v < table.allowed.length && table.allowed[v]! > 0; v++) {
        valence = table.allowed[v]! + charge
      }
      // RDKit kekulizes aromatic N-oxides such as O=n1ccccc1 as pentavalent.
      if (
        totalValence === 5 && bondOrderSum === 4 && valence === 3 && totalDegree === 3 && atom.radicals === 0 &&
        charge === 0 && atom.hydrogens === 0 && (atom.atomicNumber === 7 || atom.atomicNumber === 15 || atom.atomicNumber === 33)
      ) {
        valence = 5
      }
      if (totalDegree + atom.radicals >= valence) continue
      if (valence === bondOrderSum + 1 + atom.radicals) candidates[index] = true
      else if (atom.radicals === 0 && atom.noImplicit && valence === bondOrderSum + 2) candidates[index] = true
    }
    for (const bond of makeSingle) this.order[bond] = SINGLE
  }

  /** The atom's valence in any Kekulé structure: its bonds' orders and its hydrogens. */
  private totalValence(index: number): number {
    let sum = this.graph.atoms[index]!.hydrogens
    for (const { bond } of this.molecule.incident[index]!) sum += this.graph.bonds[bond]!.order
    return sum
  }

  /**
   * The breadth-first walk. Each atom taken from the queue queues its unvisited neighbours in the system (in
   * reverse order, as RDKit does) and, if it is a candidate, takes a double bond to its first candidate neighbour,
   * remembering the others; a candidate with none left goes back to the last atom that had a choice.
   */
  private walk(
    allAtoms: ReadonlyArray<number>,
    inSystem: ReadonlySet<number>,
    candidates: Array<boolean>,
    added: Array<boolean>,
    done: Array<number>
  ): boolean {
    const queue: Array<number> = []
    const options = new Map<number, Array<number>>()
    const choicePoints: Array<number> = []
    const addedHere = new Array<boolean>(this.graph.bonds.length).fill(false)
    let lastChoice = -1
    let backTracks = 0
    while (done.length < allAtoms.length || queue.length > 0) {
      let current: number
      if (queue.length > 0) {
        current = queue.shift()!
      } else {
        const next = allAtoms.find((atom) => !done.includes(atom))
        if (next === undefined) throw new GaveUp("no atom left to start from")
        current = next
      }
      done.push(current)
      const isCandidate = candidates[current]!
      let choices: Array<number>
      const remembered = options.get(current)
      if (remembered !== undefined) {
        choices = [...remembered]
      } else {
        choices = []
        const discovered: Array<number> = []
        for (const { other: neighbour, bond } of this.molecule.incident[current]!) {
          if (done.includes(neighbour) || !inSystem.has(neighbour)) continue
          if (!queue.includes(neighbour)) discovered.unshift(neighbour)
          const atoms = this.graph.atoms
          if (
            isCandidate && candidates[neighbour] &&
            (this.graph.bonds[bond]!.aromatic || atoms[current]!.atomicNumber === 0 || atoms[neighbour]!.atomicNumber === 0)
          ) {
            choices.push(neighbour)
          }
        }
        queue.push(...discovered)
      }
      if (!isCandidate) continue
      if (choices.length > 0) {
        const partner = choices.shift()!
        const bond = this.molecule.bondBetween(current, partner)
        this.order[bond] = DOUBLE
        candidates[current] = false
        candidates[partner] = false
        added[bond] = true
        addedHere[bond] = true
        if (options.has(current)) {
          if (choices.length === 0) {
            options.delete(current)
            choicePoints.pop()
            lastChoice = choicePoints.length > 0 ? choicePoints[choicePoints.length - 1]! : -1
          } else {
            options.set(current, choices)
          }
        } else if (choices.length > 0) {
          lastChoice = current
          choicePoints.push(current)
          options.set(current, choices)
        }
      } else if (this.graph.atoms[current]!.atomicNumber !== 0) {
        if (lastChoice >= 0 && backTracks < maxBackTracks) {
          this.backTrack(lastChoice, done, queue, candidates, added)
          backTracks++
        } else {
          addedHere.forEach((wasAdded, bond) => {
            if (wasAdded) this.order[bond] = SINGLE
          })
          return false
        }
      }
    }
    return true
  }

  /** Undoes the walk back to `lastChoice`: the atoms visited since are queued again, their double bonds removed. */
  private backTrack(lastChoice: number, done: Array<number>, queue: Array<number>, candidates: Array<boolean>, added: Array<boolean>) {
    const at = done.indexOf(lastChoice)
    const kept = done.slice(0, at)
    const lastAt = done.lastIndexOf(lastChoice)
    queue.unshift(...done.slice(lastAt))
    const keptSet = new Set(kept)
    added.forEach((isAdded, bond) => {
      if (!isAdded) return
      const { begin, end } = this.graph.bonds[bond]!
      if (keptSet.has(begin) || keptSet.has(end)) return
      added[bond] = false
      this.order[bond] = SINGLE
      candidates[begin] = true
      candidates[end] = true
    })
    done.length = 0
    done.push(...kept)
  }

  /** For systems with dummy atoms: tries switching off subsets of the dummies that may take a double bond. */
  private permuteDummies(
    allAtoms: ReadonlyArray<number>,
    inSystem: ReadonlySet<number>,
    candidates: ReadonlyArray<boolean>,
    questions: ReadonlyArray<number>
  ): boolean {
    for (let subset = 1; subset < 2 ** questions.length; subset++) {
      this.graph.bonds.forEach((bond, index) => {
        if (bond.aromatic && this.order[index] !== SINGLE && inSystem.has(bond.begin) && inSystem.has(bond.end)) {
          this.order[index] = SINGLE
        }
      })
      const trial = [...candidates]
      questions.forEach((atom, i) => {
        if (subset & (1 << i)) trial[atom] = false
      })
      if (this.walk(allAtoms, inSystem, trial, new Array<boolean>(this.graph.bonds.length).fill(false), [])) return true
    }
    return false
  }
}
