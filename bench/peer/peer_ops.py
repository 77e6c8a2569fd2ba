#!/usr/bin/python3
"""Native RDKit's side of bench/engine-ops.mjs: the product contract's steps on one core, each timed on its own.

Usage:
  /usr/bin/python3 peer_ops.py INPUT.smi RULES.tsv LIMIT [--explicit-h] [--kekulize]

For the first LIMIT valid molecules: parse the key, then per rule RunReactants, and per candidate MolToSmiles of the
raw product; a raw SMILES new to its molecule is parsed (MolFromSmiles) and written canonically. The same steps and
the same per-molecule memo of raw SMILES as peer_expand.py's workers, so both sides do identical work.
Prints one JSON line: milliseconds per step and the counts.
"""
import argparse
import json
import time

from rdkit import Chem, RDLogger

from peer_expand import MAX_PRODUCT_SETS, canonical, init_worker, read_inputs, read_rules
import peer_expand


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("rules")
    parser.add_argument("limit", type=int)
    parser.add_argument("--explicit-h", action="store_true")
    parser.add_argument("--kekulize", action="store_true")
    args = parser.parse_args()
    RDLogger.DisableLog("rdApp.*")
    rules, directives = read_rules(args.rules)
    explicit_h = args.explicit_h or "explicit-h" in directives
    kekulize = args.kekulize or "kekulize" in directives
    init_worker(rules, explicit_h, kekulize)

    keys = []
    for item in read_inputs(args.input):
        key, _ = canonical(item)
        if key is not None:
            keys.append(key)
        if len(keys) == args.limit:
            break

    ms = dict(prepare=0.0, run_reactants=0.0, raw_smiles=0.0, parse=0.0, canonical_smiles=0.0)
    counts = dict(molecules=len(keys), candidates=0, raw_parsed=0, valid=0)
    now = time.perf_counter
    for key in keys:
        t = now()
        mol = Chem.MolFromSmiles(key)
        if explicit_h:
            mol = Chem.AddHs(mol)
        if kekulize:
            Chem.Kekulize(mol, clearAromaticFlags=True)
        ms["prepare"] += now() - t
        seen_raw = set()
        for rxn in peer_expand._reactions:
            t = now()
            product_sets = rxn.RunReactants((mol,), MAX_PRODUCT_SETS)
            ms["run_reactants"] += now() - t
            for product_set in product_sets:
                for product in product_set:
                    counts["candidates"] += 1
                    t = now()
                    try:
                        raw = Chem.MolToSmiles(product)
                    except Exception:
                        raw = None
                    ms["raw_smiles"] += now() - t
                    if raw is None or raw in seen_raw:
                        continue
                    seen_raw.add(raw)
                    counts["raw_parsed"] += 1
                    t = now()
                    parsed = Chem.MolFromSmiles(raw)
                    ms["parse"] += now() - t
                    if parsed is None:
                        continue
                    t = now()
                    Chem.MolToSmiles(parsed)
                    ms["canonical_smiles"] += now() - t
                    counts["valid"] += 1
    print(json.dumps({"ms": {k: v * 1000 for k, v in ms.items()}, "counts": counts}))


if __name__ == "__main__":
    main()
