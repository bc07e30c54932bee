#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit and
# end-to-end through the real processes). Ends with "N passed, N failed".
# Run as root: the end-to-end tests use network namespaces and hugepages.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${SWITCHYARD_BUILD:-build}

bash tools/setup.sh || exit 1
bash tools/build.sh || { echo "0 passed, 1 failed"; exit 1; }

# Unit tests run in parallel; end-to-end tests are serial (is_parallel: false).
meson test -C "$BUILD" --print-errorlogs "$@"
rc=$?

python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
if skipped:
    print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
PY
exit $rc
