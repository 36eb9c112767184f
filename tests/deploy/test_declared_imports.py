"""Every third-party module the scripts and benchmarks import is declared in pyproject.toml
(the project's dependencies, its extras or the dev group), not merely present in the
environment because something else pulled it in: a transitive dependency can vanish with an
upgrade of whatever brought it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("scripts", "benchmarks")


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    specs = list(project["project"].get("dependencies", []))
    for extra in project["project"].get("optional-dependencies", {}).values():
        specs += extra
    for group in project.get("dependency-groups", {}).values():
        specs += [s for s in group if isinstance(s, str)]
    names = (re.match(r"[A-Za-z0-9_.-]+", s) for s in specs)
    return {_norm(m.group(0)) for m in names if m}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported(folder: Path) -> dict[str, str]:
    """Top-level module -> the first file importing it, for the folder's Python files."""
    local = {p.stem for p in folder.glob("*.py")}
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local and top != "riverbed":
                    found.setdefault(top, path.name)
    return found


def test_scripts_and_benchmarks_import_only_declared_packages() -> None:
    wanted, dists = declared(), packages_distributions()
    undeclared = {
        f"{folder}/{where}: {module}"
        for folder in FOLDERS
        for module, where in imported(ROOT / folder).items()
        # a module of no distribution is the repo's own (tests/, fuzz/ put on sys.path)
        if module in dists and not {_norm(d) for d in dists[module]} & wanted
    }
    assert not undeclared, sorted(undeclared)
