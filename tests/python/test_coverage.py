"""The coverage selection on the shipped catalog, checked against an independent Python
reading of SPEC's Step 4 coverage: the same picks and gains, at least (1 - 1/e) of the best
weighted coverage for the same budget (found by brute force), and never less weight than the
top_n selection covers."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import pytest

from conftest import query, run_build

TRAITS = ("attention_feature", "activation", "norm", "context_band")
TRAIT_NAMES = {"attention_feature": "attention"}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("shipped")
    db = work / "published.duckdb"
    build = run_build(db, work)
    assert build.returncode == 0, build.output
    return db


def scored_models(db: Path) -> list[dict]:
    columns = ["model_id", "size_category", "is_baseline", "rarity_score", "release_date", "context_window"]
    columns += TRAITS[:3]
    rows = query(db, f"select {', '.join(columns)} from rarity_scores")
    models = [dict(zip(columns, row, strict=True)) for row in rows]
    for model in models:
        # SPEC: the smallest power of two >= context_window, computed here without the SQL macro
        model["context_band"] = 1 << (model["context_window"] - 1).bit_length()
    return models


def trait_weights(models: list[dict]) -> dict[tuple[str, object], float]:
    """w(feature, value) = N / count(value) over the N scored models (SPEC, Step 4 coverage)."""
    n = len(models)
    counts = Counter((feature, model[feature]) for model in models for feature in TRAITS)
    return {trait: n / count for trait, count in counts.items()}


def traits_of(model: dict) -> set[tuple[str, object]]:
    return {(feature, model[feature]) for feature in TRAITS}


def budgets(db: Path) -> dict[str, int]:
    rows = query(db, "select size_category, n_selected from selection_comparison where selection_method = 'top_n'")
    return dict(rows)


def greedy(models: list[dict], weights: dict, budget: int) -> list[tuple[str, float]]:
    """SPEC's greedy, written from the text: baselines first; then the largest gain (rounded to
    9 decimals), ties to a signature not yet selected, higher rarity_score, newer release,
    smaller model_id."""
    selected = [m for m in models if m["is_baseline"]]
    covered = set().union(*(traits_of(m) for m in selected))
    signatures = {tuple(sorted(traits_of(m), key=str)) for m in selected}
    picks = []
    candidates = [m for m in models if not m["is_baseline"]]
    while len(selected) < budget and candidates:

        def order(model: dict, covered: set = covered) -> tuple:
            gain = round(sum(weights[t] for t in traits_of(model) - covered), 9)
            is_new = tuple(sorted(traits_of(model), key=str)) not in signatures
            return (-gain, not is_new, -model["rarity_score"], -model["release_date"].toordinal(), model["model_id"])

        best = min(candidates, key=order)
        gain = round(sum(weights[t] for t in traits_of(best) - covered), 9)
        picks.append((best["model_id"], gain))
        selected.append(best)
        candidates.remove(best)
        covered |= traits_of(best)
        signatures.add(tuple(sorted(traits_of(best), key=str)))
    return picks


def test_picks_and_gains_match_spec_read_independently(shipped):
    models = scored_models(shipped)
    weights = trait_weights(models)
    for category, budget in budgets(shipped).items():
        in_category = [m for m in models if m["size_category"] == category]
        expected = greedy(in_category, weights, budget)
        actual = query(
            shipped,
            f"""select model_id, gain from selection_picks
            where selection_method = 'coverage' and size_category = '{category}' and pick_order is not null
            order by pick_order""",
        )
        assert [model_id for model_id, _ in actual] == [model_id for model_id, _ in expected], category
        for (_, gain), (_, expected_gain) in zip(actual, expected, strict=True):
            assert abs(gain - expected_gain) < 1e-9


def test_greedy_reaches_at_least_1_minus_1_over_e_of_the_best_coverage(shipped):
    models = scored_models(shipped)
    weights = trait_weights(models)
    for category, budget in budgets(shipped).items():
        in_category = [m for m in models if m["size_category"] == category]
        baselines = [m for m in in_category if m["is_baseline"]]
        base_traits = set().union(*(traits_of(m) for m in baselines))
        # models with one signature cover the same traits: the best set uses distinct ones
        options = {frozenset(traits_of(m)) for m in in_category if not m["is_baseline"]}
        picks = min(budget - len(baselines), len(options))

        def covered_weight(chosen: tuple[frozenset, ...], base: set = base_traits) -> float:
            return sum(weights[t] for t in base.union(*chosen))

        best = max(covered_weight(chosen) for chosen in itertools.combinations(options, picks))
        selected = query(
            shipped,
            f"""select model_id from selection_picks
            where selection_method = 'coverage' and size_category = '{category}'""",
        )
        by_id = {m["model_id"]: m for m in in_category}
        greedy_weight = sum(weights[t] for t in set().union(*(traits_of(by_id[i]) for (i,) in selected)))
        ratio = greedy_weight / best
        print(f"{category}: greedy covers {greedy_weight:.6f} of the best {best:.6f} (ratio {ratio:.6f})")
        assert ratio >= 1 - 1 / math.e
        assert ratio <= 1 + 1e-12


def test_coverage_covers_at_least_the_weight_top_n_covers_on_the_shipped_catalog(shipped):
    rows = query(
        shipped,
        """
        select coverage.size_category, coverage.weight_share, top_n.weight_share,
            coverage.n_selected, top_n.n_selected
        from selection_comparison as coverage
        inner join selection_comparison as top_n
            on coverage.size_category = top_n.size_category and top_n.selection_method = 'top_n'
        where coverage.selection_method = 'coverage'
        """,
    )
    assert {category for category, *_ in rows} == {"~8B", "~70B"}
    for category, coverage_share, top_n_share, coverage_n, top_n_n in rows:
        print(f"{category}: weight_share coverage {coverage_share:.4f}, top_n {top_n_share:.4f}")
        assert coverage_n == top_n_n
        assert coverage_share >= top_n_share - 1e-12, category
