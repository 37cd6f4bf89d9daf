"""Architecture labels and facts from a Hugging Face config.json.

What a config.json cannot say by itself (is the MLP gated, which norm does the code use, is the
stack a Mamba hybrid) lives here, in small tables keyed by `model_type`. The rules that turn
head counts into MHA/MQA/GQA/MLA and expert counts into MoE are NOT re-encoded here: they are the
Jinja macros of macros/label_rules.sql (shared with the dbt cross-checks), rendered with plain
Jinja and evaluated in DuckDB. Nothing is guessed: a fact or a table entry that is missing is
an error that names it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
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
    "exaone4": _GATED_RMS,
    "smollm3": _GATED_RMS,
    "baichuan": Architecture("gated", "RMSNorm", mha_default=True),
    "mixtral": _GATED_RMS_MOE,
    "qwen2_moe": _GATED_RMS_MOE,
    "qwen3_moe": _GATED_RMS_MOE,
    "olmoe": _GATED_RMS_MOE,
    "granitemoe": _GATED_RMS_MOE,
    "deepseek_v2": _GATED_RMS_MOE,
    "deepseek_v3": _GATED_RMS_MOE,
    "gpt_oss": _GATED_RMS_MOE,  # clamped SwiGLU experts
    "llama4_text": _GATED_RMS_MOE,  # Llama 4's language model (text_config of model_type llama4)
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
# shape facts; the aliases are the attribute_map entries of transformers' config classes
# (gpt2/gpt_bigcode n_layer/n_embd, mpt n_layers/d_model, exaone num_layers), the remote-code
# RWConfig's n_layer (falcon-7b/40b) and ChatGLM's num_layers/padded_vocab_size
SHAPE_KEYS: dict[str, tuple[str, ...]] = {
    "num_hidden_layers": ("num_hidden_layers", "n_layer", "n_layers", "num_layers"),
    "hidden_size": ("hidden_size", "n_embd", "d_model", "n_embed"),
    "vocab_size": ("vocab_size", "padded_vocab_size"),
}

#: The catalog columns derive_fields() fills, in catalog order.
LABELS = ("attention", "ffn", "activation", "norm")
FACTS = ("num_attention_heads", "num_key_value_heads", "kv_lora_rank", "hidden_act",
         "max_position_embeddings", "num_experts", "experts_per_token")
LAYOUT_FACTS = ("attention_window", "sliding_window", "position_encoding", "qk_norm", "tie_word_embeddings",
                "num_hidden_layers", "hidden_size", "vocab_size")


@dataclass(frozen=True)
class Layout:
    """What an architecture's code does with attention windows, positions and queries/keys.

    window: "global" the code never windows attention; "every" every layer is windowed when the
    window (window_key) is set; "layers" each layer is full or windowed by LAYER_PATTERNS (or the
    config's own layer_types); "none" there are no attention layers.
    positions: the label, or "rule" when POSITION_RULES decides from the config.
    qk_norm: fixed, or the config key (dotted for nested configs) that switches it on.
    gate: a config key that must be true for any window to apply (Qwen's use_sliding_window).
    """

    window: Literal["global", "every", "layers", "none"]
    positions: Literal["RoPE", "ALiBi", "learned", "none", "rule"] = "RoPE"
    qk_norm: bool | str = False
    gate: str | None = None
    window_key: str = "sliding_window"


_GLOBAL = Layout("global")
_GLOBAL_QK = Layout("global", qk_norm=True)
_EVERY = Layout("every")
_SSM = Layout("none", positions="none")

#: Per model_type, from transformers' models/<type>/modeling_*.py (or the repo's remote code).
LAYOUTS: dict[str, Layout] = {
    "llama": _GLOBAL,
    "mistral": _EVERY,  # sliding_window null (v0.2, v0.3) -> global; 4096 (v0.1) -> sliding
    "mixtral": _EVERY,
    "qwen2": Layout("layers", gate="use_sliding_window"),
    "qwen3": Layout("layers", qk_norm=True, gate="use_sliding_window"),
    "qwen2_moe": Layout("layers", gate="use_sliding_window"),
    "qwen3_moe": Layout("every", qk_norm=True, gate="use_sliding_window"),
    "gemma": _GLOBAL,
    "gemma2": Layout("layers"),  # alternating local/global; logit soft-capping is no QK-norm
    "gemma3": Layout("layers", qk_norm=True),
    "gemma3_text": Layout("layers", qk_norm=True),
    "phi3": _EVERY,
    "phimoe": _EVERY,
    "starcoder2": _EVERY,
    "olmo": _GLOBAL,  # clip_qkv clips, it does not normalise
    "olmo2": _GLOBAL_QK,
    "olmoe": _GLOBAL_QK,
    "granite": _GLOBAL,
    "granitemoe": _GLOBAL,
    "internlm2": _GLOBAL,
    "minicpm": _GLOBAL,
    "exaone": _GLOBAL,
    "exaone4": Layout("layers", positions="rule", qk_norm=True),  # global layers NoPE when hybrid
    "smollm3": Layout("layers", positions="rule", gate="use_sliding_window"),
    "llama4_text": Layout("layers", positions="rule", qk_norm="use_qk_norm", window_key="attention_chunk_size"),
    "baichuan": Layout("global", positions="rule"),
    "deepseek_v2": _GLOBAL,  # MLA's q_a/kv_a layernorms normalise latents, not q and k
    "deepseek_v3": _GLOBAL,
    "gpt_oss": Layout("layers"),
    "cohere": Layout("global", qk_norm="use_qk_norm"),
    "cohere2": Layout("layers", positions="rule"),  # rotary only on the sliding layers
    "stablelm": Layout("global", qk_norm="qk_layernorm"),
    "falcon": Layout("global", positions="rule"),
    "RefinedWebModel": Layout("global", positions="rule"),
    "RefinedWeb": Layout("global", positions="rule"),
    "gpt_bigcode": Layout("global", positions="learned"),
    "gpt2": Layout("global", positions="learned"),
    "mpt": Layout("global", positions="rule", qk_norm="attn_config.qk_ln"),
    "gpt_neox": _GLOBAL,
    "phi": Layout("global", qk_norm="qk_layernorm"),
    "nemotron": _GLOBAL,
    "mamba": _SSM,
    "falcon_mamba": _SSM,
    "mamba2": _SSM,
    # hybrids are judged by their attention layers
    "jamba": Layout("global", positions="none"),  # attention layers without positional encoding
    "nemotron_h": Layout("global", positions="none"),  # likewise: no rotary in NemotronHAttention
    "falcon_h1": _GLOBAL,
    "bamba": _GLOBAL,
    "granitemoehybrid": Layout("global", positions="rule"),
    "zamba2": Layout("global", positions="rule"),
    # phi3small (block-sparse attention) is deliberately absent: no rule, so it is refused
}

#: Config class defaults the rules fall back on when a key is absent. For every model_type that
#: transformers knows, tests/python/test_enrich.py asserts these equal its config classes'.
#: RefinedWeb*: the remote RWConfig passes no tie_word_embeddings, so PretrainedConfig's True;
#: baichuan: the remote BaichuanConfig's tie_word_embeddings=False.
CLASS_DEFAULTS: dict[str, dict[str, Any]] = {
    "llama": {"tie_word_embeddings": False},
    "mistral": {"tie_word_embeddings": False, "sliding_window": 4096},
    "mixtral": {"tie_word_embeddings": False, "sliding_window": None},
    "qwen2": {"tie_word_embeddings": False, "sliding_window": 4096, "use_sliding_window": False,
              "max_window_layers": 28},
    "qwen3": {"tie_word_embeddings": False, "sliding_window": 4096, "use_sliding_window": False,
              "max_window_layers": 28},
    "qwen2_moe": {"tie_word_embeddings": False, "sliding_window": 4096, "use_sliding_window": False,
                  "max_window_layers": 28},
    "qwen3_moe": {"tie_word_embeddings": False, "sliding_window": 4096, "use_sliding_window": False},
    "gemma": {"tie_word_embeddings": True},
    "gemma2": {"tie_word_embeddings": True, "sliding_window": 4096},
    "gemma3": {"tie_word_embeddings": True},
    "gemma3_text": {"tie_word_embeddings": True, "sliding_window": 4096, "sliding_window_pattern": 6},
    "phi3": {"tie_word_embeddings": False, "sliding_window": None},
    "phimoe": {"tie_word_embeddings": False, "sliding_window": None},
    "starcoder2": {"tie_word_embeddings": True, "sliding_window": None},
    "olmo": {"tie_word_embeddings": False},
    "olmo2": {"tie_word_embeddings": False},
    "olmoe": {"tie_word_embeddings": False},
    "granite": {"tie_word_embeddings": False},
    "granitemoe": {"tie_word_embeddings": False},
    "exaone": {"tie_word_embeddings": False},
    "exaone4": {"tie_word_embeddings": False, "sliding_window": 4096, "sliding_window_pattern": 4},
    "smollm3": {"tie_word_embeddings": True, "sliding_window": None, "use_sliding_window": False,
                "no_rope_layer_interval": 4},
    "llama4_text": {"tie_word_embeddings": False, "attention_chunk_size": 8192, "no_rope_layer_interval": 4,
                    "use_qk_norm": True},
    "baichuan": {"tie_word_embeddings": False},
    "deepseek_v2": {"tie_word_embeddings": False},
    "deepseek_v3": {"tie_word_embeddings": False},
    "gpt_oss": {"tie_word_embeddings": False, "sliding_window": 128},
    "cohere": {"tie_word_embeddings": True, "use_qk_norm": False},
    "cohere2": {"tie_word_embeddings": True, "sliding_window": 4096, "sliding_window_pattern": 4},
    "stablelm": {"tie_word_embeddings": False, "qk_layernorm": False},
    "falcon": {"tie_word_embeddings": True, "alibi": False},
    "RefinedWebModel": {"tie_word_embeddings": True, "alibi": False},
    "RefinedWeb": {"tie_word_embeddings": True, "alibi": False},
    "gpt_bigcode": {"tie_word_embeddings": True},
    "gpt2": {"tie_word_embeddings": True},
    "mpt": {"tie_word_embeddings": True, "attn_config.qk_ln": False},  # attn_config.alibi: no default
    "gpt_neox": {"tie_word_embeddings": False},
    "phi": {"tie_word_embeddings": False, "qk_layernorm": False},
    "nemotron": {"tie_word_embeddings": False},
    "mamba": {"tie_word_embeddings": True},
    "falcon_mamba": {"tie_word_embeddings": True},
    "mamba2": {"tie_word_embeddings": False},
    "jamba": {"tie_word_embeddings": False},
    "nemotron_h": {"tie_word_embeddings": False},
    "falcon_h1": {"tie_word_embeddings": False},
    "bamba": {"tie_word_embeddings": False},
    "granitemoehybrid": {"tie_word_embeddings": False, "position_embedding_type": None},
    "zamba2": {"tie_word_embeddings": True, "use_mem_rope": False},
}

_ABSENT = object()


def _setting(config: dict[str, Any], model_type: str, key: str) -> Any:
    """The config's value for key (dotted for a nested config), else its class default."""
    value: Any = config
    for part in key.split("."):
        value = value.get(part, _ABSENT) if isinstance(value, dict) else _ABSENT
    if value is not _ABSENT:
        return value
    defaults = CLASS_DEFAULTS.get(model_type, {})
    if key in defaults:
        return defaults[key]
    raise ConfigError(f"config has no {key} and model_type '{model_type}' has no class default for it")


def _flag(config: dict[str, Any], model_type: str, key: str) -> bool:
    value = _setting(config, model_type, key)
    if not isinstance(value, bool):
        raise ConfigError(f"config has {key} = {value!r}, not true or false")
    return value


def _every_nth_global(config: dict[str, Any], model_type: str, layers: int) -> list[str]:
    """Gemma 3 (5 local : 1 global), Command R7B and EXAONE 4.0 (3 : 1): the n-th layer is global."""
    pattern = _setting(config, model_type, "sliding_window_pattern")
    if isinstance(pattern, str) and pattern and set(pattern) <= {"L", "G"}:  # EXAONE 4.0 writes "LLLG"
        return ["sliding" if pattern[i % len(pattern)] == "L" else "full" for i in range(layers)]
    if isinstance(pattern, bool) or not isinstance(pattern, int) or pattern < 1:
        raise ConfigError(f"config has sliding_window_pattern = {pattern!r}, not a whole number > 0 or 'LLLG'")
    return ["sliding" if (i + 1) % pattern else "full" for i in range(layers)]


def _alternating(config: dict[str, Any], model_type: str, layers: int) -> list[str]:
    return ["sliding" if (i + 1) % 2 else "full" for i in range(layers)]  # Gemma 2, gpt-oss


def _qwen2(config: dict[str, Any], model_type: str, layers: int) -> list[str]:
    first = _setting(config, model_type, "max_window_layers")  # layers from this index on are windowed
    return ["sliding" if i >= first else "full" for i in range(layers)]


def _qwen2_moe(config: dict[str, Any], model_type: str, layers: int) -> list[str]:
    below = _setting(config, model_type, "max_window_layers")
    return ["sliding" if (i + 1) % 2 and i < below else "full" for i in range(layers)]


def _rope_layers(config: dict[str, Any], model_type: str, layers: int) -> list[bool]:
    """SmolLM3 / Llama 4: no_rope_layers (1 = rotary), else every no_rope_layer_interval-th layer is NoPE."""
    listed = config.get("no_rope_layers")
    if listed:
        if not isinstance(listed, list) or any(flag not in (0, 1) for flag in listed):
            raise ConfigError(f"config has no_rope_layers = {listed!r}, not a list of 0 and 1")
        return [bool(flag) for flag in listed]
    interval = _setting(config, model_type, "no_rope_layer_interval")
    return [(i + 1) % interval != 0 for i in range(layers)]


def _nope_chunked(config: dict[str, Any], model_type: str, layers: int) -> list[str]:
    return ["full" if rope else "chunked" for rope in _rope_layers(config, model_type, layers)]  # Llama 4


def _nope_sliding(config: dict[str, Any], model_type: str, layers: int) -> list[str]:
    return ["full" if rope else "sliding" for rope in _rope_layers(config, model_type, layers)]  # SmolLM3


#: How a "layers" architecture lays out its layers when the config lists no layer_types.
LAYER_PATTERNS: dict[str, Callable[[dict[str, Any], str, int], list[str]]] = {
    "qwen2": _qwen2,
    "qwen3": _qwen2,
    "qwen2_moe": _qwen2_moe,
    "gemma2": _alternating,
    "gpt_oss": _alternating,
    "gemma3": _every_nth_global,
    "gemma3_text": _every_nth_global,
    "cohere2": _every_nth_global,
    "exaone4": _every_nth_global,
    "smollm3": _nope_sliding,
    "llama4_text": _nope_chunked,
}
LAYER_TYPES = {"full_attention": "full", "sliding_attention": "sliding", "chunked_attention": "chunked"}


@dataclass(frozen=True)
class _Layers:
    kinds: list[str]  # per layer: full, sliding or chunked, as the code reads them
    window: int | None  # the window those layers use; None: the code applies none


def _layers(config: dict[str, Any], model_type: str, layout: Layout) -> _Layers:
    window = _setting(config, model_type, layout.window_key)
    if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 0):
        raise ConfigError(f"config has {layout.window_key} = {window!r}, not a whole number of tokens")
    if not window or (layout.gate is not None and not _flag(config, model_type, layout.gate)):
        window = None  # Qwen2-MoE writes 0 for "no window"
    listed = config.get("layer_types")
    if isinstance(listed, list) and listed and layout.window == "layers":
        unknown = sorted({str(kind) for kind in listed} - set(LAYER_TYPES))
        if unknown:
            raise ConfigError(f"config's layer_types has {', '.join(unknown)}, not a layer kind the rules know")
        return _Layers([LAYER_TYPES[kind] for kind in listed], window)
    layers = _whole(config, SHAPE_KEYS["num_hidden_layers"])
    if layers is None:
        raise ConfigError(f"config has no layer_types and no {' / '.join(SHAPE_KEYS['num_hidden_layers'])}")
    if layout.window == "every":
        return _Layers(["sliding"] * layers, window)
    return _Layers(LAYER_PATTERNS[model_type](config, model_type, layers), window)


def _attention_window(config: dict[str, Any], model_type: str, layout: Layout) -> tuple[str, int | None]:
    if layout.window == "none":
        return "none", None
    if layout.window == "global":
        return "global", None
    layers = _layers(config, model_type, layout)
    windowed = [kind != "full" and layers.window is not None for kind in layers.kinds]
    longest = _whole(config, POSITIONS_KEYS)
    if layers.window is not None and longest is not None and layers.window >= longest:
        # a window as long as every sequence the model is built for never binds (Phi-3.5's 262144)
        windowed = [False] * len(windowed)
    if not any(windowed):
        return "global", None
    return ("sliding" if all(windowed) else "local-global"), layers.window


def _rotary_layers(config: dict[str, Any], model_type: str, layout: Layout) -> list[bool]:
    """Per attention layer: does the code apply rotary embeddings there?"""
    if model_type in ("smollm3", "llama4_text"):
        layers = _whole(config, SHAPE_KEYS["num_hidden_layers"]) or len(config.get("no_rope_layers") or [])
        return _rope_layers(config, model_type, layers)
    layers = _layers(config, model_type, layout)
    sliding = [kind == "sliding" and layers.window is not None for kind in layers.kinds]
    if model_type == "cohere2":
        return sliding  # "if self.sliding_window is not None: apply_rotary_pos_emb"
    # exaone4: "if self.sliding_window is None or self.is_sliding: apply_rotary_pos_emb"
    return [layers.window is None or is_sliding for is_sliding in sliding]


def _position_encoding(config: dict[str, Any], model_type: str, layout: Layout) -> str:
    if layout.positions != "rule":
        return layout.positions
    if model_type in ("falcon", "RefinedWebModel", "RefinedWeb"):
        return "ALiBi" if _flag(config, model_type, "alibi") else "RoPE"
    if model_type == "mpt":
        # transformers' MptConfig defaults alibi to true, MosaicML's remote code to false: no default
        alibi = (config.get("attn_config") or {}).get("alibi")
        if alibi is None:
            raise ConfigError("config has no attn_config.alibi, and MPT's two codes default it differently")
        if alibi is not True:
            raise ConfigError("attn_config.alibi is false: which positions MPT then uses depends on its remote code")
        return "ALiBi"
    if model_type == "baichuan":
        # one model_type, two remote codes: vLLM's rule (hidden_size 4096: Baichuan2 7B, RoPE;
        # otherwise the 13B code, ALiBi), narrowed here to the two sizes that exist
        hidden = _whole(config, SHAPE_KEYS["hidden_size"])
        if hidden == 4096:
            return "RoPE"
        if hidden == 5120:
            return "ALiBi"
        raise ConfigError(f"Baichuan's code is chosen by size: hidden_size {hidden} is neither 4096 (RoPE) "
                          "nor 5120 (ALiBi)")
    if model_type == "granitemoehybrid":
        kind = _setting(config, model_type, "position_embedding_type")
        if kind in (None, "nope"):
            return "none"
        if kind == "rope":
            return "RoPE"
        raise ConfigError(f"config has position_embedding_type = {kind!r}, not rope or nope")
    if model_type == "zamba2":
        return "RoPE" if _flag(config, model_type, "use_mem_rope") else "none"
    rotary = _rotary_layers(config, model_type, layout)
    if all(rotary):
        return "RoPE"
    return "RoPE+NoPE" if any(rotary) else "none"


def _qk_norm(config: dict[str, Any], model_type: str, layout: Layout) -> bool:
    if isinstance(layout.qk_norm, bool):
        return layout.qk_norm
    return _flag(config, model_type, layout.qk_norm)


def _tie_word_embeddings(config: dict[str, Any], model_type: str) -> bool:
    try:
        return _flag(config, model_type, "tie_word_embeddings")
    except ConfigError:
        if "tie_word_embeddings" in config:
            raise
        raise ConfigError(
            f"config has no tie_word_embeddings and the config class default of model_type '{model_type}' "
            "is not in CLASS_DEFAULTS"
        ) from None


def _layout_facts(config: dict[str, Any], model_type: str, values: dict[str, Any], refused: dict[str, str]) -> None:
    layout = LAYOUTS.get(model_type)
    no_rule = (f"no rule for model_type '{model_type}' in LAYOUTS (src/archrarity/config_labels.py); "
               "the config alone cannot say")

    def attempt(field: str, compute: Callable[[], Any]) -> None:
        try:
            values[field] = compute()
        except ConfigError as error:
            refused[field] = f"cannot derive {field}: {error}"

    if layout is None:
        for field in ("attention_window", "sliding_window", "position_encoding", "qk_norm"):
            refused[field] = f"cannot derive {field}: {no_rule}"
    else:
        try:
            values["attention_window"], values["sliding_window"] = _attention_window(config, model_type, layout)
        except ConfigError as error:
            for field in ("attention_window", "sliding_window"):
                refused[field] = f"cannot derive {field}: {error}"
        attempt("position_encoding", lambda: _position_encoding(config, model_type, layout))
        attempt("qk_norm", lambda: _qk_norm(config, model_type, layout))
    attempt("tie_word_embeddings", lambda: _tie_word_embeddings(config, model_type))
    for field, keys in SHAPE_KEYS.items():
        attempt(field, functools.partial(_shape, config, keys))


def _shape(config: dict[str, Any], keys: tuple[str, ...]) -> int:
    value = _whole(config, keys)
    if not value:
        raise ConfigError(f"config has no {' / '.join(keys)} > 0")
    return value


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
    attention_window: str | None = None
    sliding_window: int | None = None
    position_encoding: str | None = None
    qk_norm: bool | None = None
    tie_word_embeddings: bool | None = None
    num_hidden_layers: int | None = None
    hidden_size: int | None = None
    vocab_size: int | None = None


@dataclass(frozen=True)
class Derivation:
    """Every catalog column one config.json decides, and why each other one could not be derived."""

    values: dict[str, Any]  # column -> value; None where the config says there is none (no kv_lora_rank)
    refused: dict[str, str]  # column -> "cannot derive <column>: <why>"


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
    rules = _label_rules_module(LABEL_RULES.read_text())
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


@functools.lru_cache(maxsize=4)
def _label_rules_module(source: str) -> Any:
    # compiled once per macro text: a bulk run renders the same rules for thousands of configs
    return jinja2.Environment().from_string(source).module


def _kv_heads(config: dict[str, Any], heads: int | None, mha_default: bool) -> int | None:
    if config.get("multi_query") is True and not config.get("new_decoder_architecture"):
        return 1  # Falcon, StarCoder: one KV head, whatever num_kv_heads says
    if config.get("multi_query_attention") is True and config.get("multi_query_group_num") is not None:
        return _whole(config, ("multi_query_group_num",))  # ChatGLM
    kv_heads = _whole(config, KV_HEADS_KEYS)
    if kv_heads is None and mha_default:
        return heads
    return kv_heads


def _labels(config: dict[str, Any], model_type: str, values: dict[str, Any], refused: dict[str, str]) -> None:
    """attention, ffn, activation, norm and the raw facts they rest on."""
    arch = ARCHITECTURES.get(model_type)
    known = "" if arch else " (not a model_type known to src/archrarity/config_labels.py)"
    readers: dict[str, Callable[[], Any]] = {
        "num_attention_heads": lambda: _whole(config, HEADS_KEYS),
        "kv_lora_rank": lambda: _whole(config, ("kv_lora_rank",)),
        "max_position_embeddings": lambda: _whole(config, POSITIONS_KEYS),
        "num_experts": lambda: _whole(config, EXPERTS_KEYS),
        "experts_per_token": lambda: _whole(config, EXPERTS_PER_TOKEN_KEYS),
    }
    for fact, read in readers.items():
        try:
            values[fact] = read()
        except ConfigError as error:
            refused[fact] = f"cannot derive {fact}: {error}"
    heads = values.get("num_attention_heads")
    try:
        values["num_key_value_heads"] = _kv_heads(config, heads, arch is not None and arch.mha_default)
    except ConfigError as error:
        refused["num_key_value_heads"] = f"cannot derive num_key_value_heads: {error}"
    act_found = _first(config, ACT_KEYS)
    values["hidden_act"] = str(act_found[1]) if act_found else None

    # attention and ffn, by the shared macros
    kv_heads = values.get("num_key_value_heads")
    experts = values.get("num_experts")
    broken = [refused[fact] for fact in ("num_attention_heads", "num_key_value_heads", "kv_lora_rank")
              if fact in refused]
    if "num_experts" in refused:
        refused["ffn"] = refused["num_experts"].replace("num_experts", "ffn", 1)
    elif experts is None and arch is not None and arch.moe:
        refused["ffn"] = (
            f"cannot derive ffn: config has no {' / '.join(EXPERTS_KEYS)} for model_type '{model_type}', "
            "which is a mixture of experts"
        )
    # a config without any expert count has one feed-forward block per layer
    attention, ffn = render_label_rules(
        heads, kv_heads, values.get("kv_lora_rank"), 1 if experts is None else experts
    )
    if arch is not None and arch.attention is not None:
        values["attention"] = arch.attention
    elif broken:
        refused["attention"] = "cannot derive attention: " + broken[0].split(": ", 1)[1]
    elif attention is None:
        if heads is None:
            missing = " / ".join(HEADS_KEYS)
        elif kv_heads is None:
            missing = " / ".join((*KV_HEADS_KEYS, "multi_query"))
        else:
            missing = f"consistent head counts ({heads} query heads, {kv_heads} KV heads)"
        refused["attention"] = (
            f"cannot derive attention: config has no {missing} for model_type '{model_type}'{known}"
        )
    else:
        values["attention"] = attention
    if "ffn" not in refused:
        if ffn is None:
            refused["ffn"] = f"cannot derive ffn from {experts!r} experts for model_type '{model_type}'"
        else:
            values["ffn"] = ffn

    # activation and norm, by the architecture tables
    if arch is None:
        reason = (
            f"model_type '{model_type}'{known}; "
            "add what its code does (gated MLP or not, RMSNorm or LayerNorm) to ARCHITECTURES there"
        )
        refused["activation"] = f"cannot derive activation and norm: {reason}"
        refused["norm"] = f"cannot derive activation and norm: {reason}"
        return
    values["norm"] = arch.norm
    act_name = values["hidden_act"] or arch.act
    if act_name is None:
        refused["activation"] = (
            f"cannot derive activation: config has no {' / '.join(ACT_KEYS)} for model_type '{model_type}'"
        )
        return
    activation = ACTIVATIONS[arch.mlp].get(act_name.lower())
    if activation is None:
        refused["activation"] = (
            f"cannot derive activation: {act_found[0] if act_found else 'activation'} = '{act_name}' "
            f"in the {arch.mlp} MLP of model_type '{model_type}' is not in ACTIVATIONS['{arch.mlp}']"
        )
    else:
        values["activation"] = activation


def derive_fields(raw_config: dict[str, Any]) -> Derivation:
    """Every catalog column the config decides, each refusal with its reason; never raises ConfigError."""
    config = flatten(raw_config)
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        reason = "config has no model_type, so its architecture is unknown"
        return Derivation({}, {field: f"cannot derive {field}: {reason}" for field in (*LABELS, *LAYOUT_FACTS)})
    values: dict[str, Any] = {}
    refused: dict[str, str] = {}
    _labels(config, model_type, values, refused)
    _layout_facts(config, model_type, values, refused)
    return Derivation(values, refused)


def derive(raw_config: dict[str, Any]) -> Derived:
    """The catalog's labels and facts for one config.json, or ConfigError naming every field it cannot derive."""
    derivation = derive_fields(raw_config)
    if derivation.refused:
        # one line per reason (activation and norm share theirs), labels first as before
        reasons = list(dict.fromkeys(derivation.refused[field] for field in _ORDER if field in derivation.refused))
        raise ConfigError("\n".join(reasons))
    return Derived(**{name: derivation.values.get(name) for name in Derived.__dataclass_fields__})


_ORDER = ("ffn", "attention", "activation", "norm", *FACTS, *LAYOUT_FACTS)


def read_config(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return value
