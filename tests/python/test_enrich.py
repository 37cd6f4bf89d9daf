"""The finer architecture facts (issue 12) and `archrarity enrich`, the bulk path.

Fixtures are real public configs (tests/fixtures/configs/SOURCES.md); the expected values are
written by hand from those files and the models' code. transformers (pinned, configs only, no
torch) is the reference for class defaults, attribute maps and layer layouts: the tests assert
the project's tables agree with it. Nothing here downloads anything.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import duckdb
import pytest
from transformers import CONFIG_MAPPING  # pinned: a missing install fails, it does not skip

from archrarity import PROJECT_DIR, config_labels
from archrarity.add_model import COLUMNS
from archrarity.cli import main
from conftest import run_build

CONFIGS = PROJECT_DIR / "tests" / "fixtures" / "configs"
Capture = pytest.CaptureFixture[str]
FACT_NAMES = ("attention_window", "sliding_window", "position_encoding", "qk_norm", "tie_word_embeddings",
              "num_hidden_layers", "hidden_size", "vocab_size")


def facts(*values: Any) -> dict[str, Any]:
    return dict(zip(FACT_NAMES, values, strict=True))


# fixture -> the eight facts, read by hand from the config and the model's code
EXPECTED: dict[str, dict[str, Any]] = {
    "llama-3.1-8b": facts("global", None, "RoPE", False, False, 32, 4096, 128256),
    # q_norm / k_norm in Olmo2Attention
    "olmo-2-1124-7b": facts("global", None, "RoPE", True, False, 32, 4096, 100352),
    # MLA's latent layernorms are not QK-norm
    "deepseek-v3": facts("global", None, "RoPE", False, False, 61, 7168, 129280),
    # sliding_window null: full attention
    "mixtral-8x7b-v0.1": facts("global", None, "RoPE", False, False, 32, 4096, 32000),
    # no layer_types in this copy: the class alternates sliding (128) and full layers
    "gpt-oss-20b": facts("local-global", 128, "RoPE", False, False, 24, 2880, 201088),
    # n_layer; alibi false -> rotary; no tie key: RWConfig leaves PretrainedConfig's True
    "falcon-7b-rw": facts("global", None, "RoPE", False, True, 32, 4544, 65024),
    # no tie key: FalconConfig's default True
    "falcon-7b-instruct": facts("global", None, "RoPE", False, True, 32, 4544, 65024),
    # Jamba's attention layers use no positional encoding
    "ai21-jamba-1.5-mini": facts("global", None, "none", False, False, 32, 4096, 65536),
    "falcon-mamba-7b": facts("none", None, "none", False, False, 64, 4096, 65024),
    # sliding_window 131072 with use_sliding_window false
    "qwen2.5-7b": facts("global", None, "RoPE", False, False, 28, 3584, 152064),
    "qwen3-8b": facts("global", None, "RoPE", True, False, 36, 4096, 151936),
    "qwen3-30b-a3b": facts("global", None, "RoPE", True, False, 48, 2048, 151936),
    "mistral-7b-v0.1": facts("sliding", 4096, "RoPE", False, False, 32, 4096, 32000),
    # no_rope_layer_interval 4: every 4th layer without rotary
    "smollm3-3b": facts("global", None, "RoPE+NoPE", False, True, 36, 2048, 128256),
    # position_embedding_type nope
    "granite-4.0-h-350m": facts("global", None, "none", False, True, 32, 768, 100352),
}


def fixture(name: str) -> dict[str, Any]:
    return json.loads((CONFIGS / f"{name}.json").read_text())


def test_every_fixture_is_expected():
    # the architectures of 2025-2026 have theirs in tests/python/test_fixture_labels.py
    with (CONFIGS / "expected_labels.csv").open(newline="") as handle:
        newer = {row["fixture"] for row in csv.DictReader(handle)}
    assert sorted(path.stem for path in CONFIGS.glob("*.json")) == sorted(set(EXPECTED) | newer)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_facts_from_real_configs(name: str):
    derivation = config_labels.derive_fields(fixture(name))
    assert {column: derivation.values.get(column) for column in FACT_NAMES} == EXPECTED[name]
    assert not any(column in derivation.refused for column in FACT_NAMES), derivation.refused


# the shipped catalog's row for the same checkpoint (granite-4.0-h-350m is not in it)
SHIPPED_ID = {
    "llama-3.1-8b": "llama-3.1-8b", "olmo-2-1124-7b": "olmo-2-7b", "deepseek-v3": "deepseek-v3",
    "mixtral-8x7b-v0.1": "mixtral-8x7b", "gpt-oss-20b": "gpt-oss-20b", "falcon-7b-rw": "falcon-7b",
    "falcon-7b-instruct": "falcon-7b", "ai21-jamba-1.5-mini": "jamba-1.5-mini",
    "falcon-mamba-7b": "falcon-mamba-7b", "qwen2.5-7b": "qwen2.5-7b", "qwen3-8b": "qwen3-8b",
    "qwen3-30b-a3b": "qwen3-30b-a3b", "mistral-7b-v0.1": "mistral-7b-v0.1", "smollm3-3b": "smollm3-3b",
}


@pytest.mark.parametrize("name", list(SHIPPED_ID))
def test_facts_agree_with_the_shipped_catalog(name: str):
    with (PROJECT_DIR / "seeds" / "catalog.csv").open(newline="") as handle:
        shipped = {row["model_id"]: row for row in csv.DictReader(handle)}[SHIPPED_ID[name]]
    if "attention_window" not in shipped:
        pytest.skip("the shipped catalog has no architecture facts yet")
    as_text = {True: "true", False: "false", None: ""}
    for column, value in EXPECTED[name].items():
        assert shipped[column] == (as_text[value] if value in (True, False, None) else str(value)), column


# ---- configs are read the way transformers reads them --------------------------------------

SCOPE = PROJECT_DIR.parent / "shared" / "catalog_scope.csv"
# catalog_scope.csv names the folder; the config class's own model_type is what configs carry
SCOPE_TYPE_AS_CONFIGS_WRITE_IT = {"inkling": "inkling_mm_model"}


def in_scope_model_types() -> list[str]:
    with SCOPE.open(newline="") as handle:
        scope = [row for row in csv.DictReader(handle) if row["in_scope"] == "yes"]
    types_ = {SCOPE_TYPE_AS_CONFIGS_WRITE_IT.get(row["model_type"], row["model_type"]) for row in scope}
    types_ |= {row["text_model_type"] for row in scope if row["text_model_type"]}
    return sorted(types_)


def test_every_in_scope_model_type_has_a_rule_and_a_transformers_config_class():
    assert len(in_scope_model_types()) >= 120
    rules = config_labels.knowledge().rules
    assert [t for t in in_scope_model_types() if t not in rules] == []
    # every in-scope config is read through its transformers config class (attribute maps,
    # class defaults, text_config, layer_types), not through tables of the project's own
    assert [t for t in in_scope_model_types() if t not in CONFIG_MAPPING] == []
    assert [t for t in in_scope_model_types() if CONFIG_MAPPING[t].model_type != t] == []


@pytest.mark.parametrize("model_type", in_scope_model_types())
def test_class_defaults_are_read_from_transformers(model_type: str):
    """A config that states nothing but its model_type gets its config class's defaults."""
    text = CONFIG_MAPPING[model_type]().get_text_config(decoder=True)
    derivation = config_labels.derive_fields({"model_type": model_type})
    if hasattr(text, "tie_word_embeddings"):
        assert derivation.values["tie_word_embeddings"] is text.tie_word_embeddings
    else:
        assert "tie_word_embeddings" in derivation.refused
    for fact in ("num_hidden_layers", "hidden_size", "vocab_size"):
        expected = getattr(text, fact, None)
        if isinstance(expected, int) and expected > 0:
            assert derivation.values[fact] == expected, fact
    # the rule's fixed labels come through as the rule says
    rule = config_labels.knowledge().rules[model_type]
    for label in ("norm", "norm_placement"):
        if getattr(rule, label) not in ("config", ""):
            assert derivation.values[label] == getattr(rule, label)


@pytest.mark.parametrize("model_type", [t for t in in_scope_model_types()])
def test_config_keys_cover_transformers_attribute_maps(model_type: str):
    """seeds/config_keys.csv (read for configs transformers does not know) lists every alias
    transformers' attribute maps give the same facts."""
    keys = config_labels.knowledge().config_keys
    attribute_map = CONFIG_MAPPING[model_type].attribute_map
    for alias, canonical in attribute_map.items():
        if canonical in keys and alias in {"n_head", "n_layer", "n_embd", "n_positions", "num_layers", "d_model"}:
            assert alias in keys[canonical], (alias, canonical)


# configs that exercise the window rules where no real config does; the windows read by hand
# from each type's code (the layer layout its config class resolves)
WINDOW_VARIANTS: list[tuple[str, dict[str, Any], tuple[str, int | None]]] = [
    ("qwen2 windowed from layer 4", {"model_type": "qwen2", "num_hidden_layers": 8, "use_sliding_window": True,
                                     "sliding_window": 4096, "max_window_layers": 4}, ("local-global", 4096)),
    ("qwen2 windowed everywhere", {"model_type": "qwen2", "num_hidden_layers": 8, "use_sliding_window": True,
                                   "sliding_window": 4096, "max_window_layers": 0}, ("sliding", 4096)),
    ("qwen2 switched off", {"model_type": "qwen2", "num_hidden_layers": 8, "use_sliding_window": False,
                            "sliding_window": 4096, "max_window_layers": 0}, ("global", None)),
    ("qwen3_moe switched on", {"model_type": "qwen3_moe", "num_hidden_layers": 4, "use_sliding_window": True,
                               "sliding_window": 4096}, ("sliding", 4096)),
    ("gemma2 default", {"model_type": "gemma2", "num_hidden_layers": 6}, ("local-global", 4096)),
    ("gemma3_text pattern 6", {"model_type": "gemma3_text", "num_hidden_layers": 12, "sliding_window": 512},
     ("local-global", 512)),
    ("cohere2 pattern 4", {"model_type": "cohere2", "num_hidden_layers": 8, "sliding_window": 4096},
     ("local-global", 4096)),
    ("llama4_text chunked", {"model_type": "llama4_text", "num_hidden_layers": 8, "attention_chunk_size": 8192},
     ("local-global", 8192)),
    ("starcoder2 window", {"model_type": "starcoder2", "num_hidden_layers": 4, "sliding_window": 4096,
                           "max_position_embeddings": 16384}, ("sliding", 4096)),
    ("mistral key absent: class default", {"model_type": "mistral", "num_hidden_layers": 4,
                                           "max_position_embeddings": 32768}, ("sliding", 4096)),
    ("phi3 window null", {"model_type": "phi3", "num_hidden_layers": 4, "sliding_window": None}, ("global", None)),
    # DeepSeek Sparse Attention: the indexer selects the keys each query sees
    ("deepseek_v32 indexer", {"model_type": "deepseek_v32", "num_hidden_layers": 4}, ("sparse", None)),
    # SSM and RNN: no attention layers
    ("xlstm", {"model_type": "xlstm"}, ("none", None)),
]


@pytest.mark.parametrize(("label", "config", "expected"), WINDOW_VARIANTS, ids=[v[0] for v in WINDOW_VARIANTS])
def test_window_rules(label: str, config: dict[str, Any], expected: tuple):
    derived = config_labels.derive_fields(config).values
    assert (derived["attention_window"], derived["sliding_window"]) == expected


def test_a_window_longer_than_the_model_never_binds():
    # Phi-3.5-mini's config: sliding_window 262144, max_position_embeddings 131072
    config = {"model_type": "phi3", "num_hidden_layers": 32, "sliding_window": 262144,
              "max_position_embeddings": 131072}
    derived = config_labels.derive_fields(config).values
    assert (derived["attention_window"], derived["sliding_window"]) == ("global", None)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        # Command R7B: rotary only on its sliding layers
        ({"model_type": "cohere2", "num_hidden_layers": 8, "sliding_window": 4096}, "RoPE+NoPE"),
        # EXAONE 4.0 32B hybrid: global layers NoPE; with no window every layer is rotary
        ({"model_type": "exaone4", "num_hidden_layers": 8, "sliding_window": 4096}, "RoPE+NoPE"),
        ({"model_type": "exaone4", "num_hidden_layers": 4, "sliding_window": None,
          "layer_types": ["full_attention"] * 4}, "RoPE"),
        ({"model_type": "smollm3", "num_hidden_layers": 4, "no_rope_layers": [1, 1, 1, 1]}, "RoPE"),
        ({"model_type": "llama4_text", "num_hidden_layers": 8}, "RoPE+NoPE"),
        # transformers' MPT always builds ALiBi
        ({"model_type": "mpt", "attn_config": {"alibi": True}, "n_layers": 32}, "ALiBi"),
        ({"model_type": "falcon", "alibi": True}, "ALiBi"),
        ({"model_type": "baichuan", "hidden_size": 5120}, "ALiBi"),
        ({"model_type": "baichuan", "hidden_size": 4096}, "RoPE"),
        ({"model_type": "gpt_bigcode"}, "learned"),
        ({"model_type": "granitemoehybrid", "position_embedding_type": "rope"}, "RoPE"),
        ({"model_type": "zamba2"}, "none"),
        ({"model_type": "mamba2"}, "none"),
        # Granite SWA: a layer whose rope theta is 0 gets no rotary
        ({"model_type": "granite_swa", "num_hidden_layers": 4, "layer_rope_theta": [10000, 0, 10000, 0]},
         "RoPE+NoPE"),
        ({"model_type": "granite_swa", "num_hidden_layers": 4}, "RoPE"),
        # OLMo Hybrid: an explicit null rope_theta switches rotary off
        ({"model_type": "olmo_hybrid", "rope_parameters": {"rope_type": "default", "rope_theta": None}}, "none"),
        # Kimi Linear's MLA layers carry no positions
        ({"model_type": "kimi_linear"}, "none"),
    ],
)
def test_position_rules(config: dict[str, Any], expected: str):
    assert config_labels.derive_fields(config).values["position_encoding"] == expected


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"model_type": "cohere", "use_qk_norm": True}, True),  # Command R+
        ({"model_type": "cohere"}, False),  # Command R v01: class default
        ({"model_type": "gemma3_text"}, True),
        ({"model_type": "gemma2"}, False),
        ({"model_type": "exaone4"}, True),
        ({"model_type": "stablelm", "qk_layernorm": True}, True),
        ({"model_type": "deepseek_v2"}, False),
        ({"model_type": "qwen3_next"}, True),
    ],
)
def test_qk_norm_rules(config: dict[str, Any], expected: bool):
    assert config_labels.derive_fields(config).values["qk_norm"] is expected


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        # Qwen3-Next: 3 Gated DeltaNet layers to 1 full-attention layer (its class's layer_types)
        ({"model_type": "qwen3_next", "num_hidden_layers": 8}, ("Hybrid", "GatedDeltaNet")),
        # Granite 4.0 micro: a granitemoehybrid config whose layers are all attention
        ({"model_type": "granitemoehybrid", "num_hidden_layers": 2, "num_attention_heads": 8,
          "num_key_value_heads": 2, "layer_types": ["attention", "attention"]}, ("GQA", "none")),
        ({"model_type": "granitemoehybrid", "num_hidden_layers": 2, "num_attention_heads": 8,
          "num_key_value_heads": 2, "layer_types": ["mamba", "attention"]}, ("Hybrid", "Mamba2")),
        ({"model_type": "lfm2", "num_hidden_layers": 3, "layer_types": ["conv", "conv", "full_attention"]},
         ("Hybrid", "ShortConv")),
        ({"model_type": "falcon_mamba"}, ("SSM", "Mamba")),
        ({"model_type": "xlstm"}, ("RNN", "mLSTM")),
        ({"model_type": "deepseek_v3", "kv_lora_rank": 512}, ("MLA", "none")),
    ],
)
def test_attention_and_mixer_rules(config: dict[str, Any], expected: tuple[str, str]):
    values = config_labels.derive_fields(config).values
    assert (values["attention"], values["sequence_mixer"]) == expected


# ---- refusals: never a guess ----------------------------------------------------------------


def test_unknown_model_type_refuses_the_rules_and_keeps_the_plain_facts():
    config = fixture("llama-3.1-8b") | {"model_type": "mystery_lm"}
    derivation = config_labels.derive_fields(config)
    for column in ("attention", "activation", "norm", "attention_window", "position_encoding", "qk_norm",
                   "sequence_mixer", "norm_placement"):
        reason = derivation.refused[column]
        assert reason.startswith("cannot derive attention, ffn, activation, norm, attention_window, sliding_window, "
                                 "position_encoding, qk_norm, sequence_mixer, norm_placement: model_type "
                                 "'mystery_lm' has no row in seeds/architecture_rules.csv: add one"), reason
        assert "model_type, attention, sequence_mixer, ffn, mlp, activation" in reason
        assert "config_labels.py" not in reason  # never points a user at Python
    # stated by the config itself: read, not guessed
    assert derivation.values["tie_word_embeddings"] is False
    assert derivation.values["num_hidden_layers"] == 32
    assert derivation.values["model_type"] == "mystery_lm"


def test_a_new_architecture_is_a_seed_row_not_code(tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(PROJECT_DIR / "seeds", seeds)
    config = fixture("llama-3.1-8b") | {"model_type": "mystery_lm"}
    assert "norm_placement" in config_labels.derive_fields(config, seeds=seeds).refused
    with (seeds / "architecture_rules.csv").open("a") as handle:
        handle.write("mystery_lm,config,none,config,gated,config,silu,RMSNorm,post,true,global,,,RoPE,,false,,"
                     "its code,\n")
    values = config_labels.derive_fields(config, seeds=seeds).values
    assert (values["attention"], values["activation"], values["norm_placement"], values["qk_norm"]) == \
        ("GQA", "SwiGLU", "post", True)


@pytest.mark.parametrize(
    ("config", "column", "message"),
    [
        ({"model_type": "baichuan", "hidden_size": 8192}, "position_encoding",
         "config has hidden_size = 8192: no row of seeds/architecture_config_values.csv"),
        ({"model_type": "phi3small"}, "attention_window", "leaves attention_window empty"),
        ({"model_type": "minicpm"}, "tie_word_embeddings", "config has no tie_word_embeddings"),
        ({"model_type": "llama", "vocab_size": 0}, "vocab_size", "config has no vocab_size / padded_vocab_size > 0"),
        ({"model_type": "lfm2", "num_hidden_layers": 1, "layer_types": ["hybrid_sliding"]}, "attention",
         "config's layer_types has 'hybrid_sliding', which seeds/architecture_layer_types.csv does not name"),
        ({"model_type": "bitnet", "hidden_act": "swoosh"}, "activation",
         "hidden_act 'swoosh' in the gated MLP of model_type 'bitnet' is in no row of seeds/activation_functions.csv"),
    ],
)
def test_refuses_what_the_config_cannot_decide(config: dict[str, Any], column: str, message: str):
    refused = config_labels.derive_fields(config).refused
    assert column in refused
    assert message in refused[column]


# ---- add-model writes the new facts ---------------------------------------------------------


@pytest.fixture
def full_catalog(tmp_path: Path) -> Path:
    """An empty catalog with all 29 columns."""
    path = tmp_path / "catalog.csv"
    path.write_text(",".join(COLUMNS) + "\n")
    return path


IDENTITY = ["--model-name", "Test Model", "--family", "Test", "--version", "1", "--size-b", "7",
            "--release-date", "2024-01-01", "--source-url", "https://example.org/m"]


def add_model(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(["add-model", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_model_writes_the_new_facts(full_catalog: Path, capsys: Capture):
    code, out, err = add_model(capsys, str(CONFIGS / "gpt-oss-20b.json"), "--model-id", "oss", *IDENTITY,
                               "--dry-run", "--catalog", str(full_catalog))
    assert code == 0, err
    (row,) = csv.DictReader(io.StringIO(out))
    assert {column: row[column] for column in FACT_NAMES} == {
        "attention_window": "local-global", "sliding_window": "128", "position_encoding": "RoPE",
        "qk_norm": "false", "tie_word_embeddings": "false", "num_hidden_layers": "24", "hidden_size": "2880",
        "vocab_size": "201088",
    }


def test_add_model_refuses_a_fact_it_cannot_derive_and_takes_it_from_set(
    tmp_path: Path, full_catalog: Path, capsys: Capture
):
    config = fixture("llama-3.1-8b")
    del config["tie_word_embeddings"], config["vocab_size"]
    config["model_type"] = "internlm2"  # remote code: no config class, so no class default
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    code, out, err = add_model(capsys, str(path), "--model-id", "lm", *IDENTITY, "--dry-run",
                               "--catalog", str(full_catalog))
    assert code == 1 and out == ""
    assert "cannot derive tie_word_embeddings: config has no tie_word_embeddings" in err
    assert "cannot derive vocab_size: config has no vocab_size / padded_vocab_size > 0" in err
    assert "--set vocab_size=VALUE --set tie_word_embeddings=VALUE" in err
    code, out, err = add_model(capsys, str(path), "--model-id", "lm", *IDENTITY, "--dry-run",
                               "--catalog", str(full_catalog), "--set", "tie_word_embeddings=false",
                               "--set", "vocab_size=92544")
    assert code == 0, err
    (row,) = csv.DictReader(io.StringIO(out))
    assert (row["tie_word_embeddings"], row["vocab_size"], row["attention_window"]) == ("false", "92544", "global")


def test_add_model_validates_set_values(full_catalog: Path, capsys: Capture):
    config = str(CONFIGS / "llama-3.1-8b.json")
    code, _, err = add_model(capsys, config, "--model-id", "l", *IDENTITY, "--dry-run", "--catalog",
                             str(full_catalog), "--set", "position_encoding=sinusoidal")
    assert code == 1
    assert "position_encoding = 'sinusoidal' is not in the vocabulary" in err
    # an alias of the vocabulary seed is written in its canonical spelling
    code, out, err = add_model(capsys, config, "--model-id", "l", *IDENTITY, "--dry-run", "--catalog",
                               str(full_catalog), "--set", "position_encoding=rotary")
    assert code == 0, err
    assert next(csv.DictReader(io.StringIO(out)))["position_encoding"] == "RoPE"
    code, _, err = add_model(capsys, config, "--model-id", "l", *IDENTITY, "--dry-run", "--catalog",
                             str(full_catalog), "--set", "attention_window=sliding")
    assert code == 1
    assert "the window is given exactly when attention_window is sliding or local-global" in err
    code, _, err = add_model(capsys, config, "--model-id", "l", *IDENTITY, "--dry-run", "--catalog",
                             str(full_catalog), "--set", "colour=blue")
    assert code == 1
    assert "--set colour=blue: write FIELD=VALUE with FIELD one of attention_window" in err


# ---- archrarity enrich ----------------------------------------------------------------------

INPUT_HEADER = ["model_id", "model_name", "family", "version", "size_b", "release_date", "context_window",
                "config", "source_url"]
# (model_id, repo in the snapshot, fixture)
SNAPSHOT = [
    ("llama-3.1-8b", "meta-llama/Llama-3.1-8B", "llama-3.1-8b"),
    ("mistral-7b-v0.1", "mistralai/Mistral-7B-v0.1", "mistral-7b-v0.1"),
    ("qwen3-8b", "Qwen/Qwen3-8B", "qwen3-8b"),
    ("smollm3-3b", "HuggingFaceTB/SmolLM3-3B", "smollm3-3b"),
    ("gpt-oss-20b", "openai/gpt-oss-20b", "gpt-oss-20b"),
    ("granite-4.0-h-350m", "ibm-granite/granite-4.0-h-350m", "granite-4.0-h-350m"),
]


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    root = tmp_path / "hub"
    for _, repo, name in SNAPSHOT:
        (root / repo).mkdir(parents=True)
        shutil.copy(CONFIGS / f"{name}.json", root / repo / "config.json")
    return root


def write_models(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INPUT_HEADER)
        writer.writerows(rows)
    return path


def model_rows(tmp_path: Path) -> list[list[str]]:
    rows = [[model_id, model_id.upper(), model_id.split("-")[0], "1", "8", "2024-01-01", "131072", repo, ""]
            for model_id, repo, _ in SNAPSHOT]
    # a local path, relative to the CSV's folder, and a repo the snapshot does not hold
    shutil.copy(CONFIGS / "falcon-mamba-7b.json", tmp_path / "falcon-mamba.json")
    rows.append(["falcon-mamba-7b", "Falcon Mamba 7B", "Falcon Mamba", "1", "7", "2024-08-12", "8192",
                 "falcon-mamba.json", "https://huggingface.co/tiiuae/falcon-mamba-7b"])
    rows.append(["ghost-7b", "Ghost 7B", "Ghost", "1", "7", "2024-01-01", "4096", "nobody/ghost-7b", ""])
    # an activation no row of seeds/activation_functions.csv names
    (tmp_path / "odd-act.json").write_text(json.dumps(fixture("llama-3.1-8b") | {"hidden_act": "swoosh"}))
    rows.append(["odd-act-8b", "Odd Act 8B", "Odd", "1", "8", "2024-01-01", "8192", "odd-act.json", ""])
    return rows


def enrich(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(["enrich", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_enrich_writes_a_catalog_and_reports_what_it_could_not_derive(
    tmp_path: Path, snapshot: Path, capsys: Capture
):
    models = write_models(tmp_path / "models.csv", model_rows(tmp_path))
    output = tmp_path / "out" / "catalog.csv"
    code, out, err = enrich(capsys, str(models), "-o", str(output), "--configs", str(snapshot), "--no-progress")
    assert code == 0, err
    header, rows = read_rows(output)
    assert header == list(COLUMNS)
    assert len(COLUMNS) == 32
    by_id = {row["model_id"]: row for row in rows}
    # written: every model whose labels could be derived, in input order
    assert list(by_id) == ["llama-3.1-8b", "mistral-7b-v0.1", "qwen3-8b", "smollm3-3b", "gpt-oss-20b",
                           "granite-4.0-h-350m", "falcon-mamba-7b"]
    # the Granite copy names no activation: GraniteMoeHybridConfig's default hidden_act (silu) applies
    assert by_id["granite-4.0-h-350m"]["activation"] == "SwiGLU"
    assert (by_id["granite-4.0-h-350m"]["attention"], by_id["granite-4.0-h-350m"]["sequence_mixer"]) == (
        "Hybrid", "Mamba2")
    assert {column: by_id["mistral-7b-v0.1"][column] for column in (
        "attention", "ffn", "activation", "norm", "attention_window", "sliding_window", "position_encoding",
        "qk_norm", "tie_word_embeddings", "num_hidden_layers", "hidden_size", "vocab_size", "source_url")} == {
        "attention": "GQA", "ffn": "dense", "activation": "SwiGLU", "norm": "RMSNorm",
        "attention_window": "sliding", "sliding_window": "4096", "position_encoding": "RoPE",
        "qk_norm": "false", "tie_word_embeddings": "false", "num_hidden_layers": "32", "hidden_size": "4096",
        "vocab_size": "32000", "source_url": "https://huggingface.co/mistralai/Mistral-7B-v0.1",
    }
    assert (by_id["smollm3-3b"]["position_encoding"], by_id["qwen3-8b"]["qk_norm"]) == ("RoPE+NoPE", "true")
    assert by_id["falcon-mamba-7b"]["attention"] == "SSM"
    assert by_id["falcon-mamba-7b"]["attention_window"] == "none"
    assert by_id["falcon-mamba-7b"]["source_url"] == "https://huggingface.co/tiiuae/falcon-mamba-7b"
    # refused, each with its reason, and the run went on
    assert "refused odd-act-8b: activation: hidden_act 'swoosh' in the gated MLP of model_type 'llama'" in err
    assert "refused ghost-7b: config: no config.json at" in err
    assert "the --configs snapshot has no nobody/ghost-7b" in err
    # the summary: derived, refused, reasons by field
    assert "Derived 7 model(s) into" in out
    assert "(0 with optional facts left empty); refused 2." in out
    assert "Could not derive, by field:" in out
    lines = out.splitlines()
    assert any(line.split() == ["activation", "1"] for line in lines)
    assert any(line.split() == ["config", "1"] for line in lines)


def test_enrich_output_is_a_catalog_duckdb_reads(tmp_path: Path, snapshot: Path, capsys: Capture):
    models = write_models(tmp_path / "models.csv", model_rows(tmp_path))
    output = tmp_path / "catalog.csv"
    assert enrich(capsys, str(models), "-o", str(output), "--configs", str(snapshot))[0] == 0
    with duckdb.connect() as connection:
        relation = connection.sql(f"select * from read_csv('{output}', header = true)")
        assert relation.columns == list(COLUMNS)
        typed = dict(zip(relation.columns, [str(kind) for kind in relation.types], strict=True))
        windows = connection.sql(
            f"select model_id, attention_window, sliding_window from read_csv('{output}', header = true) "
            "where sliding_window is not null order by model_id"
        ).fetchall()
    assert typed["num_hidden_layers"] == "BIGINT"
    assert typed["qk_norm"] == "BOOLEAN"
    assert windows == [("gpt-oss-20b", "local-global", 128), ("mistral-7b-v0.1", "sliding", 4096)]


def test_enrich_gaps_are_written_empty_unless_strict(tmp_path: Path, snapshot: Path, capsys: Capture):
    config = fixture("llama-3.1-8b") | {"model_type": "internlm2"}  # remote code: no class default
    del config["vocab_size"]
    (snapshot / "org" / "no-vocab").mkdir(parents=True)
    (snapshot / "org" / "no-vocab" / "config.json").write_text(json.dumps(config))
    models = write_models(tmp_path / "models.csv", [
        ["no-vocab-8b", "No Vocab 8B", "NoVocab", "1", "8", "2024-01-01", "131072", "org/no-vocab", ""],
        ["llama-3.1-8b", "Llama 3.1 8B", "Llama", "3.1", "8", "2024-07-23", "131072", "meta-llama/Llama-3.1-8B", ""],
    ])
    output = tmp_path / "catalog.csv"
    code, out, err = enrich(capsys, str(models), "-o", str(output), "--configs", str(snapshot))
    assert code == 0, err
    rows = {row["model_id"]: row for row in read_rows(output)[1]}
    assert rows["no-vocab-8b"]["vocab_size"] == ""
    assert rows["no-vocab-8b"]["attention"] == "GQA"
    assert "written no-vocab-8b without vocab_size: vocab_size: config has no vocab_size" in err
    assert "(1 with optional facts left empty); refused 0." in out
    problems = tmp_path / "problems.csv"
    code, out, err = enrich(capsys, str(models), "-o", str(output), "--configs", str(snapshot), "--strict",
                            "--problems", str(problems))
    assert code == 0, err
    assert [row["model_id"] for row in read_rows(output)[1]] == ["llama-3.1-8b"]
    assert "refused no-vocab-8b: vocab_size" in err
    assert read_rows(problems) == (["model_id", "status", "field", "reason"], [{
        "model_id": "no-vocab-8b", "status": "refused", "field": "vocab_size",
        "reason": "cannot derive vocab_size: config has no vocab_size / padded_vocab_size > 0",
    }])


def test_enrich_takes_facts_the_team_wrote(tmp_path: Path, snapshot: Path, capsys: Capture):
    path = tmp_path / "models.csv"
    path.write_text(
        "model_id,model_name,family,version,size_b,release_date,context_window,config,position_encoding\n"
        "mistral-7b-v0.1,Mistral 7B,Mistral,0.1,7,2023-09-27,32768,mistralai/Mistral-7B-v0.1,ALiBi\n"
    )
    output = tmp_path / "catalog.csv"
    code, _, err = enrich(capsys, str(path), "-o", str(output), "--configs", str(snapshot))
    assert code == 0, err
    assert read_rows(output)[1][0]["position_encoding"] == "ALiBi"


def test_enrich_progress_bar(tmp_path: Path, snapshot: Path, capsys: Capture):
    models = write_models(tmp_path / "models.csv", model_rows(tmp_path))
    code, _, err = enrich(capsys, str(models), "-o", str(tmp_path / "c.csv"), "--configs", str(snapshot),
                          "--progress")
    assert code == 0
    assert "enrich: 100%" in err
    assert "9/9" in err
    code, _, err = enrich(capsys, str(models), "-o", str(tmp_path / "c.csv"), "--configs", str(snapshot))
    assert "enrich:" not in err  # not a terminal: no bar by default


def test_enrich_exit_codes(tmp_path: Path, snapshot: Path, capsys: Capture):
    output = tmp_path / "catalog.csv"
    # malformed input: a required column missing
    bad = tmp_path / "bad.csv"
    bad.write_text("model_id,model_name,config\nx,X,org/x\n")
    code, _, err = enrich(capsys, str(bad), "-o", str(output), "--configs", str(snapshot))
    assert code == 2
    assert "lacks column(s) family, version, size_b, release_date, context_window" in err
    ragged = write_models(tmp_path / "ragged.csv",
                          [["a", "A", "A", "1", "7", "2024-01-01", "4096", "x/y", "", "extra"]])
    code, _, err = enrich(capsys, str(ragged), "-o", str(output), "--configs", str(snapshot))
    assert code == 2
    assert "line 2: more cells than the header has columns" in err
    # nothing derived
    nothing = write_models(tmp_path / "nothing.csv",
                           [["ghost", "G", "G", "1", "7", "2024-01-01", "4096", "no/body", ""]])
    code, _, err = enrich(capsys, str(nothing), "-o", str(output), "--configs", str(snapshot))
    assert code == 1
    assert "no model could be derived" in err
    assert not output.exists()
    # a duplicate model_id is refused, the first kept
    twice = write_models(tmp_path / "twice.csv", [
        ["llama-3.1-8b", "L", "Llama", "3.1", "8", "2024-07-23", "131072", "meta-llama/Llama-3.1-8B", ""]] * 2)
    code, _, err = enrich(capsys, str(twice), "-o", str(output), "--configs", str(snapshot))
    assert code == 0
    assert len(read_rows(output)[1]) == 1
    assert "refused llama-3.1-8b: model_id: listed twice in the input" in err


def test_enrich_from_the_hub_stops_asking_once_it_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
):
    calls: list[str] = []

    def offline(repo_id: str, filename: str) -> str:
        calls.append(repo_id)
        raise OSError("offline mode is enabled")

    monkeypatch.setitem(sys.modules, "huggingface_hub", types.SimpleNamespace(hf_hub_download=offline))
    models = write_models(tmp_path / "models.csv", [
        [f"m{i}", "M", "M", "1", "7", "2024-01-01", "4096", f"org/m{i}", ""] for i in range(3)])
    code, _, err = enrich(capsys, str(models), "-o", str(tmp_path / "c.csv"))
    assert code == 1
    assert calls == ["org/m0"]
    assert "cannot fetch org/m1: the hub is unreachable (OSError: offline mode is enabled)" in err


def test_enrich_from_the_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture):
    def fetched(repo_id: str, filename: str) -> str:
        return str(CONFIGS / "qwen3-8b.json")

    monkeypatch.setitem(sys.modules, "huggingface_hub", types.SimpleNamespace(hf_hub_download=fetched))
    models = write_models(tmp_path / "models.csv", [
        ["qwen3-8b", "Qwen3 8B", "Qwen", "3", "8", "2025-04-29", "131072", "Qwen/Qwen3-8B", ""]])
    code, _, err = enrich(capsys, str(models), "-o", str(tmp_path / "c.csv"))
    assert code == 0, err
    (row,) = read_rows(tmp_path / "c.csv")[1]
    assert (row["source_url"], row["qk_norm"]) == ("https://huggingface.co/Qwen/Qwen3-8B", "true")


def test_enrich_output_builds_end_to_end(tmp_path: Path, snapshot: Path, capsys: Capture):
    """The enrich output as catalog_path: `archrarity build` scores every row.

    Depends on the lead's pending SQL change that accepts the eight new columns.
    """
    models = write_models(tmp_path / "models.csv", model_rows(tmp_path))
    output = tmp_path / "catalog.csv"
    assert enrich(capsys, str(models), "-o", str(output), "--configs", str(snapshot))[0] == 0
    db = tmp_path / "published.duckdb"
    extras = ["attention_window", "position_encoding", "qk_norm"]
    build = run_build(db, tmp_path, {"catalog_path": str(output), "baselines": [], "extra_features": extras})
    assert build.returncode == 0, build.output[-3000:]
    with duckdb.connect(str(db), read_only=True) as connection:
        scored = connection.sql(
            "select model_id, attention_window, sliding_window, position_encoding, qk_norm "
            "from rarity_scores order by model_id"
        ).fetchall()
    assert scored == [
        ("falcon-mamba-7b", "none", None, "none", False),
        ("gpt-oss-20b", "local-global", 128, "RoPE", False),
        ("granite-4.0-h-350m", "global", None, "none", False),
        ("llama-3.1-8b", "global", None, "RoPE", False),
        ("mistral-7b-v0.1", "sliding", 4096, "RoPE", False),
        ("qwen3-8b", "global", None, "RoPE", True),
        ("smollm3-3b", "global", None, "RoPE+NoPE", False),
    ]


LABEL_COLUMNS = ("attention", "ffn", "activation", "norm", "sequence_mixer", "norm_placement", "attention_window",
                 "position_encoding", "qk_norm")


@pytest.mark.parametrize("model_type", in_scope_model_types())
def test_every_in_scope_type_is_labelled_or_refused_by_name(model_type: str):
    """A config of each in-scope type (its config class's defaults, which reproduce the checkpoint its
    docstring names) gets every label, or a refusal naming the field; the labels are in the vocabulary."""
    derivation = config_labels.derive_fields({"model_type": model_type})
    with (PROJECT_DIR / "seeds" / "vocabulary.csv").open(newline="") as handle:
        vocabulary = {(row["feature"], row["value"]) for row in csv.DictReader(handle)}
    for column in LABEL_COLUMNS:
        if column in derivation.refused:
            assert derivation.refused[column].startswith(f"cannot derive {column}"), derivation.refused[column]
            continue
        value = derivation.values[column]
        value = ("true" if value else "false") if isinstance(value, bool) else value
        assert (column, value) in vocabulary, (column, value)
    # most types label every column from their defaults alone
    assert len(set(LABEL_COLUMNS) & set(derivation.refused)) <= 1, derivation.refused
