"""Where an inbound webhook's time goes, in-process: ms a request, SQL statements, a profile.

python -m bench.inbound_profile [--requests 500]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench.inbound import ACCOUNT, TOKEN, signed_requests
from bot.db import make_engine
from bot.migrate import upgrade
from bot.settings import AppSettings, DatabaseSettings, Settings, TwilioSettings
from webhooks.app import create_app

PUBLIC_URL = "http://bench.invalid"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'profile.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        settings = Settings(
            database=DatabaseSettings(url=url),
            app=AppSettings(public_url=PUBLIC_URL),
            twilio=TwilioSettings(
                enabled=True, account_sid=ACCOUNT, from_number="+447700900000", auth_token=TOKEN
            ),
        )
        app = create_app(settings)
        client = app.test_client()
        supply = signed_requests(PUBLIC_URL)

        def post(count: int) -> None:
            for _ in range(count):
                path, body, headers = next(supply)
                assert client.post(path, data=body, headers=headers).status_code == 200

        post(1000)  # every one of the 1,000 senders is known from here on
        started = time.perf_counter()
        post(args.requests)
        per_request = (time.perf_counter() - started) * 1000 / args.requests
        statements = [0]

        def count(*_: object) -> None:
            statements[0] += 1

        event.listen(app.extensions["voices"]["engine"], "before_cursor_execute", count)
        post(100)
        print(f"{per_request:.1f} ms a request, {statements[0] / 100:.1f} SQL statements")
        profile = cProfile.Profile()
        profile.runcall(post, args.requests)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
