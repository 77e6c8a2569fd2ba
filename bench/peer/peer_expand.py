#!/usr/bin/python3
"""The pipeline a user would write instead of molexpand: native RDKit and a multiprocessing pool.

Usage:
  /usr/bin/python3 peer_expand.py INPUT.smi RULES.tsv GENERATIONS OUT.tsv
      [--workers N] [--chunksize N] [--explicit-h] [--kekulize]

INPUT: 'smiles<TAB>id' (or whitespace-separated) lines. RULES: 'name<TAB>reaction SMARTS' lines; '#' starts a
comment; '#! explicit-h' / '#! kekulize' directive lines are honoured like molexpand's (the flags do the same).
OUT: one 'smiles<TAB>generation<TAB>parent<TAB>root_id<TAB>rule' line per product, no header, in the order found.
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
import math
import os
import resource
import sys
import time
from multiprocessing import Pool

from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem import AllChem

MAX_PRODUCT_SETS = 1000
# Chunks per worker per generation when --chunksize is not given: enough that an uneven tail (molecules of up to
# 322 heavy atoms) is short, few enough that pickling and queueing cost nothing next to the chemistry.
CHUNKS_PER_WORKER = 32
MAX_CHUNKSIZE = 32
INPUT_CHUNKSIZE = 256


def read_rules(path):
    """[(name, smarts)] and the directives ('explicit-h', 'kekulize') of a molexpand-style rule file."""
    rules, directives = [], set()
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            stripped = line.strip()
            if stripped.startswith("#!"):
                directives.update(stripped[2:].split())
                continue
            if not stripped or stripped.startswith("#"):
                continue
            name, smarts = line.split("\t")[:2]
            rules.append((name, smarts))
    return rules, directives


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


def init_worker(rules, explicit_h, kekulize):
    global _reactions, _explicit_h, _kekulize
    RDLogger.DisableLog("rdApp.*")
    _reactions = []
    for name, smarts in rules:
        rxn = AllChem.ReactionFromSmarts(smarts)
        if rxn.GetNumReactantTemplates() != 1:
            raise ValueError(f"rule {name}: {rxn.GetNumReactantTemplates()} reactant templates")
        rxn.Initialize()
        _reactions.append(rxn)
    _explicit_h, _kekulize = explicit_h, kekulize


def canonical(item):
    smiles, ident = item
    mol = Chem.MolFromSmiles(smiles)
    return (Chem.MolToSmiles(mol) if mol is not None else None), ident


def expand(task):
    """(key, root) -> (key, root, [(product key, rule index)], candidates, invalid candidates, failed)."""
    key, root = task
    try:
        mol = Chem.MolFromSmiles(key)
        if _explicit_h:
            mol = Chem.AddHs(mol)
        if _kekulize:
            Chem.Kekulize(mol, clearAromaticFlags=True)
        products, key_of_raw = {}, {}
        candidates = invalid = 0
        for index, rxn in enumerate(_reactions):
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
                    elif product_key not in products:
                        products[product_key] = index
        return key, root, list(products.items()), candidates, invalid, False
    except Exception:
        return key, root, [], 0, 0, True


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
    args = parser.parse_args()

    started = time.perf_counter()
    RDLogger.DisableLog("rdApp.*")
    rules, directives = read_rules(args.rules)
    explicit_h = args.explicit_h or "explicit-h" in directives
    kekulize = args.kekulize or "kekulize" in directives
    names = [name for name, _ in rules]

    pool = Pool(args.workers, initializer=init_worker, initargs=(rules, explicit_h, kekulize))
    timings = {}

    # Inputs: canonicalized in the pool, in order, so the first id of a key wins.
    t = time.perf_counter()
    seen, frontier = set(), []
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
    candidates = invalid_candidates = failures = expanded = 0
    with open(args.output, "w", buffering=1 << 20) as out:
        for generation in range(1, args.generations + 1):
            t = time.perf_counter()
            chunksize = args.chunksize or max(1, min(MAX_CHUNKSIZE, math.ceil(len(frontier) / (args.workers * CHUNKS_PER_WORKER))))
            chunksizes[str(generation)] = chunksize
            expanded += len(frontier)
            next_frontier = []
            for key, root, products, c, inv, failed in pool.imap_unordered(expand, frontier, chunksize):
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
