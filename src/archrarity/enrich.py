"""`archrarity enrich`: grow a catalog from config.json files, many models at once.

A team lists the models it cares about in a small CSV (identity columns plus `config`: a
Hugging Face repo id `org/name` or a config.json path). Every architecture column is derived
from each model's config.json by the same rules as `add-model` (archrarity.config_labels);
the output is a catalog CSV with all the catalog's columns that `catalog_path` accepts.

A model whose config cannot be read, or whose required labels (attention, ffn, activation,
norm) cannot be derived, is refused and left out; a model missing only optional facts is
written with those cells empty (with --strict it is refused too). Either way the reason is
reported and the run goes on. Exit status: 0 when at least one model was written, 1 when
none was, 2 when the input CSV itself is malformed.
"""

from __future__ import annotations

import argparse
import collections
import csv
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from archrarity.add_model import (
    COLUMNS,
    REPO_ID,
    assemble_row,
    read_vocabulary,
    validate_row,
)
from archrarity.config_labels import LABELS, LAYOUT_FACTS, ConfigError, read_config

#: columns the input CSV must have; `config` names the repo id or the config.json path
INPUT_REQUIRED = ("model_id", "model_name", "family", "version", "size_b", "release_date", "context_window",
                  "config")
#: optional input columns: where the facts were read, and facts the team fills by hand
INPUT_OPTIONAL = ("source_url", *LAYOUT_FACTS)
HUB_URL = "https://huggingface.co/"
# errors about one repo; any other hub error (offline, no route) stops using the hub for the run
PER_REPO_ERRORS = {"RepositoryNotFoundError", "GatedRepoError", "EntryNotFoundError", "RevisionNotFoundError"}


class InputError(Exception):
    """The input CSV cannot be read as the list of models; the message says why."""


@dataclass
class Outcome:
    model_id: str
    row: dict[str, str] | None  # None: refused, not written
    problems: dict[str, str]  # column (or "config") -> reason
    notes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    written: int = 0
    with_gaps: int = 0
    refused: int = 0
    by_field: collections.Counter[str] = field(default_factory=collections.Counter)
    reasons: dict[str, collections.Counter[str]] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        if outcome.row is None:
            self.refused += 1
        else:
            self.written += 1
            self.with_gaps += bool(outcome.problems)
        for column, reason in outcome.problems.items():
            self.by_field[column] += 1
            self.reasons.setdefault(column, collections.Counter())[_reason_kind(reason, column)] += 1


def _reason_kind(reason: str, column: str) -> str:
    """The reason without the model's own numbers, so equal reasons count together."""
    text = reason.removeprefix(f"cannot derive {column}: ")
    return text if len(text) <= 140 else text[:137] + "..."


class ConfigSource:
    """Finds each model's config.json: a path, a snapshot folder, or the hub (never required)."""

    def __init__(self, configs_dir: Path | None, base_dir: Path) -> None:
        self.configs_dir = configs_dir
        self.base_dir = base_dir
        self.hub_down: str | None = None  # set after the first failure that is not about one repo

    def load(self, spec: str) -> tuple[dict[str, Any], str | None]:
        """(config, Hugging Face URL when spec is a repo id); ConfigError saying why not."""
        path = Path(spec).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        if spec.endswith(".json") or path.is_file():
            if not path.is_file():
                raise ConfigError(f"no config.json at {path}")
            return read_config(path), None
        if not REPO_ID.fullmatch(spec):
            raise ConfigError(f"'{spec}' is neither a config.json path nor a Hugging Face repo id org/name")
        url = HUB_URL + spec
        if self.configs_dir is not None:
            snapshot = self.configs_dir / spec / "config.json"
            if not snapshot.is_file():
                raise ConfigError(f"no config.json at {snapshot} (the --configs snapshot has no {spec})")
            return read_config(snapshot), url
        return read_config(self._download(spec)), url

    def _download(self, repo_id: str) -> Path:
        hint = "pass --configs DIR with <org>/<repo>/config.json files"
        if self.hub_down:
            raise ConfigError(f"cannot fetch {repo_id}: {self.hub_down}; {hint}")
        try:
            from huggingface_hub import hf_hub_download
        except ImportError:
            self.hub_down = "huggingface_hub is not installed"
            raise ConfigError(f"cannot fetch {repo_id}: {self.hub_down}; {hint}") from None
        try:
            return Path(hf_hub_download(repo_id=repo_id, filename="config.json"))
        except Exception as error:  # offline, no such repo, gated repo, ...
            message = f"{type(error).__name__}: {error}".splitlines()[0]
            if type(error).__name__ not in PER_REPO_ERRORS:
                self.hub_down = f"the hub is unreachable ({message})"
            raise ConfigError(f"cannot fetch {repo_id}: {message}; {hint}") from None


def read_models(path: Path) -> list[dict[str, str]]:
    """The input rows, trimmed; InputError when the file is not the CSV the command expects."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [column for column in INPUT_REQUIRED if column not in header]
            if missing:
                raise InputError(
                    f"{path} lacks column(s) {', '.join(missing)} (needs {', '.join(INPUT_REQUIRED)}; "
                    f"optional: {', '.join(INPUT_OPTIONAL)})"
                )
            rows = []
            for entry in reader:
                if None in entry:  # more cells than the header has names
                    raise InputError(f"{path} line {reader.line_num}: more cells than the header has columns")
                rows.append({(key or "").strip(): (value or "").strip() for key, value in entry.items()})
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"cannot read {path}: {error}") from None
    return rows


def enrich_one(entry: dict[str, str], source: ConfigSource, vocabulary: dict[str, dict[str, str]],
               strict: bool) -> Outcome:
    model_id = entry["model_id"]
    try:
        config, url = source.load(entry["config"])
    except ConfigError as error:
        return Outcome(model_id, None, {"config": str(error)})
    overrides = {column: entry[column] for column in LAYOUT_FACTS if entry.get(column)}
    row, refused, notes = assemble_row(
        config,
        model_id=model_id,
        model_name=entry["model_name"],
        family=entry["family"],
        version=entry["version"],
        size_b=entry["size_b"],
        release_date=entry["release_date"],
        context_window=entry["context_window"],
        source_url=entry.get("source_url") or url,
        overrides=overrides,
    )
    required = [column for column in (*LABELS, "context_window") if column in refused]
    invalid = validate_row(row, vocabulary) if not required else []
    if invalid:
        refused["row"] = "; ".join(invalid)
    if required or invalid or (strict and refused):
        return Outcome(model_id, None, refused, notes)
    return Outcome(model_id, row, refused, notes)


def write_csv(path: Path, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> None:
    """A CSV written beside the target and renamed over it, so never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def write_catalog(path: Path, rows: Iterable[dict[str, str]]) -> None:
    """All catalog columns in order."""
    write_csv(path, COLUMNS, rows)


def write_problems(path: Path, outcomes: list[Outcome]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["model_id", "status", "field", "reason"])
        for outcome in outcomes:
            status = "refused" if outcome.row is None else "written"
            for column, reason in outcome.problems.items():
                writer.writerow([outcome.model_id, status, column, reason])


def report_line(outcome: Outcome) -> str | None:
    if not outcome.problems:
        return None
    reasons = "; ".join(
        f"{column}: {reason.removeprefix(f'cannot derive {column}: ')}" for column, reason in outcome.problems.items()
    )
    if outcome.row is None:
        return f"refused {outcome.model_id}: {reasons}"
    return f"written {outcome.model_id} without {', '.join(outcome.problems)}: {reasons}"


def print_summary(summary: Summary, output: Path, out: TextIO) -> None:
    print(
        f"\nDerived {summary.written} model(s) into {output} ({summary.with_gaps} with optional facts left empty); "
        f"refused {summary.refused}.",
        file=out,
    )
    if not summary.by_field:
        return
    print("Could not derive, by field:", file=out)
    for column, count in summary.by_field.most_common():
        print(f"  {column:<24} {count:>6}", file=out)
        for reason, times in summary.reasons[column].most_common(3):
            print(f"      {times:>6} x {reason}", file=out)


def enrich(args: argparse.Namespace, err: TextIO | None = None, out: TextIO | None = None) -> int:
    err = err or sys.stderr  # looked up per call: tests and callers may replace sys.stderr
    out = out or sys.stdout
    models_path = Path(args.models).expanduser()
    try:
        entries = read_models(models_path)
    except InputError as error:
        print(f"archrarity enrich: {error}", file=err)
        return 2
    configs_dir = Path(args.configs).expanduser() if args.configs else None
    if configs_dir is not None and not configs_dir.is_dir():
        print(f"archrarity enrich: --configs {configs_dir} is not a folder", file=err)
        return 2
    source = ConfigSource(configs_dir, models_path.resolve().parent)
    vocabulary = read_vocabulary()
    summary = Summary()
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    bar = tqdm(entries, desc="enrich", unit="model", file=err, disable=_no_bar(args.progress, err))

    def log(line: str) -> None:
        bar.write(line, file=err)  # printed above the bar, which stays intact

    for entry in bar:
        if entry["model_id"] in seen:
            outcome = Outcome(entry["model_id"], None, {"model_id": "listed twice in the input: kept the first"})
        else:
            outcome = enrich_one(entry, source, vocabulary, args.strict)
        if outcome.row is not None:
            seen.add(entry["model_id"])
        outcomes.append(outcome)
        summary.add(outcome)
        line = report_line(outcome)
        if line:
            log(line)
        if args.verbose:
            for note in outcome.notes:
                log(f"{outcome.model_id}: {note}")
    bar.close()
    output = Path(args.output).expanduser()
    rows = [outcome.row for outcome in outcomes if outcome.row is not None]
    if rows:
        write_catalog(output, rows)
    if args.problems:
        write_problems(Path(args.problems).expanduser(), outcomes)
    print_summary(summary, output, out)
    if not rows:
        print(f"archrarity enrich: no model could be derived; {output} was not written", file=err)
        return 1
    return 0


def _no_bar(progress: bool | None, err: TextIO) -> bool:
    if progress is None:  # automatic: a bar on a terminal, none in logs
        return not (hasattr(err, "isatty") and err.isatty())
    return not progress


def command_enrich(args: argparse.Namespace) -> int:
    return enrich(args)


def add_parser(commands: Any) -> None:
    """The `enrich` subcommand, on the subparsers of archrarity's parser."""
    parser = commands.add_parser(
        "enrich",
        help="write a catalog from a list of models, every architecture column derived from its config.json",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "models", metavar="MODELS_CSV",
        help=f"CSV with {', '.join(INPUT_REQUIRED)} (config: org/repo or a config.json path, relative to "
        f"the CSV's folder); optional {', '.join(INPUT_OPTIONAL)}",
    )
    parser.add_argument("-o", "--output", required=True, help="catalog CSV to write (replaced if it exists)")
    parser.add_argument(
        "--configs", metavar="DIR",
        help="folder laid out as a Hugging Face snapshot, <org>/<repo>/config.json; without it repo ids "
        "are fetched from the hub when huggingface_hub is installed and the machine is online",
    )
    parser.add_argument("--strict", action="store_true",
                        help="refuse a model with any fact left empty (the shipped catalog needs them all)")
    parser.add_argument("--problems", metavar="CSV", help="also write every problem as model_id,status,field,reason")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only on a terminal)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print each model's notes")
    parser.set_defaults(handler=command_enrich)

