#!/usr/bin/env python3
"""Seeds fuzz/corpus/ from the conformance corpus (shared/conformance/cases).

parse_definition gets every case's definition; paths_intrinsics gets every path and
intrinsic expression found in them (values of `.$` keys, *Path fields, Variable).
Usage: python3 seed_corpus.py [CASES_DIR]
"""
import hashlib
import json
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
cases = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else here / "../../shared/conformance/cases"
out_defs = here / "corpus/parse_definition"
out_exprs = here / "corpus/paths_intrinsics"
out_defs.mkdir(parents=True, exist_ok=True)
out_exprs.mkdir(parents=True, exist_ok=True)


def save(folder, text):
    data = text.encode()
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def expressions(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and (key.endswith(".$") or key.endswith("Path") or key == "Variable"):
                yield value
            yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


defs = exprs = 0
for path in sorted(cases.glob("*.json")):
    case = json.loads(path.read_text())
    definition = case.get("definition")
    if definition is None:
        continue
    save(out_defs, json.dumps(definition, indent=1))
    defs += 1
    sample = json.dumps(case.get("input", {}))
    for expr in set(expressions(definition)):
        save(out_exprs, expr + "\n" + sample)
        exprs += 1
print(f"seeded {defs} definitions and {exprs} expressions")
