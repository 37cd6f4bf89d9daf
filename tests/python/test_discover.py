"""`archrarity discover`, then `enrich`, then `append` (a whole build's checks), against a stand-in hub.

The stand-in (tests/python/hub_standin.py) serves recorded answers on 127.0.0.1: 27 repos of 8
organisations, with quantised copies, instruct/base pairs, a repo without config.json, a gated repo,
a repo of a model_type no rule describes, a repo already in the catalog and multimodal repos whose
text model is the LLM. The real huggingface_hub client reaches it through HF_ENDPOINT, so the
project's own client code runs. The expected rows and review list below were derived by hand from
tests/fixtures/hub/recorded_hub.json, the tracked families seed and the served config files.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from archrarity import PROJECT_DIR
from hub_standin import serve

ARCHRARITY = str(Path(sys.executable).with_name("archrarity"))
KEEP = ("llama-3.1-8b", "qwen3-8b", "qwen3.5-27b", "gemma-3-27b", "granite-3.3-8b", "gpt-oss-20b",
        "llama-3.3-70b", "foundation-sec-8b", "granite-3.2-8b")
HUB = "https://huggingface.co/"

# the new checkpoints, by hand: family, version and size from the seed's patterns; the release
# date is the earliest repo of the checkpoint; the context is the served config's
# max_position_embeddings (a multimodal config's text_config); the source is the instruct repo
EXPECTED_ROWS = [
    ["apertus-8b-2509", "Apertus 8B 2509", "Apertus", "1", "8", "2025-09-02", "65536",
     "swiss-ai/Apertus-8B-Instruct-2509", HUB + "swiss-ai/Apertus-8B-Instruct-2509"],
    ["gemma-4-e2b", "gemma 4 E2B", "Gemma", "4", "2", "2026-04-02", "131072", "google/gemma-4-E2B-it",
     HUB + "google/gemma-4-E2B-it"],
    ["lfm2-700m", "LFM2 700M", "LFM2", "2", "0.7", "2025-07-10", "128000", "LiquidAI/LFM2-700M",
     HUB + "LiquidAI/LFM2-700M"],
    ["ministral-3-3b-2512", "Ministral 3 3B 2512", "Ministral", "3", "3", "2025-12-02", "262144",
     "mistralai/Ministral-3-3B-Instruct-2512", HUB + "mistralai/Ministral-3-3B-Instruct-2512"],
    ["qwen3.5-35b-a3b", "Qwen3.5 35B A3B", "Qwen", "3.5", "35", "2026-02-24", "262144", "Qwen/Qwen3.5-35B-A3B",
     HUB + "Qwen/Qwen3.5-35B-A3B"],
]
NO_PATTERN = ("matched no pattern of seeds/tracked_families.csv: a new line, or a repo to exclude (add a row "
              "there or to excluded_repo_patterns.csv)")
CONTEXT = ("context_window {} is the config's max_position_embeddings: check the model card, which may document "
           "a longer one (YaRN)")
INSTRUCT_ONLY = ("an instruct repo without its base repo: the release_date is this repo's; check whether a base "
                 "checkpoint came out earlier")
EXPECTED_REVIEW = [
    ["Qwen/Qwen3.5-Omni-7B", "", NO_PATTERN],  # another line: the Qwen row excludes -Omni-
    ["ibm-granite/granite-4.0-h-small", "", NO_PATTERN],  # sizes named small/tiny: no size group
    ["ibm-granite/granite-4.0-h-small-base", "", NO_PATTERN],
    ["LiquidAI/LFM2-8B-A1B", "", NO_PATTERN],  # the MoE name is not the LFM2 pattern's
    ["tencent/Hunyuan-A13B-Instruct", "hunyuan-a13b",
     "size_b 80.4 is the safetensors count (the name states none): check the card's nominal size"],
    ["swiss-ai/Apertus-70B-Instruct-2509", "apertus-70b-2509",
     "gated repo: its config.json could not be read; read it with access and add the row by hand "
     "(archrarity add-model)"],
    ["swiss-ai/Apertus-8B-Instruct-2509", "apertus-8b-2509", CONTEXT.format(65536)],
    ["google/gemma-3n-E4B-it-litert-preview", "gemma-3n-e4b", "no config.json in the repo"],
    ["google/gemma-4-E2B-it", "gemma-4-e2b", CONTEXT.format(131072)],
    ["google/gemma-4-E2B-it", "gemma-4-e2b", "size_b 2 from the name, but the safetensors hold 5.12B parameters"],
    ["google/gemma-4-E2B-it", "gemma-4-e2b", INSTRUCT_ONLY],
    ["tencent/Hunyuan-A13B-Instruct", "hunyuan-a13b",
     "model_type 'hunyuan' has no row in seeds/architecture_rules.csv: add the row its code calls for "
     "(docs/data_notes.md, \"Architecture rules\"), then enrich"],
    ["LiquidAI/LFM2-700M", "lfm2-700m", CONTEXT.format(128000)],
    ["mistralai/Ministral-3-3B-Instruct-2512", "ministral-3-3b-2512", CONTEXT.format(262144)],
    ["mistralai/Ministral-3-3B-Instruct-2512", "ministral-3-3b-2512",
     "size_b 3 from the name, but the safetensors hold 3.85B parameters"],
    ["mistralai/Ministral-3-3B-Instruct-2512", "ministral-3-3b-2512", INSTRUCT_ONLY],
    ["Qwen/Qwen3.5-35B-A3B", "qwen3.5-35b-a3b", CONTEXT.format(262144)],
]
# labels enrich derives from the served configs (tests/fixtures/configs/expected_labels.csv, by hand)
EXPECTED_LABELS = {
    "apertus-8b-2509": ("GQA", "none", "dense", "xIELU"),
    "gemma-4-e2b": ("MQA", "none", "dense", "GeGLU"),
    "lfm2-700m": ("Hybrid", "ShortConv", "dense", "SwiGLU"),
    "ministral-3-3b-2512": ("GQA", "none", "dense", "SwiGLU"),
    "qwen3.5-35b-a3b": ("Hybrid", "GatedDeltaNet", "MoE", "SwiGLU"),
}


def read(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ARCHRARITY, *argv], env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def small_catalog(tmp_path: Path) -> Path:
    with (PROJECT_DIR / "seeds" / "catalog.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["model_id"] in KEEP]
        header = list(reader.fieldnames or [])
    path = tmp_path / "catalog.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def hub_env(url: str, tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, HF_ENDPOINT=url, HF_HUB_CACHE=str(tmp_path / "hf-cache"), HF_HUB_DISABLE_TELEMETRY="1",
                HF_HUB_DISABLE_IMPLICIT_TOKEN="1", HF_HUB_OFFLINE="0", DBT_TARGET_PATH=str(tmp_path / "target"),
                DBT_LOG_PATH=str(tmp_path / "logs"))


def test_discover_enrich_append_build(tmp_path: Path, small_catalog: Path):
    with serve() as (url, hub):
        env = hub_env(url, tmp_path)
        found = run(env, "discover", "--catalog", str(small_catalog), "--since", "2025-05-01",
                    "-o", str(tmp_path / "new.csv"), "--review", str(tmp_path / "review.csv"), "--no-progress")
        assert found.returncode == 0, found.stderr
        assert read(tmp_path / "new.csv") == [["model_id", "model_name", "family", "version", "size_b",
                                               "release_date", "context_window", "config", "source_url"],
                                              *EXPECTED_ROWS]
        assert read(tmp_path / "review.csv") == [["repo", "model_id", "reason"], *EXPECTED_REVIEW]
        # 23 repos created since the date (two older ones are not counted); 7 copies and 1 known repo skipped
        assert found.stdout.startswith(
            "Repos created since 2025-05-01: 23. New checkpoints: 5 -> " + str(tmp_path / "new.csv") + ". Skipped: "
            "2 a quantised copy, 5 a quantised or converted copy, 1 already in the catalog. To review: 17 -> ")
        # one list per tracked org, then one config per new checkpoint (none for the gated repo)
        assert sum(request.startswith("GET /api/models?author=") for request in hub.requests) == 15
        assert not any("Apertus-70B" in request for request in hub.requests)
        enriched = run(env, "enrich", str(tmp_path / "new.csv"), "-o", str(tmp_path / "enriched.csv"),
                       "--no-progress")
        assert enriched.returncode == 0, enriched.stderr
    with (tmp_path / "enriched.csv").open(newline="") as handle:
        rows = {row["model_id"]: row for row in csv.DictReader(handle)}
    assert {model_id: (row["attention"], row["sequence_mixer"], row["ffn"], row["activation"])
            for model_id, row in rows.items()} == EXPECTED_LABELS
    assert rows["qwen3.5-35b-a3b"]["model_type"] == "qwen3_5_moe"  # the multimodal config's text model

    # append: the catalog with the new rows passes a whole build, so it is written
    before = small_catalog.read_bytes()
    appended = run(env, "append", str(tmp_path / "enriched.csv"), "--catalog", str(small_catalog))
    assert appended.returncode == 0, appended.stdout[-3000:] + appended.stderr
    assert small_catalog.read_bytes().startswith(before)
    assert len(read(small_catalog)) == len(KEEP) + len(EXPECTED_ROWS) + 1
    # and a build on the result scores them
    db = tmp_path / "published.duckdb"
    built = run(env, "build", "--db", str(db), "--reports", str(tmp_path / "reports"),
                "--vars", f'{{"catalog_path": "{small_catalog}", "baselines": []}}')
    assert built.returncode == 0, built.stdout[-3000:]
    with duckdb.connect(str(db), read_only=True) as connection:
        scored = dict(connection.sql("select model_id, attention from rarity_scores").fetchall())
    assert {model_id: scored[model_id] for model_id in EXPECTED_LABELS} == {
        model_id: labels[0] for model_id, labels in EXPECTED_LABELS.items()}


def test_append_refuses_a_bad_row_and_leaves_the_catalog(tmp_path: Path, small_catalog: Path):
    bad = tmp_path / "bad.csv"
    shutil.copy(small_catalog, bad)
    with bad.open() as handle:
        header, first = handle.readline(), handle.readline()
    bad.write_text(header + first.replace("GQA", "Grouped Banana", 1))  # the same model_id, a label no one knows
    before = small_catalog.read_bytes()
    appended = run(hub_env("http://127.0.0.1:9", tmp_path), "append", str(bad), "--catalog", str(small_catalog))
    assert appended.returncode == 1
    assert "does not pass the build's checks" in appended.stderr
    assert "appears on 2 rows" in appended.stdout  # named by the build's own check
    assert small_catalog.read_bytes() == before


def test_discover_stops_asking_after_the_first_failure(tmp_path: Path, small_catalog: Path):
    with serve(failing=True) as (url, hub):
        found = run(hub_env(url, tmp_path), "discover", "--catalog", str(small_catalog), "-o",
                    str(tmp_path / "new.csv"), "--review", str(tmp_path / "review.csv"), "--no-progress")
    assert found.returncode == 1
    assert "the hub could not be asked" in found.stderr and "stopped asking" in found.stderr
    # huggingface_hub retries a 5xx itself; the project asks no second org and reads no config
    assert hub.requests and all(request.startswith("GET /api/models?author=meta-llama&") for request in hub.requests)
    assert not (tmp_path / "new.csv").exists()
