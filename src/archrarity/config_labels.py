"""Architecture labels and facts from a Hugging Face config.json: the mechanics only.

What each architecture's code does is data, in the seeds a user extends (docs/data_notes.md,
"Architecture rules"):

- seeds/architecture_rules.csv: one row per config `model_type` (gated MLP or not, norm and its
  placement, QK-norm, which layers are attention and which another mixer, windows, positions);
  a cell `config` means the config decides, by the mechanics below;
- seeds/architecture_config_values.csv: how a config key's value decides such a cell;
- seeds/architecture_layer_types.csv: what each value of a config's `layer_types` is;
- seeds/activation_functions.csv: the activation label of a config's hidden_act, by MLP kind;
- seeds/config_keys.csv: where configs keep each fact (for configs transformers does not know).

A config is read the way transformers reads it: its config class (transformers' CONFIG_MAPPING)
resolves attribute maps (`n_head` -> `num_attention_heads`), class defaults
(`tie_word_embeddings`), the language model's `text_config` of a multimodal config and the
per-layer `layer_types`. A model_type transformers does not know (remote code) is read as the
raw config. The rules that turn head counts into MHA/MQA/GQA/MLA and expert counts into MoE are
the Jinja macros of macros/label_rules.sql (shared with the dbt checks), rendered with plain
Jinja and evaluated in DuckDB. Nothing is guessed: a fact no rule decides is refused, naming it.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from archrarity import PROJECT_DIR

LABEL_RULES = PROJECT_DIR / "macros" / "label_rules.sql"
SEEDS = PROJECT_DIR / "seeds"
RULES_SEED = "architecture_rules.csv"

#: The catalog columns derive_fields() fills, in catalog order.
LABELS = ("attention", "ffn", "activation", "norm")
FACTS = ("num_attention_heads", "num_key_value_heads", "kv_lora_rank", "hidden_act",
         "max_position_embeddings", "num_experts", "experts_per_token")
LAYOUT_FACTS = ("attention_window", "sliding_window", "position_encoding", "qk_norm", "tie_word_embeddings",
                "num_hidden_layers", "hidden_size", "vocab_size", "model_type", "sequence_mixer", "norm_placement")
ATTENTION_KINDS = ("full", "windowed", "chunked", "sparse")
MODEL_TYPE = re.compile(r"[a-z0-9_]+")


class ConfigError(ValueError):
    """The config cannot be turned into labels; the message names what is missing."""


# ---------------------------------------------------------------------------------------------
# The seeds: what each architecture's code does


@dataclass(frozen=True)
class Rule:
    """One row of seeds/architecture_rules.csv (see docs/data_notes.md for each column)."""

    model_type: str
    attention: str  # 'config' (layer_types, then head counts) or a fixed label
    sequence_mixer: str  # the mixer of the non-attention layers ('none' if there are none)
    ffn: str  # 'config' (expert count), 'MoE' or 'dense'
    mlp: str  # 'gated' or 'plain'
    activation: str  # 'config' (hidden_act by mlp kind) or a fixed label
    default_hidden_act: str  # the code's activation when the config names none ('' if none)
    norm: str
    norm_placement: str
    qk_norm: str  # 'true', 'false' or 'config'
    attention_window: str  # a fixed label or 'config'
    window_key: str  # the config key of the window ('' = sliding_window)
    window_gate: str  # a config key that must be true for the window to apply
    position_encoding: str  # a fixed label or 'config'
    rope_layers: str  # with position_encoding 'config': the per-layer mechanism, if any
    mha_default: str  # 'true': as many KV heads as query heads unless the config says otherwise
    tie_word_embeddings_default: str  # only for model types transformers does not know
    source: str
    notes: str


RULE_COLUMNS = tuple(field.name for field in fields(Rule))


def _read_seed(name: str, seeds: Path) -> list[dict[str, str]]:
    with (seeds / name).open(newline="") as handle:
        return [{key: (value or "").strip() for key, value in entry.items()} for entry in csv.DictReader(handle)]


@dataclass(frozen=True)
class Knowledge:
    rules: dict[str, Rule]
    values: dict[tuple[str, str], list[tuple[str, dict[str, str]]]]  # (type, label) -> [(key, value -> label)]
    layer_types: dict[tuple[str, str], str]  # (type or '*', layer type) -> kind
    activations: dict[tuple[str, str], str]  # (mlp, hidden_act lower case) -> label
    config_keys: dict[str, tuple[str, ...]]  # fact -> keys, in order of preference


@functools.lru_cache(maxsize=4)
def _knowledge(seeds: Path, stamp: tuple[float, ...]) -> Knowledge:
    rules = {}
    for entry in _read_seed(RULES_SEED, seeds):
        rules[entry["model_type"]] = Rule(**{column: entry.get(column, "") for column in RULE_COLUMNS})
    values: dict[tuple[str, str], list[tuple[str, dict[str, str]]]] = {}
    for entry in _read_seed("architecture_config_values.csv", seeds):
        keyed = values.setdefault((entry["model_type"], entry["label"]), [])
        for key, mapping in keyed:
            if key == entry["config_key"]:
                mapping[entry["config_value"].lower()] = entry["value"]
                break
        else:
            keyed.append((entry["config_key"], {entry["config_value"].lower(): entry["value"]}))
    layer_types = {(entry["model_type"], entry["layer_type"]): entry["kind"]
                   for entry in _read_seed("architecture_layer_types.csv", seeds)}
    activations = {(entry["mlp"], entry["hidden_act"].lower()): entry["activation"]
                   for entry in _read_seed("activation_functions.csv", seeds)}
    config_keys: dict[str, list[str]] = {}
    for entry in _read_seed("config_keys.csv", seeds):
        config_keys.setdefault(entry["fact"], []).append(entry["config_key"])
    return Knowledge(rules, values, layer_types, activations, {k: tuple(v) for k, v in config_keys.items()})


SEED_FILES = (RULES_SEED, "architecture_config_values.csv", "architecture_layer_types.csv",
              "activation_functions.csv", "config_keys.csv")


def knowledge(seeds: Path | None = None) -> Knowledge:
    """The seeds as read now (re-read when a file changes)."""
    seeds = seeds or SEEDS
    return _knowledge(seeds, tuple((seeds / name).stat().st_mtime for name in SEED_FILES))


def missing_rule_message(model_type: str) -> str:
    return (
        f"model_type '{model_type}' has no row in seeds/{RULES_SEED}: add one saying what its code does, "
        f"with the columns {', '.join(RULE_COLUMNS)} (docs/data_notes.md, \"Architecture rules\", says what each "
        "holds; read them from the type's configuration_*.py and modeling_*.py)"
    )


# ---------------------------------------------------------------------------------------------
# Reading a config the way transformers does

_ABSENT = object()


class ConfigView:
    """A config.json as its transformers config class reads it (the language model of a multimodal one)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.model_type = raw.get("model_type")
        text_config = raw.get("text_config")
        self.flat = {**raw, **text_config} if isinstance(text_config, dict) else dict(raw)
        self.resolved: Any = None
        self.known = False
        if isinstance(self.model_type, str) and self.model_type:
            self.resolved, self.known = _resolve(raw, self.model_type)

    def get(self, key: str) -> Any:
        """The value of key (dotted for a nested config): the config class's, else the raw config's."""
        if self.resolved is not None:
            value: Any = self.resolved
            for part in key.split("."):
                try:
                    value = getattr(value, part, _ABSENT) if not isinstance(value, dict) else value.get(part, _ABSENT)
                except Exception:  # a per-layer attribute transformers will not give globally
                    value = _ABSENT
                if value is _ABSENT:
                    break
            if value is not _ABSENT:
                return value
        value = self.flat
        for part in key.split("."):
            value = value.get(part, _ABSENT) if isinstance(value, dict) else _ABSENT
        return value

    def first(self, keys: tuple[str, ...]) -> tuple[str, Any] | None:
        for key in keys:
            value = self.get(key)
            if value is not _ABSENT and value is not None:
                return key, value
        return None


def _resolve(raw: dict[str, Any], model_type: str) -> tuple[Any, bool]:
    """(the language model's config object, whether transformers knows the type)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers import CONFIG_MAPPING  # imported late: a second or two, and only where configs are read

    logging.getLogger("transformers").setLevel(logging.ERROR)
    if model_type not in CONFIG_MAPPING:
        return None, False
    try:
        config = CONFIG_MAPPING[model_type].from_dict({key: value for key, value in raw.items()})
    except Exception as error:  # a config its own class refuses
        raise ConfigError(f"transformers' {CONFIG_MAPPING[model_type].__name__} cannot read this config: {error}") \
            from None
    text = config.get_text_config(decoder=True)
    if hasattr(text, "allow_global_per_layer_attribute_access"):
        # heterogeneous configs (dots3 note): the config's own global value, as the checkpoint states it
        text.allow_global_per_layer_attribute_access = True
    return text, True


# ---------------------------------------------------------------------------------------------
# The mechanics


def _whole(view: ConfigView, keys: tuple[str, ...]) -> int | None:
    found = view.first(keys)
    if found is None:
        return None
    key, value = found
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 0:
        raise ConfigError(f"config has {key} = {value!r}, not a whole number")
    return int(value)


def _value_text(value: Any) -> str:
    if value is None or value is _ABSENT:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).lower()


def _by_config_value(known: Knowledge, view: ConfigView, model_type: str, label: str) -> str:
    """A `config` cell decided by a config key's value (seeds/architecture_config_values.csv)."""
    keyed = known.values.get((model_type, label))
    if not keyed:
        raise ConfigError(
            f"the rule of model_type '{model_type}' leaves {label} to the config, but "
            f"seeds/architecture_config_values.csv has no row saying which key decides it"
        )
    for key, mapping in keyed:
        text = _value_text(view.get(key))
        if text in mapping:
            return mapping[text]
        if text != "null" and "*" in mapping:  # any other value the key has
            return mapping["*"]
    tried = ", ".join(f"{key} = {_value_text(view.get(key))}" for key, _ in keyed)
    raise ConfigError(
        f"config has {tried}: no row of seeds/architecture_config_values.csv for model_type "
        f"'{model_type}' says what {label} that is"
    )


@dataclass(frozen=True)
class Layers:
    kinds: list[str] | None  # per layer: full, windowed, chunked, sparse, mixer, ffn or moe; None: one kind
    window: int | None  # the window windowed/chunked layers use; None: no window applies
    names: list[str] | None = None  # per layer, the config's own layer type


def _layers(known: Knowledge, view: ConfigView, rule: Rule) -> Layers:
    listed = view.get("layer_types")
    kinds: list[str] | None = None
    if isinstance(listed, list) and listed:
        kinds = []
        for entry in listed:
            layer_type = str(entry)
            kind = known.layer_types.get((rule.model_type, layer_type), known.layer_types.get(("*", layer_type)))
            if kind is None:
                raise ConfigError(
                    f"config's layer_types has '{layer_type}', which seeds/architecture_layer_types.csv does not "
                    f"name for model_type '{rule.model_type}' (add a row: {rule.model_type},{layer_type},KIND)"
                )
            kinds.append(kind)
    key = rule.window_key or "sliding_window"
    window = view.get(key)
    if window is _ABSENT:
        window = None
    if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 0):
        raise ConfigError(f"config has {key} = {window!r}, not a whole number of tokens")
    if not window or (rule.window_gate and view.get(rule.window_gate) is not True):
        window = None  # Qwen2-MoE writes 0 for "no window"
    return Layers(kinds, window, [str(entry) for entry in listed] if kinds is not None else None)


def _attention_layers(layers: Layers) -> list[str] | None:
    if layers.kinds is None:
        return None
    return [kind for kind in layers.kinds if kind in ATTENTION_KINDS]


def _attention_window(view: ConfigView, layers: Layers) -> tuple[str, int | None]:
    attention = _attention_layers(layers)
    if attention is None:  # no layer_types: the window, when set, applies to every layer
        windowed = [layers.window is not None]
    else:
        if any(kind == "sparse" for kind in attention):
            return "sparse", None
        windowed = [kind in ("windowed", "chunked") and layers.window is not None for kind in attention]
    longest = _whole(view, ("max_position_embeddings",))
    if layers.window is not None and longest is not None and layers.window >= longest:
        windowed = [False]  # a window as long as every sequence the model is built for never binds (Phi-3.5)
    if not any(windowed):
        return "global", None
    return ("sliding" if all(windowed) else "local-global"), layers.window


ROPE_MECHANISMS = ("no_rope_layers", "layer_rope_theta", "rope_parameters_per_layer_type", "sliding",
                   "sliding_when_windowed", "sliding_or_dense_prefix")


def _rope_flags(view: ConfigView, rule: Rule, layers: Layers) -> list[bool]:
    """Per attention layer: does the code apply rotary embeddings there? (rope_layers mechanisms)"""
    attention = _attention_layers(layers)
    if rule.rope_layers == "no_rope_layers":  # SmolLM3, Llama 4: 1 = rotary, 0 = none
        listed = view.get("no_rope_layers")
        if not isinstance(listed, list) or not listed or any(flag not in (0, 1) for flag in listed):
            raise ConfigError(f"config has no_rope_layers = {listed!r}, not a list of 0 and 1")
        return [bool(flag) for flag in listed]
    if rule.rope_layers == "layer_rope_theta":  # Granite SWA: a theta per layer, 0 = no rotary there
        listed = view.get("layer_rope_theta")
        if listed is None or listed is _ABSENT:
            return [True]
        if not isinstance(listed, list) or any(isinstance(theta, bool) or not isinstance(theta, int | float)
                                               for theta in listed):
            raise ConfigError(f"config has layer_rope_theta = {listed!r}, not a list of numbers")
        return [theta != 0 for theta in listed]
    if attention is None:
        raise ConfigError(f"rope_layers '{rule.rope_layers}' needs the config's layer_types, and it has none")
    windowed = [kind in ("windowed", "chunked") and layers.window is not None for kind in attention]
    if rule.rope_layers == "sliding":  # Command R7B: rotary only on the sliding layers
        return windowed
    if rule.rope_layers == "sliding_when_windowed":  # EXAONE 4: every layer without a window, else sliding only
        return [True] * len(windowed) if layers.window is None else windowed
    if rule.rope_layers == "sliding_or_dense_prefix":  # Command A+: sliding layers, and the dense prefix's
        prefix = _whole(view, ("first_k_dense_replace",)) or 0
        forced = view.get("prefix_dense_sliding_window_pattern") == 1
        indexes = [index for index, kind in enumerate(layers.kinds or []) if kind in ATTENTION_KINDS]
        return [is_windowed or (forced and index < prefix)
                for index, is_windowed in zip(indexes, windowed, strict=True)]
    if rule.rope_layers == "rope_parameters_per_layer_type":  # Beam: an entry None turns positions off
        parameters = view.get("rope_parameters")
        names = [name for name, kind in zip(layers.names or [], layers.kinds or [], strict=True)
                 if kind in ATTENTION_KINDS]
        if not isinstance(parameters, dict) or not set(names) & set(parameters):
            return [True] * len(names)  # one set of rotary parameters for every layer
        return [parameters.get(name) is not None for name in names]
    raise ConfigError(f"rope_layers '{rule.rope_layers}' of model_type '{rule.model_type}' is not a mechanism "
                      f"the project knows ({', '.join(ROPE_MECHANISMS)})")


def _position_encoding(known: Knowledge, view: ConfigView, rule: Rule, layers: Layers) -> str:
    if not rule.position_encoding:
        raise ConfigError(_undecided(rule, "position_encoding"))
    if rule.position_encoding != "config":
        return rule.position_encoding
    if not rule.rope_layers or (rule.model_type, "position_encoding") in known.values:
        return _by_config_value(known, view, rule.model_type, "position_encoding")
    rotary = _rope_flags(view, rule, layers)
    if all(rotary):
        return "RoPE"
    return "RoPE+NoPE" if any(rotary) else "none"


def _flag(known: Knowledge, view: ConfigView, rule: Rule, label: str) -> bool:
    cell = getattr(rule, label)
    if cell in ("true", "false"):
        return cell == "true"
    if cell != "config":
        raise ConfigError(_undecided(rule, label))
    return _by_config_value(known, view, rule.model_type, label) == "true"


def _undecided(rule: Rule, label: str) -> str:
    return (f"the rule of model_type '{rule.model_type}' (seeds/{RULES_SEED}) leaves {label} empty: its code decides "
            f"it in a way no rule describes{' (' + rule.notes + ')' if rule.notes else ''}; "
            f"give it by hand (--set {label}=VALUE)")


def _tie_word_embeddings(view: ConfigView, rule: Rule | None) -> bool:
    value = view.get("tie_word_embeddings")
    if value is _ABSENT and rule is not None and rule.tie_word_embeddings_default in ("true", "false"):
        return rule.tie_word_embeddings_default == "true"
    if isinstance(value, bool):
        return value
    if value is _ABSENT:
        where = ("its transformers config class has no default for it" if view.known
                 else f"transformers has no config class for model_type '{view.model_type}'")
        raise ConfigError(
            f"config has no tie_word_embeddings, {where}, and no rule gives a tie_word_embeddings_default"
        )
    raise ConfigError(f"config has tie_word_embeddings = {value!r}, not true or false")


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


def _kv_heads(view: ConfigView, known: Knowledge, heads: int | None, rule: Rule | None) -> int | None:
    if view.get("multi_query") is True and view.get("new_decoder_architecture") is not True:
        return 1  # Falcon, StarCoder: one KV head, whatever num_kv_heads says
    if view.get("multi_query_attention") is True and view.first(("multi_query_group_num",)) is not None:
        return _whole(view, ("multi_query_group_num",))  # ChatGLM
    kv_heads = _whole(view, known.config_keys["num_key_value_heads"])
    if kv_heads is None and rule is not None and rule.mha_default == "true":
        return heads
    return kv_heads


class _Derivation:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.refused: dict[str, str] = {}

    def attempt(self, field: str, compute: Callable[[], Any]) -> None:
        try:
            self.values[field] = compute()
        except ConfigError as error:
            self.refused[field] = f"cannot derive {field}: {error}"


def _facts(view: ConfigView, known: Knowledge, rule: Rule | None, out: _Derivation) -> None:
    keys = known.config_keys
    for fact in ("num_attention_heads", "kv_lora_rank", "max_position_embeddings", "num_experts",
                 "experts_per_token", "num_hidden_layers", "hidden_size", "vocab_size"):
        out.attempt(fact, functools.partial(_whole, view, keys[fact]))
    for fact in ("num_hidden_layers", "hidden_size", "vocab_size"):
        if fact in out.values and not out.values[fact]:
            del out.values[fact]
            out.refused[fact] = f"cannot derive {fact}: config has no {' / '.join(keys[fact])} > 0"
    out.attempt("num_key_value_heads", lambda: _kv_heads(view, known, out.values.get("num_attention_heads"), rule))
    act_found = view.first(keys["hidden_act"])
    out.values["hidden_act"] = str(act_found[1]) if act_found else None
    out.attempt("tie_word_embeddings", lambda: _tie_word_embeddings(view, rule))


def _labels(view: ConfigView, known: Knowledge, rule: Rule, out: _Derivation) -> None:
    values, refused = out.values, out.refused
    try:
        layers = _layers(known, view, rule)
    except ConfigError as error:
        layers = None
        layer_error = str(error)
    kinds = layers.kinds if layers is not None and layers.kinds is not None else []
    has_mixer = "mixer" in kinds
    has_attention = any(kind in ATTENTION_KINDS for kind in kinds) or not kinds

    # attention and ffn: fixed by the rule, else by the shared macros
    heads, kv_heads, experts = (values.get(fact) for fact in ("num_attention_heads", "num_key_value_heads",
                                                              "num_experts"))
    attention, ffn = render_label_rules(heads, kv_heads, values.get("kv_lora_rank"), 1 if experts is None else experts)
    if rule.attention != "config":
        values["attention"] = rule.attention
        values["sequence_mixer"] = rule.sequence_mixer
    elif layers is None:
        refused["attention"] = f"cannot derive attention: {layer_error}"
        refused["sequence_mixer"] = f"cannot derive sequence_mixer: {layer_error}"
    elif has_mixer and has_attention:
        values["attention"], values["sequence_mixer"] = "Hybrid", rule.sequence_mixer
    elif has_mixer:
        refused["attention"] = (f"cannot derive attention: every layer of this config is a {rule.sequence_mixer} "
                                f"layer, and the rule of model_type '{rule.model_type}' names no attention for that")
        values["sequence_mixer"] = rule.sequence_mixer
    else:
        values["sequence_mixer"] = "none"
        broken = [refused[fact] for fact in ("num_attention_heads", "num_key_value_heads", "kv_lora_rank")
                  if fact in refused]
        if broken:
            refused["attention"] = "cannot derive attention: " + broken[0].split(": ", 1)[1]
        elif attention is None:
            keys = known.config_keys
            missing = (" / ".join(keys["num_attention_heads"]) if heads is None
                       else " / ".join((*keys["num_key_value_heads"], "multi_query")) if kv_heads is None
                       else f"consistent head counts ({heads} query heads, {kv_heads} KV heads)")
            refused["attention"] = (f"cannot derive attention: config has no {missing} "
                                    f"for model_type '{rule.model_type}'")
        else:
            values["attention"] = attention
    if rule.ffn in ("MoE", "dense"):
        values["ffn"] = rule.ffn
    elif (rule.model_type, "ffn") in known.values:  # a switch decides (Gemma 4's enable_moe_block)
        out.attempt("ffn", lambda: _by_config_value(known, view, rule.model_type, "ffn"))
    elif "moe" in kinds or "ffn" in kinds:  # the layer list says which layers route to experts (Nemotron-H)
        values["ffn"] = "MoE" if "moe" in kinds else "dense"
    elif "num_experts" in refused:
        refused["ffn"] = refused["num_experts"].replace("num_experts", "ffn", 1)
    elif ffn is None:
        refused["ffn"] = f"cannot derive ffn from {experts!r} experts for model_type '{rule.model_type}'"
    else:
        values["ffn"] = ffn

    # activation, norm and its placement
    for label in ("norm", "norm_placement"):
        if getattr(rule, label) == "config":
            out.attempt(label, functools.partial(_by_config_value, known, view, rule.model_type, label))
        elif getattr(rule, label):
            values[label] = getattr(rule, label)
        else:
            refused[label] = f"cannot derive {label}: {_undecided(rule, label)}"
    if not rule.activation:
        refused["activation"] = f"cannot derive activation: {_undecided(rule, 'activation')}"
    elif rule.activation != "config":
        values["activation"] = rule.activation
    else:
        act_name = values.get("hidden_act") or rule.default_hidden_act
        if not act_name:
            keys = " / ".join(known.config_keys["hidden_act"])
            refused["activation"] = f"cannot derive activation: config has no {keys} for model_type '{rule.model_type}'"
        else:
            label = known.activations.get((rule.mlp, act_name.lower()))
            if label is None:
                refused["activation"] = (
                    f"cannot derive activation: hidden_act '{act_name}' in the {rule.mlp} MLP of model_type "
                    f"'{rule.model_type}' is in no row of seeds/activation_functions.csv "
                    f"(add: {rule.mlp},{act_name},LABEL)"
                )
            else:
                values["activation"] = label

    # windows, positions, QK-norm
    if layers is None:
        for field in ("attention_window", "sliding_window", "position_encoding"):
            refused[field] = f"cannot derive {field}: {layer_error}"
    elif not rule.attention_window:
        for field in ("attention_window", "sliding_window"):
            refused[field] = f"cannot derive {field}: {_undecided(rule, 'attention_window')}"
        out.attempt("position_encoding", lambda: _position_encoding(known, view, rule, layers))
    else:
        if rule.attention_window != "config":
            values["attention_window"], values["sliding_window"] = rule.attention_window, None
            if rule.attention_window in ("sliding", "local-global"):
                values["sliding_window"] = layers.window
        else:
            try:
                values["attention_window"], values["sliding_window"] = _attention_window(view, layers)
            except ConfigError as error:
                for field in ("attention_window", "sliding_window"):
                    refused[field] = f"cannot derive {field}: {error}"
        out.attempt("position_encoding", lambda: _position_encoding(known, view, rule, layers))
    out.attempt("qk_norm", lambda: _flag(known, view, rule, "qk_norm"))


@dataclass(frozen=True)
class Derivation:
    """Every catalog column one config.json decides, and why each other one could not be derived."""

    values: dict[str, Any]  # column -> value; None where the config says there is none (no kv_lora_rank)
    refused: dict[str, str]  # column -> "cannot derive <column>: <why>"


RULED = ("attention", "ffn", "activation", "norm", "attention_window", "sliding_window", "position_encoding",
         "qk_norm", "sequence_mixer", "norm_placement")


def derive_fields(raw_config: dict[str, Any], seeds: Path | None = None) -> Derivation:
    """Every catalog column the config decides, each refusal with its reason; never raises ConfigError."""
    known = knowledge(seeds)
    model_type = raw_config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        reason = "config has no model_type, so its architecture is unknown"
        return Derivation({}, {field: f"cannot derive {field}: {reason}" for field in (*LABELS, *LAYOUT_FACTS)})
    out = _Derivation()
    if MODEL_TYPE.fullmatch(model_type):
        out.values["model_type"] = model_type
    else:  # an old remote-code name (falcon-7b's first RefinedWebModel): the rule still applies
        out.refused["model_type"] = (f"cannot derive model_type: the config's model_type '{model_type}' is not of "
                                     "the catalog's form [a-z0-9_]+ (an old remote-code name?)")
    try:
        view = ConfigView(raw_config)
    except ConfigError as error:
        return Derivation({}, {field: f"cannot derive {field}: {error}" for field in (*LABELS, *LAYOUT_FACTS)})
    rule = known.rules.get(model_type)
    _facts(view, known, rule, out)
    if rule is None:  # one message for every label the rule would decide
        reason = f"cannot derive {', '.join(RULED)}: {missing_rule_message(model_type)}"
        for field in RULED:
            out.refused[field] = reason
    else:
        _labels(view, known, rule, out)
    return Derivation(out.values, out.refused)


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
    model_type: str | None = None
    sequence_mixer: str | None = None
    norm_placement: str | None = None


_ORDER = ("ffn", "attention", "activation", "norm", *FACTS, *LAYOUT_FACTS)


def derive(raw_config: dict[str, Any]) -> Derived:
    """The catalog's labels and facts for one config.json, or ConfigError naming every field it cannot derive."""
    derivation = derive_fields(raw_config)
    if derivation.refused:
        reasons = list(dict.fromkeys(derivation.refused[field] for field in _ORDER if field in derivation.refused))
        raise ConfigError("\n".join(reasons))
    return Derived(**{name: derivation.values.get(name) for name in Derived.__dataclass_fields__})


def read_config(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return value
