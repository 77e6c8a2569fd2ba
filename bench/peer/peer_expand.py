#!/usr/bin/python3
"""The pipeline a user would write instead of molexpand: native RDKit and a multiprocessing pool.

Usage:
  /usr/bin/python3 peer_expand.py INPUT.smi RULES.tsv GENERATIONS OUT.tsv
      [--workers N] [--chunksize N] [--explicit-h] [--kekulize] [--coreactants FILE] [--edges FILE]

INPUT: 'smiles<TAB>id' (or whitespace-separated) lines. RULES: 'name<TAB>reaction SMARTS' lines; '#' starts a
comment; '#! explicit-h' / '#! kekulize' directive lines are honoured like molexpand's (the flags do the same).
A rule file in Pickaxe's format (header 'Name<TAB>Reactants<TAB>SMARTS<TAB>Products') takes its coreactants from
--coreactants ('#ID<TAB>Name<TAB>SMILES'), as the product contract's "Rules with coreactants" defines.
OUT: one 'smiles<TAB>generation<TAB>parent<TAB>root_id<TAB>rule' line per product, no header, in the order found.
EDGES: one 'reactant<TAB>rule<TAB>product<TAB>generation' line per distinct edge of the reaction network.
Prints one JSON line with counts and timings on stdout.

The product contract (shared/docs/product-contract.md, as shared/tools/reference_expand.py executes it):
- an input is valid iff its SMILES parses with sanitization; its key is RDKit's canonical SMILES; the first id of
  a key is kept, later ones are duplicate inputs; the seen set starts with the valid inputs' keys;
- generation g applies every rule to every molecule first seen in generation g-1 (RunReactants, at most 1000
  product sets per rule and molecule), to Chem.AddHs(mol) with --explicit-h, to a kekulized copy with --kekulize;
- every molecule of every product set is a candidate, valid iff the SMILES written from the raw product parses;
  its key is the canonical SMILES of that parse; a valid candidate whose key is unseen is a product of generation g.

How it is built, as a user would build it (and no weaker than that):
- a Pool whose initializer compiles the rules once per worker process;
- the parent streams the frontier through imap_unordered with a chunksize, keeps a Python set of seen keys and
  writes products to a buffered TSV file as they arrive;
- each worker returns a molecule's distinct product keys (a per-molecule dict), and parses a raw product SMILES that
  repeats within the molecule once (symmetric matches give the same raw product many times), as molexpand does.
"""
import argparse
import json
import re
from collections import Counter
import math
import os
import resource
import sys
import time
from multiprocessing import Pool

from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem import AllChem, rdMolDescriptors

MAX_PRODUCT_SETS = 1000
# Chunks per worker per generation when --chunksize is not given: enough that an uneven tail (molecules of up to
# 322 heavy atoms) is short, few enough that pickling and queueing cost nothing next to the chemistry.
CHUNKS_PER_WORKER = 32
MAX_CHUNKSIZE = 32
INPUT_CHUNKSIZE = 256


def read_rules(path):
    """[(name, smarts, reactant slots, product slots)] and the directives ('explicit-h', 'kekulize') of a rule file;
    a plain rule's slots are None."""
    rules, directives, pickaxe = [], set(), False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            stripped = line.strip()
            if stripped.startswith("#!"):
                directives.update(stripped[2:].split())
                continue
            if not pickaxe and not rules and line.split("\t")[:4] == ["Name", "Reactants", "SMARTS", "Products"]:
                pickaxe = True
                continue
            if not stripped or stripped.startswith("#"):
                continue
            fields = line.split("\t")
            if pickaxe:
                rules.append((fields[0], fields[2], tuple(fields[1].split(";")), tuple(fields[3].split(";"))))
            else:
                rules.append((fields[0], fields[1], None, None))
    return rules, directives


def read_coreactants(path):
    """[(id, smiles)] of a coreactant file."""
    out = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] and not fields[0].startswith("#"):
                out.append((fields[0], fields[2]))
    return out


def read_inputs(path):
    with open(path) as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if parts:
                yield parts[0], (parts[1] if len(parts) > 1 else str(number))


# ---- worker side -------------------------------------------------------------------------------------------------

_reactions = None
_explicit_h = False
_kekulize = False
_edges = False
# Coreactants by id: (key, formula counts, prepared molecule).
_coreactants = {}


def prepare(mol):
    if _explicit_h:
        mol = Chem.AddHs(mol)
    if _kekulize:
        mol = Chem.Mol(mol)
        Chem.Kekulize(mol, clearAromaticFlags=True)
    return mol


def formula(mol):
    counts = Counter()
    for element, n in re.findall(r"([A-Z][a-z]*)(\d*)", rdMolDescriptors.CalcMolFormula(mol)):
        counts[element] += int(n) if n else 1
    return counts


def init_worker(rules, explicit_h, kekulize, coreactants, edges):
    global _reactions, _explicit_h, _kekulize, _edges
    RDLogger.DisableLog("rdApp.*")
    _explicit_h, _kekulize, _edges = explicit_h, kekulize, edges
    _reactions = []
    for name, smarts, slots, product_slots in rules:
        rxn = AllChem.ReactionFromSmarts(smarts)
        if slots is None and rxn.GetNumReactantTemplates() != 1:
            raise ValueError(f"rule {name}: {rxn.GetNumReactantTemplates()} reactant templates")
        rxn.Initialize()
        _reactions.append((rxn, slots, product_slots))
    for ident, smiles in coreactants:
        mol = Chem.MolFromSmiles(smiles)
        _coreactants[ident] = (Chem.MolToSmiles(mol), formula(mol), prepare(mol))


def key_of(raw, key_of_raw):
    if raw not in key_of_raw:
        parsed = Chem.MolFromSmiles(raw)
        key_of_raw[raw] = Chem.MolToSmiles(parsed) if parsed is not None else None
    return key_of_raw[raw]


def judged_set(product_set, slots, product_slots, reactant_keys, left, key_of_raw):
    """Pickaxe's judgement of a product set as a whole: its Any products' keys, or None."""
    right, keys = Counter(), []
    for slot, product in zip(product_slots, product_set):
        right["H"] -= Chem.GetFormalCharge(product)
        if slot != "Any":
            key, counts, _ = _coreactants[slot]
            if key in reactant_keys:
                return None
            right.update(counts)
            continue
        try:
            product_key = key_of(Chem.MolToSmiles(product), key_of_raw)
        except Exception:
            return None
        if product_key is None or "." in product_key or product_key in reactant_keys:
            return None
        # A key native RDKit cannot read back makes the set invalid, as the contract's check does.
        reread = Chem.MolFromSmiles(product_key)
        if reread is None:
            return None
        keys.append(product_key)
        right.update(formula(reread))
    nonzero = lambda c: {k: v for k, v in c.items() if v != 0}
    return keys if nonzero(right) == nonzero(left) else None


def canonical(item):
    smiles, ident = item
    mol = Chem.MolFromSmiles(smiles)
    return (Chem.MolToSmiles(mol) if mol is not None else None), ident


def expand(task):
    """(key, root) -> (key, root, [(product key, rule index)], candidates, invalid candidates, failed)."""
    key, root = task
    try:
        parsed = Chem.MolFromSmiles(key)
        mol = prepare(parsed)
        products, edges, key_of_raw = {}, set(), {}
        candidates = invalid = 0
        molecule_formula = None
        for index, (rxn, slots, product_slots) in enumerate(_reactions):
            if slots is not None:
                molecule_formula = molecule_formula or formula(parsed)
                reactants = tuple(mol if slot == "Any" else _coreactants[slot][2] for slot in slots)
                reactant_keys = {key if slot == "Any" else _coreactants[slot][0] for slot in slots}
                left = Counter()
                for slot, reactant in zip(slots, reactants):
                    left.update(molecule_formula if slot == "Any" else _coreactants[slot][1])
                    left["H"] -= Chem.GetFormalCharge(reactant)
                n_any = sum(1 for slot in product_slots if slot == "Any")
                for product_set in rxn.RunReactants(reactants, MAX_PRODUCT_SETS):
                    candidates += n_any
                    keys = judged_set(product_set, slots, product_slots, reactant_keys, left, key_of_raw)
                    if keys is None:
                        invalid += n_any
                        continue
                    for product_key in keys:
                        products.setdefault(product_key, index)
                        if _edges:
                            edges.add((index, product_key))
                continue
            for product_set in rxn.RunReactants((mol,), MAX_PRODUCT_SETS):
                for product in product_set:
                    candidates += 1
                    try:
                        raw = Chem.MolToSmiles(product)
                    except Exception:
                        invalid += 1
                        continue
                    if raw in key_of_raw:
                        product_key = key_of_raw[raw]
                    else:
                        parsed = Chem.MolFromSmiles(raw)
                        product_key = Chem.MolToSmiles(parsed) if parsed is not None else None
                        key_of_raw[raw] = product_key
                    if product_key is None:
                        invalid += 1
                        continue
                    products.setdefault(product_key, index)
                    if _edges:
                        edges.add((index, product_key))
        return key, root, list(products.items()), list(edges), candidates, invalid, False
    except Exception:
        return key, root, [], [], 0, 0, True


# ---- parent ------------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("rules")
    parser.add_argument("generations", type=int)
    parser.add_argument("output")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--chunksize", type=int, default=0, help="frontier molecules per task (0: from the size)")
    parser.add_argument("--explicit-h", action="store_true")
    parser.add_argument("--kekulize", action="store_true")
    parser.add_argument("--coreactants", help="coreactants of a rule file in Pickaxe's format")
    parser.add_argument("--edges", help="also write the reaction network's distinct edges to this TSV")
    args = parser.parse_args()

    started = time.perf_counter()
    RDLogger.DisableLog("rdApp.*")
    rules, directives = read_rules(args.rules)
    explicit_h = args.explicit_h or "explicit-h" in directives
    kekulize = args.kekulize or "kekulize" in directives
    names = [rule[0] for rule in rules]
    coreactants = read_coreactants(args.coreactants) if args.coreactants else []

    pool = Pool(args.workers, initializer=init_worker, initargs=(rules, explicit_h, kekulize, coreactants, args.edges is not None))
    timings = {}

    # Inputs: canonicalized in the pool, in order, so the first id of a key wins.
    t = time.perf_counter()
    # The coreactants are seen from the start: never products.
    seen, frontier = {Chem.MolToSmiles(Chem.MolFromSmiles(smiles)) for _, smiles in coreactants}, []
    read = invalid_inputs = duplicate_inputs = 0
    for key, ident in pool.imap(canonical, read_inputs(args.input), INPUT_CHUNKSIZE):
        read += 1
        if key is None:
            invalid_inputs += 1
        elif key in seen:
            duplicate_inputs += 1
        else:
            seen.add(key)
            frontier.append((key, ident))
    timings["inputs"] = time.perf_counter() - t
    inputs_valid = len(frontier)

    by_generation, chunksizes = {}, {}
    candidates = invalid_candidates = failures = expanded = edge_count = 0
    edges_out = open(args.edges, "w", buffering=1 << 20) if args.edges else None
    with open(args.output, "w", buffering=1 << 20) as out:
        for generation in range(1, args.generations + 1):
            t = time.perf_counter()
            chunksize = args.chunksize or max(1, min(MAX_CHUNKSIZE, math.ceil(len(frontier) / (args.workers * CHUNKS_PER_WORKER))))
            chunksizes[str(generation)] = chunksize
            expanded += len(frontier)
            next_frontier = []
            for key, root, products, edges, c, inv, failed in pool.imap_unordered(expand, frontier, chunksize):
                if edges_out is not None:
                    edge_count += len(edges)
                    for rule, product_key in edges:
                        edges_out.write(f"{key}\t{names[rule]}\t{product_key}\t{generation}\n")
                candidates += c
                invalid_candidates += inv
                failures += failed
                for product_key, rule in products:
                    if product_key not in seen:
                        seen.add(product_key)
                        next_frontier.append((product_key, root))
                        out.write(f"{product_key}\t{generation}\t{key}\t{root}\t{names[rule]}\n")
            by_generation[str(generation)] = len(next_frontier)
            timings[f"generation{generation}"] = time.perf_counter() - t
            frontier = next_frontier
    if edges_out is not None:
        edges_out.close()
    pool.close()
    pool.join()

    elapsed = time.perf_counter() - started
    total = sum(by_generation.values())
    print(json.dumps({
        "program": "peer_expand.py",
        "rdkit": rdBase.rdkitVersion,
        "python": sys.version.split()[0],
        "workers": args.workers,
        "chunksize": chunksizes,
        "explicitH": explicit_h,
        "kekulize": kekulize,
        "inputs": {"read": read, "valid": inputs_valid, "invalid": invalid_inputs, "duplicate": duplicate_inputs},
        "candidates": candidates,
        "invalidCandidates": invalid_candidates,
        "moleculeFailures": failures,
        "products": {"total": total, "byGeneration": by_generation},
        "edges": edge_count if args.edges else None,
        "expanded": expanded,
        "seenKeys": len(seen),
        "elapsedSeconds": elapsed,
        "timings": timings,
        "molPerSecond": expanded / elapsed,
        "productsPerSecond": total / elapsed,
        # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN gives the largest single worker, not their sum.
        "peakRssParentBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "peakRssLargestWorkerBytes": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
