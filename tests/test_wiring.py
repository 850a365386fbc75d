"""The rooms of the house keep to their doors: bot/ is the core and depends on no web or worker."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_BOT = {"flask", "apscheduler", "webhooks", "scheduler", "voices", "werkzeug", "click"}


def imported_top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


BOT_FILES = sorted((ROOT / "bot").rglob("*.py"))


@pytest.mark.parametrize("path", BOT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_in_bot_imports_the_web_or_worker_side(path):
    assert imported_top_level_names(path).isdisjoint(FORBIDDEN_IN_BOT)


def test_importing_every_bot_module_loads_neither_flask_nor_apscheduler():
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in BOT_FILES
        if "migrations" not in p.parts
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('flask', 'apscheduler') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_the_bot_package_really_has_modules_to_check():
    assert len(BOT_FILES) > 10
