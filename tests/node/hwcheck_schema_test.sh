#!/usr/bin/env bash
# Goal: firmware_configs/profile.schema.json, the schema Ansible and editors validate profiles
# with, accepts every shipped profile and rejects each broken one naming its field, so it agrees
# with the C++ loader (node/hwcheck/profile.h) on every rule a schema can state.
# Method: Python's jsonschema (Draft 2020-12) on firmware_configs/profiles/*.json, then on the
# mutations of hwcheck_broken_profiles.json (the cases hwcheck_profile_test.cpp gives the loader)
# marked "schema": true. An error names the field when its path is the field, or its path is the
# field's parent and its message holds the field's last name (a missing or unknown key). Cases
# marked false are cross-field rules; the schema must accept those (else the mark is wrong).
# Scenarios: the schema is itself a valid Draft 2020-12 schema; 3 or more profiles validate;
# every schema case is rejected naming its field; every cross-field case passes the schema.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# The first Python that has jsonschema: the one in PATH, or Debian's (python3-jsonschema).
python=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import jsonschema' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [[ -z "$python" ]]; then
  echo "hwcheck_schema_test: no Python with jsonschema; apt-get install python3-jsonschema" >&2
  exit 1
fi
"$python" - "$root" <<'PY'
import copy, json, pathlib, re, sys

import jsonschema

root = pathlib.Path(sys.argv[1])
schema = json.loads((root / "firmware_configs/profile.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []

profiles = sorted((root / "firmware_configs/profiles").glob("*.json"))
if len(profiles) < 3:
    failures.append(f"only {len(profiles)} profiles")
for path in profiles:
    for error in validator.iter_errors(json.loads(path.read_text())):
        failures.append(f"{path.name}: {error.json_path}: {error.message}")

def dotted(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + part
    return text

def all_errors(errors):
    for error in errors:
        yield error
        yield from all_errors(error.context or [])

def names_field(error, field):
    path = dotted(error.absolute_path)
    if path == field:
        return True
    prefix = path + "." if path else ""
    rest = field[len(prefix):] if field.startswith(prefix) else None
    return rest is not None and re.fullmatch(r"[a-z_]+", rest) is not None and f"'{rest}'" in error.message

def mutate(document, case):
    document = copy.deepcopy(document)
    *parents, last = case["path"]
    target = document
    for key in parents:
        target = target[key]
    if case["op"] == "remove":
        del target[last]
    elif isinstance(last, int) and last == len(target):
        target.append(case["value"])
    else:
        target[last] = case["value"]
    return document

cases = json.loads((root / "tests/node/hwcheck_broken_profiles.json").read_text())["cases"]
schema_cases = 0
for case in cases:
    base = json.loads((root / f"firmware_configs/profiles/{case['base']}.json").read_text())
    errors = list(all_errors(validator.iter_errors(mutate(base, case))))
    label = f"{case['base']} {case['op']} {case['path']}"
    if case["schema"]:
        schema_cases += 1
        if not errors:
            failures.append(f"{label}: accepted, expected a rejection naming {case['field']}")
        elif not any(names_field(error, case["field"]) for error in errors):
            found = "; ".join(f"{dotted(e.absolute_path)}: {e.message}" for e in errors)
            failures.append(f"{label}: rejected without naming {case['field']}: {found}")
    elif errors:
        failures.append(f"{label}: marked cross-field, but the schema rejects it: {errors[0].message}")

for failure in failures:
    print("FAIL:", failure, file=sys.stderr)
if failures:
    sys.exit(f"{len(failures)} failure(s)")
print(f"hwcheck_schema_test: {len(profiles)} profiles valid, {schema_cases} broken cases rejected "
      f"naming their field, {len(cases) - schema_cases} cross-field cases left to the loader")
PY
