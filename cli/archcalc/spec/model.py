"""Typed, validated spec values: what the engine reads. Frozen; each layer knows where it was written."""

from __future__ import annotations

import enum
from typing import Literal, TypeAlias

from archcalc.errors import Origin
from archcalc.values import field, value

Shape: TypeAlias = tuple[int, ...]
"""Channels last, no batch axis: (N,), (L, C), (H, W, C) or (D, H, W, C)."""

PerAxis: TypeAlias = tuple[int, ...]
"""One value per spatial axis; a single value applies to every spatial axis."""

Padding: TypeAlias = PerAxis | Literal["same", "valid"]


def per_spatial_axis(values: PerAxis, rank: int) -> PerAxis:
    """SPEC.md's rule: a single value applies to every spatial axis; a list gives one per axis.
    (Whether a list's length matches the rank is the engine's to check, where the rank is known.)"""
    return values * rank if len(values) == 1 else values


class PoolMode(enum.Enum):
    MAX = "max"
    AVG = "avg"


ACTIVATIONS = frozenset(
    {
        "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gelu", "silu",
        "hardswish", "hardsigmoid", "softmax", "identity",
    }
)  # fmt: skip


@value(kw_only=True)
class LayerBase:
    """What every layer has: where it was written, its position (`3`, `5.layers.2`), a display name."""

    origin: Origin = field(compare=False)
    position: str = field(compare=False)
    name: str | None = None

    @property
    def kind(self) -> str:
        """The layer's type as JSON and tables write it (`dense`, `conv`, `maxpool`, `relu`...)."""
        raise NotImplementedError

    @property
    def where(self) -> str:
        """`layer 3 (conv)`: how error messages name this layer."""
        label = f"layer {self.position} ({self.kind}"
        return label + (f" '{self.name}')" if self.name else ")")


@value(kw_only=True)
class Dense(LayerBase):
    """A fully connected layer on the last axis (torch.nn.Linear)."""

    units: int
    bias: bool = True

    @property
    def kind(self) -> str:
        return "dense"


@value(kw_only=True)
class Conv(LayerBase):
    """A 1-D, 2-D or 3-D convolution, the rank taken from the input (torch.nn.Conv1d/2d/3d)."""

    filters: int
    kernel: PerAxis
    stride: PerAxis = (1,)
    padding: Padding = (0,)
    dilation: PerAxis = (1,)
    groups: int = 1
    bias: bool = True
    spatial_rank: int | None = None  # set by conv1d/conv2d/conv3d, which check the input's rank

    @property
    def kind(self) -> str:
        return "conv"


@value(kw_only=True)
class Depthwise(LayerBase):
    """A convolution of each channel on its own, `multiplier` filters per channel (Conv with groups=channels)."""

    kernel: PerAxis
    stride: PerAxis = (1,)
    padding: Padding = (0,)
    dilation: PerAxis = (1,)
    multiplier: int = 1
    bias: bool = True

    @property
    def kind(self) -> str:
        return "depthwise"


@value(kw_only=True)
class Pool(LayerBase):
    """Max or average pooling over windows (torch.nn.MaxPool*d / AvgPool*d)."""

    mode: PoolMode
    kernel: PerAxis
    stride: PerAxis | None = None  # None: the kernel, as in PyTorch
    padding: Padding = (0,)
    ceil_mode: bool = False

    @property
    def kind(self) -> str:
        return f"{self.mode.value}pool"


@value(kw_only=True)
class GlobalPool(LayerBase):
    """Max or average over every spatial position: one value per channel."""

    mode: PoolMode

    @property
    def kind(self) -> str:
        return f"global_{self.mode.value}pool"


@value(kw_only=True)
class AdaptivePool(LayerBase):
    """Pooling to a fixed output size (torch.nn.AdaptiveMaxPool*d / AdaptiveAvgPool*d)."""

    mode: PoolMode
    output: PerAxis

    @property
    def kind(self) -> str:
        return f"adaptive_{self.mode.value}pool"


@value(kw_only=True)
class Flatten(LayerBase):
    """Every axis into one, channels last."""

    @property
    def kind(self) -> str:
        return "flatten"


@value(kw_only=True)
class BatchNorm(LayerBase):
    """Batch normalisation over the channel axis: a trained scale and shift per channel, plus a running
    mean and variance that are not trained."""

    @property
    def kind(self) -> str:
        return "batchnorm"


@value(kw_only=True)
class LayerNorm(LayerBase):
    """Layer normalisation over the last axis: a scale and a shift per feature."""

    @property
    def kind(self) -> str:
        return "layernorm"


@value(kw_only=True)
class Activation(LayerBase):
    """An element-wise function (or softmax): no parameters, no MACs."""

    function: str  # one of ACTIVATIONS

    @property
    def kind(self) -> str:
        return self.function


@value(kw_only=True)
class Dropout(LayerBase):
    """Dropout: changes nothing this calculator counts."""

    rate: float = 0.5

    @property
    def kind(self) -> str:
        return "dropout"


@value(kw_only=True)
class Residual(LayerBase):
    """`layers` added to a shortcut (the identity, or `shortcut`'s layers), as in a ResNet block."""

    layers: tuple[Layer, ...]
    shortcut: tuple[Layer, ...] = ()  # empty: the identity

    @property
    def kind(self) -> str:
        return "residual"


@value(kw_only=True)
class Concat(LayerBase):
    """Branches applied to the same input, joined along the channel axis, as in Inception."""

    branches: tuple[tuple[Layer, ...], ...]  # an empty branch is the identity

    @property
    def kind(self) -> str:
        return "concat"


@value(kw_only=True)
class SqueezeExcite(LayerBase):
    """Squeeze-and-excitation: global average, squeeze to `channels`, expand back, scale the input."""

    channels: int  # the squeeze width s

    @property
    def kind(self) -> str:
        return "squeeze_excite"


@value(kw_only=True)
class Block(LayerBase):
    """A named group of layers applied in order: shown as one row with its layers inside."""

    layers: tuple[Layer, ...]

    @property
    def kind(self) -> str:
        return "block"


@value(kw_only=True)
class Repeat(LayerBase):
    """`layers` applied `times` times in order."""

    times: int
    layers: tuple[Layer, ...]

    @property
    def kind(self) -> str:
        return "repeat"


Layer: TypeAlias = (
    Dense | Conv | Depthwise | Pool | GlobalPool | AdaptivePool | Flatten | BatchNorm | LayerNorm
    | Activation | Dropout | Residual | Concat | SqueezeExcite | Repeat | Block
)  # fmt: skip


class BudgetKind(enum.Enum):
    """What a budget limits. Values are the keys written under `budget:` (and the `--max-…` flags)."""

    PARAMS = "params"
    MACS = "macs"
    PARAM_BYTES = "param_bytes"  # parameters stored at the budget's dtype
    ACTIVATION_BYTES = "activation_bytes"  # peak activation memory at the budget's dtype


class DType(enum.Enum):
    """A number format, for memory figures: its value is its name, `.bytes` its size."""

    FLOAT32 = "float32"
    FLOAT16 = "float16"
    BFLOAT16 = "bfloat16"
    INT8 = "int8"

    @property
    def bytes(self) -> int:
        return {DType.FLOAT32: 4, DType.FLOAT16: 2, DType.BFLOAT16: 2, DType.INT8: 1}[self]


@value
class Limit:
    """One budget line: a ceiling on one figure, and where it was written (for CI annotations).

    `origin` is None for a limit given on the command line (`--max-params`)."""

    kind: BudgetKind
    maximum: int
    origin: Origin | None


@value
class Spec:
    """A whole architecture: an input shape and the layers applied to it in order."""

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]
    origin: Origin
    description: str | None = None
    budget: tuple[Limit, ...] = ()
    budget_dtype: DType = DType.FLOAT32  # what the byte budgets assume
