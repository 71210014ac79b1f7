#!/usr/bin/env bash
# The conformance runners' own test: a runner that cannot fail proves nothing.
#
# Copies tests/vectors to a scratch folder, changes ONE expected value in EVERY vector file, and runs
# each language's runner (scripts/conformance-run.sh) on the copy. Each runner must exit non-zero
# and name every changed row in a `FAIL <file> <id>` line. Assumes the runners are built (make test
# builds them first). Writes its outputs under the scratch folder, never over target/conformance.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LANGUAGES=(${CONFORMANCE_LANGUAGES:-rust c go python node})
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
cp tests/vectors/*.json "$SCRATCH/"

# One changed expected value per file; prints "<file> <id>" for each.
python3 - "$SCRATCH" > "$SCRATCH/changed.txt" <<'PY'
import json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
changes = {
    "pkce.json": ("rfc7636-appendix-b", lambda e: e.update(challenge=e["challenge"][:-1] + "A")),
    "cipher.json": ("kat-01", lambda e: e.update(plaintext="rt-originaL")),
    "jwt.json": ("J09-r-s-zero", lambda e: e.update(error="kid_unknown")),
    "session.json": ("S02-pas-503-fail-closed", lambda e: e["steps"][0].update(cause="pas_rejected")),
    "liveness.json": ("L-503-kept", lambda e: e.update(keeps_session=False)),
    "errors.json": ("token_expired", lambda e: e.update(number=e["number"] + 1)),
}
for name, (row_id, change) in changes.items():
    path = folder / name
    data = json.loads(path.read_text())
    row = next(c for c in data["cases"] if c["id"] == row_id)
    change(row["expect"])
    path.write_text(json.dumps(data, indent=2))
    print(name, row_id)
PY

failed=0
for lang in "${LANGUAGES[@]}"; do
  log="$SCRATCH/$lang.log"
  if PAS_VECTORS_DIR="$SCRATCH" PAS_CONFORMANCE_OUT="$SCRATCH/$lang.json" scripts/conformance-run.sh "$lang" >"$log" 2>&1; then
    echo "selftest: the $lang runner PASSED vectors with changed expected values (it cannot fail)"
    failed=1
    continue
  fi
  missing=()
  while read -r file id; do
    grep -qF "FAIL $file $id" "$log" || missing+=("$file $id")
  done < "$SCRATCH/changed.txt"
  if ((${#missing[@]})); then
    echo "selftest: the $lang runner failed, but did not report: ${missing[*]}"
    tail -20 "$log"
    failed=1
  else
    echo "selftest: the $lang runner rejects every changed expected value ($(wc -l < "$SCRATCH/changed.txt") files)"
  fi
done
if ((failed)); then
  echo "conformance selftest: FAILED"
  exit 1
fi
echo "conformance selftest: ${#LANGUAGES[@]} runners, each fails on one changed expected value in every vector file"
