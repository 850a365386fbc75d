"""Signed inbound SMS webhooks under gunicorn, against a bare Flask route in the same run.

python -m bench.inbound [--backend sqlite|postgresql] [--workers N] [--repeats N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.load import closed_loop, paced, summary
from bench.servers import bare_flask, database, free_port, serve, voices_production

TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105 (a made-up token for loopback only)
PATH = "/webhooks/twilio/messages"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"


def signed_requests(public_url: str):
    """An endless supply of real-shaped, validly signed inbound SMS with unique MessageSids."""
    validator = RequestValidator(TOKEN)
    for n in itertools.count():
        form = {
            "MessageSid": f"SM{n:032x}",
            "SmsSid": f"SM{n:032x}",
            "AccountSid": ACCOUNT,
            "From": f"+4477009{n % 1000:05d}",
            "To": "+447700900000",
            "Body": f"Reply {n % 3 + 1}",
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(public_url + PATH, form),
        }
        yield PATH, urlencode(form).encode(), headers


def measure(port: int, public_url: str, args) -> dict:
    supply = signed_requests(public_url)
    throughputs, p50s, p99s = [], [], []
    for _ in range(args.repeats):
        burst = closed_loop(port, lambda: next(supply), args.concurrency, args.seconds)
        steady = paced(port, lambda: next(supply), args.rate, args.seconds)
        throughputs.append(burst.throughput)
        p50s.append(steady.percentile(50))
        p99s.append(steady.percentile(99))
        assert burst.ok == burst.sent and steady.ok == steady.sent, "some requests failed"
    return {"throughput": summary(throughputs), "p50_ms": summary(p50s), "p99_ms": summary(p99s)}


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as url:
        port_voices, port_bare = free_port(), free_port()
        public_url = f"http://127.0.0.1:{port_voices}"
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[app]\npublic_url = "{public_url}"\n[database]\nurl = "{url}"\n'
            f'[twilio]\nenabled = true\naccount_sid = "{ACCOUNT}"\nfrom_number = "+447700900000"\n'
        )
        env = {"TWILIO_AUTH_TOKEN": TOKEN, "VOICES_SECRET_KEY": "bench-" + "k" * 32}
        with serve(bare_flask(port_bare, args.workers), port_bare):
            bare = measure(port_bare, f"http://127.0.0.1:{port_bare}", args)
        with serve(voices_production(config, port_voices, args.workers), port_voices, env):
            voices = measure(port_voices, public_url, args)
    return {"backend": args.backend, "workers": args.workers, "bare": bare, "voices": voices}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=8)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
