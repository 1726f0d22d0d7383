"""What `show` can add to its table; built by the CLI before anything heavy is imported."""

from __future__ import annotations

from archcalc.spec.model import DType
from archcalc.values import value


@value
class ShowOptions:
    """What `show` adds to its table: nesting depth and the optional columns."""

    depth: int = 3
    explain: bool = False
    receptive_field: bool = False
    memory: bool = False
    dtype: DType = DType.FLOAT32


DEFAULT_SHOW = ShowOptions()
