"""How `show` lays out its table; what it computes is the analysis request's (engine/analysis.py)."""

from __future__ import annotations

from archcalc.values import value


@value
class ShowOptions:
    """How deep to list layers inside composites, and whether to write out each layer's arithmetic."""

    depth: int = 3
    explain: bool = False


DEFAULT_SHOW = ShowOptions()
