"""A counting, slowing proxy in front of Prism, for the worker's fault tests.

Prism checks each request against Twilio's contract but cannot say how many it received, and
answers every create with the same example sid. This proxy counts each message body the
moment the request arrives (before any answer, as a real provider would have taken it),
waits `delay` seconds so a SIGKILL can land mid-send, forwards to Prism, and gives each
answer a unique sid."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qs


class CountingProxy:
    def __init__(self, upstream: str, delay: float = 0.05) -> None:
        self.upstream, self.delay = upstream, delay
        self.bodies: Counter[str] = Counter()
        self.refused = 0
        self._lock = threading.Lock()
        self._sids = count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = parse_qs(raw.decode()).get("Body", [""])[0]
                with proxy._lock:
                    proxy.bodies[body] += 1
                time.sleep(proxy.delay)
                status, answer = proxy._forward(self.path, raw, self.headers)
                if status == 201:
                    answer["sid"] = f"SM{next(proxy._sids):032x}"
                else:
                    with proxy._lock:
                        proxy.refused += 1
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass  # keep test output clean

        return Handler

    def _forward(self, path: str, raw: bytes, headers) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.upstream + path,
            data=raw,
            method="POST",
            headers={
                "Content-Type": headers.get("Content-Type", ""),
                "Authorization": headers.get("Authorization", ""),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
