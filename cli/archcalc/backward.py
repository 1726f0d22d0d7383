"""What a layer leaves for its backward pass: the tensors autograd keeps, how each is stored, the
parameter tensors an optimizer keeps state for, and the backward pass's MACs. Each kind states its
own rule with these values; engine/training.py sums them, counting a tensor shared by a producer and
its consumers once. (A module of its own, outside kinds/, so that model.py can import it.)
"""

from __future__ import annotations

import enum

from archcalc.values import value

Shape = tuple[int, ...]  # as model.Shape; written again here so that model.py can import this module


class Which(enum.Enum):
    """Which tensor a kept value is: the layer's input, its output (both shared with the layers
    that made and read them), or one of its own (a mask, indices, statistics, q, k and v)."""

    INPUT = "input"
    OUTPUT = "output"
    JOINED = "joined"  # the outputs it reads by name (a multiply's other operands)
    OWN = "own"


class Stored(enum.Enum):
    """How a kept tensor is stored. Activations follow the precision (half under amp, bf16 and
    mixed); statistics and attention's logsumexp stay float32; indices are int64 (offsets int32); masks one byte."""

    ACTIVATION = "activation"
    PARAMETER = "parameter"  # in the parameters' dtype (instance norm's scale, repeated per sample)
    FLOAT32 = "float32"
    INT64 = "int64"
    INT32 = "int32"  # grouped experts' offsets
    BOOL = "bool"


@value
class Needs:
    """What a layer's backward pass must produce: its input's gradient (something before it trains),
    its weights' (it trains); and whether attention takes the eager math path (`--attention eager`)."""

    input_grad: bool
    trains: bool
    eager_attention: bool = False
    joined_grad: bool = False  # whether an output it reads by name needs a gradient (a multiply keeps its other operand for it)
    current_grad: bool = False  # whether the tensor it is applied to does

    @property
    def any(self) -> bool:
        return self.input_grad or self.trains


@value
class Kept:
    """One tensor kept for the backward pass: `values` per sample (or in all, `per_sample` False:
    a tensor the whole batch shares, such as position ids)."""

    which: Which
    values: int  # for Which.JOINED: ignored, the named outputs are counted at their own size
    stored: Stored = Stored.ACTIVATION
    per_sample: bool = True


@value
class ParameterTensor:
    """`count` parameter tensors of this shape, as PyTorch's module holds them: an optimizer keeps
    state per tensor (a `step`), and Adafactor factors it over the last two axes."""

    shape: Shape
    count: int = 1


@value
class Backward:
    """The MACs of a layer's backward pass: for its input's gradient, and for its weights'."""

    input_macs: int = 0
    weight_macs: int = 0

    @property
    def macs(self) -> int:
        return self.input_macs + self.weight_macs


NOTHING_KEPT: tuple[Kept, ...] = ()


def keeps_input(values: int) -> tuple[Kept, ...]:
    return (Kept(Which.INPUT, values),)


def keeps_output(values: int) -> tuple[Kept, ...]:
    return (Kept(Which.OUTPUT, values),)


def weight_and_bias(weight: Shape, bias: int) -> tuple[ParameterTensor, ...]:
    """A weight tensor, and a bias vector when there is one."""
    return (ParameterTensor(weight),) + ((ParameterTensor((bias,)),) if bias else ())


class Precision(enum.Enum):
    """How weights, gradients, optimizer state and activations are stored while training."""

    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"
    AMP_BF16 = "amp-bf16"
    AMP_FP16 = "amp-fp16"
    MIXED_BF16 = "mixed-bf16"
    MIXED_FP16 = "mixed-fp16"

    @property
    def parameter_bytes(self) -> int:
        """Weights and their gradients: fp32 under fp32 and amp (autocast casts copies), half otherwise."""
        return 4 if self in (Precision.FP32, Precision.AMP_BF16, Precision.AMP_FP16) else 2

    @property
    def activation_bytes(self) -> int:
        return 4 if self is Precision.FP32 else 2

    @property
    def moment_bytes(self) -> int:
        """Optimizer moments: in the parameters' dtype, except mixed precision's fp32 moments."""
        return 4 if self.master_copy else self.parameter_bytes

    @property
    def master_copy(self) -> bool:
        """Mixed precision keeps an fp32 copy of the half weights: counted as optimizer state, as ZeRO's K = 12."""
        return self in (Precision.MIXED_BF16, Precision.MIXED_FP16)


class Optimizer(enum.Enum):
    SGD = "sgd"
    MOMENTUM = "momentum"
    ADAM = "adam"
    ADAMW = "adamw"
    ADAFACTOR = "adafactor"
    LION = "lion"

    @property
    def moments(self) -> int:
        """Full-size buffers per parameter: Adam's exp_avg and exp_avg_sq, momentum's and Lion's one."""
        return {Optimizer.SGD: 0, Optimizer.MOMENTUM: 1, Optimizer.ADAM: 2, Optimizer.ADAMW: 2, Optimizer.ADAFACTOR: 0, Optimizer.LION: 1}[self]

    @property
    def keeps_step(self) -> bool:
        """torch.optim's Adam, AdamW and Adafactor keep a float32 `step` tensor per parameter tensor."""
        return self in (Optimizer.ADAM, Optimizer.ADAMW, Optimizer.ADAFACTOR)


class AttentionPath(enum.Enum):
    """flash: scaled_dot_product_attention's fused kernel, which keeps no score matrix; eager: the math path."""

    FLASH = "flash"
    EAGER = "eager"


class Checkpointing(enum.Enum):
    NONE = "none"
    FULL = "full"


@value
class TrainingSetup:
    """A spec's `training:` block, each setting None where it is not written (or the flags of a command
    that trains, None where not given): how `check` trains the spec for its training budgets
    (train_total_bytes, train_activation_bytes in the spec's budget), `train`'s defaults, and the
    device whose memory is the default limit."""

    batch: int | None = None
    optimizer: Optimizer | None = None
    precision: Precision | None = None
    device: str | None = None

    def overridden(self, flags: TrainingSetup) -> TrainingSetup:
        """Each setting from `flags` where one is given, else this block's."""
        return TrainingSetup(
            flags.batch if flags.batch is not None else self.batch,
            flags.optimizer if flags.optimizer is not None else self.optimizer,
            flags.precision if flags.precision is not None else self.precision,
            flags.device if flags.device is not None else self.device,
        )

    def taken_over(self, flags: TrainingSetup) -> tuple[str, ...]:
        """The settings this block gives that no flag overrides: what the output says came from the spec."""
        settings: list[tuple[str, object, object]] = [("batch", self.batch, flags.batch), ("optimizer", self.optimizer, flags.optimizer)]
        settings += [("precision", self.precision, flags.precision), ("device", self.device, flags.device)]
        return tuple(name for name, written, given in settings if written is not None and given is None)
