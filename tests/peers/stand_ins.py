"""Starting the third-party stand-ins (../shared/peers/README.md) for end-to-end tests.

A user's clone may not have ../shared/peers or the npm packages: then these tests are skipped
with the reason, never failed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_PEERS = ROOT.parent / "shared" / "peers"
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process on port {port} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {seconds} s")


def need(path: Path, what: str) -> None:
    if not path.exists():
        pytest.skip(f"{what} is missing ({path}); see ../shared/peers/README.md")
    if shutil.which("node") is None:
        pytest.skip("node is not installed; the stand-ins need it")


class TelegramEmulator:
    """telegram-test-api behind the shared launcher, which patches it for python-telegram-bot."""

    def __init__(self) -> None:
        need(SHARED_PEERS / "telegram-emulator.js", "the Telegram emulator launcher")
        need(NODE_MODULES / "telegram-test-api", "telegram-test-api (npm ci --prefix tests/peers)")
        self.port = free_port()
        env = {**os.environ, "TG_PORT": str(self.port), "NODE_PATH": str(NODE_MODULES)}
        self.process = subprocess.Popen(
            ["node", str(SHARED_PEERS / "telegram-emulator.js")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    @property
    def bot_api(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def post(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Prism:
    """Prism serving Twilio's own OpenAPI spec: it checks each request against the contract and
    answers 201 with the spec's example, or 422 when the request breaks it."""

    def __init__(self) -> None:
        spec = SHARED_PEERS / "twilio_api_v2010.json"
        need(spec, "Twilio's OpenAPI spec")
        prism = NODE_MODULES / ".bin" / "prism"
        need(prism, "Prism (npm ci --prefix tests/peers)")
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(prism), "mock", "-h", "127.0.0.1", "-p", str(self.port), str(spec)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def voices_serve(base: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    web = subprocess.Popen(
        [*base, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, web)
        yield
    finally:
        web.terminate()
        web.wait(timeout=30)
