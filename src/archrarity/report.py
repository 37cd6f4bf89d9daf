"""Write the human-readable report of a built database: a chart, a markdown page, Parquet files.

Everything is read from the output tables (`rarity_scores`, `model_selection`,
`feature_weights`, `superseded_models`, and `selection_coverage` when it exists) through a
read-only connection, so the report shows exactly what BI tools and queries see. Nothing is
recomputed here.

The files are written into a scratch directory beside `out_dir` and moved into place only
once all of them were written: a failure leaves `out_dir` as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

#: The output tables exported as Parquet, in this order.
OUTPUT_TABLES = ("rarity_scores", "model_selection", "feature_weights", "superseded_models")
CHART_FILE = "rarity_scores.png"
SELECTION_FILE = "selection.md"
#: A chart group shows at most this many models by rank (plus every selected model).
CHART_GROUP_LIMIT = 60
#: Title of the chart group of the models outside every size category.
NO_SIZE_CLASS = "no size class"
#: selection.md lists at most this many superseded models (all of them are in the Parquet file).
SUPERSEDED_LIST_LIMIT = 500
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
#: Tier thresholds used when `settings` does not name them (the dbt vars' defaults).
DEFAULT_TIER_HIGH = 10.0
DEFAULT_TIER_MODERATE = 5.0

TIER_COLOURS = {"high": "#c0392b", "moderate": "#e67e22", "low": "#7f9fbf"}
OTHER_TIER_COLOUR = "#aaaaaa"

# Layout of the chart, in inches.
_BAR_HEIGHT_IN = 0.2
_GROUP_EXTRA_IN = 0.75
_LEGEND_IN = 1.3
_FIGURE_WIDTH_IN = 11.0
_DPI = 110
_MAX_PIXELS = 60_000  # Agg refuses images taller than 2**16 pixels


class ChartRow(NamedTuple):
    """One bar of the chart."""

    group: str
    model_id: str
    rarity_score: float
    rarity_tier: str
    is_baseline: bool
    selection_reason: str | None
    position: int  # 1-based place in the group's ranking (its rank_in_category in a category)


@dataclass(frozen=True)
class ChartGroup:
    """One panel of the chart: a size category, or the models outside every category."""

    name: str
    total: int  # scored models in the group
    shown: int  # bars drawn

    @property
    def left_out(self) -> int:
        return self.total - self.shown

    @property
    def title(self) -> str:
        noun = "model" if self.total == 1 else "models"
        if self.left_out == 0:
            return f"{self.name}: {self.total} {noun}"
        return (
            f"{self.name}: {self.shown} of {self.total} {noun} shown "
            f"(top {CHART_GROUP_LIMIT} by rank and every selected model); "
            f"{self.left_out} left out"
        )


# The group of each scored model, its position within the group (rank; for models outside
# every category, the same order the ranking uses), and the group's size. The limiting is done
# here, in SQL, so a table of millions of rows never reaches Python.
_CHART_SQL = f"""
with positioned as (
    select
        coalesce(size_category, '{NO_SIZE_CLASS}') as chart_group,
        size_category is null as outside_categories,
        model_id,
        rarity_score,
        rarity_tier,
        coalesce(is_baseline, false) as is_baseline,
        selection_reason,
        size_b,
        row_number() over (
            partition by size_category
            order by rank_in_category asc nulls last, rarity_score desc,
                release_date desc nulls last, model_id asc
        ) as position,
        count(*) over (partition by size_category) as group_total,
        min(size_b) over (partition by size_category) as group_min_size
    from rarity_scores
)
select
    chart_group, model_id, rarity_score, rarity_tier, is_baseline, selection_reason, position,
    group_total
from positioned
where position <= {CHART_GROUP_LIMIT} or selection_reason is not null
order by outside_categories, group_min_size, chart_group, position
"""


def chart_data(connection: duckdb.DuckDBPyConnection) -> tuple[list[ChartRow], list[ChartGroup]]:
    """The bars of the chart, in drawing order (top to bottom), and its groups."""
    fetched = connection.sql(_CHART_SQL).fetchall()
    rows: list[ChartRow] = []
    totals: dict[str, int] = {}
    shown: dict[str, int] = {}
    for group, model_id, score, tier, is_baseline, reason, position, total in fetched:
        rows.append(ChartRow(group, model_id, float(score), tier, bool(is_baseline), reason, int(position)))
        totals[group] = int(total)
        shown[group] = shown.get(group, 0) + 1
    groups = [ChartGroup(name, totals[name], shown[name]) for name in totals]
    return rows, groups


def chart_rows(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str, float]]:
    """The (group, model_id, rarity_score) of every bar the chart draws, in drawing order."""
    rows, _ = chart_data(connection)
    return [(row.group, row.model_id, row.rarity_score) for row in rows]


def _setting_float(settings: Mapping[str, object], name: str, default: float) -> float:
    value = settings.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"setting {name} must be a number, not {value!r}")
    return float(value)


def _slots(bars: Sequence[ChartRow]) -> tuple[list[int], list[tuple[int, int]]]:
    """The row of each bar, and (row, count) of the notes where models were left out between bars."""
    slots: list[int] = []
    gaps: list[tuple[int, int]] = []
    previous = 0
    for bar in bars:
        slot = slots[-1] + 1 if slots else 0
        if slots and bar.position > previous + 1:
            gaps.append((slot, bar.position - previous - 1))
            slot += 1
        slots.append(slot)
        previous = bar.position
    return slots, gaps


def draw_chart(
    rows: Sequence[ChartRow], groups: Sequence[ChartGroup], settings: Mapping[str, object]
) -> Figure:
    """Horizontal bars of rarity_score, one panel per group, coloured by tier."""
    tier_high = _setting_float(settings, "tier_high", DEFAULT_TIER_HIGH)
    tier_moderate = _setting_float(settings, "tier_moderate", DEFAULT_TIER_MODERATE)

    by_group: dict[str, list[ChartRow]] = {group.name: [] for group in groups}
    for row in rows:
        by_group[row.group].append(row)
    panels = [group for group in groups if by_group[group.name]]
    layouts = {group.name: _slots(by_group[group.name]) for group in panels}
    panel_heights = [_GROUP_EXTRA_IN + _BAR_HEIGHT_IN * (layouts[group.name][0][-1] + 1) for group in panels]

    height = _LEGEND_IN + sum(panel_heights)
    if not panels:
        height += 1.0
    figure = Figure(figsize=(_FIGURE_WIDTH_IN, height), dpi=min(_DPI, int(_MAX_PIXELS / height)))
    if not panels:
        figure.text(0.5, 0.5, "No scored model.", ha="center", va="center")
        return figure

    # room on the right for the "score  selected: reason" notes
    x_max = max(max(row.rarity_score for row in rows), tier_high) * 1.3
    grid = figure.add_gridspec(
        nrows=len(panels),
        ncols=1,
        height_ratios=panel_heights,
        top=1 - 0.75 / height,
        bottom=(_LEGEND_IN - 0.1) / height,
        left=0.22,
        right=0.97,
        # the gap between panels, as a fraction of the mean panel height
        hspace=0.6 / (sum(panel_heights) / len(panels)),
    )
    figure.suptitle(
        "Rarity score per scored model (higher = rarer architecture)", fontsize=12, y=1 - 0.2 / height
    )
    axes_list = []
    for index, group in enumerate(panels):
        axes = figure.add_subplot(grid[index, 0])
        axes.set_gid(group.name)
        bars = by_group[group.name]
        positions, gaps = layouts[group.name]
        containers = axes.barh(
            positions,
            [row.rarity_score for row in bars],
            height=0.75,
            color=[TIER_COLOURS.get(row.rarity_tier, OTHER_TIER_COLOUR) for row in bars],
            edgecolor=["black" if row.selection_reason else "none" for row in bars],
            linewidth=[1.2 if row.selection_reason else 0 for row in bars],
            hatch=["////" if row.is_baseline else None for row in bars],
        )
        for patch, row in zip(containers.patches, bars, strict=True):
            patch.set_gid(row.model_id)
        axes.set_yticks(positions, [row.model_id for row in bars], fontsize=8)
        for label, row in zip(axes.get_yticklabels(), bars, strict=True):
            if row.selection_reason:
                label.set_fontweight("bold")
        for position, row in zip(positions, bars, strict=True):
            note = f"{row.rarity_score:.2f}"
            if row.selection_reason:
                note += f"  selected: {row.selection_reason}"
            axes.text(
                row.rarity_score + x_max * 0.005,
                position,
                note,
                va="center",
                fontsize=7,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5},
            )
        for slot, left_out in gaps:
            axes.text(
                x_max * 0.01,
                slot,
                f"... {left_out} models not shown ...",
                va="center",
                fontsize=7,
                style="italic",
                color="#555555",
            )
        axes.set_ylim(positions[-1] + 0.6, -0.6)  # rank 1 on top
        axes.set_xlim(0, x_max)
        axes.axvline(tier_moderate, color="#555555", linestyle="--", linewidth=1)
        axes.axvline(tier_high, color="#555555", linestyle="-.", linewidth=1)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.set_title(group.title, loc="left", fontsize=10, fontweight="bold")
        axes.tick_params(axis="x", labelsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        axes_list.append(axes)
    axes_list[-1].set_xlabel("rarity_score = mean of the feature weights", fontsize=9)

    handles = [
        Patch(facecolor=TIER_COLOURS["high"], label=f"tier high (> {tier_high:g})"),
        Patch(
            facecolor=TIER_COLOURS["moderate"], label=f"tier moderate ({tier_moderate:g} to {tier_high:g})"
        ),
        Patch(facecolor=TIER_COLOURS["low"], label=f"tier low (< {tier_moderate:g})"),
        Patch(facecolor="white", edgecolor="black", linewidth=1.2, label="selected (bold name, outlined)"),
        Patch(facecolor="white", edgecolor="#555555", hatch="////", label="baseline (hatched)"),
        Line2D([], [], color="#555555", linestyle="--", label=f"tier_moderate = {tier_moderate:g}"),
        Line2D([], [], color="#555555", linestyle="-.", label=f"tier_high = {tier_high:g}"),
    ]
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=4,
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.1 / height),
    )
    return figure


def plotted_values(figure: Figure) -> list[tuple[str, str, float]]:
    """Read back the (group, model_id, bar length) of every bar drawn in `figure`."""
    values = []
    for axes in figure.axes:
        group = axes.get_gid()
        for container in axes.containers:
            for patch in container:
                values.append((group, patch.get_gid(), float(patch.get_width())))
    return values


# ---------------------------------------------------------------------------------------------
# selection.md


def _fmt(value: object, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal):
        return f"{value:.{digits}f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(_fmt(value) for value in row) + " |" for row in rows]
    return lines


def _relation_exists(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = connection.execute(
        """
        select count(*) from information_schema.tables
        where table_name = ? and table_schema = current_schema() and table_catalog = current_database()
        """,
        [name],
    ).fetchone()
    return bool(found and found[0])


def _weight_cell(weight: object, value: object) -> str:
    if weight is None:
        return ""
    return f"{_fmt(weight)} ({_fmt(value)})"


def _scalar(connection: duckdb.DuckDBPyConnection, query: str) -> Any:
    row = connection.sql(query).fetchone()
    return row[0] if row else None


def _dict_rows(connection: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    result = connection.sql(query)
    return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def _selection_section(connection: duckdb.DuckDBPyConnection) -> list[str]:
    has_ffn_weight = bool(_scalar(connection, "select count(weight_ffn) > 0 from rarity_scores"))
    categories = connection.sql(
        """
        select size_category, count(*), count(selection_reason)
        from rarity_scores
        where size_category is not null
        group by size_category
        order by min(size_b), size_category
        """
    ).fetchall()
    selected = _dict_rows(
        connection,
        """
        select selection.*, scores.ffn, scores.weight_attention, scores.weight_activation,
            scores.weight_norm, scores.weight_ffn, scores.weight_context
        from model_selection as selection
        left join rarity_scores as scores using (model_id)
        order by selection.size_category, selection.rank_in_category, selection.model_id
        """,
    )
    outside = _scalar(connection, "select count(*) from rarity_scores where size_category is null")

    features = [("attention", "attention_feature"), ("activation", "activation"), ("norm", "norm")]
    if has_ffn_weight:
        features.append(("ffn", "ffn"))
    features.append(("context", "context_window"))
    headers = ["rank", "model_id", "model", "score", "tier", *(name for name, _ in features), "reason"]

    lines = [
        "## Selected models",
        "",
        "Per size class: the rarest models by rarity_score, plus every baseline of the class. "
        "Each weight is shown with the model's value of the feature in parentheses; "
        "rarity_score is the mean of the weights.",
        "",
    ]
    if not categories:
        lines += ["No scored model falls in a size class: nothing is selected.", ""]
    for category, total, selected_count in categories:
        rows = [
            [
                row["rank_in_category"],
                row["model_id"],
                row["model_name"],
                row["rarity_score"],
                row["rarity_tier"],
                *(_weight_cell(row[f"weight_{name}"], row[column]) for name, column in features),
                row["selection_reason"],
            ]
            for row in selected
            if row["size_category"] == category
        ]
        lines += [
            f"### {category}",
            "",
            f"{selected_count} selected of {total} scored models in this class.",
            "",
            *(_md_table(headers, rows) if rows else ["No model selected."]),
            "",
        ]
    if outside:
        lines += [
            f"{outside} scored models fall in no size class: they are scored (see the chart and "
            "rarity_scores) but never selected by rarity.",
            "",
        ]
    return lines


def _coverage_section(connection: duckdb.DuckDBPyConnection) -> list[str]:
    if not _relation_exists(connection, "selection_coverage"):
        return []
    result = connection.sql("select * from selection_coverage order by all")
    headers = list(result.columns)
    rows = result.fetchall()
    lines = ["## Selection coverage", ""]
    lines.append("How much of each size class's feature values the selection covers (selection_coverage).")
    lines.append("")
    lines += _md_table(headers, rows) if rows else ["selection_coverage is empty."]
    lines.append("")
    return lines


def _superseded_section(connection: duckdb.DuckDBPyConnection) -> list[str]:
    total = int(_scalar(connection, "select count(*) from superseded_models") or 0)
    rows = connection.sql(
        f"""
        select model_id, family, size_b, version, release_date,
            superseded_by, superseded_by_version, superseded_by_release_date
        from superseded_models
        order by lower(family), size_b, model_id
        limit {SUPERSEDED_LIST_LIMIT}
        """
    ).fetchall()
    kept = connection.sql(
        """
        select model_id, family, size_b, version, superseded_by
        from rarity_scores
        where superseded_by is not null
        order by lower(family), size_b, model_id
        """
    ).fetchall()
    lines = ["## Superseded models", ""]
    lines.append(
        "Dropped by the latest-version filter: for each family and size only the newest version is scored."
    )
    lines.append("")
    if rows:
        lines += _md_table(
            SUPERSEDED_HEADERS,
            [[*row[:2], f"{row[2]:g}", *row[3:]] for row in rows],
        )
        if total > len(rows):
            lines += ["", f"... and {total - len(rows)} more: see superseded_models.parquet."]
    else:
        lines.append("No model was superseded.")
    lines.append("")
    if kept:
        lines += ["Baselines kept in the scored set although a newer version exists:", ""]
        lines += _md_table(
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
    return [*lines, *_md_table(["setting", "value"], rows), ""]


def selection_markdown(connection: duckdb.DuckDBPyConnection, settings: Mapping[str, object]) -> str:
    """The text of selection.md."""
    scored = _scalar(connection, "select count(*) from rarity_scores")
    lines = [
        "# Model selection by architectural rarity",
        "",
        f"{scored} models scored. Chart: {CHART_FILE}. "
        f"Full tables: {', '.join(f'{name}.parquet' for name in OUTPUT_TABLES)}.",
        "",
    ]
    lines += _selection_section(connection)
    lines += _coverage_section(connection)
    lines += _superseded_section(connection)
    lines += _settings_section(settings)
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# Writing


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_parquet(connection: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    connection.execute(f"copy (select * from {table}) to {_sql_string(str(path))} (format parquet)")


def _write_all(
    connection: duckdb.DuckDBPyConnection, out_dir: Path, settings: Mapping[str, object]
) -> list[str]:
    names = []
    rows, groups = chart_data(connection)
    figure = draw_chart(rows, groups, settings)
    figure.savefig(out_dir / CHART_FILE, metadata={"Software": None})
    names.append(CHART_FILE)

    (out_dir / SELECTION_FILE).write_text(selection_markdown(connection, settings), encoding="utf-8")
    names.append(SELECTION_FILE)

    for table in OUTPUT_TABLES:
        name = f"{table}.parquet"
        _write_parquet(connection, table, out_dir / name)
        names.append(name)
    return names


def _move_into_place(scratch: Path, out_dir: Path, names: Sequence[str]) -> None:
    """Move the finished files from `scratch` into `out_dir`.

    A new `out_dir` is the scratch directory renamed (atomic). An existing one keeps any other
    files it holds; each report file is replaced with an atomic rename.
    """
    if not out_dir.exists():
        os.replace(scratch, out_dir)
        return
    for name in names:
        os.replace(scratch / name, out_dir / name)


def write_reports(db_path: Path, out_dir: Path, settings: dict[str, object]) -> list[Path]:
    """Write the chart, selection.md and the Parquet exports of `db_path` into `out_dir`.

    The database is opened read-only. Returns the paths written, in `out_dir`.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"report directory {out_dir} exists and is not a directory")
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    scratch = parent / f"{out_dir.resolve().name}.tmp-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        with duckdb.connect(str(db_path), read_only=True) as connection:
            names = _write_all(connection, scratch, settings)
        _move_into_place(scratch, out_dir, names)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [out_dir / name for name in names]
