"""The one query layer the reports share: what they read from the output tables, and nothing else.

Every report (chart, markdown, page) gets its data here, through one read-only connection, so
they all show exactly what BI tools and queries see. Nothing of the method is recomputed: the
reports only select, join, order and limit. Relations and columns that a newer build adds
(`selection_picks`, `selection_comparison`, the extra features) are read only when they exist,
so the reports work on a database built before or after them. Limiting happens in SQL, so a
table of millions of rows never reaches Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")

#: The selection methods, in the order the reports show them.
METHODS = ("top_n", "coverage")
METHOD_LABELS = {"top_n": "top N", "coverage": "coverage"}
#: Title of the group of the models outside every size category.
NO_SIZE_CLASS = "no size class"
#: A chart group shows at most this many models by rank (plus every selected model).
CHART_GROUP_LIMIT = 60
#: The page's catalog table holds at most this many rows (every selected model first).
CATALOG_ROW_LIMIT = 1000
#: The reports list at most this many superseded models (all of them are in the Parquet file).
SUPERSEDED_LIST_LIMIT = 500



@dataclass(frozen=True)
class Feature:
    """A feature the reports show: its name, the model's value column, its weight column."""

    name: str
    value_column: str
    weight_column: str | None


@dataclass(frozen=True)
class Category:
    """A size category with its scored models and how many each method selects."""

    name: str
    total: int
    selected: dict[str, int]


@dataclass(frozen=True)
class Pick:
    """One model picked by one selection method (a row of selection_picks)."""

    method: str
    size_category: str
    model_id: str
    model_name: str
    rank_in_category: int | None
    rarity_score: float
    rarity_tier: str
    is_baseline: bool
    reason: str
    pick_order: int | None
    gain: float | None
    traits_added: str | None
    values: dict[str, Any]  # weight feature name -> the model's value
    weights: dict[str, float | None]  # weight feature name -> its weight
    traits: dict[str, str | None]  # trait feature name -> the value as text


@dataclass(frozen=True)
class ChartRow:
    """One bar of the chart (and of the page's chart)."""

    group: str
    model_id: str
    rarity_score: float
    rarity_tier: str
    is_baseline: bool
    selection_reason: str | None  # the reason in model_selection (the chosen method)
    position: int  # 1-based place in the group's ranking (its rank_in_category in a category)
    methods: tuple[str, ...] = ()  # the methods that pick this model
    top_n_reason: str | None = None  # its reason under the top_n method
    coverage_order: int | None = None  # its pick_order under the coverage method (None: baseline)
    coverage_gain: float | None = None
    model_name: str = ""
    details: tuple[tuple[str, str], ...] = ()  # (feature, "value, weight w") for the page's hover


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


@dataclass(frozen=True)
class Trait:
    """One (feature, value) present among a category's scored models."""

    feature: str
    value: str
    models: int  # scored models of the category with this value
    weight: float | None  # its weight in feature_weights, when listed there


@dataclass
class Source:
    """The output tables of one database, with which relations and columns exist."""

    connection: duckdb.DuckDBPyConnection
    _columns: dict[str, list[str]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        found = self.connection.execute(
            """
            select table_name, column_name
            from information_schema.columns
            where table_schema = current_schema() and table_catalog = current_database()
            order by table_name, ordinal_position
            """
        ).fetchall()
        for table, column in found:
            self._columns.setdefault(table, []).append(column)

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per Source: the reports ask for the same categories and picks often."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def has(self, relation: str) -> bool:
        return relation in self._columns

    def has_column(self, relation: str, column: str) -> bool:
        return column in self._columns.get(relation, [])

    def columns(self, relation: str) -> list[str]:
        return list(self._columns.get(relation, []))

    def rows(self, query: str, parameters: Sequence[object] | None = None) -> list[dict[str, Any]]:
        result = self.connection.execute(query, parameters or [])
        names = [description[0] for description in result.description or []]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def scalar(self, query: str) -> Any:
        row = self.connection.execute(query).fetchone()
        return row[0] if row else None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- features ----------------------------------------------------------------------------------


def categorical_features(source: Source) -> list[Feature]:
    """The scored categorical features, in the order of the score's formula."""
    return source.cached("categorical_features", lambda: _categorical_features(source))


def _categorical_features(source: Source) -> list[Feature]:
    # The build says what it scored: feature_weights has a row per scored (feature, value), and
    # rarity_scores a weight_<feature> column per feature it can score, in the formula's order.
    # The model's value is in the column of the same name (attention: attention_feature).
    scored = {row[0] for row in source.connection.execute("select distinct feature from feature_weights").fetchall()}
    weights = [column.removeprefix("weight_") for column in source.columns("rarity_scores")
               if column.startswith("weight_") and column != "weight_context"]
    features = []
    for name in weights:
        column = "attention_feature" if name == "attention" else name
        if name in scored and source.has_column("rarity_scores", column):
            features.append(Feature(name, column, f"weight_{name}"))
    return features


def weight_features(source: Source) -> list[Feature]:
    """Every weight the score averages: the categorical ones, then the context weight."""
    return [*categorical_features(source), Feature("context", "context_window", "weight_context")]


def trait_features(source: Source) -> list[Feature]:
    """The features whose values are the selection's traits (SPEC "Step 4, coverage").

    context_band when the database has it; a database built before the coverage method counts
    distinct context windows, as its selection_coverage does.
    """
    context = "context_band" if source.has_column("rarity_scores", "context_band") else "context_window"
    return [*categorical_features(source), Feature(context, context, None)]


# --- selections --------------------------------------------------------------------------------


def chosen_method(source: Source) -> str:
    """The method whose selection model_selection holds."""
    if source.has_column("model_selection", "selection_method"):
        method = source.scalar("select min(selection_method) from model_selection")
        if method:
            return str(method)
    return "top_n"


def _optional(source: Source, relation: str, alias: str, column: str, cast: str) -> str:
    if source.has_column(relation, column):
        return f"{alias}.{column}"
    return f"cast(null as {cast})"


def picks_relation(source: Source) -> str:
    """A query of every pick of every method: selection_picks, or model_selection before it existed."""
    if source.has("selection_picks"):
        return (
            "select selection_method, size_category, model_id, model_name, rank_in_category, rarity_score, "
            "rarity_tier, is_baseline, selection_reason, pick_order, gain, traits_added from selection_picks"
        )
    method = sql_string(chosen_method(source))
    if source.has_column("model_selection", "selection_method"):
        method = "m.selection_method"
    return f"""
        select {method} as selection_method, m.size_category, m.model_id, m.model_name,
            m.rank_in_category, m.rarity_score, m.rarity_tier, m.is_baseline, m.selection_reason,
            {_optional(source, "model_selection", "m", "pick_order", "bigint")} as pick_order,
            {_optional(source, "model_selection", "m", "gain", "double")} as gain,
            {_optional(source, "model_selection", "m", "traits_added", "varchar")} as traits_added
        from model_selection as m
    """


def methods_present(source: Source) -> list[str]:
    """The methods with picks in this database, in METHODS order (unknown ones after)."""
    found = [
        row[0]
        for row in source.connection.sql(f"select distinct selection_method from ({picks_relation(source)})").fetchall()
    ]
    if not found:
        found = [chosen_method(source)]
    return sorted(found, key=lambda method: (METHODS.index(method) if method in METHODS else len(METHODS), method))


def categories(source: Source) -> list[Category]:
    """The size categories with scored models, smallest sizes first."""
    return source.cached("categories", lambda: _categories(source))


def _categories(source: Source) -> list[Category]:
    found = source.rows(
        """
        select size_category, count(*) as total
        from rarity_scores
        where size_category is not null
        group by size_category
        order by min(size_b), size_category
        """
    )
    selected: dict[str, dict[str, int]] = {}
    for category, method, count in source.connection.sql(
        f"select size_category, selection_method, count(*) from ({picks_relation(source)}) group by all"
    ).fetchall():
        selected.setdefault(category, {})[method] = int(count)
    return [Category(row["size_category"], int(row["total"]), selected.get(row["size_category"], {})) for row in found]


def outside_categories(source: Source) -> int:
    return int(source.scalar("select count(*) from rarity_scores where size_category is null") or 0)


def picks(source: Source) -> list[Pick]:
    """Every pick of every method with the model's weights and traits: by category, method, order."""
    return source.cached("picks", lambda: _picks(source))


def _picks(source: Source) -> list[Pick]:
    weights = weight_features(source)
    traits = trait_features(source)
    extra = [f"s.{_quote(f.value_column)} as {_quote('v:' + f.name)}" for f in weights]
    extra += [f"s.{_quote(f.weight_column)} as {_quote('w:' + f.name)}" for f in weights if f.weight_column]
    extra += [f"cast(s.{_quote(f.value_column)} as varchar) as {_quote('t:' + f.name)}" for f in traits]
    found = source.rows(
        f"""
        select p.*, {", ".join(extra)}
        from ({picks_relation(source)}) as p
        left join rarity_scores as s on p.model_id = s.model_id
        order by p.pick_order asc nulls first, p.rank_in_category asc nulls last, p.model_id
        """
    )
    order = {category.name: index for index, category in enumerate(categories(source))}
    method_order = {method: index for index, method in enumerate(METHODS)}
    found.sort(
        key=lambda row: (order.get(row["size_category"], len(order)), method_order.get(row["selection_method"], 9))
    )
    return [
        Pick(
            method=row["selection_method"],
            size_category=row["size_category"],
            model_id=row["model_id"],
            model_name=row["model_name"],
            rank_in_category=row["rank_in_category"],
            rarity_score=float(row["rarity_score"]),
            rarity_tier=row["rarity_tier"],
            is_baseline=bool(row["is_baseline"]),
            reason=row["selection_reason"],
            pick_order=row["pick_order"],
            gain=None if row["gain"] is None else float(row["gain"]),
            traits_added=row["traits_added"],
            values={f.name: row[f"v:{f.name}"] for f in weights},
            weights={f.name: row[f"w:{f.name}"] for f in weights if f.weight_column},
            traits={f.name: row[f"t:{f.name}"] for f in traits},
        )
        for row in found
    ]


def comparison(source: Source) -> list[dict[str, Any]]:
    """selection_comparison by category (smallest sizes first) and method; [] before it existed."""
    if not source.has("selection_comparison"):
        return []
    order = {category.name: index for index, category in enumerate(categories(source))}
    found = source.rows("select * from selection_comparison order by size_category, selection_method")
    method_order = {method: index for index, method in enumerate(METHODS)}
    found.sort(
        key=lambda row: (order.get(row["size_category"], len(order)), method_order.get(row["selection_method"], 9))
    )
    return found


def coverage_rows(source: Source) -> tuple[list[str], list[tuple[Any, ...]]]:
    """selection_coverage's columns and rows; ([], []) when it does not exist."""
    if not source.has("selection_coverage"):
        return [], []
    result = source.connection.sql("select * from selection_coverage order by all")
    return list(result.columns), result.fetchall()


def category_traits(source: Source) -> dict[str, list[Trait]]:
    """Per category, every trait its scored models hold, by feature then most common first."""
    features = trait_features(source)
    columns = ", ".join(f"cast({_quote(f.value_column)} as varchar) as {_quote(f.name)}" for f in features)
    names = ", ".join(_quote(f.name) for f in features)
    weight_join = ""
    weight = "cast(null as double)"
    if source.has("feature_weights"):
        weight_join = (
            "left join feature_weights as fw on fw.feature = t.feature and cast(fw.value as varchar) = t.value"
        )
        weight = "any_value(fw.weight)"
    found = source.connection.sql(
        f"""
        with values_of_models as (
            unpivot (select size_category, {columns} from rarity_scores where size_category is not null)
            on {names}
            into name feature value value
        ),
        counted as (
            select size_category, feature, value, count(*) as models
            from values_of_models
            group by all
        )
        select t.size_category, t.feature, t.value, any_value(t.models), {weight}
        from counted as t
        {weight_join}
        group by t.size_category, t.feature, t.value
        """
    ).fetchall()
    feature_order = {f.name: index for index, f in enumerate(features)}
    traits: dict[str, list[Trait]] = {}
    for category, feature, value, models, trait_weight in found:
        traits.setdefault(category, []).append(
            Trait(feature, value, int(models), None if trait_weight is None else float(trait_weight))
        )
    for listed in traits.values():
        listed.sort(key=lambda trait: (feature_order[trait.feature], -trait.models, trait.value))
    return traits


# --- the chart ---------------------------------------------------------------------------------


def _picked_by_model(source: Source) -> str:
    return f"""
        select
            model_id,
            list(distinct selection_method order by selection_method desc) as methods,
            max(selection_reason) filter (where selection_method = 'top_n') as top_n_reason,
            max(pick_order) filter (where selection_method = 'coverage') as coverage_order,
            max(gain) filter (where selection_method = 'coverage' and pick_order is not null) as coverage_gain
        from ({picks_relation(source)})
        group by model_id
    """


def chart_data(source: Source | duckdb.DuckDBPyConnection) -> tuple[list[ChartRow], list[ChartGroup]]:
    """The bars of the chart, in drawing order (top to bottom), and its groups.

    Each group: its top CHART_GROUP_LIMIT by rank (models outside every category: by the same
    order the ranking uses) plus every model any method selects.
    """
    if not isinstance(source, Source):
        source = Source(source)
    return source.cached("chart_data", lambda: _chart_data(source))


def _chart_data(source: Source) -> tuple[list[ChartRow], list[ChartGroup]]:
    weights = weight_features(source)
    detail_columns = "".join(
        f", cast(s.{_quote(f.value_column)} as varchar) as {_quote('v:' + f.name)}"
        + (f", s.{_quote(f.weight_column)} as {_quote('w:' + f.name)}" if f.weight_column else "")
        for f in weights
    )
    fetched = source.rows(
        f"""
        with picked as ({_picked_by_model(source)}),
        positioned as (
            select
                coalesce(s.size_category, {sql_string(NO_SIZE_CLASS)}) as chart_group,
                s.size_category is null as outside_categories,
                s.model_id,
                s.model_name,
                s.rarity_score,
                s.rarity_tier,
                coalesce(s.is_baseline, false) as is_baseline,
                s.selection_reason,
                picked.methods,
                picked.top_n_reason,
                picked.coverage_order,
                picked.coverage_gain,
                row_number() over (
                    partition by s.size_category
                    order by s.rank_in_category asc nulls last, s.rarity_score desc,
                        s.release_date desc nulls last, s.model_id asc
                ) as position,
                count(*) over (partition by s.size_category) as group_total,
                min(s.size_b) over (partition by s.size_category) as group_min_size
                {detail_columns}
            from rarity_scores as s
            left join picked on s.model_id = picked.model_id
        )
        select *
        from positioned
        where position <= {CHART_GROUP_LIMIT} or methods is not null or selection_reason is not null
        order by outside_categories, group_min_size, chart_group, position
        """
    )
    method_order = {method: index for index, method in enumerate(METHODS)}
    rows: list[ChartRow] = []
    totals: dict[str, int] = {}
    shown: dict[str, int] = {}
    for row in fetched:
        details = []
        for f in weights:
            text = "" if row[f"v:{f.name}"] is None else str(row[f"v:{f.name}"])
            weight = row.get(f"w:{f.name}")
            if weight is not None:
                text += f", weight {float(weight):.4f}"
            details.append((f.name, text))
        methods = tuple(sorted(row["methods"] or (), key=lambda method: method_order.get(method, 9)))
        rows.append(
            ChartRow(
                group=row["chart_group"],
                model_id=row["model_id"],
                rarity_score=float(row["rarity_score"]),
                rarity_tier=row["rarity_tier"],
                is_baseline=bool(row["is_baseline"]),
                selection_reason=row["selection_reason"],
                position=int(row["position"]),
                methods=methods,
                top_n_reason=row["top_n_reason"],
                coverage_order=row["coverage_order"],
                coverage_gain=None if row["coverage_gain"] is None else float(row["coverage_gain"]),
                model_name=row["model_name"] or "",
                details=tuple(details),
            )
        )
        totals[row["chart_group"]] = int(row["group_total"])
        shown[row["chart_group"]] = shown.get(row["chart_group"], 0) + 1
    groups = [ChartGroup(name, totals[name], shown[name]) for name in totals]
    return rows, groups


def chart_rows(source: Source | duckdb.DuckDBPyConnection) -> list[tuple[str, str, float]]:
    """The (group, model_id, rarity_score) of every bar the chart draws, in drawing order."""
    rows, _ = chart_data(source)
    return [(row.group, row.model_id, row.rarity_score) for row in rows]


# --- the page's catalog table and the superseded models ----------------------------------------

#: rarity_scores columns the page's catalog table shows, when they exist.
CATALOG_COLUMNS = (
    "model_id",
    "model_name",
    "family",
    "version",
    "size_b",
    "release_date",
    "size_category",
    "rank_in_category",
    "rarity_score",
    "rarity_tier",
    "attention",
    "attention_feature",
    "ffn",
    "activation",
    "norm",
    "context_window",
    "attention_window",
    "position_encoding",
    "qk_norm",
    "tie_word_embeddings",
    "sequence_mixer",
    "norm_placement",
    "model_type",
    "is_baseline",
    "superseded_by",
    "source_url",
)


def catalog_table(source: Source) -> tuple[list[str], list[tuple[Any, ...]], int]:
    """The page's catalog rows: every selected model, then the top of each group by rank.

    Returns (columns, rows, total scored models). At most CATALOG_ROW_LIMIT rows; the groups
    take turns by rank, so each one shows its top.
    """
    columns = [column for column in CATALOG_COLUMNS if source.has_column("rarity_scores", column)]
    selected = ", ".join(f"s.{_quote(column)}" for column in columns)
    found = source.connection.sql(
        f"""
        with picked as ({_picked_by_model(source)}),
        positioned as (
            select
                {selected},
                array_to_string(picked.methods, ', ') as selected_by,
                picked.methods is not null or s.selection_reason is not null as is_selected,
                row_number() over (
                    partition by s.size_category
                    order by s.rank_in_category asc nulls last, s.rarity_score desc,
                        s.release_date desc nulls last, s.model_id asc
                ) as position,
                s.size_category is null as outside_categories
            from rarity_scores as s
            left join picked on s.model_id = picked.model_id
        )
        select * exclude (is_selected, position, outside_categories)
        from positioned
        order by is_selected desc, position, outside_categories, size_category
        limit {CATALOG_ROW_LIMIT}
        """
    )
    total = int(source.scalar("select count(*) from rarity_scores") or 0)
    return list(found.columns), found.fetchall(), total


SUPERSEDED_COLUMNS = (
    "model_id",
    "family",
    "size_b",
    "version",
    "release_date",
    "superseded_by",
    "superseded_by_version",
    "superseded_by_release_date",
)


def superseded(source: Source) -> tuple[list[tuple[Any, ...]], int]:
    """The first SUPERSEDED_LIST_LIMIT superseded models (by family, size) and how many there are."""
    total = int(source.scalar("select count(*) from superseded_models") or 0)
    rows = source.connection.sql(
        f"""
        select {", ".join(SUPERSEDED_COLUMNS)}
        from superseded_models
        order by lower(family), size_b, model_id
        limit {SUPERSEDED_LIST_LIMIT}
        """
    ).fetchall()
    return rows, total


def kept_baselines(source: Source) -> list[tuple[Any, ...]]:
    """Baselines scored although a newer version exists: (model_id, family, size_b, version, newer)."""
    return source.connection.sql(
        """
        select model_id, family, size_b, version, superseded_by
        from rarity_scores
        where superseded_by is not null
        order by lower(family), size_b, model_id
        """
    ).fetchall()


def scored_count(source: Source) -> int:
    return int(source.scalar("select count(*) from rarity_scores") or 0)


def catalog_currency(source: Source) -> str:
    """How current the scores are: "catalog through <newest release_date>, <N> models" (scored and superseded)."""
    return source.cached("catalog_currency", lambda: currency_line(source.connection))


def currency_line(connection: duckdb.DuckDBPyConnection) -> str:
    """The catalog's newest release_date and its row count, from the published marts."""
    newest, models = connection.execute(
        """
        select max(release_date), count(*)
        from (
            select release_date from rarity_scores
            union all
            select release_date from superseded_models
        ) as catalog
        """
    ).fetchone() or (None, 0)
    return f"catalog through {newest}, {models:,} models"
