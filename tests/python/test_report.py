"""The reports (issues 6, 11, 16): chart, selection.md, the page and Parquet exports, read from the
output tables; before and after the coverage method's tables exist."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from matplotlib.colors import to_rgb

from archrarity import PROJECT_DIR, report
from archrarity.cli import print_selection
from archrarity.report import OPTIONAL_TABLES, OUTPUT_TABLES, write_reports
from archrarity.report.chart import TIER_COLOURS, draw_chart, plotted_picks, plotted_values
from archrarity.report.queries import CATALOG_ROW_LIMIT, CHART_GROUP_LIMIT, NO_SIZE_CLASS, chart_data, chart_rows

SETTINGS: dict[str, object] = {
    "top_n": 3,
    "tier_high": 10,
    "tier_moderate": 5,
    "moe_as_attention": True,
    "baselines": None,
    "catalog_path": None,
}
REPORT_FILES = {"index.html", "rarity_scores.png", "selection.md", *(f"{table}.parquet" for table in OUTPUT_TABLES)}
COVERAGE_FILES = {"selection_picks.parquet", "selection_comparison.parquet"}


# --- a hand-made database with the output tables -----------------------------------------------


def make_database(
    path: Path,
    in_8b: int,
    in_70b: int,
    outside: int,
    top_n: int = 3,
    baseline_ranks: tuple[tuple[str, int], ...] = (),
    coverage_ranks: tuple[tuple[str, int], ...] | None = None,
) -> Path:
    """The four output tables, generated: `in_8b` models in ~8B, `in_70b` in ~70B, `outside` in
    no category; the top_n of each category selected plus a baseline at each (category, rank).

    With `coverage_ranks`, also the coverage method's tables as a build with it has them: the
    coverage picks are the baselines and the models at these (category, rank), in pick order.
    """
    total = in_8b + in_70b + outside
    baseline_values = ", ".join(f"('{category}', {rank})" for category, rank in baseline_ranks) or "('', 0)"
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            f"""
            create table rarity_scores as
            with baselines as (
                select * from (values {baseline_values}) as t(c, r)
            ),
            generated as (
                select
                    'm-' || lpad(i::varchar, 7, '0') as model_id,
                    'Model ' || i as model_name,
                    'Fam' || (i % 7) as family,
                    '1.' || (i % 3) as version,
                    case when i < {in_8b} then 8.0 when i < {in_8b + in_70b} then 70.0 else 400.0 end::double
                        as size_b,
                    date '2024-01-01' + (i % 300)::integer as release_date,
                    ['GQA', 'MHA', 'MLA'][i % 3 + 1] as attention,
                    'dense' as ffn,
                    ['SwiGLU', 'GELU'][i % 2 + 1] as activation,
                    'RMSNorm' as norm,
                    4096 * (1 + i % 8) as context_window,
                    ['GQA', 'MHA', 'MLA'][i % 3 + 1] as attention_feature,
                    1 + (i * 7919 % 1000) / 20.0::double as weight_attention,
                    (case when i % 2 = 0 then 1.2 else 6.0 end)::double as weight_activation,
                    1.0::double as weight_norm,
                    null::double as weight_ffn,
                    (1 + i % 8) / 8.0::double * 3 as weight_context,
                    case when i < {in_8b} then '~8B' when i < {in_8b + in_70b} then '~70B' end
                        as size_category
                from range({total}) as t(i)
            ),
            scored as (
                select
                    *,
                    (weight_attention + weight_activation + weight_norm + weight_context) / 4
                        as rarity_score
                from generated
            ),
            ranked as (
                select
                    * exclude (size_category),
                    case when rarity_score > 10 then 'high' when rarity_score >= 5 then 'moderate'
                        else 'low' end as rarity_tier,
                    size_category,
                    case when size_category is not null then row_number() over (
                        partition by size_category
                        order by rarity_score desc, release_date desc, model_id
                    ) end as rank_in_category
                from scored
            ),
            marked as (
                select
                    *,
                    exists (
                        select 1 from baselines where c = size_category and r = rank_in_category
                    ) as is_baseline
                from ranked
            )
            select
                *,
                case
                    when rank_in_category <= {top_n} and is_baseline then 'rarity+baseline'
                    when rank_in_category <= {top_n} then 'rarity'
                    when is_baseline then 'baseline'
                end as selection_reason,
                null::varchar as superseded_by
            from marked
            """
        )
        connection.execute(
            """
            create table model_selection as
            select size_category, rank_in_category, model_id, model_name, family, size_b,
                attention_feature, activation, norm, context_window, rarity_score, rarity_tier,
                is_baseline, selection_reason
            from rarity_scores where selection_reason is not null
            """
        )
        connection.execute(
            """
            create table feature_weights as
            with n as (select count(*) as n_models from rarity_scores),
            unpivoted as (
                select 'attention' as feature, attention_feature as value from rarity_scores
                union all select 'activation', activation from rarity_scores
                union all select 'norm', norm from rarity_scores
            )
            select feature, value, count(*) as model_count, any_value(n_models) as n_models,
                any_value(n_models) / count(*) as weight
            from unpivoted cross join n
            group by feature, value
            """
        )
        connection.execute(
            """
            create table superseded_models as
            select
                'old-' || model_id as model_id, model_name || ' (old)' as model_name, family, size_b,
                '0.9' as version, date '2023-01-01' as release_date, model_id as superseded_by,
                version as superseded_by_version, release_date as superseded_by_release_date
            from rarity_scores
            order by model_id
            limit 2
            """
        )
        if coverage_ranks is not None:
            add_coverage_method(connection, coverage_ranks)
    return path


def add_coverage_method(connection: duckdb.DuckDBPyConnection, coverage_ranks: tuple[tuple[str, int], ...]) -> None:
    """selection_picks (both methods), selection_comparison, and model_selection's new columns.

    Coverage pick k (1-based) gets gain 100 / k and adds 'attention=<its attention>'. The
    comparison figures are made up: the reports only show them.
    """
    orders: dict[str, int] = {}
    numbered = []
    for category, rank in coverage_ranks:  # pick order counts within each category
        orders[category] = orders.get(category, 0) + 1
        numbered.append(f"('{category}', {rank}, {orders[category]})")
    ranks = ", ".join(numbered)
    ranks = ranks or "('', 0, 0)"
    connection.execute(
        f"""
        create table selection_picks as
        with picks as (select * from (values {ranks}) as t(c, r, pick_order))
        select 'top_n' as selection_method, size_category, model_id, model_name, rank_in_category,
            rarity_score, rarity_tier, is_baseline, selection_reason,
            null::bigint as pick_order, null::double as gain, null::varchar as traits_added
        from rarity_scores where selection_reason is not null
        union all
        select 'coverage', size_category, model_id, model_name, rank_in_category, rarity_score, rarity_tier,
            is_baseline, 'baseline', null, null, null
        from rarity_scores where is_baseline
        union all
        select 'coverage', s.size_category, s.model_id, s.model_name, s.rank_in_category, s.rarity_score,
            s.rarity_tier, s.is_baseline, 'coverage', p.pick_order, 100.0 / p.pick_order,
            'attention=' || s.attention_feature
        from rarity_scores as s
        inner join picks as p on s.size_category = p.c and s.rank_in_category = p.r
        """
    )
    connection.execute(
        """
        create table selection_comparison as
        select * from (values
            ('~8B', 'top_n', 4, 10, 7, 0.7, 0.55, 2),
            ('~8B', 'coverage', 4, 10, 10, 1.0, 1.0, 0),
            ('~70B', 'top_n', 3, 8, 5, 0.625, 0.5, 1),
            ('~70B', 'coverage', 3, 8, 6, 0.75, 0.8, 0)
        ) as t(size_category, selection_method, n_selected, traits_in_category, traits_covered, trait_share,
            weight_share, identical_signature_pairs)
        """
    )
    connection.execute(
        """
        alter table model_selection add column selection_method varchar default 'top_n';
        alter table model_selection add column pick_order bigint;
        alter table model_selection add column gain double;
        alter table model_selection add column traits_added varchar;
        """
    )


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    return make_database(
        tmp_path / "small.duckdb", in_8b=6, in_70b=4, outside=3, baseline_ranks=(("~8B", 1), ("~8B", 5))
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_lines(markdown: str, text: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|") and text in line.split(" | ")]


# --- the chart ---------------------------------------------------------------------------------


def test_chart_plots_exactly_the_table_scores(small_db: Path) -> None:
    with duckdb.connect(str(small_db), read_only=True) as connection:
        rows = chart_rows(connection)
        table = connection.sql(
            f"select coalesce(size_category, '{NO_SIZE_CLASS}'), model_id, rarity_score from rarity_scores"
        ).fetchall()
        ranks = dict(connection.sql("select model_id, rank_in_category from rarity_scores").fetchall())
        bars, groups = chart_data(connection)

    assert sorted(rows) == sorted(table)  # every scored model, its score as stored
    assert [group.name for group in groups] == ["~8B", "~70B", NO_SIZE_CLASS]
    for group in ("~8B", "~70B"):
        in_group = [ranks[model_id] for name, model_id, _ in rows if name == group]
        assert in_group == sorted(in_group), "bars are not in rank order"
    outside_scores = [score for name, _, score in rows if name == NO_SIZE_CLASS]
    assert outside_scores == sorted(outside_scores, reverse=True)

    figure = draw_chart(bars, groups, SETTINGS)
    assert plotted_values(figure) == rows  # what is drawn is what chart_rows reports
    assert [axes.get_title(loc="left") for axes in figure.axes] == [
        "~8B: 6 models",
        "~70B: 4 models",
        f"{NO_SIZE_CLASS}: 3 models",
    ]


def test_chart_marks_tiers_thresholds_selected_and_baselines(small_db: Path) -> None:
    with duckdb.connect(str(small_db), read_only=True) as connection:
        bars, groups = chart_data(connection)
    figure = draw_chart(bars, groups, {"tier_high": 9.5, "tier_moderate": 4.25})
    axes = figure.axes[0]  # ~8B: rank 1 is rarity+baseline, rank 5 baseline
    patches = list(axes.containers[0])
    labels = axes.get_yticklabels()
    by_id = {bar.model_id: bar for bar in bars}
    for patch, label in zip(patches, labels, strict=True):
        bar = by_id[patch.get_gid()]
        assert label.get_text() == bar.model_id
        assert (label.get_fontweight() == "bold") == (bar.selection_reason is not None)
        assert bool(patch.get_hatch()) == bar.is_baseline
        assert patch.get_facecolor()[:3] == pytest.approx(to_rgb(TIER_COLOURS[bar.rarity_tier]))
    assert sum(bar.is_baseline for bar in bars) == 2
    thresholds = {line.get_gid(): line.get_xdata()[0] for line in axes.get_lines() if line.get_gid().startswith("tier")}
    assert thresholds == {"tier_moderate": 4.25, "tier_high": 9.5}
    # one method only: its picks carry the top N marker, and no bar the coverage one
    picks = plotted_picks(figure)
    assert set(picks) == {"top_n"}
    assert picks["top_n"] == {(bar.group, bar.model_id) for bar in bars if bar.selection_reason}


def test_big_group_shows_top_60_plus_selected_and_says_how_many_left_out(tmp_path: Path) -> None:
    db = make_database(
        tmp_path / "big.duckdb", in_8b=150, in_70b=10, outside=80, baseline_ranks=(("~8B", 140),)
    )
    with duckdb.connect(str(db), read_only=True) as connection:
        bars, groups = chart_data(connection)
        baseline = connection.sql(
            "select model_id from rarity_scores where is_baseline and size_category = '~8B'"
        ).fetchall()[0][0]
        top_60 = {
            row[0]
            for row in connection.sql(
                f"select model_id from rarity_scores where size_category = '~8B' "
                f"and rank_in_category <= {CHART_GROUP_LIMIT}"
            ).fetchall()
        }
    shown = {group.name: [bar.model_id for bar in bars if bar.group == group.name] for group in groups}
    assert set(shown["~8B"]) == top_60 | {baseline}
    assert shown["~8B"][-1] == baseline  # after the top 60, in rank order
    assert len(shown["~70B"]) == 10
    assert len(shown[NO_SIZE_CLASS]) == CHART_GROUP_LIMIT

    titles = {group.name: group.title for group in groups}
    assert "61 of 150 models shown" in titles["~8B"] and "89 left out" in titles["~8B"]
    assert "left out" not in titles["~70B"]
    assert "20 left out" in titles[NO_SIZE_CLASS]
    figure = draw_chart(bars, groups, SETTINGS)
    assert [axes.get_title(loc="left") for axes in figure.axes] == list(titles.values())
    assert len(plotted_values(figure)) == 61 + 10 + 60
    notes = [text.get_text() for text in figure.axes[0].texts]
    assert "... 79 models not shown ..." in notes  # between rank 60 and the baseline at rank 140


def test_a_million_rows_chart_keeps_only_the_top_of_each_group(tmp_path: Path) -> None:
    # How fast this is belongs to the benchmark (make bench), not to a timed test.
    db = make_database(
        tmp_path / "million.duckdb",
        in_8b=400_000,
        in_70b=300_000,
        outside=300_000,
        top_n=5,
        baseline_ranks=(("~8B", 250_000), ("~70B", 61)),
        coverage_ranks=(("~8B", 300_000), ("~8B", 7), ("~70B", 250_000)),
    )
    written = write_reports(db, tmp_path / "report", SETTINGS)
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = chart_rows(connection)
        picked = {row[0] for row in connection.sql("select model_id from selection_picks").fetchall()}
    # per category its top 60, the baseline outside them, and the coverage pick outside them
    # (~8B's coverage pick at rank 7 is among its top 60)
    assert len(rows) == (CHART_GROUP_LIMIT + 1 + 1) * 2 + CHART_GROUP_LIMIT
    assert picked <= {model_id for _, model_id, _ in rows}
    assert {path.name for path in written} == REPORT_FILES | COVERAGE_FILES

    # the page stays small: the catalog table holds every pick and is capped, and says so
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 1_500_000
    catalog = json.loads(re.search(r'<script type="application/json" id="catalog-data">(.*?)</script>', page).group(1))
    assert len(catalog["rows"]) == CATALOG_ROW_LIMIT
    assert picked <= {row[catalog["columns"].index("model_id")] for row in catalog["rows"]}
    assert f"This page holds {CATALOG_ROW_LIMIT:,} of the 1,000,000 scored models" in page


# --- selection.md ------------------------------------------------------------------------------


def test_selection_md_lists_selection_superseded_and_settings(small_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_reports(small_db, out, SETTINGS)
    markdown = (out / "selection.md").read_text()

    with duckdb.connect(str(small_db), read_only=True) as connection:
        selected = connection.sql(
            "select model_id, size_category, rank_in_category, selection_reason from model_selection"
        ).fetchall()
        superseded = connection.sql("select model_id, superseded_by from superseded_models").fetchall()
    assert {reason for *_, reason in selected} == {"rarity", "baseline", "rarity+baseline"}
    selection_part = markdown.split("## Superseded models", 1)[0]
    for model_id, category, rank, reason in selected:
        lines = table_lines(selection_part, model_id)
        assert len(lines) == 1, model_id
        cells = [cell.strip() for cell in lines[0].strip("|").split("|")]
        assert cells[0] == str(rank) and cells[-1] == reason
        section = markdown.split(f"### {category}\n", 1)[1].split("###", 1)[0]
        assert lines[0] in section, f"{model_id} not under {category}"
    assert "### ~8B" in markdown and markdown.index("### ~8B") < markdown.index("### ~70B")
    header = "| rank | model_id | model | score | tier | attention | activation | norm | context | reason |"
    assert header in markdown

    superseded_part = markdown.split("## Superseded models", 1)[1].split("## Settings used", 1)[0]
    for model_id, successor in superseded:
        line = next(line for line in superseded_part.splitlines() if f"| {model_id} |" in line)
        assert f"| {successor} |" in line

    settings_part = markdown.split("## Settings used", 1)[1]
    for name in SETTINGS:
        assert f"| {name} |" in settings_part
    assert "| top_n | 3 |" in settings_part and "| baselines | null |" in settings_part
    assert "Selection coverage" not in markdown  # the relation does not exist here


def test_selection_md_shows_selection_coverage_when_it_exists(small_db: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(small_db)) as connection:
        connection.execute(
            """
            create view selection_coverage as
            select * from (values
                ('~8B', 'attention', 3, 2, 0.6667, null),
                ('~8B', null, null, null, null, 4),
                ('~70B', 'norm', 1, 1, 1.0, null)
            ) as t(size_category, feature, values_in_category, values_selected, share_covered,
                identical_signature_pairs)
            """
        )
    write_reports(small_db, tmp_path / "report", SETTINGS)
    markdown = (tmp_path / "report" / "selection.md").read_text()
    coverage = markdown.split("## Selection coverage", 1)[1].split("## Superseded models", 1)[0]
    assert markdown.index("## Selected models") < markdown.index("## Selection coverage")
    assert "| size_category | feature | values_in_category | values_selected | share_covered |" in coverage
    assert "| ~8B | attention | 3 | 2 | 0.6667 |  |" in coverage
    assert "| ~8B |  |  |  |  | 4 |" in coverage


def test_ffn_weight_column_appears_only_when_ffn_is_scored(small_db: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(small_db)) as connection:
        connection.execute("update rarity_scores set weight_ffn = 1.25")
        # the reports show what the build scored: feature_weights lists ffn's values when it is scored
        connection.execute("insert into feature_weights (feature, value, model_count, n_models, weight) "
                           "select 'ffn', 'dense', count(*), count(*), 1.25 from rarity_scores")
    write_reports(small_db, tmp_path / "report", SETTINGS)
    markdown = (tmp_path / "report" / "selection.md").read_text()
    assert "| norm | ffn | context | reason |" in markdown
    assert "| 1.2500 (dense) |" in markdown


# --- both selection methods --------------------------------------------------------------------

# ~8B: ranks 1 (rarity+baseline) and 5 (baseline) are baselines, top N = ranks 1, 2, 3 plus 5;
# coverage = the baselines, then rank 6 (#1) and rank 2 (#2). ~70B: top N = ranks 1, 2, 3;
# coverage = rank 4 (#1) only (no baseline, a budget it does not spend: the report just shows it).
COVERAGE_RANKS = (("~8B", 6), ("~8B", 2), ("~70B", 4))
TOP_N_RANKS = {"~8B": {1, 2, 3, 5}, "~70B": {1, 2, 3}}
COVERAGE_PICKED = {"~8B": {1, 5, 6, 2}, "~70B": {4}}


@pytest.fixture
def coverage_db(tmp_path: Path) -> Path:
    return make_database(
        tmp_path / "coverage.duckdb",
        in_8b=6,
        in_70b=4,
        outside=3,
        baseline_ranks=(("~8B", 1), ("~8B", 5)),
        coverage_ranks=COVERAGE_RANKS,
    )


def ids_by_rank(db: Path) -> dict[tuple[str, int], str]:
    with duckdb.connect(str(db), read_only=True) as connection:
        found = connection.sql(
            "select size_category, rank_in_category, model_id from rarity_scores where size_category is not null"
        ).fetchall()
    return {(category, rank): model_id for category, rank, model_id in found}


def test_chart_marks_each_methods_picks(coverage_db: Path) -> None:
    ids = ids_by_rank(coverage_db)
    with duckdb.connect(str(coverage_db), read_only=True) as connection:
        bars, groups = chart_data(connection)
    picks = plotted_picks(draw_chart(bars, groups, SETTINGS))
    assert picks["top_n"] == {(c, ids[(c, r)]) for c, ranks in TOP_N_RANKS.items() for r in ranks}
    assert picks["coverage"] == {(c, ids[(c, r)]) for c, ranks in COVERAGE_PICKED.items() for r in ranks}
    notes = {bar.model_id: bar for bar in bars}
    assert notes[ids[("~8B", 6)]].methods == ("coverage",)
    assert notes[ids[("~8B", 2)]].methods == ("top_n", "coverage")
    assert notes[ids[("~8B", 2)]].coverage_order == 2 and notes[ids[("~8B", 2)]].coverage_gain == 50.0


def md_cells(markdown: str, model_id: str, section: str) -> list[str]:
    part = markdown.split(f"### {section}\n", 1)[1].split("###", 1)[0]
    lines = table_lines(part, model_id)
    assert len(lines) == 1, model_id
    return [cell.strip() for cell in lines[0].strip().strip("|").split("|")]


def test_selection_md_shows_both_methods_side_by_side_and_the_comparison(coverage_db: Path, tmp_path: Path) -> None:
    ids = ids_by_rank(coverage_db)
    write_reports(coverage_db, tmp_path / "report", SETTINGS)
    markdown = (tmp_path / "report" / "selection.md").read_text()
    header = (
        "| rank | model_id | model | score | tier | attention | activation | norm | context "
        "| top N | coverage | gain | traits added |"
    )
    assert markdown.count(header) == 2  # one table per size class
    with duckdb.connect(str(coverage_db), read_only=True) as connection:
        attention = dict(connection.sql("select model_id, attention_feature from rarity_scores").fetchall())
    # (rank, top N cell, coverage cell, gain, traits added): 100 / pick order, its attention
    expected = {
        ("~8B", 1): ("rarity+baseline", "baseline", "", ""),
        ("~8B", 2): ("rarity", "#2", "50.0000", f"attention={attention[ids[('~8B', 2)]]}"),
        ("~8B", 3): ("rarity", "", "", ""),
        ("~8B", 5): ("baseline", "baseline", "", ""),
        ("~8B", 6): ("", "#1", "100.0000", f"attention={attention[ids[('~8B', 6)]]}"),
        ("~70B", 4): ("", "#1", "100.0000", f"attention={attention[ids[('~70B', 4)]]}"),
        ("~70B", 1): ("rarity", "", "", ""),
    }
    for (category, rank), cells in expected.items():
        row = md_cells(markdown, ids[(category, rank)], category)
        assert row[0] == str(rank)
        assert tuple(row[-4:]) == cells, (category, rank)
    section = markdown.split("### ~8B\n", 1)[1].split("###", 1)[0]
    assert len([line for line in section.splitlines() if line.startswith("| ") and "---" not in line]) == 1 + 5
    assert "selected: top N 4, coverage 4." in section

    compared = markdown.split("## The methods compared", 1)[1].split("##", 1)[0]
    assert "| size class | method | selected | traits covered | traits in class | trait share |" in compared
    assert "| ~8B | top N | 4 | 7 | 10 | 70.0% | 55.0% | 2 |" in compared
    assert "| ~70B | coverage | 3 | 6 | 8 | 75.0% | 80.0% | 0 |" in compared
    assert compared.index("| ~8B | top N") < compared.index("| ~8B | coverage") < compared.index("| ~70B | top N")


def method_blocks(page: str, category: str) -> dict[str, set[str]]:
    """The model_ids shown in each method's box of one category's decision."""
    article = page.split(f'<article class="category" id="decision-{category}">', 1)[1].split("</article>", 1)[0]
    blocks = {}
    for block in article.split('<div class="method" data-method="')[1:]:
        method = block.split('"', 1)[0]
        blocks[method] = set(re.findall(r'<code class="model-id">([^<]+)</code>', block))
    return blocks


def test_page_shows_both_methods_their_marks_and_what_stays_uncovered(coverage_db: Path, tmp_path: Path) -> None:
    ids = ids_by_rank(coverage_db)
    write_reports(coverage_db, tmp_path / "report", SETTINGS)
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    for category in ("~8B", "~70B"):
        blocks = method_blocks(page, category)
        assert blocks["top_n"] == {ids[(category, rank)] for rank in TOP_N_RANKS[category]}
        assert blocks["coverage"] == {ids[(category, rank)] for rank in COVERAGE_PICKED[category]}
    assert "traits covered <b>7 of 10</b> (70.0%)" in page

    # the SVG chart: each bar carries the marks of the methods that pick it
    bars = dict(re.findall(r'<g class="bar" data-model-id="([^"]+)">(.*?)</g>', page, flags=re.S))
    for (category, rank), model_id in ids.items():
        assert ("mark-top_n" in bars[model_id]) == (rank in TOP_N_RANKS[category]), model_id
        assert ("mark-coverage" in bars[model_id]) == (rank in COVERAGE_PICKED[category]), model_id

    # what no pick covers, per method, against the same question asked of the tables in SQL
    with duckdb.connect(str(coverage_db), read_only=True) as connection:
        for category in ("~8B", "~70B"):
            for method, label in (("top_n", "top N"), ("coverage", "coverage")):
                uncovered = connection.execute(
                    """
                    with values_of as (
                        unpivot (
                            select model_id, size_category, attention_feature as attention, activation, norm,
                                cast(context_window as varchar) as context_window
                            from rarity_scores
                        ) on attention, activation, norm, context_window into name feature value value
                    )
                    select count(distinct feature || '=' || value) from values_of
                    where size_category = $1 and feature || '=' || value not in (
                        select feature || '=' || value from values_of
                        where model_id in (
                            select model_id from selection_picks where selection_method = $2 and size_category = $1
                        )
                    )
                    """,
                    [category, method],
                ).fetchone()[0]
                section = page.split('<section id="traits">', 1)[1].split(f"<h3>{category}</h3>", 1)[1]
                assert f"<b>Not covered by {label}</b> ({uncovered} of " in section.split("<h3>", 1)[0]


def test_print_selection_prints_each_methods_trait_share(
    coverage_db: Path, small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = ids_by_rank(coverage_db)
    print_selection(coverage_db)
    out = capsys.readouterr().out
    assert out.index("~8B (top_n selection):") < out.index("~70B (top_n selection):")  # smaller sizes first
    eight_b = out.split("~8B (top_n selection):", 1)[1].split("~70B", 1)[0]
    assert "  trait share: top_n 7/10 = 70.0%, coverage 10/10 = 100.0%" in eight_b
    assert ids[("~8B", 5)] in eight_b and ids[("~8B", 6)] not in eight_b  # model_selection holds top N
    assert "  trait share: top_n 5/8 = 62.5%, coverage 6/8 = 75.0%" in out.split("~70B", 1)[1]

    print_selection(small_db)  # a database built before the coverage method: no share, no method
    out = capsys.readouterr().out
    assert "trait share" not in out and "\n~8B:\n" in out


# --- Parquet and writing -----------------------------------------------------------------------


def test_parquet_files_read_back_with_the_same_rows(small_db: Path, tmp_path: Path) -> None:
    before = sha256(small_db)
    out = tmp_path / "nested" / "report"
    written = write_reports(small_db, out, SETTINGS)
    assert sorted(path.name for path in written) == sorted(REPORT_FILES)
    assert sorted(path.name for path in out.iterdir()) == sorted(REPORT_FILES)
    assert all(path.parent == out for path in written)
    assert sha256(small_db) == before, "the database was written to"
    assert (out / "rarity_scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    with duckdb.connect(str(small_db), read_only=True) as connection:
        for table in OUTPUT_TABLES:
            parquet = out / f"{table}.parquet"
            expected = connection.sql(f"select * from {table} order by all").fetchall()
            read_back = connection.sql(f"select * from read_parquet('{parquet}') order by all").fetchall()
            assert read_back == expected
            assert str(tmp_path).encode() not in parquet.read_bytes()
    assert not list(out.parent.glob("*.tmp-*")), "scratch directory left behind"


def test_a_failure_midway_leaves_the_report_directory_as_it_was(
    small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report"
    write_reports(small_db, out, SETTINGS)
    (out / "notes.txt").write_text("not ours")
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    with duckdb.connect(str(small_db)) as connection:  # the new report would differ
        connection.execute("update model_selection set rarity_score = rarity_score + 1")

    original = report._write_parquet

    def failing(connection: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
        if table == "feature_weights":
            raise OSError("disk full")
        original(connection, table, path)

    monkeypatch.setattr(report, "_write_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        write_reports(small_db, out, SETTINGS)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    with pytest.raises(OSError, match="disk full"):
        write_reports(small_db, tmp_path / "fresh", SETTINGS)
    assert not (tmp_path / "fresh").exists()
    assert not list(tmp_path.glob("*.tmp-*")), "scratch directory left behind"

    monkeypatch.setattr(report, "_write_parquet", original)
    write_reports(small_db, out, SETTINGS)  # a good run replaces the report, keeps other files
    assert (out / "notes.txt").read_text() == "not ours"
    assert (out / "selection.md").read_bytes() != before["selection.md"]


# --- the real catalog --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def real_catalog_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt build` of the shipped catalog with the default settings."""
    work = tmp_path_factory.mktemp("report-real")
    db = work / "db.duckdb"
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env={**os.environ, "ARCHRARITY_DB_PATH": str(db)},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-5000:]
    return db


def test_report_of_the_real_catalog(real_catalog_db: Path, tmp_path: Path) -> None:
    settings: dict[str, object] = {**SETTINGS, "top_n": 5}
    written = write_reports(real_catalog_db, tmp_path / "report", settings)
    markdown = (tmp_path / "report" / "selection.md").read_text()
    with duckdb.connect(str(real_catalog_db), read_only=True) as connection:
        present = {row[0] for row in connection.sql("select table_name from duckdb_tables()").fetchall()}
        table = connection.sql(
            f"select coalesce(size_category, '{NO_SIZE_CLASS}'), model_id, rarity_score from rarity_scores"
        ).fetchall()
        rows = chart_rows(connection)
        selected = connection.sql("select model_id, selection_reason from model_selection").fetchall()
        picks = (
            connection.sql("select selection_method, model_id, selection_reason from selection_picks").fetchall()
            if "selection_picks" in present
            else [("top_n", model_id, reason) for model_id, reason in selected]
        )
    assert {path.name for path in written} == REPORT_FILES | {
        f"{name}.parquet" for name in OPTIONAL_TABLES if name in present
    }
    group_sizes = Counter(group for group, *_ in table)
    if max(group_sizes.values()) <= CHART_GROUP_LIMIT:
        assert sorted(rows) == sorted(table)
    assert set(rows) <= set(table)
    selection_part = markdown.split("## Superseded models", 1)[0]
    methods = {method for method, *_ in picks}
    for method, model_id, reason in picks:
        lines = table_lines(selection_part, model_id)
        assert len(lines) == 1, model_id  # one row per model, whichever methods pick it
        if methods == {"top_n"}:
            assert lines[0].rstrip().endswith(f"| {reason} |"), model_id
        elif method == "top_n":
            # the cells after the weights: top N, coverage, gain, traits added
            assert lines[0].strip().strip("|").split("|")[-4].strip() == reason, model_id
    assert "llama-3.3-70b" in markdown
