"""`archrarity add-model`: append one validated catalog row derived from a model's config.json.

The labels come from archrarity.config_labels (architecture tables plus the shared Jinja rules in
macros/label_rules.sql); the row is checked as models/staging/stg_catalog.sql checks it, so a row
this command writes never stops `dbt build`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import re
import sys
from pathlib import Path
from typing import Any

from archrarity import PROJECT_DIR
from archrarity.config_labels import (
    FACTS,
    LABELS,
    LAYOUT_FACTS,
    ConfigError,
    derive_fields,
    knowledge,
    read_config,
)

DEFAULT_CATALOG = PROJECT_DIR / "seeds" / "catalog.csv"
VOCABULARY = PROJECT_DIR / "seeds" / "vocabulary.csv"
VOCABULARY_ALIASES = PROJECT_DIR / "seeds" / "vocabulary_aliases.csv"
REQUIRED = ("model_id", "model_name", "family", "version", "size_b", "release_date",
            "attention", "ffn", "activation", "norm", "context_window")
#: the catalog's columns in order (SPEC "The catalog"); from total_params_b on they are optional
COLUMNS = ("model_id", "model_name", "family", "version", "size_b", "release_date", *LABELS,
           "context_window", "total_params_b", "active_params_b", *FACTS, "source_url", *LAYOUT_FACTS)
# categorical facts checked against the vocabulary seed, like the labels
VOCABULARY_FACTS = ("attention_window", "position_encoding", "qk_norm", "tie_word_embeddings", "sequence_mixer",
                    "norm_placement")
WINDOWED = ("sliding", "local-global")

REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
MODEL_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
MODEL_TYPE = re.compile(r"[a-z0-9_]+")
VERSION = re.compile(r"\d+(\.\d+)*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class AddModelError(Exception):
    """The model cannot be added; the message says why and what to do."""


def load_config(spec: str) -> tuple[dict[str, Any], str | None]:
    """(config, Hugging Face URL or None) from a local config.json, or a repo id when online."""
    path = Path(spec).expanduser()
    if path.is_dir():
        path = path / "config.json"
    if path.is_file():
        return read_config(path), None
    if not REPO_ID.fullmatch(spec) or spec.endswith(".json"):
        raise AddModelError(f"no config.json at {spec} (give a config.json path or a Hugging Face repo id)")
    hint = "download config.json and pass its path"
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise AddModelError(f"cannot fetch {spec}: huggingface_hub is not installed; {hint}") from None
    try:
        downloaded = hf_hub_download(repo_id=spec, filename="config.json")
    except Exception as error:  # offline, no such repo, gated repo, ...
        raise AddModelError(f"cannot fetch {spec}: {type(error).__name__}: {error}; {hint}") from None
    return read_config(Path(downloaded)), f"https://huggingface.co/{spec}"


def read_vocabulary() -> dict[str, dict[str, str]]:
    """feature -> {accepted spelling, lower case: canonical value}, from the vocabulary seeds."""
    accepted: dict[str, dict[str, str]] = {}
    with VOCABULARY.open(newline="") as handle:
        for entry in csv.DictReader(handle):
            value = entry["value"].strip()
            accepted.setdefault(entry["feature"].strip().lower(), {})[value.lower()] = value
    with VOCABULARY_ALIASES.open(newline="") as handle:
        for entry in csv.DictReader(handle):
            feature = accepted.get(entry["feature"].strip().lower(), {})
            target = feature.get((entry["value"] or "").strip().lower())
            if target:
                feature[entry["alias"].strip().lower()] = target
    return accepted


def _positive(text: str, whole: bool) -> float | None:
    if not NUMBER.fullmatch(text):
        return None
    value = float(text)
    if not math.isfinite(value) or value <= 0 or (whole and value != math.floor(value)):
        return None
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # the catalog holds only whole numbers > 0 here: 0 experts is no expert count
    if isinstance(value, int) and value <= 0:
        return ""
    return str(value).strip()


def assemble_row(
    config: dict[str, Any],
    *,
    model_id: str,
    model_name: str,
    family: str,
    version: str,
    size_b: str,
    release_date: str,
    context_window: str | None = None,
    source_url: str | None = None,
    overrides: dict[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(catalog row as text, column -> why it could not be derived, notes); never raises.

    A refused column is empty in the row. overrides (from --set) fill or replace the optional
    architecture facts (LAYOUT_FACTS) the user read elsewhere, e.g. in the model's code.
    """
    derivation = derive_fields(config)
    refused = dict(derivation.refused)
    notes: list[str] = []
    if context_window is None or not context_window.strip():
        positions = derivation.values.get("max_position_embeddings")
        if positions is None:
            refused["context_window"] = (
                f"cannot derive context_window: config has no "
                f"{' / '.join(knowledge().config_keys['max_position_embeddings'])}; "
                "pass --context-window N with the length the model card advertises"
            )
            context_window = ""
        else:
            context_window = str(positions)
            notes.append(
                f"note: context_window = {context_window} is the config's max_position_embeddings; "
                "the model card may advertise a different length (set it with --context-window)"
            )
    row = {
        "model_id": model_id,
        "model_name": model_name,
        "family": family,
        "version": version,
        "size_b": size_b,
        "release_date": release_date,
        "context_window": context_window,
        "source_url": source_url or "",
    }
    row |= {column: _text(derivation.values.get(column)) for column in (*LABELS, *FACTS, *LAYOUT_FACTS)}
    for column, value in (overrides or {}).items():
        derived = row[column]
        row[column] = value
        refused.pop(column, None)
        if derived and derived != value.strip():
            notes.append(f"note: {column} = {value} as set, where the config says {derived}")
    if overrides and "attention_window" in overrides and "sliding_window" not in overrides:
        refused.pop("sliding_window", None)  # a window set by hand: the window goes with it
        if overrides["attention_window"].strip().lower() not in WINDOWED:
            row["sliding_window"] = ""
    row = {column: value.strip() for column, value in row.items()}
    return row, refused, notes


def build_row(
    config: dict[str, Any],
    *,
    model_id: str,
    model_name: str,
    family: str,
    version: str,
    size_b: str,
    release_date: str,
    context_window: str | None = None,
    source_url: str | None = None,
    overrides: dict[str, str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """(catalog row as text, notes for the user); AddModelError naming every column it cannot derive."""
    row, refused, notes = assemble_row(
        config, model_id=model_id, model_name=model_name, family=family, version=version, size_b=size_b,
        release_date=release_date, context_window=context_window, source_url=source_url, overrides=overrides,
    )
    if refused:
        lines = list(dict.fromkeys(refused.values()))
        settable = [column for column in refused if column in LAYOUT_FACTS]
        if settable:
            lines.append(
                f"if you know {', '.join(settable)} from the model's code or report, pass "
                + " ".join(f"--set {column}=VALUE" for column in settable)
            )
        raise AddModelError("\n".join(lines))
    return row, notes


def validate_row(row: dict[str, str], vocabulary: dict[str, dict[str, str]]) -> list[str]:
    """What stg_catalog would reject in this row (it also rewrites labels to canonical spelling)."""
    problems = [f"{column} is required" for column in REQUIRED if not row.get(column)]
    if row["model_id"] and not MODEL_ID.fullmatch(row["model_id"]):
        problems.append(
            f"model_id = '{row['model_id']}' does not match [a-z0-9][a-z0-9._-]* (lower case, digits, . _ -)"
        )
    if row["version"] and not VERSION.fullmatch(row["version"]):
        problems.append(f"version = '{row['version']}' is not dotted numbers like 3 or 3.1")
    if row["size_b"] and _positive(row["size_b"], whole=False) is None:
        problems.append(f"size_b = '{row['size_b']}' is not a number of billions > 0 (write 12, not 12B)")
    if row["release_date"]:
        try:
            if not DATE.fullmatch(row["release_date"]):
                raise ValueError
            dt.date.fromisoformat(row["release_date"])
        except ValueError:
            problems.append(f"release_date = '{row['release_date']}' is not a real date written YYYY-MM-DD")
    if row["context_window"]:
        if _positive(row["context_window"], whole=True) is None:
            problems.append(
                f"context_window = '{row['context_window']}' is not a whole number of tokens > 0 "
                "(write 131072, not 128K)"
            )
        else:
            row["context_window"] = str(int(float(row["context_window"])))
    for label in LABELS:
        accepted = vocabulary.get(label, {})
        canonical = accepted.get(row[label].lower())
        if canonical is None:
            listed = ", ".join(sorted(set(accepted.values())))
            problems.append(
                f"{label} = '{row[label]}' is not in the vocabulary (accepted: {listed}; "
                "extend seeds/vocabulary.csv or seeds/vocabulary_aliases.csv)"
            )
        else:
            row[label] = canonical
    for fact in VOCABULARY_FACTS:
        if not row.get(fact):
            continue  # optional: absent or empty is allowed
        accepted = vocabulary.get(fact, {})
        canonical = accepted.get(row[fact].lower())
        if canonical is None:
            listed = ", ".join(sorted(set(accepted.values())))
            problems.append(f"{fact} = '{row[fact]}' is not in the vocabulary (accepted: {listed})")
        else:
            row[fact] = canonical
    for fact in ("sliding_window", "num_hidden_layers", "hidden_size", "vocab_size"):
        if row.get(fact) and _positive(row[fact], whole=True) is None:
            problems.append(f"{fact} = '{row[fact]}' is not a whole number > 0")
    window = row.get("attention_window", "")
    if window and (window in WINDOWED) != bool(row.get("sliding_window")):
        problems.append(
            f"sliding_window = '{row.get('sliding_window', '')}' with attention_window = '{window}': "
            "the window is given exactly when attention_window is sliding or local-global"
        )
    if window and (window == "none") != (row.get("attention") in ("SSM", "RNN")):
        problems.append(
            f"attention_window = '{window}' with attention = '{row.get('attention')}': "
            "'none' (no attention layers) goes with attention SSM or RNN, and only with them"
        )
    if row.get("model_type") and not MODEL_TYPE.fullmatch(row["model_type"]):
        problems.append(f"model_type = '{row['model_type']}' is not a config model_type ([a-z0-9_]+)")
    return problems


def read_catalog(path: Path) -> tuple[list[str], set[str]]:
    """(header, model_ids) of a catalog CSV."""
    try:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            model_ids = {(entry.get("model_id") or "").strip() for entry in reader}
            header = list(reader.fieldnames or [])
    except OSError as error:
        raise AddModelError(f"cannot read the catalog {path}: {error}") from None
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise AddModelError(f"the catalog {path} lacks required column(s): {', '.join(missing)}")
    return header, model_ids


def to_csv(header: list[str], row: dict[str, str], with_header: bool, newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if with_header:
        writer.writerow(header)
    writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue()


def append_row(path: Path, header: list[str], row: dict[str, str]) -> None:
    data = path.read_bytes()
    newline = "\r\n" if b"\r\n" in data.split(b"\n", 1)[0] + b"\n" else "\n"
    with path.open("a", newline="") as handle:
        if data and not data.endswith(b"\n"):
            handle.write(newline)
        handle.write(to_csv(header, row, with_header=False, newline=newline))


def add_model(args: argparse.Namespace) -> None:
    catalog = Path(args.catalog).expanduser().resolve() if args.catalog else DEFAULT_CATALOG
    header, model_ids = read_catalog(catalog)
    config, fetched_url = load_config(args.config)
    row, notes = build_row(
        config,
        model_id=args.model_id,
        model_name=args.model_name,
        family=args.family,
        version=args.version,
        size_b=args.size_b,
        release_date=args.release_date,
        context_window=args.context_window,
        source_url=args.source_url or fetched_url,
        overrides=parse_overrides(args.set or []),
    )
    problems = validate_row(row, read_vocabulary())
    if row["model_id"] in model_ids:
        problems.append(f"model_id '{row['model_id']}' is already in the catalog {catalog}")
    if catalog == DEFAULT_CATALOG.resolve() and not row["source_url"]:
        problems.append("source_url is required in the shipped catalog: pass --source-url (the model's repo)")
    if problems:
        raise AddModelError("the row is not valid:\n" + "\n".join(f"  - {problem}" for problem in problems))
    dropped = [column for column in LAYOUT_FACTS if row.get(column) and column not in header]
    if dropped:
        notes.append(f"note: the catalog {catalog} has no column(s) {', '.join(dropped)}: not written")
    for note in notes:
        print(note, file=sys.stderr)
    if args.dry_run:
        sys.stdout.write(to_csv(header, row, with_header=True))
        return
    append_row(catalog, header, row)
    print(
        f"Appended {row['model_id']} to {catalog}: attention {row['attention']}, ffn {row['ffn']}, "
        f"activation {row['activation']}, norm {row['norm']}, context_window {row['context_window']}"
    )


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """--set FIELD=VALUE pairs, for the optional architecture facts only."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        column, equals, value = pair.partition("=")
        column = column.strip()
        if not equals or column not in LAYOUT_FACTS:
            raise AddModelError(f"--set {pair}: write FIELD=VALUE with FIELD one of {', '.join(LAYOUT_FACTS)}")
        overrides[column] = value.strip()
    return overrides


def command_add_model(args: argparse.Namespace) -> int:
    try:
        add_model(args)
    except (AddModelError, ConfigError) as error:
        print(f"archrarity add-model: {error}", file=sys.stderr)
        return 1
    return 0


def add_parser(commands: Any) -> None:
    """The `add-model` subcommand, on the subparsers of archrarity's parser."""
    parser = commands.add_parser(
        "add-model",
        help="append a model to the catalog, its labels derived from its config.json",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", metavar="CONFIG", help="config.json path, or Hugging Face repo id org/name")
    parser.add_argument("--model-id", required=True, help="stable key, e.g. llama-3.1-8b")
    parser.add_argument("--model-name", required=True, help="display name, e.g. 'Llama 3.1 8B'")
    parser.add_argument("--family", required=True, help="lineage whose versions supersede each other: Llama")
    parser.add_argument("--version", required=True, help="dotted numbers, e.g. 3.1")
    parser.add_argument("--size-b", required=True, help="nominal size in billions, as in the name, e.g. 8")
    parser.add_argument("--release-date", required=True, help="first public release, YYYY-MM-DD")
    parser.add_argument(
        "--context-window", help="advertised context length in tokens (default: max_position_embeddings)"
    )
    parser.add_argument("--source-url", help="where the facts were read (default: the repo fetched, if any)")
    parser.add_argument(
        "--set", action="append", metavar="FIELD=VALUE",
        help="give an architecture fact the config cannot decide (repeatable; one of: "
        + ", ".join(LAYOUT_FACTS) + "), e.g. --set position_encoding=ALiBi",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the row as CSV, change nothing")
    parser.add_argument(
        "--catalog", help=f"catalog CSV to append to (default: {DEFAULT_CATALOG.relative_to(PROJECT_DIR)})"
    )
    parser.set_defaults(handler=command_add_model)
