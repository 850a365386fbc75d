"""The README's Quickstart commands are the ones CI really runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:sh|bash|shell)?\n(.+?)\n```", section, flags=re.DOTALL)


def test_the_quickstart_has_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)


def test_ci_runs_the_readme_test_command_exactly():
    test_command = quickstart_commands()[1]
    assert "pytest" in test_command
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_the_readme_run_command_installs_and_starts_the_demo():
    run_command = quickstart_commands()[0]
    assert run_command.startswith("python3 -m venv .venv")
    # tests/browser/test_demo_story.py runs this very command's last step, `voices demo`.
    assert run_command.endswith("&& .venv/bin/voices demo")
