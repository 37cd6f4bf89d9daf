"""Architecture labels and facts from a Hugging Face config.json.

What a config.json cannot say by itself (is the MLP gated, which norm does the code use, is the
stack a Mamba hybrid) lives here, in small tables keyed by `model_type`. The rules that turn
head counts into MHA/MQA/GQA/MLA and expert counts into MoE are NOT re-encoded here: they are the
Jinja macros of macros/label_rules.sql (shared with the dbt cross-checks), rendered with plain
Jinja and evaluated in DuckDB. Nothing is guessed: a fact or a table entry that is missing is
an error that names it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import jinja2

from archrarity import PROJECT_DIR

LABEL_RULES = PROJECT_DIR / "macros" / "label_rules.sql"


class ConfigError(ValueError):
    """The config cannot be turned into labels; the message names what is missing."""


@dataclass(frozen=True)
class Architecture:
    mlp: Literal["gated", "plain"]  # gated: act(gate_proj(x)) * up_proj(x); plain: act(fc(x))
    norm: str  # the norm layer the model's code uses, whatever its epsilon key is called
    attention: str | None = None  # Hybrid or SSM: set by the architecture, not by head counts
    act: str | None = None  # the activation the code hard-wires when the config names none
    moe: bool = False  # always a mixture of experts: an expert count must be readable
    mha_default: bool = False  # the code uses as many KV heads as query heads unless told otherwise


_GATED_RMS = Architecture("gated", "RMSNorm")
_GATED_LN = Architecture("gated", "LayerNorm")
_GATED_RMS_MOE = Architecture("gated", "RMSNorm", moe=True)
_PLAIN_LN_MHA = Architecture("plain", "LayerNorm", mha_default=True)
_FALCON = Architecture("plain", "LayerNorm", act="gelu", mha_default=True)

#: What each known architecture's code does, by config.json `model_type`.
ARCHITECTURES: dict[str, Architecture] = {
    # Llama-style decoders: gated SiLU/GELU MLP, RMSNorm
    "llama": _GATED_RMS,
    "mistral": _GATED_RMS,
    "qwen2": _GATED_RMS,
    "qwen3": _GATED_RMS,
    "gemma": _GATED_RMS,
    "gemma2": _GATED_RMS,
    "gemma3": _GATED_RMS,
    "gemma3_text": _GATED_RMS,
    "phi3": _GATED_RMS,
    "olmo2": _GATED_RMS,
    "granite": _GATED_RMS,
    "internlm2": _GATED_RMS,
    "minicpm": _GATED_RMS,
    "exaone": _GATED_RMS,  # its key is layer_norm_epsilon, its layer an RMSNorm
    "baichuan": Architecture("gated", "RMSNorm", mha_default=True),
    "mixtral": _GATED_RMS_MOE,
    "qwen2_moe": _GATED_RMS_MOE,
    "qwen3_moe": _GATED_RMS_MOE,
    "olmoe": _GATED_RMS_MOE,
    "granitemoe": _GATED_RMS_MOE,
    "deepseek_v2": _GATED_RMS_MOE,
    "deepseek_v3": _GATED_RMS_MOE,
    "gpt_oss": _GATED_RMS_MOE,  # clamped SwiGLU experts
    # gated MLP with LayerNorm
    "cohere": _GATED_LN,
    "cohere2": _GATED_LN,
    "olmo": _GATED_LN,  # OLMo 1: non-parametric LayerNorm
    "stablelm": _GATED_LN,
    "phi3small": _GATED_LN,  # hidden_act gegelu
    "phimoe": Architecture("gated", "LayerNorm", moe=True),
    # non-gated MLP with LayerNorm
    "falcon": _FALCON,
    "RefinedWebModel": _FALCON,  # falcon-7b's original remote-code config
    "RefinedWeb": _FALCON,  # falcon-40b's original remote-code config
    "gpt_bigcode": _PLAIN_LN_MHA,  # MQA through multi_query
    "starcoder2": Architecture("plain", "LayerNorm"),
    "mpt": Architecture("plain", "LayerNorm", act="gelu", mha_default=True),
    "gpt2": _PLAIN_LN_MHA,
    "gpt_neox": _PLAIN_LN_MHA,
    "phi": _PLAIN_LN_MHA,
    "nemotron": Architecture("plain", "LayerNorm"),  # relu2, LayerNorm1P
    # state-space models, no attention
    "mamba": Architecture("gated", "RMSNorm", attention="SSM"),
    "falcon_mamba": Architecture("gated", "RMSNorm", attention="SSM"),
    "mamba2": Architecture("gated", "RMSNorm", attention="SSM"),
    # attention layers mixed with Mamba layers
    "jamba": Architecture("gated", "RMSNorm", attention="Hybrid"),
    "falcon_h1": Architecture("gated", "RMSNorm", attention="Hybrid"),
    "granitemoehybrid": Architecture("gated", "RMSNorm", attention="Hybrid"),
    "bamba": Architecture("gated", "RMSNorm", attention="Hybrid"),
    "zamba2": Architecture("gated", "RMSNorm", attention="Hybrid"),
    "nemotron_h": Architecture("plain", "RMSNorm", attention="Hybrid"),  # relu2 MLP layers
}

#: Activation label from the config's activation name, by MLP kind.
ACTIVATIONS: dict[str, dict[str, str]] = {
    "gated": {
        "silu": "SwiGLU",
        "swish": "SwiGLU",
        "gelu": "GeGLU",
        "gelu_new": "GeGLU",
        "gelu_fast": "GeGLU",
        "gelu_pytorch_tanh": "GeGLU",
        "gegelu": "GeGLU",
        "relu": "ReGLU",
    },
    "plain": {
        "gelu": "GELU",
        "gelu_new": "GELU",
        "gelu_fast": "GELU",
        "gelu_pytorch_tanh": "GELU",
        "relu": "ReLU",
        "relu2": "SquaredReLU",
    },
}

# Where architectures keep each fact, in order of preference.
HEADS_KEYS = ("num_attention_heads", "n_head", "n_heads")
KV_HEADS_KEYS = ("num_key_value_heads", "num_kv_heads", "n_head_kv")
EXPERTS_KEYS = ("num_local_experts", "n_routed_experts", "num_experts", "moe_num_experts")
EXPERTS_PER_TOKEN_KEYS = ("num_experts_per_tok", "experts_per_token", "moe_topk", "moe_k")
ACT_KEYS = ("mlp_hidden_act", "hidden_activation", "hidden_act", "activation_function")
POSITIONS_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length")


@dataclass(frozen=True)
class Derived:
    attention: str
    ffn: str
    activation: str
    norm: str
    num_attention_heads: int | None
    num_key_value_heads: int | None
    kv_lora_rank: int | None
    hidden_act: str | None
    max_position_embeddings: int | None
    num_experts: int | None
    experts_per_token: int | None


def _first(config: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any] | None:
    for key in keys:
        if config.get(key) is not None:
            return key, config[key]
    return None


def _whole(config: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    found = _first(config, keys)
    if found is None:
        return None
    key, value = found
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 0:
        raise ConfigError(f"config has {key} = {value!r}, not a whole number")
    return int(value)


def flatten(config: dict[str, Any]) -> dict[str, Any]:
    """A multimodal config keeps its language model's facts under text_config."""
    text_config = config.get("text_config")
    return {**config, **text_config} if isinstance(text_config, dict) else dict(config)


def render_label_rules(
    num_attention_heads: int | None,
    num_key_value_heads: int | None,
    kv_lora_rank: int | None,
    num_experts: int | None,
) -> tuple[str | None, str | None]:
    """(attention, ffn) by the macros of macros/label_rules.sql, evaluated in DuckDB."""
    rules = jinja2.Environment().from_string(LABEL_RULES.read_text()).module
    attention_sql = rules.attention_from_heads("$heads::bigint", "$kv_heads::bigint", "$kv_lora_rank::bigint")
    ffn_sql = rules.ffn_from_experts("$experts::bigint")
    parameters = {
        "heads": num_attention_heads,
        "kv_heads": num_key_value_heads,
        "kv_lora_rank": kv_lora_rank,
        "experts": num_experts,
    }
    with duckdb.connect() as connection:
        row = connection.execute(f"select ({attention_sql}), ({ffn_sql})", parameters).fetchone()
    assert row is not None
    return row[0], row[1]


def _kv_heads(config: dict[str, Any], heads: int | None, mha_default: bool) -> int | None:
    if config.get("multi_query") is True and not config.get("new_decoder_architecture"):
        return 1  # Falcon, StarCoder: one KV head, whatever num_kv_heads says
    if config.get("multi_query_attention") is True and config.get("multi_query_group_num") is not None:
        return _whole(config, ("multi_query_group_num",))  # ChatGLM
    kv_heads = _whole(config, KV_HEADS_KEYS)
    if kv_heads is None and mha_default:
        return heads
    return kv_heads


def derive(raw_config: dict[str, Any]) -> Derived:
    """The catalog's labels and facts for one config.json, or ConfigError naming what is missing."""
    config = flatten(raw_config)
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        raise ConfigError("config has no model_type, so its architecture is unknown")
    arch = ARCHITECTURES.get(model_type)
    known = "" if arch else " (not a model_type known to src/archrarity/config_labels.py)"

    heads = _whole(config, HEADS_KEYS)
    kv_lora_rank = _whole(config, ("kv_lora_rank",))
    kv_heads = _kv_heads(config, heads, arch is not None and arch.mha_default)
    experts = _whole(config, EXPERTS_KEYS)
    if experts is None and arch is not None and arch.moe:
        raise ConfigError(
            f"cannot derive ffn: config has no {' / '.join(EXPERTS_KEYS)} for model_type '{model_type}', "
            "which is a mixture of experts"
        )
    # a config without any expert count has one feed-forward block per layer
    attention, ffn = render_label_rules(heads, kv_heads, kv_lora_rank, 1 if experts is None else experts)

    if arch is not None and arch.attention is not None:
        attention = arch.attention
    elif attention is None:
        if heads is None:
            missing = " / ".join(HEADS_KEYS)
        elif kv_heads is None:
            missing = " / ".join((*KV_HEADS_KEYS, "multi_query"))
        else:
            missing = f"consistent head counts ({heads} query heads, {kv_heads} KV heads)"
        raise ConfigError(
            f"cannot derive attention: config has no {missing} for model_type '{model_type}'{known}"
        )
    if ffn is None:
        raise ConfigError(f"cannot derive ffn from {experts!r} experts for model_type '{model_type}'")
    if arch is None:
        raise ConfigError(
            f"cannot derive activation and norm: model_type '{model_type}'{known}; "
            "add what its code does (gated MLP or not, RMSNorm or LayerNorm) to ARCHITECTURES there"
        )

    act_found = _first(config, ACT_KEYS)
    hidden_act = str(act_found[1]) if act_found else None
    act_name = hidden_act or arch.act
    if act_name is None:
        raise ConfigError(
            f"cannot derive activation: config has no {' / '.join(ACT_KEYS)} for model_type '{model_type}'"
        )
    activation = ACTIVATIONS[arch.mlp].get(act_name.lower())
    if activation is None:
        raise ConfigError(
            f"cannot derive activation: {act_found[0] if act_found else 'activation'} = '{act_name}' "
            f"in the {arch.mlp} MLP of model_type '{model_type}' is not in ACTIVATIONS['{arch.mlp}']"
        )

    return Derived(
        attention=attention,
        ffn=ffn,
        activation=activation,
        norm=arch.norm,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        kv_lora_rank=kv_lora_rank,
        hidden_act=hidden_act,
        max_position_embeddings=_whole(config, POSITIONS_KEYS),
        num_experts=experts,
        experts_per_token=_whole(config, EXPERTS_PER_TOKEN_KEYS),
    )


def read_config(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return value
