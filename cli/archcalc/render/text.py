"""Numbers and shapes as people read them. Rounding happens here and nowhere earlier."""

from __future__ import annotations

from collections.abc import Sequence


def exact(number: int) -> str:
    """15052900 -> '15,052,900'."""
    return f"{number:,}"


def short(number: int) -> str:
    """15052900 -> '15.1M'; K, M, G, T are powers of 1000, as budgets are written."""
    units = (("", 1), ("K", 10**3), ("M", 10**6), ("G", 10**9), ("T", 10**12))
    index = 0
    while index + 1 < len(units) and abs(number) >= units[index + 1][1]:
        index += 1
    if index == 0:
        return str(number)
    text = _three_digits(number / units[index][1])
    if text.replace(",", "") in ("1000", "-1000") and index + 1 < len(units):  # 999,950,000 is 1.0G, not 1000M
        index += 1
        text = _three_digits(number / units[index][1])
    return text + units[index][0]


def _three_digits(value: float) -> str:
    return f"{value:.1f}" if abs(round(value, 1)) < 100 else f"{value:,.0f}"


def exact_and_short(number: int) -> str:
    """'15,052,900 (15.1M)', or just '38' when the short form adds nothing."""
    brief = short(number)
    return exact(number) if brief == str(number) else f"{exact(number)} ({brief})"


def shape(dimensions: Sequence[int]) -> str:
    """(2, 2, 2) -> '2×2×2', as the seed writes shapes."""
    return "×".join(str(size) for size in dimensions)


def times(ratio: float) -> str:
    """A ratio as the seed writes it: '4.1×', '11.7×', '8,400×'."""
    if ratio >= 100:
        return f"{ratio:,.0f}×"
    return f"{ratio:.1f}×"


def fewer_or_more(baseline: int, value: int) -> str:
    """How `value` compares with `baseline`: '4.1× fewer', '2.0× more', 'same'."""
    if value == baseline:
        return "same"
    if value == 0:
        return "none"
    if baseline == 0:
        return "new"
    if value < baseline:
        return f"{times(baseline / value)} fewer"
    return f"{times(value / baseline)} more"


def signed_percent(base: int, head: int) -> str:
    """The change from base to head in percent: '+12.5%', '-3.0%', '0%', or 'new'."""
    if base == head:
        return "0%"
    if base == 0:
        return "new"
    return f"{(head - base) / base * 100:+.1f}%"


def percent(fraction: float) -> str:
    """0.123 -> '12.3%', -0.05 -> '-5.0%'."""
    return f"{fraction * 100:.1f}%"
