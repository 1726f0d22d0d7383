"""The one order both graph readers put a file's nodes (ONNX) or layers (Keras) in."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence


def dependency_order(needs: Sequence[Iterable[int]]) -> tuple[list[int], list[int]]:
    """Both readers' one ordering of a file's nodes or layers: the indices 0..n-1 of `needs` (each
    index's list, the indices it reads from) in an order where each comes after those it needs, the
    lowest index first wherever that allows, so that a file already in order is read in its order;
    then the indices left waiting, on a cycle or on what a cycle holds up. One pass (Kahn's
    algorithm), however the file orders them; the caller names what is missing or cyclic."""
    waiting = [0] * len(needs)
    readers: dict[int, list[int]] = {}
    for index, needed in enumerate(needs):
        for maker in set(needed):
            waiting[index] += 1
            readers.setdefault(maker, []).append(index)
    ready = [index for index, count in enumerate(waiting) if not count]  # ascending: a heap already
    order: list[int] = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for reader in readers.get(index, []):
            waiting[reader] -= 1
            if not waiting[reader]:
                heapq.heappush(ready, reader)
    return order, [index for index, count in enumerate(waiting) if count]
