"""Yardstick B: the note implemented in plain pandas, the way its author would in a notebook.

    .venv/bin/python bench/pandas_notebook.py CATALOG.parquet OUT_DIR

Stands alone (pandas and pyarrow from bench/requirements-bench.txt; no project code, no
DuckDB). Reads the Parquet catalog, checks every row (required values, numbers, dates not in
the future, labels in seeds/vocabulary.csv or an alias in seeds/vocabulary_aliases.csv,
model_id pattern and uniqueness, version dotted numbers), then computes with the default
settings and no baselines: rarity_scores, model_selection, feature_weights, superseded_models,
selection_picks (top_n and the coverage greedy), selection_comparison, selection_coverage, and
writes each as OUT_DIR/<name>.parquet. bench/run.py times it as a whole process.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TOP_N = 5
SIZE_CATEGORIES = {"~8B": (7, 20), "~70B": (32, 70)}

catalog_path, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
out_dir.mkdir(parents=True, exist_ok=True)

# %% read
CATALOG_COLUMNS = [
    "model_id", "model_name", "family", "version", "size_b", "release_date", "attention", "ffn", "activation",
    "norm", "context_window", "total_params_b", "active_params_b", "num_attention_heads", "num_key_value_heads",
    "kv_lora_rank", "hidden_act", "max_position_embeddings", "num_experts", "experts_per_token", "source_url",
    "attention_window", "sliding_window", "position_encoding", "qk_norm", "tie_word_embeddings",
    "num_hidden_layers", "hidden_size", "vocab_size", "model_type", "sequence_mixer", "norm_placement",
]  # fmt: skip
df = pd.read_parquet(catalog_path)
df["source_row"] = np.arange(1, len(df) + 1)

# %% vocabulary: canonical values and aliases, matched case-insensitively
vocabulary = pd.read_csv(SEEDS / "vocabulary.csv", dtype=str)
aliases = pd.read_csv(SEEDS / "vocabulary_aliases.csv", dtype=str)
canonical: dict[str, dict[str, str | None]] = {}
for row in vocabulary.itertuples():
    canonical.setdefault(row.feature, {})[row.value.lower()] = row.value
for row in aliases.itertuples():
    value = None if pd.isna(row.value) else canonical[row.feature][row.value.lower()]
    canonical.setdefault(row.feature, {})[row.alias.lower()] = value  # None: refused (it has a hint)
common_attention = set(vocabulary.loc[vocabulary["is_common_attention"] == "true", "value"])

# %% check every row
problems: list[str] = []
# a catalog may leave out any optional column (SPEC): absent is empty, as the project reads it
for column in CATALOG_COLUMNS:
    if column not in df:
        df[column] = pd.NA
for column in ["model_id", "model_name", "family", "version", "hidden_act", "source_url", "model_type"]:
    df[column] = df[column].astype("string").str.strip().replace("", pd.NA)
for column in ["model_id", "model_name", "family", "version"]:
    for row in df.loc[df[column].isna(), "source_row"]:
        problems.append(f"row {row}: {column} is required")

bad = df["model_id"].notna() & ~df["model_id"].str.fullmatch(r"[a-z0-9][a-z0-9._-]*").fillna(False)
problems += [f"row {r.source_row}: model_id {r.model_id!r} is not [a-z0-9][a-z0-9._-]*" for r in df[bad].itertuples()]
bad = df["version"].notna() & ~df["version"].str.fullmatch(r"\d+(\.\d+)*").fillna(False)
problems += [f"row {r.source_row}: version {r.version!r} is not dotted numbers" for r in df[bad].itertuples()]
repeated = df[df["model_id"].duplicated(keep=False) & df["model_id"].notna()]
problems += [f"model_id {model_id!r} appears on {len(rows)} rows" for model_id, rows in repeated.groupby("model_id")]

for column, required in [
    ("attention", True), ("ffn", True), ("activation", True), ("norm", True),
    ("attention_window", False), ("position_encoding", False), ("qk_norm", False), ("tie_word_embeddings", False),
    ("sequence_mixer", False), ("norm_placement", False),
]:  # fmt: skip
    if column not in df:
        df[column] = pd.NA
    raw = df[column].astype("string").str.strip().replace("", pd.NA)
    df[column] = raw.str.lower().map(canonical[column])
    for r in df[raw.isna()].itertuples() if required else []:
        problems.append(f"row {r.source_row}: {column} is required")
    unknown = raw.notna() & df[column].isna()
    for row, value in zip(df.loc[unknown, "source_row"], raw[unknown], strict=True):
        problems.append(f"row {row}: {column} = {value!r} is not in the vocabulary")
df["qk_norm"] = df["qk_norm"].map({"true": True, "false": False})
df["tie_word_embeddings"] = df["tie_word_embeddings"].map({"true": True, "false": False})

for column, whole, required in [
    ("size_b", False, True), ("total_params_b", False, False), ("active_params_b", False, False),
    ("context_window", True, True), ("num_attention_heads", True, False), ("num_key_value_heads", True, False),
    ("kv_lora_rank", True, False), ("max_position_embeddings", True, False), ("num_experts", True, False),
    ("experts_per_token", True, False), ("sliding_window", True, False), ("num_hidden_layers", True, False),
    ("hidden_size", True, False), ("vocab_size", True, False),
]:  # fmt: skip
    if column not in df:
        df[column] = np.nan
    number = pd.to_numeric(df[column], errors="coerce").astype("float64")
    ok = np.isfinite(number) & (number > 0)
    if whole:
        ok &= number == np.floor(number)
    given = df[column].notna()
    for row in df.loc[(given & ~ok) | (~given & required), "source_row"]:
        problems.append(f"row {row}: {column} is not a positive {'whole ' if whole else ''}number")
    df[column] = number.where(ok).astype("Int64" if whole else "float64")

release = pd.to_datetime(df["release_date"], errors="coerce")
for row in df.loc[release.isna() | (release > pd.Timestamp(date.today())), "source_row"]:
    problems.append(f"row {row}: release_date is missing, not a date, or in the future")
df["release_date"] = release

if problems:
    raise SystemExit(f"{len(problems)} problem(s) in the catalog:\n" + "\n".join(problems[:50]))

# %% step 1: latest version per (family, size_b); 3.10 > 3.9, 3 == 3.0
df["family_key"] = df["family"].str.lower()
df["version_key"] = (
    df["version"].str.replace(r"(\.0+)+$", "", regex=True).str.split(".").map(lambda s: tuple(map(int, s)))
)
df = df.sort_values(
    ["family_key", "size_b", "version_key", "release_date", "model_id"], ascending=[True, True, False, False, True]
)
is_latest = ~df.duplicated(["family_key", "size_b"], keep="first")
scored = df[is_latest].copy()
newest = scored[["family_key", "size_b", "model_id", "version", "release_date"]].rename(
    columns={
        "model_id": "superseded_by",
        "version": "superseded_by_version",
        "release_date": "superseded_by_release_date",
    }
)
superseded = df[~is_latest].merge(newest, on=["family_key", "size_b"])
superseded = superseded[
    ["model_id", "model_name", "family", "size_b", "version", "release_date", "superseded_by",
     "superseded_by_version", "superseded_by_release_date"]
]  # fmt: skip

# %% step 2: weights
scored["attention_feature"] = scored["attention"].where(
    ~((scored["ffn"] == "MoE") & scored["attention"].isin(common_attention)), "MoE"
)
n = len(scored)
for feature, column in [("attention", "attention_feature"), ("activation", "activation"), ("norm", "norm")]:
    scored[f"weight_{feature}"] = n / scored[column].map(scored[column].value_counts())
scored["weight_context"] = (
    scored["context_window"].astype("float64") / scored["context_window"].max() * scored["attention_feature"].nunique()
)

# %% step 3: score and tier
scored["rarity_score"] = (
    scored["weight_attention"] + scored["weight_activation"] + scored["weight_norm"] + scored["weight_context"]
) / 4
scored["rarity_tier"] = np.select(
    [scored["rarity_score"] > 10, scored["rarity_score"] >= 5], ["high", "moderate"], "low"
)
for feature in ["ffn", "attention_window", "position_encoding", "qk_norm", "tie_word_embeddings", "sequence_mixer",
                "norm_placement"]:
    scored[f"weight_{feature}"] = np.nan  # not scored with the default settings
band = 2 ** np.ceil(np.log2(scored["context_window"].astype("float64")))
scored["context_band"] = band.astype("int64")

# %% step 4: size category, rank, top N
scored["size_category"] = None
for category, (low, high) in SIZE_CATEGORIES.items():
    scored.loc[scored["size_b"].between(low, high), "size_category"] = category
scored = scored.sort_values(["rarity_score", "release_date", "model_id"], ascending=[False, False, True])
scored["rank_in_category"] = scored.groupby("size_category").cumcount() + 1
scored.loc[scored["size_category"].isna(), "rank_in_category"] = np.nan
scored["rank_in_category"] = scored["rank_in_category"].astype("Int64")
scored["is_baseline"] = False
scored["selection_method"] = "top_n"
scored["selection_reason"] = np.where((scored["rank_in_category"] <= TOP_N).fillna(False), "rarity", None)
scored["pick_order"] = pd.array([pd.NA] * n, dtype="Int64")
scored["gain"] = np.nan
scored["traits_added"] = None
scored["superseded_by"] = None
scored["signature"] = (
    "attention=" + scored["attention_feature"] + ", activation=" + scored["activation"] + ", norm=" + scored["norm"]
    + ", context_band=" + scored["context_band"].astype(str)
)  # fmt: skip

feature_weights = pd.concat(
    [
        scored[column].value_counts().rename_axis("value").reset_index(name="model_count").assign(feature=feature)
        for feature, column in [("attention", "attention_feature"), ("activation", "activation"), ("norm", "norm")]
    ]
)
feature_weights["n_models"] = n
feature_weights["weight"] = n / feature_weights["model_count"]

# %% step 4, coverage: greedy over traits, the same budget as top N
traits = ["attention_feature", "activation", "norm", "context_band"]
trait_name = {
    "attention_feature": "attention",
    "activation": "activation",
    "norm": "norm",
    "context_band": "context_band",
}
weight = {
    (trait_name[column], str(value)): n / count
    for column in traits
    for value, count in scored[column].value_counts().items()
}
picks = []
for _category, models in scored[scored["size_category"].notna()].groupby("size_category"):
    budget = int((models["selection_reason"].notna()).sum())
    covered: set[tuple[str, str]] = set()
    chosen: set[str] = set()
    picked_signatures: set[str] = set()
    # the models are in tie order (score, release, id): each signature's first unpicked one is its candidate
    candidates = models.groupby("signature", sort=False).head(TOP_N)
    for pick_order in range(1, budget + 1):
        best = None
        for model in candidates[~candidates["model_id"].isin(chosen)].drop_duplicates("signature").itertuples():
            model_traits = [(trait_name[column], str(getattr(model, column))) for column in traits]
            gain = round(sum(weight[trait] for trait in model_traits if trait not in covered), 9)
            key = (-gain, model.signature in picked_signatures, -model.rarity_score, -model.release_date.value,
                   model.model_id)  # fmt: skip
            if best is None or key < best[0]:
                best = (key, model, model_traits, gain)
        if best is None:
            break
        _, model, model_traits, gain = best
        added = ", ".join(f"{f}={v}" for f, v in model_traits if (f, v) not in covered) or None
        picks.append({"model_id": model.model_id, "pick_order": pick_order, "gain": gain, "traits_added": added})
        covered.update(model_traits)
        chosen.add(model.model_id)
        picked_signatures.add(model.signature)

pick_columns = [
    "selection_method", "size_category", "model_id", "model_name", "rank_in_category", "rarity_score",
    "rarity_tier", "is_baseline", "selection_reason", "pick_order", "gain", "traits_added", "signature",
]  # fmt: skip
top_n_picks = scored[scored["selection_reason"].notna()]
coverage_picks = scored.drop(columns=["pick_order", "gain", "traits_added"]).merge(pd.DataFrame(picks), on="model_id")
coverage_picks["selection_method"] = "coverage"
coverage_picks["selection_reason"] = "coverage"
selection_picks = pd.concat([top_n_picks[pick_columns], coverage_picks[pick_columns]])

# %% how each method covers its category's traits
categorised = scored[scored["size_category"].notna()]
category_traits = pd.concat(
    [
        categorised[["size_category", column]].drop_duplicates()
        .rename(columns={column: "value"}).assign(feature=trait_name[column], value=lambda d: d["value"].astype(str))
        for column in traits
    ]
)  # fmt: skip
category_traits["weight"] = [
    weight[(f, v)] for f, v in zip(category_traits["feature"], category_traits["value"], strict=True)
]
rows = []
for method, selected in selection_picks.groupby("selection_method"):
    selected_models = scored[scored["model_id"].isin(selected["model_id"])]
    covered_traits = {
        (category, trait_name[column], str(value))
        for column in traits
        for category, value in zip(selected_models["size_category"], selected_models[column], strict=True)
    }
    method_traits = category_traits.assign(selection_method=method)
    method_traits["is_covered"] = [
        (c, f, v) in covered_traits
        for c, f, v in zip(
            method_traits["size_category"], method_traits["feature"], method_traits["value"], strict=True
        )
    ]
    rows.append(method_traits)
coverage = pd.concat(rows)

comparison = (
    coverage.groupby(["size_category", "selection_method"])
    .apply(
        lambda g: pd.Series(
            {
                "traits_in_category": len(g),
                "traits_covered": int(g["is_covered"].sum()),
                "trait_share": g["is_covered"].sum() / len(g),
                "weight_share": g.loc[g["is_covered"], "weight"].sum() / g["weight"].sum(),
            }
        )
    )
    .reset_index()
)
signature_counts = selection_picks.groupby(["size_category", "selection_method", "signature"]).size()
pairs = (signature_counts * (signature_counts - 1) // 2).groupby(["size_category", "selection_method"]).sum()
comparison = comparison.merge(
    pd.DataFrame(
        {
            "n_selected": selection_picks.groupby(["size_category", "selection_method"]).size(),
            "identical_signature_pairs": pairs,
        }
    ).reset_index(),
    on=["size_category", "selection_method"],
    how="left",
)
comparison[["n_selected", "identical_signature_pairs"]] = comparison[
    ["n_selected", "identical_signature_pairs"]
].fillna(0)

selection_coverage = (
    coverage.groupby(["size_category", "selection_method", "feature"])
    .apply(
        lambda g: pd.Series(
            {
                "values_in_category": len(g),
                "values_selected": int(g["is_covered"].sum()),
                "share_covered": g["is_covered"].sum() / len(g),
                "values_uncovered": ", ".join(sorted(g.loc[~g["is_covered"], "value"])) or None,
            }
        )
    )
    .reset_index()
)

# %% write
rarity_columns = [
    *CATALOG_COLUMNS,
    "attention_feature", "weight_attention", "weight_activation", "weight_norm", "weight_ffn",
    "weight_attention_window", "weight_position_encoding", "weight_qk_norm", "weight_tie_word_embeddings",
    "weight_sequence_mixer",
    "weight_norm_placement", "weight_context", "rarity_score", "rarity_tier", "context_band", "size_category",
    "rank_in_category", "is_baseline", "selection_method", "selection_reason", "pick_order", "gain", "traits_added",
    "superseded_by",
]  # fmt: skip
selection_columns = [
    "size_category", "rank_in_category", "model_id", "model_name", "family", "size_b", "attention_feature",
    "activation", "norm", "context_window", "rarity_score", "rarity_tier", "is_baseline", "selection_method",
    "selection_reason", "pick_order", "gain", "traits_added",
]  # fmt: skip
outputs = {
    "rarity_scores": scored[rarity_columns],
    "model_selection": scored.loc[scored["selection_reason"].notna(), selection_columns],
    "feature_weights": feature_weights[["feature", "value", "model_count", "n_models", "weight"]],
    "superseded_models": superseded,
    "selection_picks": selection_picks,
    "selection_comparison": comparison,
    "selection_coverage": selection_coverage,
}
for name, frame in outputs.items():
    frame.to_parquet(out_dir / f"{name}.parquet", index=False)
print(f'{{"rows": {len(df)}, "scored": {n}}}')
