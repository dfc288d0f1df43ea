"""Plots as SVG written on the server: no script, no CDN, no web font.

Two shapes cover the workbench: vertical bars over a sequence (months, weeks, levels), stacked or
side by side, and horizontal bars with an optional target mark per bar (recall effectiveness,
scans per region). Text uses a CJK-capable font stack, so Chinese labels render wherever the
system has a CJK font (browsers and WeasyPrint alike). Every plot has its figures beside it as a
table; the SVG carries a ``<title>`` for screen readers and nothing interactive.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from core.punctuation import colon

FONT = (
    "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','PingFang SC',"
    "'Microsoft YaHei',system-ui,sans-serif"
)
PALETTE = ("#0b5cad", "#cf222e", "#bf8700", "#1a7f37", "#8250df", "#0969da", "#bc4c00", "#57606a")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float]
    color: str = ""


def _num(value) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _text_width(text: str) -> float:
    """About how wide ``text`` is at the charts' 12 px: wide (CJK) characters 12 px, others 7."""
    return sum(12.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 7.0 for ch in text)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="{FONT}" font-size="12">',
        f"<title>{escape(str(title))}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]


def _legend(parts: list[str], series: list[Series], x: float, y: float, width: float) -> None:
    cursor_x, cursor_y = x, y
    for s in series:
        text_width = 14 + sum(12 if ord(ch) > 0x2E80 else 7 for ch in str(s.label))
        if cursor_x + text_width > x + width and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + 18
        parts.append(
            f'<rect x="{cursor_x:.1f}" y="{cursor_y - 9:.1f}" width="10" height="10" fill="{s.color}"/>'
            f'<text x="{cursor_x + 14:.1f}" y="{cursor_y:.1f}" fill="#1d2329">{escape(str(s.label))}</text>'
        )
        cursor_x += text_width + 16


def _colored(series: list[Series]) -> list[Series]:
    return [
        Series(s.label, [_num(v) for v in s.values], s.color or PALETTE[i % len(PALETTE)])
        for i, s in enumerate(series)
    ]


def bar_chart(
    categories: list[str],
    series: list[Series],
    *,
    title: str,
    stacked: bool = True,
    width: int = 640,
    height: int = 300,
    empty_text: str = "",
) -> str:
    """Vertical bars per category: one bar of stacked series, or the series side by side."""
    series = _colored(series)
    legend_rows = 1 + len(series) // 5
    top, bottom, left, right = 16 + 18 * legend_rows, 44, 44, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = _open(width, height, title)
    _legend(parts, series, left, 16, plot_w)
    totals = [
        sum(s.values[i] for s in series) if stacked else max([s.values[i] for s in series] or [0])
        for i in range(len(categories))
    ]
    peak = _nice_max(max(totals or [0]))
    if peak < 20 and all(float(v).is_integer() for v in totals):
        peak = max(4, -(-int(max(totals or [0])) // 4) * 4)  # whole numbers on the axis
    for step in range(5):  # grid and axis labels
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee4"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6670">{_fmt(value)}</text>'
        )
    if not categories or not any(totals):
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
            f'fill="#5b6670">{escape(str(empty_text))}</text>'
        )
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * 0.7
    # Every n-th label, n as small as lets the widest label fit its slots without touching
    # the next (12 px text: about 7 px a Latin character or digit, 12 px a Chinese one).
    widest = max((_text_width(str(c)) for c in categories), default=0) + 8
    label_every = max(1, math.ceil(widest / slot))
    for i, category in enumerate(categories):
        x0 = left + slot * i + (slot - bar_w) / 2
        base = top + plot_h
        for j, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / peak
            if stacked:
                base -= h
                x, w, y = x0, bar_w, base
            else:
                w = bar_w / len(series)
                x, y = x0 + w * j, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{s.color}">'
                f"<title>{escape(f'{category} · {s.label}{colon()}{_fmt(value)}')}</title></rect>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle" fill="#1d2329">{escape(str(category))}</text>'
            )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#5b6670"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(
    labels: list[str],
    values: list,
    *,
    title: str,
    maximum: float | None = None,
    targets: list | None = None,
    target_label: str = "",
    suffix: str = "",
    width: int = 640,
    empty_text: str = "",
    color: str = PALETTE[0],
) -> str:
    """One horizontal bar per label, with a dark tick at each bar's target when given."""
    values = [_num(v) for v in values]
    row_h, top, left, right = 26, 28, 200, 60
    height = top + row_h * max(len(labels), 1) + 16
    plot_w = width - left - right
    peak = maximum or _nice_max(max(values or [0]))
    parts = _open(width, height, title)
    if targets and target_label:
        parts.append(
            f'<rect x="{left}" y="6" width="3" height="12" fill="#1d2329"/>'
            f'<text x="{left + 8}" y="16" fill="#1d2329">{escape(str(target_label))}</text>'
        )
    if not labels:
        parts.append(
            f'<text x="{width / 2:.1f}" y="{top + 14}" text-anchor="middle" fill="#5b6670">'
            f"{escape(str(empty_text))}</text>"
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row_h * i
        w = plot_w * min(value, peak) / peak if peak else 0
        text = str(label)
        if len(text) > 16:
            text = text[:15] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" fill="#1d2329">{escape(text)}'
            f"<title>{escape(str(label))}</title></text>"
            f'<rect x="{left}" y="{y + 3}" width="{plot_w}" height="16" fill="#f4f6f8"/>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="16" fill={quoteattr(color)}/>'
            f'<text x="{left + w + 6:.1f}" y="{y + 15}" fill="#1d2329">{_fmt(value)}{escape(suffix)}</text>'
        )
        target = targets[i] if targets else None
        if target is not None:
            tx = left + plot_w * min(_num(target), peak) / peak
            parts.append(f'<rect x="{tx - 1:.1f}" y="{y}" width="3" height="22" fill="#1d2329"/>')
    parts.append("</svg>")
    return "".join(parts)
