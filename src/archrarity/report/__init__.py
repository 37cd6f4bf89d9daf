"""Write the human-readable reports of a built database: the page, a chart, markdown, Parquet files.

One module per output (chart.py: rarity_scores.png, markdown.py: selection.md, page.py:
index.html), all reading through one query layer (queries.py) over a read-only connection, so
the reports show exactly what BI tools and queries see. Nothing is recomputed here.

The files are written into a scratch directory beside `out_dir` and moved into place only
once all of them were written: a failure leaves `out_dir` as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from archrarity.report.chart import CHART_FILE, draw_chart
from archrarity.report.markdown import SELECTION_FILE, selection_markdown
from archrarity.report.page import PAGE_FILE, page_html
from archrarity.report.queries import Source, chart_data, sql_string

#: The output tables exported as Parquet, in this order.
OUTPUT_TABLES = ("rarity_scores", "model_selection", "feature_weights", "superseded_models")
#: Output tables exported as well when the database has them.
OPTIONAL_TABLES = ("selection_picks", "selection_comparison", "selection_coverage")

__all__ = [
    "CHART_FILE",
    "OPTIONAL_TABLES",
    "OUTPUT_TABLES",
    "PAGE_FILE",
    "SELECTION_FILE",
    "exported_tables",
    "write_reports",
]


def exported_tables(source: Source) -> list[str]:
    return [*OUTPUT_TABLES, *(table for table in OPTIONAL_TABLES if source.has(table))]


def _write_parquet(connection: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    connection.execute(f"copy (select * from {table}) to {sql_string(str(path))} (format parquet)")


def _write_all(connection: duckdb.DuckDBPyConnection, out_dir: Path, settings: Mapping[str, object]) -> list[str]:
    source = Source(connection)
    tables = exported_tables(source)
    parquet = [f"{table}.parquet" for table in tables]

    # DuckDB writes the Parquet files on its own cursor and threads, without the GIL, while
    # this thread draws the chart and the page (0.3 s off the reports of a 1M-row build)
    with ThreadPoolExecutor(max_workers=1) as background:
        exports = background.submit(_write_exports, connection.cursor(), tables, [out_dir / name for name in parquet])

        rows, groups = chart_data(source)
        draw_chart(rows, groups, settings).savefig(out_dir / CHART_FILE, metadata={"Software": None})

        markdown = selection_markdown(source, settings, [PAGE_FILE, CHART_FILE, *parquet])
        (out_dir / SELECTION_FILE).write_text(markdown, encoding="utf-8")

        page = page_html(source, settings, [SELECTION_FILE, CHART_FILE, *parquet])
        (out_dir / PAGE_FILE).write_text(page, encoding="utf-8")
        exports.result()  # a failed export fails the reports
    return [PAGE_FILE, CHART_FILE, SELECTION_FILE, *parquet]


def _write_exports(cursor: duckdb.DuckDBPyConnection, tables: Sequence[str], paths: Sequence[Path]) -> None:
    with cursor:
        for table, path in zip(tables, paths, strict=True):
            _write_parquet(cursor, table, path)


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


def write_reports(db_path: Path, out_dir: Path, settings: Mapping[str, object]) -> list[Path]:
    """Write index.html, the chart, selection.md and the Parquet exports of `db_path` into `out_dir`.

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
