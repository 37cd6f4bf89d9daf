"""index.html: the selection as one self-contained page to open by double-click, offline.

Everything but the catalog table is plain HTML and inline SVG rendered here, so the decision,
the chart (hover a bar: its traits and weights, as an SVG <title>) and the trait heat map read
without any script. The one script, page.js beside this file, filters and sorts the catalog
table. It is hand-written (no third-party code to pin or audit, a few kB instead of the
~1 MB Vega bundle), inlined, and allowed by its sha256 in the page's Content-Security-Policy
(default-src 'none'), so the browser itself refuses any other script and any request.

The page stays small for any catalog: the chart shows the top of each class plus every
selected model, and the catalog table at most CATALOG_ROW_LIMIT rows (every selected model
first), saying so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from html import escape
from importlib import resources
from typing import Any

from archrarity.report import queries
from archrarity.report.chart import (
    DEFAULT_TIER_HIGH,
    DEFAULT_TIER_MODERATE,
    METHOD_MARKERS,
    OTHER_TIER_COLOUR,
    TIER_COLOURS,
    pick_note,
    setting_float,
    slots,
)
from archrarity.report.queries import METHOD_LABELS, ChartGroup, ChartRow, Pick, Source, Trait

PAGE_FILE = "index.html"
#: The catalog table's filters: (rarity_scores column, label).
FILTERS = (
    ("size_category", "size class"),
    ("rarity_tier", "tier"),
    ("attention_feature", "attention (scored)"),
    ("ffn", "ffn"),
    ("activation", "activation"),
    ("norm", "norm"),
    ("attention_window", "attention window"),
    ("position_encoding", "position encoding"),
    ("selected_by", "selected by"),
)

# The SVG chart's layout, in pixels of its viewBox.
_WIDTH = 1160
_LABEL_END = 226
_BAR_START = 274
_BAR_END = 900
_ROW = 17
_TOP = 24
_BOTTOM = 26


def asset(name: str) -> str:
    """The text of a file shipped beside this module (page.js, page.css)."""
    return resources.files("archrarity.report").joinpath(name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _number(value: object, digits: int = 4) -> str:
    if value is None:
        return ""
    return f"{float(value):.{digits}f}"  # type: ignore[arg-type]


def _share(value: object) -> str:
    return "" if value is None else f"{float(value):.1%}"  # type: ignore[arg-type]


def _tier(tier: str | None) -> str:
    return f'<span class="tier tier-{_e(tier)}">{_e(tier)}</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], css: str = "") -> str:
    """A table of cells that are already HTML."""
    head = "".join(f"<th>{header}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# --- the decision ------------------------------------------------------------------------------


def _pick_rows(picks: Sequence[Pick], features: Sequence[queries.Feature]) -> list[list[str]]:
    """One row per pick: its place (rank for top N, pick order for coverage), the model with the
    reason (and the coverage gain and the traits it added), the score, each feature's value and weight."""
    rows = []
    for pick in picks:
        coverage_pick = pick.method == "coverage"
        if coverage_pick:
            place = f"#{pick.pick_order}" if pick.pick_order is not None else "&ndash;"
        else:
            place = _e(pick.rank_in_category)
        meta = f'<span class="reason reason-{_e(pick.reason)}">{_e(pick.reason)}</span>'
        if pick.gain is not None and pick.pick_order is not None:
            meta += f" · gain <b>{_number(pick.gain, 2)}</b>"
        if coverage_pick and pick.rank_in_category is not None:
            meta += f" · rank {_e(pick.rank_in_category)}"
        model = (
            f'<code class="model-id">{_e(pick.model_id)}</code>'
            f'<span class="model-name">{_e(pick.model_name)}</span><span class="meta">{meta}</span>'
        )
        if pick.traits_added:
            model += f'<span class="added">adds {_e(pick.traits_added)}</span>'
        cells = [
            place,
            model,
            f"{_number(pick.rarity_score)}<br>{_tier(pick.rarity_tier)}",
            *(
                f'{_e(pick.values.get(f.name))}<span class="weight">{_number(pick.weights.get(f.name), 2)}</span>'
                for f in features
            ),
        ]
        rows.append(cells)
    return rows


def _figures(row: Mapping[str, Any] | None) -> str:
    if not row:
        return ""
    return (
        f'<p class="figures">traits covered <b>{_e(row["traits_covered"])} of {_e(row["traits_in_category"])}</b> '
        f"({_share(row['trait_share'])}) · weight share <b>{_share(row['weight_share'])}</b> · "
        f"identical-signature pairs <b>{_e(row['identical_signature_pairs'])}</b></p>"
    )


def _decision(source: Source, every_pick: Sequence[Pick], methods: Sequence[str]) -> str:
    features = queries.weight_features(source)
    chosen = queries.chosen_method(source)
    comparison = {(row["size_category"], row["selection_method"]): row for row in queries.comparison(source)}
    feature_headers = [_e(f.name) for f in features]
    parts = ['<section id="decision"><h2>The decision</h2>']
    if len(methods) > 1:
        parts.append(
            '<p class="note">Both selection methods per size class, with the same budget. '
            "<b>top N</b> is the note's method: the rarest models by rarity_score, plus every baseline. "
            "<b>coverage</b> starts from the baselines and then adds, one pick at a time, the model whose "
            "architecture traits not yet covered weigh the most (its <i>gain</i>); it is guaranteed at least "
            "(1 &minus; 1/e) of the best possible coverage for the budget. Each feature shows the model's value and "
            "its weight; rarity_score is the mean of the weights.</p>"
        )
    else:
        parts.append(
            '<p class="note">Per size class: the rarest models by rarity_score, plus every baseline of the class. '
            "Each feature shows the model's value and its weight; rarity_score is the mean of the weights.</p>"
        )
    categories = queries.categories(source)
    if not categories:
        parts.append("<p>No scored model falls in a size class: nothing is selected.</p>")
    for category in categories:
        parts.append(
            f'<article class="category" id="decision-{_e(category.name)}"><h3>{_e(category.name)} '
            f'<span class="figures">· {category.total:,} scored models</span></h3><div class="methods">'
        )
        for method in methods:
            chosen_picks = [p for p in every_pick if p.size_category == category.name and p.method == method]
            badge = '<span class="badge">in model_selection</span>' if method == chosen else ""
            label = METHOD_LABELS.get(method, method)
            parts.append(
                f'<div class="method" data-method="{_e(method)}"><h4>{_e(label)} · '
                f"{len(chosen_picks)} selected{badge}</h4>"
                + _figures(comparison.get((category.name, method)))
                + (
                    _table(
                        ["pick" if method == "coverage" else "rank", "model", "score", *feature_headers],
                        _pick_rows(chosen_picks, features),
                        "picks",
                    )
                    if chosen_picks
                    else "<p>No model selected.</p>"
                )
                + "</div>"
            )
        parts.append("</div></article>")
    parts.append("</section>")
    return "".join(parts)


def _settings(settings: Mapping[str, object]) -> str:
    if not settings:
        return '<section id="settings"><h2>Settings in force</h2><p>No settings given.</p></section>'
    rows = [
        [f"<code>{_e(name)}</code>", f"<code>{_e(json.dumps(value, default=str))}</code>"]
        for name, value in settings.items()
    ]
    return '<section id="settings"><h2>Settings in force</h2>' + _table(["setting", "value"], rows) + "</section>"


# --- the chart ---------------------------------------------------------------------------------


def _ticks(x_max: float) -> list[float]:
    raw = x_max / 6
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)
    return [step * index for index in range(int(x_max / step) + 1)]


def _marker(method: str, x: float, y: float) -> str:
    _, colour = METHOD_MARKERS[method]
    if method == "coverage":
        corners = f"M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}L{x - 5:.1f} {y:.1f}Z"
        return f'<path class="mark-coverage" d="{corners}" fill="{colour}"/>'
    return f'<rect class="mark-{_e(method)}" x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" fill="{colour}"/>'


def _bar_title(row: ChartRow) -> str:
    lines = [f"{row.model_id} — {row.model_name}", f"rarity_score {row.rarity_score:.4f} ({row.rarity_tier})"]
    note = pick_note(row)
    if note:
        lines.append("picked by " + note)
    if row.is_baseline:
        lines.append("baseline")
    lines += [f"{feature}: {text}" for feature, text in row.details]
    return _e("\n".join(lines))


def _chart_svg(group: ChartGroup, bars: Sequence[ChartRow], x_max: float, tiers: tuple[float, float]) -> str:
    positions, gaps = slots(bars)
    height = _TOP + _ROW * (positions[-1] + 1) + _BOTTOM
    scale = (_BAR_END - _BAR_START) / x_max
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" '
        f'role="img" aria-label="{_e(group.title)}" data-group="{_e(group.name)}">',
        '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#333" stroke-width="1.4"/></pattern></defs>',
    ]
    bottom = height - _BOTTOM
    for tick in _ticks(x_max):
        x = _BAR_START + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{_TOP - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#e3e6ea"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 15}" font-size="11" text-anchor="middle" fill="#5b6575">{tick:g}</text>'
        )
    # tier_moderate's label left of its line, tier_high's right of it: close thresholds never overlap
    for value, name, dash, side in (
        (tiers[0], "tier_moderate", "5 3", "end"),
        (tiers[1], "tier_high", "8 3 2 3", "start"),
    ):
        x = _BAR_START + value * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{_TOP - 6}" x2="{x:.1f}" y2="{bottom}" stroke="#555" stroke-dasharray="{dash}"/>'
        )
        label_x = x + 3 if side == "start" else x - 3
        parts.append(
            f'<text x="{label_x:.1f}" y="{_TOP - 10}" font-size="10.5" fill="#555" text-anchor="{side}">'
            f"{name} = {value:g}</text>"
        )
    for slot, row in zip(positions, bars, strict=True):
        y = _TOP + slot * _ROW
        middle = y + _ROW / 2
        width = max(row.rarity_score * scale, 0.5)
        picked = bool(row.methods or row.selection_reason)
        weight = ' font-weight="bold"' if picked else ""
        outline = ' stroke="#000" stroke-width="1.3"' if row.selection_reason else ""
        colour = TIER_COLOURS.get(row.rarity_tier, OTHER_TIER_COLOUR)
        box = f'y="{y + 2.5:.1f}" width="{width:.1f}" height="{_ROW - 5}"'
        parts.append(f'<g class="bar" data-model-id="{_e(row.model_id)}"><title>{_bar_title(row)}</title>')
        parts.append(
            f'<text x="{_LABEL_END}" y="{middle + 4:.1f}" font-size="11.5" text-anchor="end" '
            f'font-family="DejaVu Sans Mono, monospace"{weight}>{_e(row.model_id)}</text>'
        )
        parts.append(f'<rect class="value" x="{_BAR_START}" {box} fill="{colour}"{outline}/>')
        if row.is_baseline:
            parts.append(f'<rect x="{_BAR_START}" {box} fill="url(#hatch)" opacity="0.55"/>')
        for column, method in enumerate(METHOD_MARKERS):
            if method in row.methods:
                parts.append(_marker(method, _BAR_START - 34 + 18 * column, middle))
        note = f"{row.rarity_score:.2f}"
        picked_note = pick_note(row)
        if picked_note:
            note += "  " + picked_note
        parts.append(
            f'<text x="{_BAR_START + width + 5:.1f}" y="{middle + 4:.1f}" font-size="11" fill="#1d2430">'
            f"{_e(note)}</text></g>"
        )
    for slot, left_out in gaps:
        y = _TOP + slot * _ROW + _ROW / 2 + 4
        parts.append(
            f'<text x="{_BAR_START + 6}" y="{y:.1f}" font-size="11" font-style="italic" fill="#5b6575">'
            f"… {left_out} models not shown …</text>"
        )
    parts.append(f'<line x1="{_BAR_START}" y1="{_TOP - 4}" x2="{_BAR_START}" y2="{bottom}" stroke="#999"/>')
    parts.append("</svg>")
    return "".join(parts)


def _chart(source: Source, settings: Mapping[str, object]) -> str:
    rows, groups = queries.chart_data(source)
    tiers = (
        setting_float(settings, "tier_moderate", DEFAULT_TIER_MODERATE),
        setting_float(settings, "tier_high", DEFAULT_TIER_HIGH),
    )
    legend = (
        '<div class="legend">'
        '<span><i class="swatch sw-high"></i>tier high</span>'
        '<span><i class="swatch sw-moderate"></i>tier moderate</span>'
        '<span><i class="swatch sw-low"></i>tier low</span>'
        '<span><i class="swatch sw-baseline"></i>baseline (hatched)</span>'
        + "".join(f'<span><i class="mk-{m}"></i>{_e(METHOD_LABELS[m])} pick</span>' for m in METHOD_MARKERS)
        + "<span>outlined, bold: in model_selection</span></div>"
    )
    parts = [
        '<section id="chart"><h2>Where every model sits</h2>',
        '<p class="note">Rarity score per scored model, by size class; hover a bar for the model\'s traits and '
        f"weights. Each class shows its top {queries.CHART_GROUP_LIMIT} by rank and every selected model.</p>",
        legend,
    ]
    if not rows:
        parts.append("<p>No scored model.</p>")
    x_max = max([row.rarity_score for row in rows] + [tiers[1]]) * 1.04 if rows else 1.0
    for group in groups:
        bars = [row for row in rows if row.group == group.name]
        parts.append(f"<h3>{_e(group.title)}</h3>")
        parts.append(_chart_svg(group, bars, x_max, tiers))
    parts.append("</section>")
    return "".join(parts)


# --- the traits --------------------------------------------------------------------------------


def _traits(source: Source, every_pick: Sequence[Pick], methods: Sequence[str]) -> str:
    traits = queries.category_traits(source)
    parts = [
        '<section id="traits"><h2>The traits</h2>',
        '<p class="note">Per size class, every architecture value (trait) its scored models hold, and which '
        "selected model holds it (●). A red cell: no model the method selects holds that value.</p>",
    ]
    for category in queries.categories(source):
        listed: list[Trait] = traits.get(category.name, [])
        columns = {
            method: [p for p in every_pick if p.size_category == category.name and p.method == method]
            for method in methods
        }
        group_head = (
            '<tr><th colspan="4"></th>'
            + "".join(
                f'<th class="group-{_e(m)}" colspan="{len(columns[m]) + 1}">{_e(METHOD_LABELS.get(m, m))}</th>'
                for m in methods
            )
            + "</tr>"
        )
        pick_head = (
            '<tr><th>feature</th><th>value</th><th class="num">models</th><th class="num">weight</th>'
            + "".join(
                "".join(f'<th class="pick" title="{_e(p.model_name)}">{_e(p.model_id)}</th>' for p in columns[m])
                + "<th>covered</th>"
                for m in methods
            )
            + "</tr>"
        )
        body = []
        uncovered: dict[str, list[str]] = {m: [] for m in methods}
        for trait in listed:
            cells = [
                f"<td>{_e(trait.feature)}</td>",
                f"<td><code>{_e(trait.value)}</code></td>",
                f'<td class="num">{trait.models}</td>',
                f'<td class="num">{_number(trait.weight, 2)}</td>',
            ]
            for method in methods:
                holders = [p for p in columns[method] if p.traits.get(trait.feature) == trait.value]
                missing = "" if holders else " missing"
                for pick in columns[method]:
                    held = pick.traits.get(trait.feature) == trait.value
                    cells.append(f'<td class="has{missing}">{"●" if held else ""}</td>')
                if holders:
                    cells.append('<td class="yes">yes</td>')
                else:
                    cells.append('<td class="no missing">no</td>')
                    uncovered[method].append(f"{trait.feature}={trait.value}")
            body.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(f"<h3>{_e(category.name)}</h3>")
        parts.append(
            f'<table class="heat"><thead>{group_head}{pick_head}</thead><tbody>{"".join(body)}</tbody></table>'
        )
        for method in methods:
            missing_traits = uncovered[method]
            text = ", ".join(missing_traits) if missing_traits else "none: every value of the class is covered"
            parts.append(
                f'<p class="uncovered"><b>Not covered by {_e(METHOD_LABELS.get(method, method))}</b> '
                f"({len(missing_traits)} of {len(listed)}): <code>{_e(text)}</code></p>"
            )
    parts.append("</section>")
    return "".join(parts)


# --- superseded and the catalog ----------------------------------------------------------------


def _superseded(source: Source) -> str:
    rows, total = queries.superseded(source)
    parts = [
        '<section id="superseded"><h2>Dropped and superseded</h2>',
        '<p class="note">Dropped by the latest-version filter: for each family and size only the newest '
        "version is scored.</p>",
    ]
    if rows:
        cells = [
            [
                f"<code>{_e(r[0])}</code>",
                _e(r[1]),
                f"{float(r[2]):g}",
                _e(r[3]),
                _e(r[4]),
                f"<code>{_e(r[5])}</code>",
                _e(r[6]),
                _e(r[7]),
            ]
            for r in rows
        ]
        headers = ["model_id", "family", "size_b", "version", "released", "replaced by", "its version", "its release"]
        parts.append(f'<div class="table-wrap short">{_table(headers, cells)}</div>')
        if total > len(rows):
            parts.append(
                f'<p class="note">The first {len(rows):,} of {total:,} by family and size; every one is in '
                "superseded_models.parquet.</p>"
            )
    else:
        parts.append("<p>No model was superseded.</p>")
    kept = queries.kept_baselines(source)
    if kept:
        parts.append("<h3>Baselines kept although a newer version exists</h3>")
        parts.append(
            _table(
                ["model_id", "family", "size_b", "version", "newer version"],
                [
                    [f"<code>{_e(r[0])}</code>", _e(r[1]), f"{float(r[2]):g}", _e(r[3]), f"<code>{_e(r[4])}</code>"]
                    for r in kept
                ],
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _json_value(value: object) -> object:
    if isinstance(value, float | Decimal):
        return round(float(value), 4)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def script_json(value: object) -> str:
    """JSON that is safe inside a <script> element (no "</script>", no "<!--")."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _catalog(source: Source) -> str:
    columns, rows, total = queries.catalog_table(source)
    data = {"columns": columns, "rows": [[_json_value(value) for value in row] for row in rows]}
    if len(rows) < total:
        cap = (
            f"This page holds {len(rows):,} of the {total:,} scored models: every selected model, then the "
            "top of each class by rank. Every row is in rarity_scores.parquet (and the rarity_scores table)."
        )
    else:
        cap = f"All {total:,} scored models. Click a column to sort; type or choose to filter."
    controls = ['<label>search<input type="search" id="filter-text" placeholder="model_id, name or family"></label>']
    controls += [
        f'<label>{_e(label)}<select data-column="{_e(column)}"><option value="">any</option></select></label>'
        for column, label in FILTERS
    ]
    head = "".join(f'<th data-column="{_e(column)}">{_e(column)}</th>' for column in columns)
    return (
        '<section id="catalog"><h2>The scored catalog</h2>'
        f'<p class="note" id="catalog-cap">{_e(cap)}</p>'
        f'<div class="controls">{"".join(controls)}</div>'
        '<p class="note" id="catalog-count">The table needs JavaScript; every row is also in rarity_scores.parquet.</p>'
        f'<div class="table-wrap"><table id="catalog-table"><thead><tr>{head}</tr></thead><tbody></tbody></table></div>'
        f'<script type="application/json" id="catalog-data">{script_json(data)}</script>'
        "</section>"
    )


# --- the page ----------------------------------------------------------------------------------


def page_html(source: Source, settings: Mapping[str, object], files: Sequence[str]) -> str:
    """The text of index.html; `files` names the other report files."""
    script = asset("page.js")
    style = asset("page.css")
    methods = queries.methods_present(source)
    every_pick = queries.picks(source)
    chosen = queries.chosen_method(source)
    _, superseded_total = queries.superseded(source)
    policy = (
        f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    summary = (
        f"Scores of the {queries.catalog_currency(source)}: "
        f"{queries.scored_count(source):,} models scored, {superseded_total:,} superseded. "
        f"Selection methods: {', '.join(METHOD_LABELS.get(m, m) for m in methods)}; "
        f"model_selection holds {METHOD_LABELS.get(chosen, chosen)}."
    )
    nav = "".join(
        f'<a href="#{anchor}">{label}</a>'
        for anchor, label in (
            ("decision", "Decision"),
            ("settings", "Settings"),
            ("chart", "Scores"),
            ("traits", "Traits"),
            ("superseded", "Superseded"),
            ("catalog", "Catalog"),
        )
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'  # no quote or markup in it
        "<title>archrarity: model selection by architectural rarity</title>"
        f"<style>{style}</style></head>\n<body>"
        "<header><h1>Model selection by architectural rarity</h1>"
        f"<p>{_e(summary)}</p><nav>{nav}</nav></header><main>"
        + _decision(source, every_pick, methods)
        + _settings(settings)
        + _chart(source, settings)
        + _traits(source, every_pick, methods)
        + _superseded(source)
        + _catalog(source)
        + "</main><footer>Written by archrarity from the output tables of one build. Other files: "
        + _e(", ".join(files))
        + ". The page loads nothing: its one script (archrarity report/page.js, hand-written) is inline "
        "and pinned by its sha256 in the page's Content-Security-Policy.</footer>\n"
        f"<script>{script}</script>\n</body></html>\n"
    )
