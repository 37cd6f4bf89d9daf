"""Bad input stops the build with a message naming the row, column and value, and the
published database stays byte for byte what it was (issue: bad input never publishes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, WORKED_EXAMPLE, read_catalog, run_build, sha256, write_catalog

# Row 1 of the worked example is deepseek-r1-8b; each case breaks one cell of one row.
CELL_CASES = [
    # (column, bad value, words the message must contain)
    ("attention", "Foo", ["deepseek-r1-8b", "attention", "'Foo'", "not in the vocabulary"]),
    ("attention", "MoE", ["deepseek-r1-8b", "attention", "'MoE'", "ffn type"]),
    ("ffn", "sparse", ["deepseek-r1-8b", "ffn", "'sparse'", "not in the vocabulary"]),
    ("activation", "silu", ["deepseek-r1-8b", "activation", "'silu'", "SwiGLU if the MLP is gated"]),
    ("norm", "BatchNorm", ["deepseek-r1-8b", "norm", "'BatchNorm'", "RMSNorm"]),
    ("context_window", "", ["deepseek-r1-8b", "context_window", "is required"]),
    ("context_window", "0", ["deepseek-r1-8b", "context_window", "'0'", "whole number"]),
    ("context_window", "-5", ["deepseek-r1-8b", "context_window", "'-5'"]),
    ("context_window", "131072.5", ["deepseek-r1-8b", "context_window", "'131072.5'"]),
    ("context_window", "128K", ["deepseek-r1-8b", "context_window", "'128K'"]),
    ("size_b", "", ["deepseek-r1-8b", "size_b", "is required"]),
    ("size_b", "12B", ["deepseek-r1-8b", "size_b", "'12B'"]),
    ("size_b", "0", ["deepseek-r1-8b", "size_b", "'0'"]),
    ("size_b", "-8", ["deepseek-r1-8b", "size_b", "'-8'"]),
    ("version", "v3", ["deepseek-r1-8b", "version", "'v3'", "dotted numbers"]),
    ("release_date", "2025-13-12", ["deepseek-r1-8b", "release_date", "'2025-13-12'", "real date"]),
    ("release_date", "2999-01-01", ["deepseek-r1-8b", "release_date", "'2999-01-01'", "in the future"]),
    ("model_id", "DeepSeek_R1", ["model_id", "'DeepSeek_R1'", "does not match"]),
    ("model_id", "example-02", ["model_id 'example-02' appears on 2 rows", "rows 1, 2"]),
    # the finer facts are optional, but a value that is given must be valid
    ("attention_window", "windowed", ["deepseek-r1-8b", "attention_window", "'windowed'", "not in the vocabulary"]),
    ("attention_window", "hybrid", ["deepseek-r1-8b", "attention_window", "'hybrid'", "write local-global"]),
    ("sliding_window", "4k", ["deepseek-r1-8b", "sliding_window", "'4k'", "whole number of tokens"]),
    ("position_encoding", "xPos", ["deepseek-r1-8b", "position_encoding", "'xPos'", "not in the vocabulary"]),
    ("qk_norm", "maybe", ["deepseek-r1-8b", "qk_norm", "'maybe'", "accepted: false, true"]),
    ("tie_word_embeddings", "2", ["deepseek-r1-8b", "tie_word_embeddings", "'2'", "not in the vocabulary"]),
    ("num_hidden_layers", "0", ["deepseek-r1-8b", "num_hidden_layers", "'0'", "whole number"]),
    ("hidden_size", "4096.5", ["deepseek-r1-8b", "hidden_size", "'4096.5'", "whole number"]),
    ("vocab_size", "128k", ["deepseek-r1-8b", "vocab_size", "'128k'", "whole number"]),
]

SETTING_CASES = [
    # (vars, words the message must contain)
    ({"top_n": -1}, ["top_n", "-1", "whole number"]),
    ({"top_n": 2.5}, ["top_n", "2.5", "whole number"]),
    ({"top_n": "3"}, ["top_n", '"3"', "whole number"]),
    ({"top_n": True}, ["top_n", "true", "whole number"]),
    ({"moe_as_attention": "yes"}, ["moe_as_attention", '"yes"', "true or false"]),
    ({"tier_high": 5, "tier_moderate": 10}, ["tier_moderate", "10", "inverted"]),
    ({"tier_high": "high"}, ["tier_high", '"high"', "number"]),
    ({"baselines": "llama-3.1-8b"}, ["baselines", "list of model_ids"]),
    ({"baselines": ["Not An Id"]}, ["baselines", "Not An Id", "is not a model_id"]),
    ({"catalog_path": "catalog.txt"}, ["catalog_path", "catalog.txt", ".csv or .parquet"]),
    ({"selection_method": "greedy"}, ["selection_method", '"greedy"', "'top_n'", "'coverage'"]),
    ({"extra_features": "qk_norm"}, ["extra_features", '"qk_norm"', "must be a list"]),
    ({"extra_features": ["qk-norm"]}, ["extra_features", "is not an extra feature", "did you mean 'qk_norm'"]),
    ({"extra_features": ["qk_norm", "qk_norm"]}, ["extra_features", "listed twice"]),
    # a misspelled setting is not silently ignored
    ({"top-n": 3}, ["Unknown dbt var 'top-n'", "did you mean 'top_n'", "the settings are: top_n"]),
    ({"selection": "coverage"}, ["Unknown dbt var 'selection'", "the settings are"]),
]


def assert_refused(build, published: Path, checksum: str, words: list[str]) -> None:
    assert build.returncode != 0, build.output
    for word in words:
        assert word in build.output, f"{word!r} not in:\n{build.output[-3000:]}"
    assert "was not changed" in build.output
    assert sha256(published) == checksum
    assert not list(published.parent.glob("*.building*")), "scratch file left behind"


@pytest.mark.parametrize(("column", "value", "words"), CELL_CASES, ids=[f"{c}={v!r}" for c, v, _ in CELL_CASES])
def test_bad_catalog_cell_stops_the_build(column, value, words, published_copy, tmp_path):
    rows = read_catalog()
    rows[0][column] = value
    catalog = write_catalog(tmp_path / "catalog.csv", rows)
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    row_words = [] if column == "model_id" else ["row 1 (model_id 'deepseek-r1-8b')"]
    if column not in rows[1]:  # an optional column the worked example lacks: only row 1 has it
        catalog = write_catalog(tmp_path / "catalog.csv", rows, [*rows[1], column])
        build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    assert_refused(build, published_copy, checksum, [*words, *row_words])


@pytest.mark.parametrize(("dbt_vars", "words"), SETTING_CASES, ids=[str(v) for v, _ in SETTING_CASES])
def test_bad_setting_stops_the_build_naming_the_var(dbt_vars, words, published_copy, tmp_path):
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, dbt_vars)
    assert_refused(build, published_copy, checksum, words)


def test_every_bad_row_is_reported_not_just_the_first(published_copy, tmp_path):
    rows = read_catalog()
    rows[2]["norm"] = "GroupNorm"
    rows[9]["size_b"] = "7B"
    rows[30]["release_date"] = "yesterday"
    catalog = write_catalog(tmp_path / "catalog.csv", rows)
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    assert_refused(
        build,
        published_copy,
        checksum,
        ["3 problem(s)", "row 3 (model_id 'example-03')", "row 10 (model_id 'example-10')", "row 31"],
    )


def test_missing_required_column_is_named(published_copy, tmp_path):
    rows = read_catalog()
    columns = [column for column in rows[0] if column != "norm"]
    catalog = write_catalog(tmp_path / "catalog.csv", rows, columns)
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    assert_refused(build, published_copy, checksum, ["lacks required column(s): norm"])


def test_header_without_rows_is_refused(published_copy, tmp_path):
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(WORKED_EXAMPLE.read_text().splitlines()[0] + "\n")
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    assert_refused(build, published_copy, checksum, ["header but no rows"])


def test_baseline_missing_from_catalog_is_named(published_copy, tmp_path):
    checksum = sha256(published_copy)
    build = run_build(
        published_copy, tmp_path, {"catalog_path": str(WORKED_EXAMPLE), "baselines": ["llama-9-8b"]}
    )
    assert_refused(build, published_copy, checksum, ["baseline 'llama-9-8b' is not in the catalog"])


def test_baseline_in_no_size_category_is_named(published_copy, tmp_path):
    rows = read_catalog()
    rows[1]["size_b"] = "3"  # example-02 becomes a 3B model: in no category
    catalog = write_catalog(tmp_path / "catalog.csv", rows)
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": ["example-02"]})
    assert_refused(build, published_copy, checksum, ["baseline 'example-02' (size_b 3.0) falls in no size category"])


def test_bad_row_in_the_seed_is_caught_the_same_way(published_copy, tmp_path):
    """The shipped seed goes through the same validation as a catalog_path file."""
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_DIR,
        project,
        ignore=shutil.ignore_patterns(".venv", ".git", "target", "logs", "*.duckdb*", "reports", "bench"),
    )
    seed = project / "seeds" / "catalog.csv"
    rows = read_catalog(seed)
    rows[0]["context_window"] = "128K"
    write_catalog(seed, rows)
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, project_dir=project)
    assert_refused(build, published_copy, checksum, [f"model_id '{rows[0]['model_id']}'", "context_window = '128K'"])


def test_a_column_named_twice_is_refused(published_copy, tmp_path):
    """DuckDB would read the second `attention` as attention_1 and carry on with the first."""
    lines = WORKED_EXAMPLE.read_text().splitlines()
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("\n".join([lines[0] + ",attention", *(line + ",GQA" for line in lines[1:])]) + "\n")
    checksum = sha256(published_copy)
    build = run_build(published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": []})
    assert_refused(build, published_copy, checksum, ["named more than once in the header: attention"])


def test_a_scored_model_without_a_scored_extra_fact_is_named(published_copy, tmp_path):
    rows = read_catalog()
    for row in rows:
        row["qk_norm"] = "false"
    rows[4]["qk_norm"] = ""  # example-05 leaves it out
    catalog = write_catalog(tmp_path / "catalog.csv", rows)
    checksum = sha256(published_copy)
    build = run_build(
        published_copy, tmp_path, {"catalog_path": str(catalog), "baselines": [], "extra_features": ["qk_norm"]}
    )
    assert_refused(build, published_copy, checksum, ["model 'example-05' has no qk_norm", "extra_features scores"])
