"""One figure against another, worked out once for every renderer: how much it changed, by what
fraction of the first, and how many times the larger is the smaller. Renderers only write these."""

from __future__ import annotations

import math

from archcalc.arithmetic import quotient
from archcalc.values import value

SMALL_RATIO = 1.1
"""Below this a ratio prints as `1.0×` or `1.1×`, which hides the difference: a percentage shows it."""

PERCENT_PLACES = 3
"""Decimals of a percentage for scripts (JSON and CSV): `-66.667`, read by a person and a script
alike; more would be float noise (`-66.66666666666667`), not precision any budget needs."""


def percent_for_scripts(fraction: float | None) -> float | None:
    """A fraction (0.24) in percent to PERCENT_PLACES decimals (24.0); None for none, or past a float.
    A change too small to show is 0.0, never -0.0."""
    if fraction is None or not math.isfinite(fraction * 100):
        return None
    return round(fraction * 100, PERCENT_PLACES) + 0.0


@value
class Relative:
    """`figure` against `baseline` (a spec against the first, a layer's head against its base)."""

    baseline: int
    figure: int

    @property
    def delta(self) -> int:
        """figure − baseline."""
        return self.figure - self.baseline

    @property
    def change(self) -> float | None:
        """The delta as a fraction of the baseline (0.125: 12.5% more; ±inf past a float); None for a baseline of 0."""
        return quotient(self.delta, self.baseline) if self.baseline else None

    @property
    def percent_change(self) -> float | None:
        """The change in percent to PERCENT_PLACES decimals, for scripts: None where the baseline is 0
        or the percentage is past a float."""
        return percent_for_scripts(self.change)

    @property
    def ratio(self) -> float | None:
        """The larger over the smaller (4.05: one is 4.05× the other); None where either is 0."""
        if not self.baseline or not self.figure:
            return None
        return quotient(max(self.baseline, self.figure), min(self.baseline, self.figure))

    @property
    def small(self) -> bool:
        """Less than SMALL_RATIO apart (both above 0), so a ratio would hide how far: say a percentage."""
        return self.ratio is not None and self.ratio < SMALL_RATIO

    @property
    def first_over_this(self) -> float | None:
        """baseline / figure (4.05: this one has 4.05× fewer); None where the figure is 0, or where
        the ratio is past a float (nested repeats reach such counts)."""
        if not self.figure:
            return None
        ratio = quotient(self.baseline, self.figure)
        return ratio if math.isfinite(ratio) else None
