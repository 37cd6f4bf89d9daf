"""selection.md: per size class the selected models of each method side by side, the comparison
of the methods, the coverage, the superseded models and the settings."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from archrarity.report import queries
from archrarity.report.queries import METHOD_LABELS, Pick, Source

SELECTION_FILE = "selection.md"
SUPERSEDED_HEADERS = (
    "model_id",
    "family",
    "size_b",
    "version",
    "released",
    "replaced by",
    "its version",
    "its release",
)
COMPARISON_HEADERS = (
    "size class",
    "method",
    "selected",
    "traits covered",
    "traits in class",
    "trait share",
    "weight share",
    "identical pairs",
)


def fmt(value: object, digits: int = 4) -> str:
    """A table cell: numbers to `digits` decimals, lists comma-joined, pipes escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal):
        return f"{value:.{digits}f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(fmt(item, digits) for item in value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(fmt(value) for value in row) + " |" for row in rows]
    return lines


def weight_cell(weight: object, value: object) -> str:
    if weight is None:
        return ""
    return f"{fmt(weight)} ({fmt(value)})"


def share(value: object) -> str:
    return "" if value is None else f"{float(value):.1%}"  # type: ignore[arg-type]


def _one_method_rows(picks: Sequence[Pick], features: Sequence[queries.Feature]) -> list[list[object]]:
    return [
        [
            pick.rank_in_category,
            pick.model_id,
            pick.model_name,
            pick.rarity_score,
            pick.rarity_tier,
            *(weight_cell(pick.weights.get(f.name), pick.values.get(f.name)) for f in features),
            pick.reason,
        ]
        for pick in sorted(picks, key=lambda pick: (pick.rank_in_category or 0, pick.model_id))
    ]


def _side_by_side_rows(
    picks: Sequence[Pick], features: Sequence[queries.Feature], methods: Sequence[str]
) -> list[list[object]]:
    """One row per model either method picks, in rank order, with each method's cell."""
    by_model: dict[str, dict[str, Pick]] = {}
    for pick in picks:
        by_model.setdefault(pick.model_id, {})[pick.method] = pick
    rows = []
    for chosen in sorted(by_model.values(), key=lambda found: next(iter(found.values())).rank_in_category or 0):
        pick = next(iter(chosen.values()))
        cells: list[object] = [
            pick.rank_in_category,
            pick.model_id,
            pick.model_name,
            pick.rarity_score,
            pick.rarity_tier,
            *(weight_cell(pick.weights.get(f.name), pick.values.get(f.name)) for f in features),
        ]
        for method in methods:
            picked = chosen.get(method)
            if picked is None:
                cells.append("")
            elif picked.pick_order is not None:
                cells.append(f"#{picked.pick_order}")
            else:
                cells.append(picked.reason)
        coverage = chosen.get("coverage")
        cells.append(coverage.gain if coverage and coverage.pick_order is not None else None)
        cells.append(coverage.traits_added if coverage and coverage.pick_order is not None else None)
        rows.append(cells)
    return rows


def _selection_section(source: Source) -> list[str]:
    features = queries.weight_features(source)
    methods = queries.methods_present(source)
    chosen = queries.chosen_method(source)
    every_pick = queries.picks(source)
    categories = queries.categories(source)
    outside = queries.outside_categories(source)
    weight_headers = [f.name for f in features]

    if len(methods) > 1:
        lines = [
            "## Selected models",
            "",
            "Per size class, both selection methods side by side, with the same budget: **top N** "
            "(the note's method: the rarest models by rarity_score, plus every baseline) and "
            "**coverage** (the baselines, then greedy picks of the model adding the most weight of "
            "architecture traits not yet covered; #k is the pick order, gain the weight it added). "
            f"model_selection holds the {METHOD_LABELS.get(chosen, chosen)} selection. "
            "Each weight is shown with the model's value of the feature in parentheses; "
            "rarity_score is the mean of the weights.",
            "",
        ]
        headers = [
            "rank",
            "model_id",
            "model",
            "score",
            "tier",
            *weight_headers,
            *(METHOD_LABELS.get(method, method) for method in methods),
            "gain",
            "traits added",
        ]
    else:
        lines = [
            "## Selected models",
            "",
            "Per size class: the rarest models by rarity_score, plus every baseline of the class. "
            "Each weight is shown with the model's value of the feature in parentheses; "
            "rarity_score is the mean of the weights.",
            "",
        ]
        headers = ["rank", "model_id", "model", "score", "tier", *weight_headers, "reason"]
    if not categories:
        lines += ["No scored model falls in a size class: nothing is selected.", ""]
    for category in categories:
        in_category = [pick for pick in every_pick if pick.size_category == category.name]
        if len(methods) > 1:
            rows = _side_by_side_rows(in_category, features, methods)
            counts = ", ".join(
                f"{METHOD_LABELS.get(method, method)} {category.selected.get(method, 0)}" for method in methods
            )
            summary = f"{category.total} scored models in this class; selected: {counts}."
        else:
            rows = _one_method_rows(in_category, features)
            summary = (
                f"{category.selected.get(methods[0], 0)} selected of {category.total} scored models in this class."
            )
        lines += [
            f"### {category.name}",
            "",
            summary,
            "",
            *(md_table(headers, rows) if rows else ["No model selected."]),
            "",
        ]
    if outside:
        lines += [
            f"{outside} scored models fall in no size class: they are scored (see the chart and "
            "rarity_scores) but never selected.",
            "",
        ]
    return lines


def _comparison_section(source: Source) -> list[str]:
    rows = queries.comparison(source)
    if not rows:
        return []
    lines = [
        "## The methods compared",
        "",
        "Per size class and method (selection_comparison): how many of the class's architecture traits "
        "the selection covers (trait share), how much of their weight (weight share), and how many pairs "
        "of selected models share one identical signature.",
        "",
    ]
    lines += md_table(
        COMPARISON_HEADERS,
        [
            [
                row["size_category"],
                METHOD_LABELS.get(row["selection_method"], row["selection_method"]),
                row["n_selected"],
                row["traits_covered"],
                row["traits_in_category"],
                share(row["trait_share"]),
                share(row["weight_share"]),
                row["identical_signature_pairs"],
            ]
            for row in rows
        ],
    )
    return [*lines, ""]


def _coverage_section(source: Source) -> list[str]:
    headers, rows = queries.coverage_rows(source)
    if not headers:
        return []
    lines = ["## Selection coverage", ""]
    lines.append("How much of each size class's feature values the selection covers (selection_coverage).")
    lines.append("")
    lines += md_table(headers, rows) if rows else ["selection_coverage is empty."]
    lines.append("")
    return lines


def _superseded_section(source: Source) -> list[str]:
    rows, total = queries.superseded(source)
    kept = queries.kept_baselines(source)
    lines = ["## Superseded models", ""]
    lines.append("Dropped by the latest-version filter: for each family and size only the newest version is scored.")
    lines.append("")
    if rows:
        lines += md_table(SUPERSEDED_HEADERS, [[*row[:2], f"{row[2]:g}", *row[3:]] for row in rows])
        if total > len(rows):
            lines += ["", f"... and {total - len(rows)} more: see superseded_models.parquet."]
    else:
        lines.append("No model was superseded.")
    lines.append("")
    if kept:
        lines += ["Baselines kept in the scored set although a newer version exists:", ""]
        lines += md_table(
            ["model_id", "family", "size_b", "version", "newer version"],
            [[*row[:2], f"{row[2]:g}", *row[3:]] for row in kept],
        )
        lines.append("")
    return lines


def _settings_section(settings: Mapping[str, object]) -> list[str]:
    lines = ["## Settings used", ""]
    if not settings:
        return [*lines, "No settings given.", ""]
    rows = [[name, json.dumps(value, default=str)] for name, value in settings.items()]
    return [*lines, *md_table(["setting", "value"], rows), ""]


def selection_markdown(source: Source, settings: Mapping[str, object], files: Sequence[str]) -> str:
    """The text of selection.md; `files` names the other report files."""
    lines = [
        "# Model selection by architectural rarity",
        "",
        f"Scores of the {queries.catalog_currency(source)}: {queries.scored_count(source)} models scored. "
        f"Other files: {', '.join(files)}.",
        "",
    ]
    lines += _selection_section(source)
    lines += _comparison_section(source)
    lines += _coverage_section(source)
    lines += _superseded_section(source)
    lines += _settings_section(settings)
    return "\n".join(lines).rstrip("\n") + "\n"
