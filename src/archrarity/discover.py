"""`archrarity discover`: what is new on the hub, as the input list of `archrarity enrich`.

For each organisation of seeds/tracked_families.csv it asks the Hugging Face hub (huggingface_hub's
HfApi; HF_ENDPOINT points it elsewhere) for the repos created since a date, keeps those a family's
repo-name pattern matches, drops quantised or converted copies (seeds/excluded_repo_patterns.csv)
and the checkpoints the catalog already has, pairs -Instruct/-it/-Base repos of one checkpoint, reads
each new checkpoint's config.json, and writes:

- the enrich input CSV (model_id, model_name, family, version, size_b, release_date, context_window,
  config, source_url);
- a review list of what a person must settle, each with its reason (a context read from the config
  alone, a repo no pattern matched, a gated repo, a size the safetensors count contradicts, ...).

Which labs to track and how their repos are named is data (the seeds); this module is the mechanics.
`archrarity append` then adds finished rows to a catalog after the same checks a build runs.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from archrarity import PROJECT_DIR
from archrarity.add_model import DEFAULT_CATALOG
from archrarity.config_labels import ConfigError, ConfigView, knowledge, read_config
from archrarity.enrich import write_csv

SEEDS = PROJECT_DIR / "seeds"
HUB_URL = "https://huggingface.co/"
OUTPUT_COLUMNS = ("model_id", "model_name", "family", "version", "size_b", "release_date", "context_window",
                  "config", "source_url")
REVIEW_COLUMNS = ("repo", "model_id", "reason")
# errors about one repo; any other error (no route, timeout, 5xx) means the hub cannot be asked
PER_REPO_ERRORS = {"RepositoryNotFoundError", "GatedRepoError", "EntryNotFoundError", "RemoteEntryNotFoundError",
                   "RevisionNotFoundError"}
# a size the name states and a safetensors count further apart than this share need a look
SIZE_TOLERANCE = 0.25


class HubUnreachable(Exception):
    """The hub did not answer; the message says what happened."""


@dataclass(frozen=True)
class Family:
    org: str
    family: str
    pattern: re.Pattern[str]
    version: str  # when the pattern has no version group
    exclude: re.Pattern[str] | None


def tracked_families(seeds: Path = SEEDS) -> list[Family]:
    families = []
    with (seeds / "tracked_families.csv").open(newline="") as handle:
        for entry in csv.DictReader(handle):
            families.append(Family(
                org=entry["org"].strip(),
                family=entry["family"].strip(),
                pattern=re.compile(entry["pattern"].strip(), re.IGNORECASE),
                version=(entry.get("version") or "").strip(),
                exclude=re.compile(entry["exclude"].strip(), re.IGNORECASE) if (entry.get("exclude") or "").strip()
                else None,
            ))
    return families


def excluded_patterns(seeds: Path = SEEDS) -> list[tuple[re.Pattern[str], str]]:
    with (seeds / "excluded_repo_patterns.csv").open(newline="") as handle:
        return [(re.compile(entry["pattern"].strip(), re.IGNORECASE), entry["reason"].strip())
                for entry in csv.DictReader(handle)]


@dataclass(frozen=True)
class Repo:
    """One repo as the hub's model list describes it."""

    repo_id: str
    created: dt.date
    gated: bool
    params: int | None  # the safetensors parameter count, when the hub has one


@dataclass
class Checkpoint:
    """One checkpoint: the repos of one (family, version, size), base and instruct together."""

    model_id: str
    model_name: str
    family: str
    version: str
    size_b: str
    repos: list[tuple[Repo, str]] = field(default_factory=list)  # (repo, variant)

    @property
    def release_date(self) -> dt.date:
        return min(repo.created for repo, _ in self.repos)

    @property
    def source(self) -> Repo:
        """The instruct repo where there is one (as the shipped catalog's source_url), else the first."""
        instruct = [repo for repo, variant in self.repos if variant and variant.lower() not in ("base", "pt")]
        return sorted(instruct or [repo for repo, _ in self.repos], key=lambda repo: repo.repo_id)[0]


@dataclass
class Result:
    rows: list[dict[str, str]] = field(default_factory=list)
    review: list[dict[str, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    found: int = 0
    unreachable: str | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def flag(self, repo: str, model_id: str, reason: str) -> None:
        self.review.append({"repo": repo, "model_id": model_id, "reason": reason})


def _number(text: str) -> str:
    value = float(text)
    return str(int(value)) if value == int(value) else str(value)


def _match(repo_name: str, families: Iterable[Family]) -> tuple[Family, dict[str, str]] | None:
    for family in families:
        if family.exclude is not None and family.exclude.fullmatch(repo_name):
            continue
        found = family.pattern.fullmatch(repo_name)
        if found is None:
            continue
        groups = {name: value for name, value in found.groupdict().items() if value}
        version = groups.get("version") or family.version
        if "size" in groups:
            size = _number(groups["size"])
        elif "size_m" in groups:
            size = _number(str(float(groups["size_m"]) / 1000))
        else:
            size = ""  # the name states none (Hunyuan-A13B): the safetensors count decides
        if not version:
            continue
        # the model_id is the repo name without its variant (-Instruct, -it, -Base)
        name = repo_name
        if "variant" in groups:
            start, end = found.span("variant")
            name = (repo_name[:start] + repo_name[end:]).replace("--", "-").strip("-")
        return family, {"model_id": name.lower(), "model_name": name.replace("-", " "), "version": version,
                        "size_b": size, "variant": groups.get("variant", "")}
    return None


def _catalog_keys(catalog: Path) -> tuple[set[str], set[str], dt.date | None]:
    """(model_ids, source repos, newest release_date) of a catalog CSV."""
    model_ids: set[str] = set()
    repos: set[str] = set()
    newest: dt.date | None = None
    with catalog.open(newline="") as handle:
        for entry in csv.DictReader(handle):
            model_ids.add((entry.get("model_id") or "").strip())
            url = (entry.get("source_url") or "").strip()
            if url.startswith(HUB_URL):
                repos.add(url.removeprefix(HUB_URL).lower())
            try:
                date = dt.date.fromisoformat((entry.get("release_date") or "").strip())
            except ValueError:
                continue
            newest = date if newest is None or date > newest else newest
    return model_ids, repos, newest


def _error_name(error: Exception) -> str:
    return type(error).__name__


def list_repos(api: Any, org: str, since: dt.date) -> list[Repo]:
    """The org's repos created on or after `since`, as the hub's model list describes them."""
    try:
        infos = list(api.list_models(author=org, sort="created_at",
                                     expand=["createdAt", "config", "safetensors", "gated"]))
    except Exception as error:  # no route, timeout, 5xx: the hub cannot be asked
        raise HubUnreachable(f"{_error_name(error)}: {str(error).splitlines()[0] if str(error) else ''}") from None
    repos = []
    for info in infos:
        if info.created_at is None or info.created_at.date() < since:
            continue
        total = getattr(info.safetensors, "total", None) if info.safetensors else None
        repos.append(Repo(info.id, info.created_at.date(), bool(info.gated), total))
    return repos


def read_hub_config(repo_id: str) -> dict[str, Any]:
    """The repo's config.json through huggingface_hub (its cache, its endpoint)."""
    from huggingface_hub import hf_hub_download

    return read_config(Path(hf_hub_download(repo_id=repo_id, filename="config.json")))


def _label_checkpoint(checkpoint: Checkpoint, result: Result) -> None:
    repo = checkpoint.source
    model_id = checkpoint.model_id
    if repo.gated:
        result.flag(repo.repo_id, model_id, "gated repo: its config.json could not be read; read it with access "
                    "and add the row by hand (archrarity add-model)")
        return
    try:
        config = read_hub_config(repo.repo_id)
    except ConfigError as error:
        result.flag(repo.repo_id, model_id, f"config.json is not readable: {error}")
        return
    except Exception as error:
        name = _error_name(error)
        if name not in PER_REPO_ERRORS:
            raise HubUnreachable(f"{name}: {str(error).splitlines()[0] if str(error) else ''}") from None
        reason = ("gated repo: its config.json could not be read" if name == "GatedRepoError"
                  else "no config.json in the repo" if "EntryNotFound" in name else f"cannot read config.json ({name})")
        result.flag(repo.repo_id, model_id, reason)
        return
    model_type = config.get("model_type")
    if model_type not in knowledge().rules:
        result.flag(repo.repo_id, model_id, f"model_type '{model_type}' has no row in seeds/architecture_rules.csv: "
                    "add the row its code calls for (docs/data_notes.md, \"Architecture rules\"), then enrich")
        return
    try:
        view = ConfigView(config)
        found = view.first(knowledge().config_keys["max_position_embeddings"])
    except ConfigError as error:
        result.flag(repo.repo_id, model_id, f"config.json is not readable: {error}")
        return
    if found is None:
        result.flag(repo.repo_id, model_id, "the config states no max_position_embeddings: give context_window "
                    "from the model card")
        return
    context = int(found[1])
    result.rows.append({
        "model_id": model_id, "model_name": checkpoint.model_name, "family": checkpoint.family,
        "version": checkpoint.version, "size_b": checkpoint.size_b,
        "release_date": checkpoint.release_date.isoformat(), "context_window": str(context),
        "config": repo.repo_id, "source_url": HUB_URL + repo.repo_id,
    })
    result.flag(repo.repo_id, model_id, f"context_window {context} is the config's max_position_embeddings: "
                "check the model card, which may document a longer one (YaRN)")
    if repo.params:
        billions = repo.params / 1e9
        if abs(billions - float(checkpoint.size_b)) > SIZE_TOLERANCE * float(checkpoint.size_b):
            result.flag(repo.repo_id, model_id, f"size_b {checkpoint.size_b} from the name, but the safetensors "
                        f"hold {billions:.2f}B parameters")
    variants = {variant.lower() for _, variant in checkpoint.repos}
    if len(checkpoint.repos) == 1 and variants & {"instruct", "it", "chat"}:
        result.flag(repo.repo_id, model_id, "an instruct repo without its base repo: the release_date is this "
                    "repo's; check whether a base checkpoint came out earlier")


def discover(catalog: Path, since: dt.date | None, progress: bool | None = None) -> tuple[Result, dt.date]:
    model_ids, known_repos, newest = _catalog_keys(catalog)
    since = since or newest or dt.date(2023, 1, 1)
    families = tracked_families()
    excluded = excluded_patterns()
    result = Result()
    try:
        from huggingface_hub import HfApi
    except ImportError:
        result.unreachable = "huggingface_hub is not installed"
        return result, since
    api = HfApi()
    checkpoints: dict[str, Checkpoint] = {}
    orgs = list(dict.fromkeys(family.org for family in families))
    bar = tqdm(orgs, desc="discover", unit="org", disable=not (sys.stderr.isatty() if progress is None else progress))
    for org in bar:
        try:
            repos = list_repos(api, org, since)
        except HubUnreachable as error:
            result.unreachable = str(error)
            break
        result.found += len(repos)
        for repo in repos:
            name = repo.repo_id.split("/", 1)[1]
            reason = next((why for pattern, why in excluded if pattern.fullmatch(name)), None)
            if reason:
                result.skip(reason)
                continue
            matched = _match(name, [family for family in families if family.org == org])
            if matched is None:
                result.flag(repo.repo_id, "", "matched no pattern of seeds/tracked_families.csv: a new line, or "
                            "a repo to exclude (add a row there or to excluded_repo_patterns.csv)")
                continue
            family, parts = matched
            if not parts["size_b"]:
                if not repo.params:
                    result.flag(repo.repo_id, parts["model_id"], "the name states no size and the hub has no "
                                "safetensors count: give size_b by hand")
                    continue
                parts["size_b"] = _number(f"{repo.params / 1e9:.1f}")
                result.flag(repo.repo_id, parts["model_id"], f"size_b {parts['size_b']} is the safetensors count "
                            "(the name states none): check the card's nominal size")
            checkpoint = checkpoints.setdefault(parts["model_id"], Checkpoint(
                parts["model_id"], parts["model_name"], family.family, parts["version"], parts["size_b"]))
            checkpoint.repos.append((repo, parts["variant"]))
    if result.unreachable is None:
        items = []
        for checkpoint in sorted(checkpoints.values(), key=lambda checkpoint: checkpoint.model_id):
            # matched by model_id or by the repo of any of its variants
            if checkpoint.model_id in model_ids or any(repo.repo_id.lower() in known_repos
                                                       for repo, _ in checkpoint.repos):
                for _ in checkpoint.repos:
                    result.skip("already in the catalog")
            else:
                items.append(checkpoint)
        for checkpoint in tqdm(items, desc="configs", unit="model",
                               disable=not (sys.stderr.isatty() if progress is None else progress)):
            try:
                _label_checkpoint(checkpoint, result)
            except HubUnreachable as error:
                result.unreachable = str(error)
                break
    return result, since


def command_discover(args: argparse.Namespace) -> int:
    catalog = Path(args.catalog).expanduser() if args.catalog else DEFAULT_CATALOG
    since = dt.date.fromisoformat(args.since) if args.since else None
    result, since = discover(catalog, since, args.progress)
    output, review = Path(args.output), Path(args.review)
    if result.unreachable:
        print(f"archrarity discover: the hub could not be asked ({result.unreachable}); stopped asking. "
              f"Nothing was written. Check the network (or HF_ENDPOINT) and run it again.", file=sys.stderr)
        return 1
    write_csv(output, OUTPUT_COLUMNS, result.rows)
    write_csv(review, REVIEW_COLUMNS, result.review)
    skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(result.skipped.items())) or "none"
    print(f"Repos created since {since}: {result.found}. New checkpoints: {len(result.rows)} -> {output}. "
          f"Skipped: {skipped}. To review: {len(result.review)} -> {review}.")
    print(f"Next: archrarity enrich {output} -o enriched.csv, then archrarity append enriched.csv")
    return 0


def command_append(args: argparse.Namespace) -> int:
    """Append finished rows to a catalog, only if the catalog with them passes a whole build's checks."""
    from archrarity.publish import build_and_publish

    catalog = Path(args.catalog).expanduser().resolve() if args.catalog else DEFAULT_CATALOG
    with catalog.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    with Path(args.rows).open(newline="") as handle:
        reader = csv.DictReader(handle)
        extra = [column for column in reader.fieldnames or [] if column not in header]
        new = list(reader)
    if extra:
        print(f"archrarity append: {args.rows} has column(s) {', '.join(extra)} the catalog {catalog} does not "
              "have; nothing was appended", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="archrarity-append-") as scratch_dir:
        scratch = Path(scratch_dir)
        candidate = catalog.parent / f".{catalog.stem}.append.csv"  # beside it: one rename replaces it
        write_csv(candidate, header, [*rows, *new])
        try:
            passed = build_and_publish(scratch / "check.duckdb", {"catalog_path": str(candidate), "baselines": []})
            if not passed:
                print(f"archrarity append: the catalog with these {len(new)} row(s) does not pass the build's checks "
                      f"(above); {catalog} was not changed", file=sys.stderr)
                return 1
            os.replace(candidate, catalog)
        finally:
            candidate.unlink(missing_ok=True)
    print(f"Appended {len(new)} row(s) to {catalog}; the catalog passed every check of a build.")
    return 0


def add_parsers(commands: Any) -> None:
    parser = commands.add_parser("discover", help="list the checkpoints new on the hub, as enrich's input",
                                 description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", help="the catalog new checkpoints are checked against (default: the shipped)")
    parser.add_argument("--since", help="YYYY-MM-DD (default: the catalog's newest release_date)")
    parser.add_argument("-o", "--output", default="new_models.csv", help="enrich's input CSV to write")
    parser.add_argument("--review", default="review.csv", help="what a person must settle, with the reasons")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bars (default: on a terminal)")
    parser.set_defaults(handler=command_discover)
    append = commands.add_parser("append", help="append finished rows to a catalog after a whole build's checks")
    append.add_argument("rows", help="CSV of catalog rows (e.g. enrich's output)")
    append.add_argument("--catalog", help="the catalog CSV to append to (default: the shipped)")
    append.set_defaults(handler=command_append)
