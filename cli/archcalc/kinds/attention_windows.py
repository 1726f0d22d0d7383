"""The groups of positions that attention over an image attends within: Swin's windows, MaxViT's
blocks and grids. Their geometry alone; kinds/attention.py counts what attending within them costs."""

from __future__ import annotations

from archcalc.values import value


@value
class Windows:
    """How attention over an image groups its positions: groups of `cell` positions (a window, or one
    token from each cell of a grid) that attend among themselves, on the map padded to `padded`."""

    cell: tuple[int, int]
    padded: tuple[int, int]

    @property
    def tokens(self) -> int:
        """n: the tokens of one group."""
        return self.cell[0] * self.cell[1]

    @property
    def positions(self) -> int:
        return self.padded[0] * self.padded[1]

    @property
    def groups(self) -> int:
        return self.positions // self.tokens

    @property
    def offsets(self) -> int:
        """The relative offsets between two tokens of a group: (2·h − 1)·(2·w − 1), a bias table's rows."""
        return (2 * self.cell[0] - 1) * (2 * self.cell[1] - 1)
