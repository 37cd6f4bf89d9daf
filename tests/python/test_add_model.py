"""`archrarity add-model`: labels and facts from real config.json files, refusals, the append.

Fixtures are real public configs (tests/fixtures/configs/SOURCES.md); nothing here touches the
network or the shipped catalog.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import duckdb
import pytest

from archrarity import PROJECT_DIR, config_labels
from archrarity.cli import main

CONFIGS = PROJECT_DIR / "tests" / "fixtures" / "configs"
SHIPPED_CATALOG = PROJECT_DIR / "seeds" / "catalog.csv"
Capture = pytest.CaptureFixture[str]
IDENTITY = ["--model-name", "Test Model", "--family", "Test", "--version", "1", "--size-b", "7",
            "--release-date", "2024-01-01"]

# fixture -> (extra arguments, expected labels and facts), written by hand from the model's code
EXPECTED: dict[str, tuple[list[str], dict[str, str]]] = {
    "llama-3.1-8b": ([], {
        "attention": "GQA", "ffn": "dense", "activation": "SwiGLU", "norm": "RMSNorm",
        "context_window": "131072", "num_attention_heads": "32", "num_key_value_heads": "8",
        "kv_lora_rank": "", "hidden_act": "silu", "max_position_embeddings": "131072",
        "num_experts": "", "experts_per_token": "",
    }),
    "olmo-2-1124-7b": ([], {
        "attention": "MHA", "ffn": "dense", "activation": "SwiGLU", "norm": "RMSNorm",
        "context_window": "4096", "num_attention_heads": "32", "num_key_value_heads": "32",
        "kv_lora_rank": "", "hidden_act": "silu", "max_position_embeddings": "4096",
        "num_experts": "", "experts_per_token": "",
    }),
    "deepseek-v3": ([], {  # as many KV heads as query heads, yet latent attention
        "attention": "MLA", "ffn": "MoE", "activation": "SwiGLU", "norm": "RMSNorm",
        "context_window": "163840", "num_attention_heads": "128", "num_key_value_heads": "128",
        "kv_lora_rank": "512", "hidden_act": "silu", "max_position_embeddings": "163840",
        "num_experts": "256", "experts_per_token": "8",
    }),
    "mixtral-8x7b-v0.1": ([], {
        "attention": "GQA", "ffn": "MoE", "activation": "SwiGLU", "norm": "RMSNorm",
        "context_window": "32768", "num_attention_heads": "32", "num_key_value_heads": "8",
        "kv_lora_rank": "", "hidden_act": "silu", "max_position_embeddings": "32768",
        "num_experts": "8", "experts_per_token": "2",
    }),
    "gpt-oss-20b": ([], {
        "attention": "GQA", "ffn": "MoE", "activation": "SwiGLU", "norm": "RMSNorm",
        "context_window": "131072", "num_attention_heads": "64", "num_key_value_heads": "8",
        "kv_lora_rank": "", "hidden_act": "silu", "max_position_embeddings": "131072",
        "num_experts": "32", "experts_per_token": "4",
    }),
    # original remote-code config: n_head, multi_query, no activation key, no position count; its
    # model_type RefinedWebModel is not a catalog model_type, the checkpoint's current config says falcon
    "falcon-7b-rw": (["--context-window", "2048", "--set", "model_type=falcon"], {
        "attention": "MQA", "ffn": "dense", "activation": "GELU", "norm": "LayerNorm",
        "context_window": "2048", "num_attention_heads": "71", "num_key_value_heads": "1",
        "kv_lora_rank": "", "hidden_act": "", "max_position_embeddings": "",
        "num_experts": "", "experts_per_token": "",
    }),
    # in-library config saved by transformers: num_kv_heads 71, but multi_query wins; no position
    # count in the file, so FalconConfig's default (2048), as transformers reads it
    "falcon-7b-instruct": (["--context-window", "2048"], {
        "attention": "MQA", "ffn": "dense", "activation": "GELU", "norm": "LayerNorm",
        "context_window": "2048", "num_attention_heads": "71", "num_key_value_heads": "1",
        "kv_lora_rank": "", "hidden_act": "", "max_position_embeddings": "2048",
        "num_experts": "", "experts_per_token": "",
    }),
    "ai21-jamba-1.5-mini": ([], {
        "attention": "Hybrid", "ffn": "MoE", "activation": "SwiGLU", "norm": "RMSNorm",
        "context_window": "262144", "num_attention_heads": "32", "num_key_value_heads": "8",
        "kv_lora_rank": "", "hidden_act": "silu", "max_position_embeddings": "262144",
        "num_experts": "16", "experts_per_token": "2",
    }),
    "falcon-mamba-7b": (["--context-window", "8192"], {  # layer_norm_epsilon, yet RMSNorm
        "attention": "SSM", "ffn": "dense", "activation": "SwiGLU", "norm": "RMSNorm",
        "context_window": "8192", "num_attention_heads": "", "num_key_value_heads": "",
        "kv_lora_rank": "", "hidden_act": "silu", "max_position_embeddings": "",
        "num_experts": "", "experts_per_token": "",
    }),
}
# the shipped catalog's row for the same model, whose labels must agree
SHIPPED_ID = {
    "llama-3.1-8b": "llama-3.1-8b", "olmo-2-1124-7b": "olmo-2-7b", "deepseek-v3": "deepseek-v3",
    "mixtral-8x7b-v0.1": "mixtral-8x7b", "gpt-oss-20b": "gpt-oss-20b", "falcon-7b-rw": "falcon-7b",
    "falcon-7b-instruct": "falcon-7b", "ai21-jamba-1.5-mini": "jamba-1.5-mini",
    "falcon-mamba-7b": "falcon-mamba-7b",
}


def catalog_header() -> list[str]:
    with SHIPPED_CATALOG.open(newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture
def empty_catalog(tmp_path: Path) -> Path:
    """A catalog with the shipped header and no rows."""
    path = tmp_path / "catalog.csv"
    path.write_text(",".join(catalog_header()) + "\n")
    return path


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    return Path(shutil.copy(SHIPPED_CATALOG, tmp_path / "catalog.csv"))


def add_model(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(["add-model", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_config(tmp_path: Path, config: dict) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def fixture_config(name: str) -> dict:
    return json.loads((CONFIGS / f"{name}.json").read_text())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_dry_run_prints_the_expected_row(name: str, empty_catalog: Path, capsys: Capture):
    extra, expected = EXPECTED[name]
    before = empty_catalog.read_bytes()
    code, out, err = add_model(
        capsys, str(CONFIGS / f"{name}.json"), "--model-id", name, *IDENTITY, *extra,
        "--source-url", f"https://example.org/{name}", "--dry-run", "--catalog", str(empty_catalog),
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert list(rows[0]) == catalog_header()
    assert {column: rows[0][column] for column in expected} == expected
    assert rows[0]["model_id"] == name
    assert rows[0]["source_url"] == f"https://example.org/{name}"
    assert empty_catalog.read_bytes() == before
    # the note about the context window only when it came from the config
    assert ("model card may advertise" in err) == (not extra)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_labels_agree_with_the_shipped_catalog(name: str):
    with SHIPPED_CATALOG.open(newline="") as handle:
        shipped = {row["model_id"]: row for row in csv.DictReader(handle)}[SHIPPED_ID[name]]
    derived = config_labels.derive_fields(fixture_config(name)).values
    for label in ("attention", "ffn", "activation", "norm", "sequence_mixer", "norm_placement"):
        assert derived[label] == shipped[label], label


def test_attention_and_ffn_rules_come_from_the_macro_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    rules = (PROJECT_DIR / "macros" / "label_rules.sql").read_text()
    edited = tmp_path / "label_rules.sql"
    rules = rules.replace("then 'MHA'", "then 'MHA-from-macro'").replace("then 'MoE'", "then 'MoE!'")
    edited.write_text(rules)
    monkeypatch.setattr(config_labels, "LABEL_RULES", edited)
    assert config_labels.derive(fixture_config("olmo-2-1124-7b")).attention == "MHA-from-macro"
    # Jamba's rule leaves ffn to the expert count (Mixtral's fixes it: always MoE)
    assert config_labels.derive(fixture_config("ai21-jamba-1.5-mini")).ffn == "MoE!"


def test_appends_one_row_to_a_copy_of_the_catalog(catalog_copy: Path, capsys: Capture):
    before = catalog_copy.read_bytes()
    code, out, err = add_model(
        capsys, str(CONFIGS / "deepseek-v3.json"), "--model-id", "deepseek-v3-again",
        "--model-name", "DeepSeek-V3, again", "--family", "DeepSeek", "--version", "3", "--size-b", "671",
        "--release-date", "2024-12-26", "--context-window", "131072",
        "--source-url", "https://huggingface.co/deepseek-ai/DeepSeek-V3", "--catalog", str(catalog_copy),
    )
    assert code == 0, err
    assert "deepseek-v3-again" in out
    after = catalog_copy.read_bytes()
    assert after.startswith(before)
    with catalog_copy.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert reader.fieldnames == catalog_header()
    assert len(rows) == before.count(b"\n")  # header line + old rows = old rows + new row
    # DeepSeek-V3: full-context MLA with rotary parts, latent norms (no QK-norm), untied; 61 layers
    new_facts = {
        "attention_window": "global", "sliding_window": "", "position_encoding": "RoPE", "qk_norm": "false",
        "tie_word_embeddings": "false", "num_hidden_layers": "61", "hidden_size": "7168", "vocab_size": "129280",
        "model_type": "deepseek_v3", "sequence_mixer": "none", "norm_placement": "pre",
    }
    assert rows[-1] == {column: value for column, value in new_facts.items() if column in catalog_header()} | {
        "model_id": "deepseek-v3-again", "model_name": "DeepSeek-V3, again", "family": "DeepSeek",
        "version": "3", "size_b": "671", "release_date": "2024-12-26", "attention": "MLA", "ffn": "MoE",
        "activation": "SwiGLU", "norm": "RMSNorm", "context_window": "131072", "total_params_b": "",
        "active_params_b": "", "num_attention_heads": "128", "num_key_value_heads": "128",
        "kv_lora_rank": "512", "hidden_act": "silu", "max_position_embeddings": "163840",
        "num_experts": "256", "experts_per_token": "8",
        "source_url": "https://huggingface.co/deepseek-ai/DeepSeek-V3",
    }
    # a second time the model_id is taken
    code, _, err = add_model(
        capsys, str(CONFIGS / "deepseek-v3.json"), "--model-id", "deepseek-v3-again", *IDENTITY,
        "--catalog", str(catalog_copy),
    )
    assert code == 1
    assert "already in the catalog" in err
    assert catalog_copy.read_bytes() == after


def test_appended_rows_pass_the_dbt_build(tmp_path: Path, catalog_copy: Path, capsys: Capture):
    """Every fixture's row, appended, passes stg_catalog and the label/config cross-check."""
    for name, (extra, _) in EXPECTED.items():
        code, _, err = add_model(
            capsys, str(CONFIGS / f"{name}.json"), "--model-id", f"new-{name}", "--model-name", f"New {name}",
            "--family", f"New {name}", "--version", "1", "--size-b", "9", "--release-date", "2025-01-01",
            *extra, "--source-url", f"https://example.org/{name}", "--catalog", str(catalog_copy),
        )
        assert code == 0, err
    db = tmp_path / "published.duckdb"
    env = dict(os.environ, DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"))
    command = [str(Path(sys.executable).with_name("archrarity")), "build", "--db", str(db),
               "--vars", json.dumps({"catalog_path": str(catalog_copy)})]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    with duckdb.connect(str(db), read_only=True) as connection:
        scored = connection.execute("select count(*) from rarity_scores where model_id like 'new-%'").fetchone()
    assert scored == (len(EXPECTED),)


def refused(capsys: Capture, catalog: Path, config: str, *argv: str) -> str:
    before = catalog.read_bytes()
    code, out, err = add_model(capsys, config, *argv, "--catalog", str(catalog))
    assert code == 1, out
    assert out == ""
    assert catalog.read_bytes() == before
    return err


def test_refuses_an_unknown_architecture(tmp_path: Path, catalog_copy: Path, capsys: Capture):
    config = write_config(tmp_path, {"model_type": "mystery_lm", "hidden_size": 1024})
    err = refused(capsys, catalog_copy, config, "--model-id", "mystery-1b", *IDENTITY)
    assert "cannot derive attention, ffn, activation, norm, attention_window, sliding_window, position_encoding, " \
        "qk_norm, sequence_mixer, norm_placement: model_type 'mystery_lm' has no row in " \
        "seeds/architecture_rules.csv: add one saying what its code does, with the columns model_type, attention, " \
        "sequence_mixer" in err


def test_refuses_labels_of_an_unknown_architecture_even_with_head_counts(
    tmp_path: Path, catalog_copy: Path, capsys: Capture
):
    config = fixture_config("llama-3.1-8b") | {"model_type": "mystery_lm"}
    err = refused(capsys, catalog_copy, write_config(tmp_path, config), "--model-id", "mystery-8b", *IDENTITY)
    assert err.count("model_type 'mystery_lm' has no row in seeds/architecture_rules.csv") == 1
    assert "cannot derive attention, ffn, activation, norm," in err
    assert "config_labels" not in err  # a user describes a model in a seed, never in Python


def test_refuses_missing_key_value_heads(tmp_path: Path, catalog_copy: Path, capsys: Capture):
    # InternLM2 is remote code: no config class fills in the KV heads, and its rule has no MHA default
    config = fixture_config("llama-3.1-8b") | {"model_type": "internlm2"}
    del config["num_key_value_heads"]
    err = refused(capsys, catalog_copy, write_config(tmp_path, config), "--model-id", "llama-x", *IDENTITY)
    assert "cannot derive attention: config has no num_key_value_heads" in err
    assert "for model_type 'internlm2'" in err


def test_a_missing_key_is_the_config_class_default(tmp_path: Path, catalog_copy: Path, capsys: Capture):
    # transformers' LlamaConfig uses as many KV heads as query heads when the config names none
    config = fixture_config("llama-3.1-8b")
    del config["num_key_value_heads"]
    derived = config_labels.derive(config)
    assert (derived.attention, derived.num_key_value_heads) == ("MHA", 32)
    # MixtralConfig's default expert count (8) applies, and Mixtral's code always routes
    config = fixture_config("mixtral-8x7b-v0.1")
    del config["num_local_experts"]
    derived = config_labels.derive(config)
    assert (derived.ffn, derived.num_experts) == ("MoE", 8)


def test_refuses_a_duplicate_model_id(catalog_copy: Path, capsys: Capture):
    err = refused(
        capsys, catalog_copy, str(CONFIGS / "llama-3.1-8b.json"), "--model-id", "llama-3.1-8b", *IDENTITY
    )
    assert "model_id 'llama-3.1-8b' is already in the catalog" in err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--version", "v3", "version = 'v3' is not dotted numbers"),
        ("--version", "3.", "version = '3.' is not dotted numbers"),
        ("--release-date", "2024-02-30", "release_date = '2024-02-30' is not a real date"),
        ("--release-date", "24/07/2024", "release_date = '24/07/2024' is not a real date"),
        ("--size-b", "8B", "size_b = '8B' is not a number of billions > 0"),
        ("--size-b", "0", "size_b = '0' is not a number of billions > 0"),
        ("--model-id", "Llama-X", "model_id = 'Llama-X' does not match"),
        ("--context-window", "128K", "context_window = '128K' is not a whole number of tokens"),
    ],
)
def test_refuses_invalid_values(
    option: str, value: str, message: str, catalog_copy: Path, capsys: Capture
):
    options = dict(zip(IDENTITY[::2], IDENTITY[1::2], strict=True))
    options |= {"--model-id": "new-model", option: value}
    argv = [text for pair in options.items() for text in pair]
    err = refused(capsys, catalog_copy, str(CONFIGS / "llama-3.1-8b.json"), *argv)
    assert message in err


def test_refuses_a_context_window_it_cannot_read(catalog_copy: Path, capsys: Capture):
    config = str(CONFIGS / "falcon-7b-rw.json")
    err = refused(capsys, catalog_copy, config, "--model-id", "falcon-x", *IDENTITY)
    assert "cannot derive context_window: config has no max_position_embeddings" in err
    assert "--context-window" in err


def test_shipped_catalog_needs_a_source_url(capsys: Capture):
    before = SHIPPED_CATALOG.read_bytes()
    code, _, err = add_model(
        capsys, str(CONFIGS / "llama-3.1-8b.json"), "--model-id", "llama-x-test", *IDENTITY, "--dry-run"
    )
    assert code == 1
    assert "source_url is required in the shipped catalog" in err
    assert SHIPPED_CATALOG.read_bytes() == before


def test_repo_id_without_huggingface_hub(
    catalog_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails, as when not installed
    err = refused(capsys, catalog_copy, "meta-llama/Llama-3.1-8B", "--model-id", "llama-x", *IDENTITY)
    assert "cannot fetch meta-llama/Llama-3.1-8B: huggingface_hub is not installed" in err
    assert "download config.json and pass its path" in err


def test_repo_id_offline(catalog_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture):
    def offline(repo_id: str, filename: str) -> str:
        raise OSError(f"offline mode is enabled, cannot download {filename} of {repo_id}")

    monkeypatch.setitem(sys.modules, "huggingface_hub", types.SimpleNamespace(hf_hub_download=offline))
    err = refused(capsys, catalog_copy, "meta-llama/Llama-3.1-8B", "--model-id", "llama-x", *IDENTITY)
    assert "cannot fetch meta-llama/Llama-3.1-8B: OSError: offline mode is enabled" in err
    assert "download config.json and pass its path" in err


def test_repo_id_fetched_sets_the_source_url(
    catalog_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
):
    def fetched(repo_id: str, filename: str) -> str:
        return str(CONFIGS / "llama-3.1-8b.json")

    monkeypatch.setitem(sys.modules, "huggingface_hub", types.SimpleNamespace(hf_hub_download=fetched))
    code, out, err = add_model(
        capsys, "meta-llama/Llama-3.1-8B", "--model-id", "llama-x", *IDENTITY, "--dry-run",
        "--catalog", str(catalog_copy),
    )
    assert code == 0, err
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["source_url"] == "https://huggingface.co/meta-llama/Llama-3.1-8B"
    assert row["attention"] == "GQA"


def test_missing_local_file_is_not_fetched(catalog_copy: Path, capsys: Capture):
    err = refused(capsys, catalog_copy, "configs/nope.json", "--model-id", "nope", *IDENTITY)
    assert "no config.json at configs/nope.json" in err
