"""Every shell and Python snippet of README.md's "Query and connect" section runs as written.

The snippets are read from README.md at test time, so a README edit that breaks one (a command
that is not installed, a table or column that does not exist) fails here. They run in a folder
that looks like the project root to them: a published `archrarity.duckdb` (built from the
worked example, never the project's own file), its `reports/`, and `.venv` linked to this venv.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archrarity import PROJECT_DIR
from conftest import query, sha256

SECTION = "Query and connect"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# how each kind of block runs: the shell with -e, so any failing command fails the snippet
RUNNERS = {"sh": ["bash", "-e", "-c"], "python": [sys.executable, "-c"]}


def section_snippets(readme: str, title: str = SECTION) -> list[tuple[str, str]]:
    """The (language, code) of every ```sh and ```python block under the `## title` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return [(language, code) for language, code in FENCE.findall(match.group(1)) if language in RUNNERS]


SNIPPETS = section_snippets((PROJECT_DIR / "README.md").read_text())


def test_the_section_has_a_shell_and_a_python_snippet() -> None:
    # a README that lost its examples (or renamed the section) must not pass by running nothing
    assert {language for language, _ in SNIPPETS} == {"sh", "python"}


def test_section_snippets_parses_only_that_section() -> None:
    readme = "## A\n```sh\necho a\n```\n## Query and connect\ntext\n```sh\necho b\n```\n```python\nprint(1)\n```\n"
    readme += "```sql\nselect 1\n```\n## C\n```sh\necho c\n```\n"
    assert section_snippets(readme) == [("sh", "echo b\n"), ("python", "print(1)\n")]


@pytest.fixture(scope="module")
def project_like_dir(published_worked_example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    shutil.copyfile(published_worked_example, folder / "archrarity.duckdb")
    shutil.copytree(published_worked_example.parent / "reports", folder / "reports")
    # `.venv/bin/duckdb` and friends, as a reader at the project root types them
    (folder / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    return folder


@pytest.mark.parametrize(("language", "code"), SNIPPETS, ids=[f"{i}-{lang}" for i, (lang, _) in enumerate(SNIPPETS)])
def test_snippet_runs_on_the_published_file(language: str, code: str, project_like_dir: Path) -> None:
    db = project_like_dir / "archrarity.duckdb"
    before = sha256(db)

    # a newcomer has not activated the venv: its bin/ must not be on PATH for the snippet either
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry != venv_bin)
    done = subprocess.run(
        [*RUNNERS[language], code],
        cwd=project_like_dir,
        env=dict(os.environ, PATH=path),
        stdin=subprocess.DEVNULL,  # an interactive command ends at once instead of waiting
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert done.returncode == 0, f"{language} snippet failed:\n{code}\n{done.stdout}\n{done.stderr}"
    assert "Error" not in done.stderr, done.stderr
    # each snippet shows scores: at least one scored model of the published file is printed
    model_ids = {model_id for (model_id,) in query(db, "select model_id from rarity_scores")}
    assert any(model_id in done.stdout for model_id in model_ids), done.stdout
    # read-only, as the section promises: the file is untouched
    assert sha256(db) == before
