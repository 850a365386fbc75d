"""A bar chart of one question's answers, drawn on the server as inline SVG: no chart library,
no script. Each bar has the answer's words above it, and its count and percentage after its
track (the length of 100%), so nothing is told by colour or length alone. The SVG is an image
to assistive technology, named with the same numbers (role="img", aria-label); the page puts
the same numbers in a table after it. Every piece of text is escaped: answer words come from
survey files, and the title may be a question staff wrote."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from bot.surveys.results import Count

WIDTH = 640
ROW = 56  # one answer: its words, then its bar
BAR_HEIGHT = 24
BAR_TOP = 24  # the bar starts below the words
BAR_MAX = 470  # a bar of 100%; the counts line up after it
TEXT = "#212b32"
BAR = "#005eb8"
EDGE = "#003087"
TRACK = "#f0f4f5"
TRACK_EDGE = "#d8dde0"


def percent(value: float) -> str:
    """As the command line writes it: one decimal place."""
    return f"{value:.1f}%"


def describe(title: str, counts: Sequence[Count]) -> str:
    """The chart in words, for screen readers: the title, then each answer and its count."""
    parts = [f"{c.label}: {c.count} ({percent(c.percent)})" for c in counts]
    return f"{title}. " + "; ".join(parts) if parts else f"{title}. No answers to show."


def bar_chart(title: str, counts: Sequence[Count]) -> Markup:
    height = ROW * max(len(counts), 1)
    label = escape(describe(title, counts))
    parts = [
        Markup(
            '<svg class="bar-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{label}" '
            'preserveAspectRatio="xMinYMin meet">'
            "<title>{label}</title>"
        ).format(w=WIDTH, h=height, label=label)
    ]
    for n, count in enumerate(counts):
        top = n * ROW
        length = round(BAR_MAX * count.percent / 100)
        parts.append(
            Markup(
                '<g class="bar-chart__answer">'
                '<text x="0" y="{words_y}" fill="{text}" font-size="16" '
                'font-family="Arial, sans-serif">{words}</text>'
            ).format(words_y=top + 17, text=TEXT, words=count.label)
        )
        # The track: where a bar of 100% would end, so a short or empty bar still reads.
        parts.append(
            Markup(
                '<rect class="bar-chart__track" x="0" y="{y}" width="{w}" height="{h}" '
                'fill="{fill}" stroke="{edge}" stroke-width="1"></rect>'
            ).format(y=top + BAR_TOP, w=BAR_MAX, h=BAR_HEIGHT, fill=TRACK, edge=TRACK_EDGE)
        )
        if length:
            parts.append(
                Markup(
                    '<rect class="bar-chart__bar" x="0" y="{y}" width="{w}" height="{h}" '
                    'fill="{fill}" stroke="{edge}" stroke-width="1"></rect>'
                ).format(y=top + BAR_TOP, w=length, h=BAR_HEIGHT, fill=BAR, edge=EDGE)
            )
        parts.append(
            Markup(
                '<text class="bar-chart__count" x="{x}" y="{y}" fill="{text}" font-size="16" '
                'font-weight="bold" font-family="Arial, sans-serif">{count} ({share})</text>'
                "</g>"
            ).format(
                x=BAR_MAX + 8,
                y=top + BAR_TOP + 18,
                text=TEXT,
                count=count.count,
                share=percent(count.percent),
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
