"""The safeguarding matcher on the labelled set: recall, false alarms, and what it costs a message.

    python -m bench.safeguarding

Recall and false alarms are exact counts over tests/bot/safeguarding_cases.toml. The baseline is
the plainest matcher anyone would write first: lower-case the text and look for each listed
phrase as a substring. It shows what the forgiving matcher buys (recall) and what it costs
(time), measured in the same run.
"""

from __future__ import annotations

import random
import statistics
import time
import tomllib
from collections import Counter
from pathlib import Path

from bot import risk_phrases

CASES = Path(__file__).resolve().parents[1] / "tests/bot/safeguarding_cases.toml"
REPEATS = 5


def naive(text: str, phrases: list[str]) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in phrases)


def rates(cases: list[dict], found) -> tuple[int, int, int, int]:
    """(risk found, risk total, false alarms, everyday total)."""
    risk = [c for c in cases if c["risk"]]
    everyday = [c for c in cases if not c["risk"]]
    return (
        sum(bool(found(c["text"])) for c in risk),
        len(risk),
        sum(bool(found(c["text"])) for c in everyday),
        len(everyday),
    )


def long_messages(cases: list[dict], count: int = 20) -> list[str]:
    """Distinct 1,600-character messages of everyday words, so no cache flatters the figure."""
    vocabulary = sorted({w for c in cases if not c["risk"] for w in c["text"].split()})
    chooser = random.Random(8)  # noqa: S311  test data, seeded so runs compare
    made = []
    for _ in range(count):
        words = []
        while sum(len(w) + 1 for w in words) < 1600:
            words.append(chooser.choice(vocabulary))
        made.append(" ".join(words)[:1600])
    return made


def per_message_us(texts: list[str], found) -> float:
    """The median over REPEATS of the mean time a message, in microseconds. The matcher's
    word cache is emptied before each repeat, as in a freshly started web worker."""
    runs = []
    for _ in range(REPEATS):
        risk_phrases._same_word.cache_clear()
        start = time.perf_counter()
        for text in texts:
            found(text)
        runs.append((time.perf_counter() - start) / len(texts) * 1e6)
    return statistics.median(runs)


def main() -> None:
    cases = tomllib.loads(CASES.read_text(encoding="utf-8"))["case"]
    phrases = [phrase for phrase, _ in risk_phrases.load()]

    def ours(text: str):
        return risk_phrases.find(text)

    def plain(text: str):
        return naive(text, phrases)

    print(f"{len(cases)} labelled messages, {len(phrases)} phrases")
    for name, found in (("many voices", ours), ("baseline", plain)):
        hit, risk, alarms, everyday = rates(cases, found)
        print(
            f"{name:12} recall {hit}/{risk} = {hit / risk:.1%}; "
            f"false alarms {alarms}/{everyday} = {alarms / everyday:.1%}"
        )
    missed = Counter(c["kind"] for c in cases if c["risk"] and not plain(c["text"]))
    print("baseline misses by kind:", dict(missed.most_common()))

    texts = [c["text"] for c in cases]
    samples = (("labelled set", texts), ("1,600-character message", long_messages(cases)))
    for label, sample in samples:
        ours_us, plain_us = per_message_us(sample, ours), per_message_us(sample, plain)
        print(
            f"{label}: many voices {ours_us:.0f} µs a message, baseline {plain_us:.1f} µs, "
            f"ratio {ours_us / plain_us:.0f}x"
        )


if __name__ == "__main__":
    main()
