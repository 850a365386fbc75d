"""A small load generator for loopback HTTP: closed-loop throughput and paced latency.

Paced runs time each request from the moment it was due, not from when it happened to be
sent, so a stalled server shows up in the latency instead of hiding (coordinated omission)."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

Request = tuple[str, bytes, dict[str, str]]  # path, body, headers


@dataclass
class Result:
    sent: int
    ok: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]


def _post(port: int, request: Request) -> int:
    path, body, headers = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def closed_loop(
    port: int, next_request: Callable[[], Request], workers: int, seconds: float
) -> Result:
    """As many requests as `workers` threads can push through in `seconds`."""
    lock, latencies, counts = threading.Lock(), [], [0, 0]
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < deadline:
            with lock:
                request = next_request()
            started = time.perf_counter()
            status = _post(port, request)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                counts[0] += 1
                counts[1] += status == 200
                latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(counts[0], counts[1], time.perf_counter() - started, latencies)


def paced(port: int, next_request: Callable[[], Request], rate: float, seconds: float) -> Result:
    """`rate` requests a second, each timed from when it was due."""
    total = int(rate * seconds)
    requests = [next_request() for _ in range(total)]
    latencies: list[float] = []
    oks = []
    start = time.perf_counter() + 0.2

    def one(index: int) -> None:
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status = _post(port, requests[index])
        latencies.append((time.perf_counter() - due) * 1000)
        oks.append(status == 200)

    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(one, range(total)))
    return Result(total, sum(oks), time.perf_counter() - start, latencies)


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)
