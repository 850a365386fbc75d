"""Real receivers for staff alerts, on loopback: an SMTP server (aiosmtpd) and an HTTP duty
line. Used by the staff alert tests and the safeguarding end-to-end test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.peers.stand_ins import free_port


class Inbox:
    """What the SMTP server received: (recipients, the raw message) for each mail."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # the name aiosmtpd calls
        self.mails.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


class DutyLine:
    """An HTTP endpoint that keeps each JSON body posted to it and answers `answer`."""

    def __init__(self, answer: int = 200) -> None:
        self.answer = answer
        self.received: list[dict] = []
        line = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                length = int(self.headers["Content-Length"])
                line.received.append(json.loads(self.rfile.read(length)))
                self.send_response(line.answer)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/duty"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
