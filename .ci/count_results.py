"""Print one plain 'N passed, N failed' line for dbt's tests (run_results.json) and pytest (JUnit XML)."""

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
run_results, junit = (Path(arg) for arg in sys.argv[1:3])

if run_results.exists():
    for result in json.loads(run_results.read_text())["results"]:
        if not result["unique_id"].startswith(("test.", "unit_test.")):
            continue  # models and seeds are built, not tested
        if result["status"] == "pass":
            passed += 1
        elif result["status"] == "skipped":
            skipped += 1
        else:  # fail, error, warn
            failed += 1
else:
    failed += 1
    print(f"missing {run_results}: dbt build did not run")

if junit.exists():
    root = ET.parse(junit).getroot()
    for suite in root.iter("testsuite"):
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0))
        passed += tests - bad - skip
        failed += bad
        skipped += skip
else:
    failed += 1
    print(f"missing {junit}: pytest did not run")

print(f"{passed} passed, {failed} failed, {skipped} skipped")
