/**
 * A molecule's graph in RDKit's own order, as the emulations of RDKit 2022.09 (`sssr.ts`, `kekule.ts`) walk it.
 *
 * RDKit visits an atom's bonds in the order they were made, which is bond index order; both emulations depend on
 * that order, so both read it from here.
 */

/** Raised inside an emulation where it meets a case it does not reproduce; the emulation answers `undefined`. */
export class EmulationGaveUp extends Error {}

/** One key for the unordered atom pair (a, b) of a molecule with `atomCount` atoms. */
export const pairKey = (a: number, b: number, atomCount: number): number =>
  a < b ? a * atomCount + b : b * atomCount + a

export interface GraphBond { readonly begin: number; readonly end: number }

export class MoleculeGraph {
  /** Each atom's bonds with the atom at their other end, in bond index order. */
  readonly incident: ReadonlyArray<ReadonlyArray<{ readonly bond: number; readonly other: number }>>
  private readonly bondOfPair = new Map<number, number>()

  constructor(readonly atomCount: number, bonds: ReadonlyArray<GraphBond>) {
    const incident: Array<Array<{ bond: number; other: number }>> = Array.from({ length: atomCount }, () => [])
    bonds.forEach(({ begin, end }, index) => {
      incident[begin]!.push({ bond: index, other: end })
      incident[end]!.push({ bond: index, other: begin })
      this.bondOfPair.set(pairKey(begin, end, atomCount), index)
    })
    this.incident = incident
  }

  /** The index of the bond between `a` and `b`; gives up where there is none (RDKit would throw). */
  bondBetween(a: number, b: number): number {
    const bond = this.bondOfPair.get(pairKey(a, b, this.atomCount))
    if (bond === undefined) throw new EmulationGaveUp(`no bond between atoms ${a} and ${b}`)
    return bond
  }

  /** A ring's bonds: each atom to the next, the last back to the first. */
  ringBonds(ring: ReadonlyArray<number>): Array<number> {
    return ring.map((atom, i) => this.bondBetween(atom, ring[(i + 1) % ring.length]!))
  }
}
