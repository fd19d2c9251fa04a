"""The code keeps its layers: services build on shared and never on each other, a domain stays
pure, shared/ is layered inside, and no module imports itself back through another."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sysconfig.get_path("scripts")) / "lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's own command, on the contracts in pyproject.toml, for a checkout."""
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=project, capture_output=True,
                          text=True, timeout=120, check=False)


def circles(project: Path) -> list[list[str]]:
    """The module circles of a checkout (tests/layout/circles.py, in a process of its own)."""
    result = subprocess.run([sys.executable, str(Path(__file__).parent / "circles.py"),
                             str(project)], capture_output=True, text=True, timeout=120,
                            check=True)
    found: list[list[str]] = json.loads(result.stdout)
    return found


def test_every_layer_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert result.stdout.count("KEPT") == 5


def test_no_module_imports_itself_back_through_others() -> None:
    assert circles(ROOT) == []


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the code to break on purpose."""
    for part in ("shared", "services"):
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__", "packs", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, statement: str) -> None:
    module.write_text(module.read_text() + f"\n{statement}  # added by the test\n")


@pytest.mark.parametrize(("module", "statement", "broken"), [
    ("shared/contracts/meta.py", "import services.visits.application",
     "Services may import shared; shared never imports a service BROKEN"),
    ("shared/storage/store.py", "import shared.messaging.bus",
     "Inside shared/, each package builds only on those below it BROKEN"),
    ("services/visits/application.py", "import services.records.application",
     "A service never imports another service (they talk only by events) BROKEN"),
    ("services/visits/domain/rules.py", "import fastapi",
     "A service's domain/ is pure: no web, bus, SQL or process plumbing BROKEN"),
    ("services/visits/domain/rules.py", "import services.visits.application",
     "No circle among the modules and packages of one package BROKEN"),
])
def test_the_check_fails_when_an_import_goes_the_wrong_way(checkout: Path, module: str,
                                                           statement: str, broken: str) -> None:
    add_import(checkout / module, statement)
    result = lint_imports(checkout)
    assert result.returncode == 1, result.stdout
    assert broken in result.stdout


def test_the_circle_check_names_a_circle_that_is_added(checkout: Path) -> None:
    add_import(checkout / "shared/runtime/lifeline.py", "import shared.runtime.launcher")
    assert ["shared.runtime.launcher", "shared.runtime.lifeline"] in circles(checkout)
