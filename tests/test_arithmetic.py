"""The window formulas against values worked by hand and PyTorch's documented edge cases."""

from __future__ import annotations

import pytest

from archcalc.arithmetic import same_count, window_count


@pytest.mark.parametrize(
    ("length", "kernel", "stride", "padding", "dilation", "ceil_mode", "expected"),
    [
        (4, 3, 1, 0, 1, False, 2),  # the seed: 4×4 input, 3×3 filter, no padding -> 2×2
        (224, 3, 1, 0, 1, False, 222),
        (224, 3, 1, 1, 1, False, 224),
        (224, 7, 2, 3, 1, False, 112),  # ResNet stem
        (112, 3, 2, 1, 1, False, 56),  # ResNet max pool
        (10, 3, 1, 0, 2, False, 6),  # dilation 2: span 5 -> 10 - 5 + 1
        (5, 2, 2, 0, 1, False, 2),  # floor drops the last lone column
        (5, 2, 2, 0, 1, True, 3),  # ceil keeps it
        (6, 3, 2, 0, 1, True, 3),  # ⌈3/2⌉ + 1 = 3, last window starts at 4 < 6
        (4, 2, 2, 1, 1, True, 3),  # ⌈4/2⌉ + 1 = 3: the last window starts at 4 < 4 + 1, kept
        (5, 2, 2, 1, 1, True, 3),  # ⌈5/2⌉ + 1 = 4, but window 4 would start at 6 >= 5 + 1, in the padding: dropped
        (55, 3, 2, 0, 1, False, 27),  # AlexNet pool
        (3, 3, 1, 0, 1, False, 1),  # kernel exactly the input
        (2, 3, 1, 0, 1, False, 0),  # does not fit
        (2, 3, 1, 1, 1, False, 2),  # fits once padded
        (1, 2, 2, 0, 1, True, 1),  # ceil_mode: overhangs the input by 1 < stride 2, as PyTorch allows
        (1, 3, 2, 0, 1, True, 0),  # overhangs by 2, not less than the stride: no window (PyTorch refuses)
        (1, 2, 2, 0, 1, False, 0),  # without ceil_mode no window may overhang
    ],
)
def test_window_count(length: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool, expected: int) -> None:
    assert window_count(length, kernel, stride, padding, dilation, ceil_mode) == expected


@pytest.mark.parametrize(("length", "stride", "expected"), [(224, 1, 224), (224, 2, 112), (7, 2, 4), (1, 3, 1)])
def test_same_padding_keeps_ceil_of_length_over_stride(length: int, stride: int, expected: int) -> None:
    assert same_count(length, stride) == expected
