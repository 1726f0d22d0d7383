"""Numbers and shapes as people read them. Rounding happens here and nowhere earlier."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction

    from archcalc.engine.relative import Relative


def exact(number: int) -> str:
    """15052900 -> '15,052,900'."""
    return f"{number:,}"


def short(number: int) -> str:
    """15052900 -> '15.1M'; K, M, G, T are powers of 1000, as budgets are written."""
    if abs(number) >= 10**15:  # past 999T: scientific, via Decimal (a float cannot hold every int)
        from decimal import Decimal  # lazy: only here: importing it costs 1 ms of every start

        return f"{Decimal(number):.3g}".replace("E+", "e")
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


def plural(count: int, noun: str) -> str:
    """'1 spec', '3 specs'."""
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def summary(docstring: str | None) -> str:
    """A docstring's first paragraph on one line: a layer kind's summary, for `layers` and the schema."""
    return " ".join((docstring or "").split("\n\n")[0].split())


def shape(dimensions: Sequence[int | Fraction]) -> str:
    """(2, 2, 2) -> '2×2×2', as the seed writes shapes; a receptive field's lengths past an
    upsampling may be fractions: '1/2×1/2'."""
    return "×".join(str(size) for size in dimensions)


def as_ratio(ratio: float) -> str:
    """A ratio as the seed writes it: '4.1×', '11.7×', '8,400×'; past 10^15, '7.35e+51×'."""
    if math.isinf(ratio):
        return "∞×"
    if ratio >= 1e15:
        return f"{ratio:.3g}×"
    if ratio >= 100:
        return f"{ratio:,.0f}×"
    return f"{ratio:.1f}×"


def fewer_or_more(relative: Relative) -> str:
    """How a figure compares with its baseline: '4.1× fewer', '2.0× more', '1.8% fewer', 'same'."""
    if relative.delta == 0:
        return "same"
    if relative.figure == 0:
        return "none"
    if relative.baseline == 0:
        return "new"
    return f"{how_far(relative)} {'fewer' if relative.delta < 0 else 'more'}"


def how_far(relative: Relative) -> str:
    """The distance from baseline to figure (both above 0): the larger over the smaller, '4.1×', or
    below 1.1× the difference as a percentage of the baseline, '1.8%'."""
    if relative.small and relative.change is not None:
        return percent(abs(relative.change))
    return as_ratio(relative.ratio or math.inf)


def signed_percent(relative: Relative) -> str:
    """The change from baseline to figure in percent: '+12.5%', '-3.0%', '0%', or 'new'."""
    if relative.delta == 0:
        return "0%"
    if relative.change is None:
        return "new"
    return percent(relative.change, signed=True)


def percent(fraction: float, signed: bool = False) -> str:
    """0.123 -> '12.3%', -0.05 -> '-5.0%' (with `signed`, '+12.3%'), 0.00042 -> '0.042%',
    851,626.52 -> '85,162,652%'; past 10^15 percent, '-1e+179%'."""
    if math.isinf(fraction):
        return "-∞%" if fraction < 0 else ("+∞%" if signed else "∞%")
    value = fraction * 100
    if abs(value) >= 1e15:
        return f"{value:+.3g}%" if signed else f"{value:.3g}%"
    if abs(value) >= 1e6:
        return f"{value:+,.0f}%" if signed else f"{value:,.0f}%"
    if 0 < abs(value) < 0.995:  # two significant digits: a change of 0.042% is not "0.0%"
        return f"{value:+.2g}%" if signed else f"{value:.2g}%"
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def times_the_limit(times: float) -> str:
    """'851,627× the limit': how far over its limit a figure is, when that is 10× or more (BudgetCheck.times_the_limit)."""
    return f"{as_ratio(times)} the limit"


UNIT_SIZES = {"GiB": 2**30, "GB": 10**9, "T": 10**12, "G": 10**9}
"""Units a figure is shown in: the device table's memory in GiB (datasheet GB × 2^30), bandwidth in GB
(10^9 bytes) a second, peaks in T (10^12) operations a second."""


def in_unit(number: int, unit: str) -> str:
    """85899345920 in GiB -> '80', 362050000000000 in T -> '362.05': exact, as a decimal, grouped."""
    from decimal import Decimal  # lazy: importing it costs 1 ms of every start; only the device table needs it

    text = format((Decimal(number) / Decimal(UNIT_SIZES[unit])).normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def device_memory(number: int) -> str:
    """A device's memory as `archcalc devices` lists it, then exact: '16 GiB (17,179,869,184 bytes)'."""
    return f"{in_unit(number, 'GiB')} GiB ({exact(number)} bytes)"


def rate(value: float, unit: str = "") -> str:
    """989500000000000.0 per second in T -> '989.5'; 19854.2 -> '19,854': one decimal below 1,000."""
    scaled = value / UNIT_SIZES[unit] if unit else value
    return f"{scaled:,.1f}" if scaled < 1000 else f"{scaled:,.0f}"


def duration(seconds: float) -> str:
    """0.00652 -> '6.52 ms': three figures in the unit that keeps them whole."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return "0 s" if seconds == 0 else f"{seconds / 1e-9:.3g} ns"
