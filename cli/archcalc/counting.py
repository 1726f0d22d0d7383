"""What a cost column counts: a choice every table, chart and document makes alike (`--count`)."""

from __future__ import annotations

import enum


class Counting(str, enum.Enum):
    """What a cost column counts: multiply-accumulates, or floating-point operations at 2 per MAC
    (a multiply and an add), for readers who think in FLOPs. Both exact, both the engine's."""

    MACS = "macs"
    FLOPS = "flops"

    @property
    def heading(self) -> str:
        return "MACs" if self is Counting.MACS else "FLOPs"

    def of(self, macs: int) -> int:
        return macs if self is Counting.MACS else 2 * macs
