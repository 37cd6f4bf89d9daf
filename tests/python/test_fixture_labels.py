"""Every in-scope architecture of 2025-2026 with a real config.json: add-model and enrich label it
as its card and code say.

Fixtures: tests/fixtures/configs/ (sources in its SOURCES.md). The expected labels, in
tests/fixtures/configs/expected_labels.csv, were read by hand from each config's values and the
type's code in transformers 5.23 (its `how` column says how the less obvious ones follow), by a
reader who did not run the project's code.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from archrarity import PROJECT_DIR, config_labels
from archrarity.cli import main

CONFIGS = PROJECT_DIR / "tests" / "fixtures" / "configs"
Capture = pytest.CaptureFixture[str]



def expected_labels() -> dict[str, dict[str, str]]:
    """tests/fixtures/configs/expected_labels.csv: per fixture, the labels read by hand (`how` says how)."""
    with (CONFIGS / "expected_labels.csv").open(newline="") as handle:
        return {row.pop("fixture"): {k: v for k, v in row.items() if k != "how"} for row in csv.DictReader(handle)}


EXPECTED = expected_labels()
# facts a copy does not state are empty there and not compared


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fixture(name: str) -> dict:
    return json.loads((CONFIGS / f"{name}.json").read_text())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_labels_of_each_architecture(name: str):
    derivation = config_labels.derive_fields(fixture(name))
    expected = {column: value for column, value in EXPECTED[name].items()
                if value != "" or column == "sliding_window"}
    assert {column: as_text(derivation.values.get(column)) for column in expected} == expected
    assert not set(expected) & set(derivation.refused), derivation.refused


@pytest.mark.parametrize("name", list(EXPECTED))
def test_add_model_writes_the_labels(name: str, tmp_path: Path, capsys: Capture):
    with (PROJECT_DIR / "seeds" / "catalog.csv").open(newline="") as handle:
        header = next(csv.reader(handle))
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(",".join(header) + "\n")
    code = main(["add-model", str(CONFIGS / f"{name}.json"), "--model-id", "m", "--model-name", "M",
                 "--family", "M", "--version", "1", "--size-b", "8", "--release-date", "2025-06-01",
                 "--context-window", "32768", "--source-url", "https://example.org/m", "--dry-run",
                 "--catalog", str(catalog)])
    out, err = capsys.readouterr()
    labels = ("attention", "ffn", "activation", "norm", "sequence_mixer", "norm_placement", "model_type")
    if code != 0:  # a fact the copy lacks and no default gives: refused by name, never a label
        assert "cannot derive" in err
        assert not any(f"cannot derive {label}:" in err for label in labels), err
        return
    (row,) = csv.DictReader(io.StringIO(out))
    assert {label: row[label] for label in labels} == {label: EXPECTED[name][label] for label in labels}


def test_enrich_labels_every_fixture(tmp_path: Path, capsys: Capture):
    snapshot = tmp_path / "hub"
    models = ["model_id,model_name,family,version,size_b,release_date,context_window,config"]
    for index, name in enumerate(EXPECTED):
        (snapshot / "org" / name).mkdir(parents=True)
        shutil.copy(CONFIGS / f"{name}.json", snapshot / "org" / name / "config.json")
        models.append(f"m{index},M {index},F{index},1,8,2025-06-01,32768,org/{name}")
    (tmp_path / "models.csv").write_text("\n".join(models) + "\n")
    output = tmp_path / "catalog.csv"
    code = main(["enrich", str(tmp_path / "models.csv"), "-o", str(output), "--configs", str(snapshot),
                 "--no-progress"])
    capsys.readouterr()
    assert code == 0
    with output.open(newline="") as handle:
        written = {row["model_id"]: row for row in csv.DictReader(handle)}
    assert len(written) == len(EXPECTED)
    for index, name in enumerate(EXPECTED):
        for label in ("attention", "sequence_mixer", "ffn", "activation", "norm", "norm_placement",
                      "attention_window", "position_encoding"):
            assert written[f"m{index}"][label] == EXPECTED[name][label], (name, label)
