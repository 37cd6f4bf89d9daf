"""What a careless catalog file slips through: unknown columns are named (a warning, the
build goes on), and the spellings of papers and model cards map to the vocabulary."""

from __future__ import annotations

import csv

from conftest import PROJECT_DIR, query, read_catalog, run_build, write_catalog


def test_unknown_columns_are_named_with_the_column_probably_meant(tmp_path):
    rows = read_catalog()
    for row in rows:
        row["num_kv_heads"] = "8"  # a typo for num_key_value_heads: the fact would not be loaded
        row["licence"] = "apache-2.0"  # a legitimate extra column
    catalog = write_catalog(tmp_path / "catalog.csv", rows)
    db = tmp_path / "published.duckdb"
    build = run_build(db, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    assert build.returncode == 0, build.output
    assert "column 'num_kv_heads' is not a catalog column and is ignored" in build.output
    assert "did you mean 'num_key_value_heads'?" in build.output
    assert "column 'licence' is not a catalog column and is ignored" in build.output
    # no made-up suggestion for a column that resembles nothing
    licence_line = next(line for line in build.output.splitlines() if "'licence'" in line)
    assert "did you mean" not in licence_line
    assert query(db, "select count(*) from rarity_scores") == [(55,)]


# (feature, spelling written in a paper or card, the canonical value it must map to)
FULL_NAMES = [
    ("attention", "grouped-query attention", "GQA"),
    ("attention", "Multi-Head Attention", "MHA"),
    ("attention", "multi-query attention", "MQA"),
    ("attention", "multi-head latent attention", "MLA"),
    ("attention", "Mamba", "SSM"),
    ("attention", "state-space model", "SSM"),
    ("ffn", "sparse MoE", "MoE"),
    ("ffn", "mixture of experts", "MoE"),
    ("activation", "GELU-GLU", "GeGLU"),
    ("activation", "relu2", "SquaredReLU"),
    ("norm", "layer norm", "LayerNorm"),
]


def test_full_names_from_papers_and_cards_are_accepted(tmp_path):
    rows = read_catalog()
    # one row per spelling, rows 1..11 of the worked example (all 8B, all scored)
    for row, (feature, spelling, _) in zip(rows, FULL_NAMES, strict=False):
        row[feature] = spelling
    catalog = write_catalog(tmp_path / "catalog.csv", rows)
    db = tmp_path / "published.duckdb"
    build = run_build(db, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    assert build.returncode == 0, build.output
    for row, (feature, spelling, canonical) in zip(rows, FULL_NAMES, strict=False):
        [(value,)] = query(db, f"select {feature} from rarity_scores where model_id = '{row['model_id']}'")
        assert value == canonical, f"{spelling!r} read as {value!r}"


def test_every_alias_maps_to_a_value_of_its_own_feature():
    """An alias pointing at a value its feature does not have would be refused at build time
    with a confusing message; a refused spelling (no value) must say what to write instead."""
    with (PROJECT_DIR / "seeds" / "vocabulary.csv").open(newline="") as handle:
        vocabulary = {(row["feature"], row["value"]) for row in csv.DictReader(handle)}
    with (PROJECT_DIR / "seeds" / "vocabulary_aliases.csv").open(newline="") as handle:
        aliases = list(csv.DictReader(handle))
    assert len(aliases) > 50
    seen = set()
    for alias in aliases:
        key = (alias["feature"], alias["alias"].strip().lower())
        assert key not in seen, f"alias {key} listed twice"
        seen.add(key)
        assert (alias["feature"], alias["alias"].strip().lower()) not in {(f, v.lower()) for f, v in vocabulary}
        if alias["value"]:
            assert (alias["feature"], alias["value"]) in vocabulary, f"{alias} maps to no vocabulary value"
        else:
            assert alias["hint"], f"refused spelling {alias} has no hint"
