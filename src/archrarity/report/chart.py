"""rarity_scores.png: every scored model's score as a bar, grouped by size class.

Bars are coloured by tier; baselines are hatched; the picks of each selection method get their
own marker in a gutter left of the bars (a black square for top N, a purple diamond for
coverage), so neither method's picks stand out more than the other's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from archrarity.report.queries import METHOD_LABELS, ChartGroup, ChartRow

CHART_FILE = "rarity_scores.png"
#: Tier thresholds used when `settings` does not name them (the dbt vars' defaults).
DEFAULT_TIER_HIGH = 10.0
DEFAULT_TIER_MODERATE = 5.0

TIER_COLOURS = {"high": "#c0392b", "moderate": "#e67e22", "low": "#7f9fbf"}
OTHER_TIER_COLOUR = "#aaaaaa"
#: The marker of each method's picks: (matplotlib marker, colour), in gutter order.
METHOD_MARKERS = {"top_n": ("s", "#111111"), "coverage": ("D", "#6a3d9a")}

# Layout of the chart, in inches.
_BAR_HEIGHT_IN = 0.2
_GROUP_EXTRA_IN = 0.75
_LEGEND_IN = 1.5
_FIGURE_WIDTH_IN = 11.0
_DPI = 110
_MAX_PIXELS = 60_000  # Agg refuses images taller than 2**16 pixels
_GUTTER = 0.07  # share of the x range left of 0 for the pick markers


def setting_float(settings: Mapping[str, object], name: str, default: float) -> float:
    value = settings.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"setting {name} must be a number, not {value!r}")
    return float(value)


def slots(bars: Sequence[ChartRow]) -> tuple[list[int], list[tuple[int, int]]]:
    """The row of each bar, and (row, count) of the notes where models were left out between bars."""
    placed: list[int] = []
    gaps: list[tuple[int, int]] = []
    previous = 0
    for bar in bars:
        slot = placed[-1] + 1 if placed else 0
        if placed and bar.position > previous + 1:
            gaps.append((slot, bar.position - previous - 1))
            slot += 1
        placed.append(slot)
        previous = bar.position
    return placed, gaps


def pick_note(row: ChartRow) -> str:
    """How the methods picked this model, e.g. "top N: rarity; coverage #2 (+12.00)"."""
    parts = []
    for method in row.methods:
        if method == "top_n":
            parts.append(f"top N: {row.top_n_reason}" if row.top_n_reason else "top N")
        elif method == "coverage" and row.coverage_order is None:
            parts.append("coverage: baseline")
        elif method == "coverage":
            gain = "" if row.coverage_gain is None else f" (+{row.coverage_gain:.2f})"
            parts.append(f"coverage #{row.coverage_order}{gain}")
        else:
            parts.append(method)
    if not parts and row.selection_reason:
        parts.append(f"selected: {row.selection_reason}")
    return "; ".join(parts)


def draw_chart(rows: Sequence[ChartRow], groups: Sequence[ChartGroup], settings: Mapping[str, object]) -> Figure:
    """Horizontal bars of rarity_score, one panel per group, coloured by tier."""
    tier_high = setting_float(settings, "tier_high", DEFAULT_TIER_HIGH)
    tier_moderate = setting_float(settings, "tier_moderate", DEFAULT_TIER_MODERATE)

    by_group: dict[str, list[ChartRow]] = {group.name: [] for group in groups}
    for row in rows:
        by_group[row.group].append(row)
    panels = [group for group in groups if by_group[group.name]]
    layouts = {group.name: slots(by_group[group.name]) for group in panels}
    panel_heights = [_GROUP_EXTRA_IN + _BAR_HEIGHT_IN * (layouts[group.name][0][-1] + 1) for group in panels]

    height = _LEGEND_IN + sum(panel_heights)
    if not panels:
        height += 1.0
    figure = Figure(figsize=(_FIGURE_WIDTH_IN, height), dpi=min(_DPI, int(_MAX_PIXELS / height)))
    if not panels:
        figure.text(0.5, 0.5, "No scored model.", ha="center", va="center")
        return figure

    # room on the right for the "score  how it was picked" notes
    x_max = max(max(row.rarity_score for row in rows), tier_high) * 1.35
    methods_drawn = [method for method in METHOD_MARKERS if any(method in row.methods for row in rows)]
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
    figure.suptitle("Rarity score per scored model (higher = rarer architecture)", fontsize=12, y=1 - 0.2 / height)
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
        # one gutter column per method, left of the bars: the same size and weight for both
        for column, method in enumerate(methods_drawn):
            marker, colour = METHOD_MARKERS[method]
            picked = [position for position, row in zip(positions, bars, strict=True) if method in row.methods]
            if picked:
                line = axes.plot(
                    [-x_max * _GUTTER * (len(methods_drawn) - column) / (len(methods_drawn) + 0.5)] * len(picked),
                    picked,
                    linestyle="none",
                    marker=marker,
                    markersize=6,
                    color=colour,
                )[0]
                line.set_gid(f"picks:{method}")
        axes.set_yticks(positions, [row.model_id for row in bars], fontsize=8)
        for label, row in zip(axes.get_yticklabels(), bars, strict=True):
            if row.methods or row.selection_reason:
                label.set_fontweight("bold")
        for position, row in zip(positions, bars, strict=True):
            note = f"{row.rarity_score:.2f}"
            picked_note = pick_note(row)
            if picked_note:
                note += f"  {picked_note}"
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
        axes.set_xlim(-x_max * _GUTTER if methods_drawn else 0, x_max)
        axes.axvline(tier_moderate, color="#555555", linestyle="--", linewidth=1, gid="tier_moderate")
        axes.axvline(tier_high, color="#555555", linestyle="-.", linewidth=1, gid="tier_high")
        axes.axvline(0, color="#999999", linewidth=0.6, gid="zero")
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.set_title(group.title, loc="left", fontsize=10, fontweight="bold")
        axes.tick_params(axis="x", labelsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        axes_list.append(axes)
    axes_list[-1].set_xlabel("rarity_score = mean of the feature weights", fontsize=9)

    handles: list[Patch | Line2D] = [
        Patch(facecolor=TIER_COLOURS["high"], label=f"tier high (> {tier_high:g})"),
        Patch(facecolor=TIER_COLOURS["moderate"], label=f"tier moderate ({tier_moderate:g} to {tier_high:g})"),
        Patch(facecolor=TIER_COLOURS["low"], label=f"tier low (< {tier_moderate:g})"),
        Patch(facecolor="white", edgecolor="#555555", hatch="////", label="baseline (hatched)"),
    ]
    for method in methods_drawn:
        marker, colour = METHOD_MARKERS[method]
        handles.append(
            Line2D([], [], linestyle="none", marker=marker, color=colour, label=f"{METHOD_LABELS[method]} pick")
        )
    handles += [
        Patch(facecolor="white", edgecolor="black", linewidth=1.2, label="in model_selection (outlined)"),
        Line2D([], [], color="#555555", linestyle="--", label=f"tier_moderate = {tier_moderate:g}"),
        Line2D([], [], color="#555555", linestyle="-.", label=f"tier_high = {tier_high:g}"),
    ]
    figure.legend(
        handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.1 / height)
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


def plotted_picks(figure: Figure) -> dict[str, set[tuple[str, str]]]:
    """Read back, per method, the (group, model_id) of every bar that carries its pick marker."""
    found: dict[str, set[tuple[str, str]]] = {}
    for axes in figure.axes:
        labels = {
            round(tick): label.get_text() for tick, label in zip(axes.get_yticks(), axes.get_yticklabels(), strict=True)
        }
        for line in axes.get_lines():
            gid = line.get_gid() or ""
            if gid.startswith("picks:"):
                method = gid.removeprefix("picks:")
                found.setdefault(method, set()).update((axes.get_gid(), labels[round(y)]) for y in line.get_ydata())
    return found
