"""Inputs written as PyTorch writes them (channels first, or with a batch axis): spotted, to say so.

archcalc reads an input channels last with no batch axis (height × width × channels), so
`input: [3, 224, 224]` is 3 rows of 224 columns with 224 channels, and a 3×3 conv of 64 filters on
it has 129,088 parameters rather than 1,792. Nothing in the numbers is wrong, so nothing is refused:
the spec carries a note, and a shape error in it a hint, both naming the shape it likely meant.

The rule, so that no real channels-last input is taken for one written channels first: an axis of
image channels holds 1 to 4 (grey, RGB, RGBA), and an image axis at least 16 and more than four
times as many. `3×224×224` and `1×28×28` look channels first; `4×4×1`, `2×2×64` and `4×16×16` do
not (their first axis is no smaller than the ones after it by that much), nor does any input of
fewer than three axes (`4x512`, four tokens of 512 features, is a sequence).
"""

from __future__ import annotations

from archcalc.model import Shape
from archcalc.text import shape as written_shape


def _channels(size: int) -> bool:
    return 1 <= size <= 4


def _image_axis(size: int, channels: int) -> bool:
    return size >= 16 and size > 4 * channels


def _channels_first(dimensions: Shape) -> bool:
    """C×H×W or C×D×H×W: a few channels, then image axes."""
    return len(dimensions) in (3, 4) and _channels(dimensions[0]) and all(_image_axis(size, dimensions[0]) for size in dimensions[1:])


def channels_last(dimensions: Shape) -> tuple[Shape, str] | None:
    """The shape an input written channels first or with a batch axis likely meant, and how it
    looks written: `3×224×224` -> 224×224×3, `1×3×224×224` -> 224×224×3, `1×224×224×3` -> 224×224×3.
    None for an input that reads as it is written."""
    if _channels_first(dimensions):
        return (*dimensions[1:], dimensions[0]), "written channels first"
    if len(dimensions) == 4 and dimensions[0] == 1:
        image = dimensions[1:]
        if _channels_first(image):
            return (*image[1:], image[0]), "written with a batch axis and channels first"
        if _channels(image[-1]) and all(_image_axis(size, image[-1]) for size in image[:-1]):
            return image, "written with a batch axis"
    return None


def layout_note(dimensions: Shape) -> str | None:
    """What a spec whose input looks channels first (or batched) says under its table, else None."""
    meant = channels_last(dimensions)
    if meant is None:
        return None
    image, looks = meant
    return (
        f"input {written_shape(dimensions)} looks {looks}: archcalc reads an input channels last with no batch axis, "
        f"so it reads {dimensions[-1]:,} channels at {written_shape(dimensions[:-1])} positions; {_meant(image)}"
    )


def layout_hint(dimensions: Shape) -> str | None:
    """The hint a shape error in such a spec carries, else None."""
    meant = channels_last(dimensions)
    if meant is None:
        return None
    image, looks = meant
    return f"input {written_shape(dimensions)} looks {looks}, but archcalc reads an input channels last with no batch axis: {_meant(image)}"


def _meant(image: Shape) -> str:
    """`for a 224×224 image of 3 channels write input: 224x224x3`."""
    channels = "1 channel" if image[-1] == 1 else f"{image[-1]} channels"
    return f"for a {written_shape(image[:-1])} image of {channels} write input: {'x'.join(str(size) for size in image)}"
