"""The shipped catalog's documentation keeps up with it (SPEC, "The shipped catalog: scope").

Every row has its sources in docs/catalog_sources.md; every in-scope architecture of
../shared/catalog_scope.csv has a row, or docs/data_notes.md names it (in backticks) with the reason
none qualifies; every row's model_type has an architecture rule.
"""

from __future__ import annotations

import csv
import re

from archrarity import PROJECT_DIR, config_labels

SCOPE = PROJECT_DIR.parent / "shared" / "catalog_scope.csv"
# catalog_scope.csv names the folder; configs carry the config class's own model_type
AS_CONFIGS_WRITE_IT = {"inkling": "inkling_mm_model"}


def catalog() -> list[dict[str, str]]:
    with (PROJECT_DIR / "seeds" / "catalog.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_row_has_its_sources():
    # one line per model_id: "- `model_id`: where each fact was read"
    lines = set(re.findall(r"^- `([^`]+)`:", (PROJECT_DIR / "docs" / "catalog_sources.md").read_text(), re.M))
    assert [row["model_id"] for row in catalog() if row["model_id"] not in lines] == []


def test_every_row_is_held_to_a_rule():
    rules = config_labels.knowledge().rules
    assert sorted({row["model_type"] for row in catalog()} - set(rules)) == []


def test_every_in_scope_type_has_a_row_or_a_documented_reason():
    notes = (PROJECT_DIR / "docs" / "data_notes.md").read_text()
    types = {row["model_type"] for row in catalog()}
    with SCOPE.open(newline="") as handle:
        scope = [row for row in csv.DictReader(handle) if row["in_scope"] == "yes"]
    missing = []
    for row in scope:
        model_type = AS_CONFIGS_WRITE_IT.get(row["model_type"], row["model_type"])
        if model_type in types or (row["text_model_type"] and row["text_model_type"] in types):
            continue
        if f"| `{model_type}` |" not in notes:
            missing.append(model_type)
    assert missing == []
