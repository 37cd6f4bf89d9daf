"""The `archrarity` command: build and publish the scores, add a model from its config.json."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import yaml

from archrarity import DEFAULT_DB, PROJECT_DIR, warehouse
from archrarity.add_model import add_parser as add_add_model_parser
from archrarity.discover import add_parsers as add_discover_parsers
from archrarity.enrich import add_parser as add_enrich_parser
from archrarity.publish import build_and_publish


def _parse_vars(text: str) -> dict:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise SystemExit(f"--vars must be a JSON object, e.g. '{{\"top_n\": 3}}': {error}") from None
    if not isinstance(value, dict):
        raise SystemExit(f"--vars must be a JSON object, e.g. '{{\"top_n\": 3}}', not {text!r}")
    return value


def print_selection(db_path: Path) -> None:
    """Print the selected models per size category and, when the database compares the selection
    methods, each method's trait share per category; from the published file (read-only)."""
    from archrarity.report.queries import currency_line  # the report package draws with matplotlib: import late
    with duckdb.connect(str(db_path), read_only=True) as connection:
        found = connection.sql(
            """
            select table_name, column_name from information_schema.columns
            where table_schema = current_schema() and table_name in ('model_selection', 'selection_comparison')
            """
        ).fetchall()
        columns = {f"{table}.{column}" for table, column in found}
        # read newer columns only when they exist: a database built before them prints as before
        gain = "gain" if "model_selection.gain" in columns else "null"
        pick_order = "pick_order" if "model_selection.pick_order" in columns else "null"
        method = None
        if "model_selection.selection_method" in columns:
            method = (connection.execute("select min(selection_method) from model_selection").fetchone() or (None,))[0]
        rows = connection.sql(
            f"""
            select size_category, rank_in_category, model_id, round(rarity_score, 4), selection_reason,
                {pick_order}, {gain}
            from (select *, min(size_b) over (partition by size_category) as category_size from model_selection)
            order by category_size, size_category, rank_in_category, model_id
            """
        ).fetchall()
        shares: dict[str, list[str]] = {}
        if "selection_comparison.trait_share" in columns:
            for category, compared, covered, total, share in connection.sql(
                """
                select size_category, selection_method, traits_covered, traits_in_category, trait_share
                from selection_comparison
                order by size_category, selection_method desc  -- top_n before coverage
                """
            ).fetchall():
                shares.setdefault(category, []).append(f"{compared} {covered}/{total} = {share:.1%}")
        currency = currency_line(connection)
    print(f"\nScores of the {currency}.")
    categories = list(dict.fromkeys([row[0] for row in rows] + sorted(shares)))
    for category in categories:
        print(f"\n{category} ({method} selection):" if method else f"\n{category}:")
        for _, rank, model_id, score, reason, order, pick_gain in (row for row in rows if row[0] == category):
            picked = f"  pick #{order}, gain {pick_gain:.4f}" if order is not None and pick_gain is not None else ""
            print(f"  {rank:>4}. {model_id:<40} {score:>8}  {reason}{picked}")
        if category in shares:
            print(f"  trait share: {', '.join(shares[category])}")


def settings_in_force(project_dir: Path, dbt_vars: dict) -> dict[str, object]:
    """The method's settings this build uses: dbt_project.yml's defaults, overridden by --vars."""
    defaults = yaml.safe_load((project_dir / "dbt_project.yml").read_text())["vars"]
    return {**defaults, **dbt_vars}


def command_build(args: argparse.Namespace) -> int:
    db_path = Path(args.db).expanduser().resolve()
    reports_dir = Path(args.reports).expanduser().resolve()
    project_dir = Path(args.project_dir).resolve()
    dbt_vars = _parse_vars(args.vars)
    settings = settings_in_force(project_dir, dbt_vars)
    # `duckdb` names the default target, the embedded file (profiles.yml's `dev`)
    target = "dev" if args.target in ("", "duckdb") else args.target
    profiles_dir = Path(args.profiles_dir).expanduser().resolve() if args.profiles_dir else project_dir
    if warehouse.adapter_type(target, profiles_dir) != "duckdb":
        return build_warehouse(target, dbt_vars, project_dir, profiles_dir, reports_dir, settings)
    if target != "dev":
        raise SystemExit(f"Target '{target}' is a DuckDB target; the DuckDB build publishes target dev's file (--db)")
    with ThreadPoolExecutor(max_workers=1) as background:
        # the report module (matplotlib) takes about a second to import: done while dbt runs
        report = background.submit(importlib.import_module, "archrarity.report")
        published = build_and_publish(
            db_path,
            dbt_vars,
            project_dir=project_dir,
            # the report is drawn from the scratch file: a failing report publishes nothing
            before_publish=lambda scratch: report.result().write_reports(scratch, reports_dir, settings),
        )
    if not published:
        print(f"\nBuild failed: {db_path} was not changed.", file=sys.stderr)
        return 1
    print(f"\nPublished {db_path}")
    print(f"Reports in {reports_dir}: index.html, rarity_scores.png, selection.md, the output tables as Parquet")
    print_selection(db_path)
    return 0


def build_warehouse(
    target: str,
    dbt_vars: dict,
    project_dir: Path,
    profiles_dir: Path,
    reports_dir: Path,
    settings: dict[str, object],
) -> int:
    """Write-audit-publish on a PostgreSQL or Spark target (warehouse.py); the reports are drawn
    from the scratch marts, copied into a temporary DuckDB file, before anything is published."""
    from archrarity.report import write_reports

    with tempfile.TemporaryDirectory() as folder:
        marts_copy = Path(folder) / "marts.duckdb"
        published = warehouse.build_and_publish_on_warehouse(
            target,
            dbt_vars,
            project_dir=project_dir,
            profiles_dir=profiles_dir,
            marts_copy=marts_copy,
            before_publish=lambda copy: write_reports(copy, reports_dir, settings),
        )
        if not published:
            print(f"\nBuild failed: nothing was published on target {target}.", file=sys.stderr)
            return 1
        print(f"Reports in {reports_dir}: index.html, rarity_scores.png, selection.md, the output tables as Parquet")
        print_selection(marts_copy)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archrarity", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="dbt build into a scratch file, publish it if everything passed")
    build.add_argument(
        "--db",
        default=os.environ.get("ARCHRARITY_DB") or str(DEFAULT_DB),
        help=f"database file to publish (default: {DEFAULT_DB.relative_to(PROJECT_DIR)} in the project)",
    )
    build.add_argument("--vars", default="", help="dbt vars as a JSON object, e.g. '{\"top_n\": 3}'")
    build.add_argument("--project-dir", default=str(PROJECT_DIR), help="the dbt project (default: this one)")
    build.add_argument(
        "--target",
        default=os.environ.get("ARCHRARITY_TARGET") or "duckdb",
        help="duckdb (the default: publishes --db), postgres or spark (publish schema main there), "
        "or another target of profiles.yml",
    )
    build.add_argument(
        "--profiles-dir",
        default="",
        help="folder of the profiles.yml with your warehouse's target (default: the project's)",
    )
    build.add_argument(
        "--reports",
        default=str(PROJECT_DIR / "reports"),
        help="folder for the chart, selection.md and Parquet files (default: reports/ in the project)",
    )
    build.set_defaults(handler=command_build)

    add_add_model_parser(commands)
    add_enrich_parser(commands)
    add_discover_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
