"""`voices serve` really starts a web process that answers, in development and production mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.db import make_engine
from bot.migrate import upgrade
from tests.peers.stand_ins import free_port


def wait_for_health(port: int, process: subprocess.Popen, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"voices serve exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                return {"status": resp.status, "body": resp.read().decode()}
        except OSError:
            time.sleep(0.2)
    pytest.fail("voices serve did not answer /healthz in time")


@pytest.fixture
def config(tmp_path: Path, empty_database_url: str) -> Path:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    engine.dispose()
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{empty_database_url}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_voices_serve_answers_health_checks(config, production):
    port = free_port()
    args = [sys.executable, "-m", "voices", "--config", str(config), "serve", "--port", str(port)]
    if production:
        args += ["--production", "--workers", "1"]
    env = {**os.environ, "VOICES_SECRET_KEY": "test-" + "k" * 32}
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        health = wait_for_health(port, process)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert health["status"] == 200
    assert '"database":"ok"' in health["body"].replace(" ", "")


def test_production_mode_refuses_to_start_without_a_secret_key(config):
    env = {k: v for k, v in os.environ.items() if k != "VOICES_SECRET_KEY"}
    process = subprocess.run(
        [sys.executable, "-m", "voices", "--config", str(config), "serve", "--production"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    assert "VOICES_SECRET_KEY" in process.stderr
