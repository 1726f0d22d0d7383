"""How `show` lays out its table; what it computes is the analysis request's (engine/analysis.py)."""

from __future__ import annotations

from archcalc.counting import Counting
from archcalc.values import value


@value
class ShowOptions:
    """How deep to list layers inside composites, whether to write out each layer's arithmetic,
    whether the cost column counts MACs or FLOPs, and whether a table folds a run of identical layers
    into one row (the analysis's runs; never with `explain`, whose rows are each layer's own)."""

    depth: int = 3
    explain: bool = False
    counting: Counting = Counting.MACS
    fold: bool = True


DEFAULT_SHOW = ShowOptions()
