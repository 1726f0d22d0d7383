"""The integer formulas PyTorch uses for windows sliding along one axis (conv and pooling)."""

from __future__ import annotations

from math import prod


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def window_span(kernel: int, dilation: int) -> int:
    """How many input positions one window covers: d·(k−1) + 1."""
    return dilation * (kernel - 1) + 1


def window_count(length: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output length ⌊(n + 2p − d·(k−1) − 1) / s⌋ + 1; with ceil_mode ⌈…⌉ + 1, less one where the last
    window would start inside the right padding (PyTorch's pooling_output_shape). Returns ≤ 0 when the
    window does not fit the padded input; callers turn that into an error that names the layer."""
    reach = length + 2 * padding - window_span(kernel, dilation)
    if reach < 0:
        return 0
    if not ceil_mode:
        return reach // stride + 1
    count = ceil_div(reach, stride) + 1
    if (count - 1) * stride >= length + padding:
        count -= 1
    return count


def same_count(length: int, stride: int) -> int:
    """`padding: same` keeps ⌈n / s⌉ positions, padding as much as that needs (TensorFlow's rule)."""
    return ceil_div(length, stride)


def volume(shape: tuple[int, ...]) -> int:
    """Number of values in a shape (1 for the empty shape)."""
    return prod(shape)
