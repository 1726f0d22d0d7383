"""The values that spec, engine and render share: shapes, a layer's interface, costs and results, specs.

Data flows one way: spec/ reads text into a `Spec` of `Layer`s; engine/ applies each layer to a shape
and gets a `LayerResult` with its exact `Cost`; render/ formats results. Every layer kind is one class
in archcalc/kinds/, and answers every question about itself through the interface of `Layer` below.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeAlias

from archcalc.arithmetic import volume
from archcalc.backward import Backward, Kept, Needs, ParameterTensor, TrainingSetup, weight_and_bias
from archcalc.errors import Origin, ShapeError, SizeLimit
from archcalc.values import field, value

if TYPE_CHECKING:
    from fractions import Fraction  # imported where an upsampling makes one: it costs 20 ms of a start

    from archcalc.kinds.arguments import Argument

Shape: TypeAlias = tuple[int, ...]
"""Channels last, no batch axis: (N,), (L, C), (H, W, C) or (D, H, W, C)."""

PerAxis: TypeAlias = tuple[int, ...]
"""One value per spatial axis; a single value applies to every spatial axis."""

Padding: TypeAlias = PerAxis | Literal["same", "valid"]

Length: TypeAlias = "int | Fraction"
"""A length in input positions: whole, or a fraction past an upsampling (two outputs per input: ½)."""


class Cost:
    """What one layer (or a block, or a network) costs. Every figure is an exact int.

    A plain class with slots rather than a `value`: every layer builds several, and a 100,000-layer
    spec should cost a few hundred bytes a layer. Immutable by convention: nothing assigns to one."""

    __slots__ = ("biases", "macs", "non_trainable", "weights")
    __match_args__ = ("weights", "biases", "non_trainable", "macs")

    def __init__(self, weights: int = 0, biases: int = 0, non_trainable: int = 0, macs: int = 0) -> None:
        self.weights = weights
        self.biases = biases
        self.non_trainable = non_trainable  # batch-norm running mean and variance: state, not parameters
        self.macs = macs

    @property
    def params(self) -> int:
        """What PyTorch counts: `sum(p.numel() for p in model.parameters())`."""
        return self.weights + self.biases

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.weights + other.weights, self.biases + other.biases, self.non_trainable + other.non_trainable, self.macs + other.macs)

    def __mul__(self, times: int) -> Cost:
        return Cost(self.weights * times, self.biases * times, self.non_trainable * times, self.macs * times)

    def _figures(self) -> tuple[int, int, int, int]:
        return (self.weights, self.biases, self.non_trainable, self.macs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cost) and self._figures() == other._figures()

    def __hash__(self) -> int:
        return hash(self._figures())

    def __repr__(self) -> str:
        return f"Cost(weights={self.weights}, biases={self.biases}, non_trainable={self.non_trainable}, macs={self.macs})"


NO_COST = Cost()


def total_cost(costs: list[Cost] | tuple[Cost, ...]) -> Cost:
    result = NO_COST
    for cost in costs:
        result = result + cost
    return result


class LayerResult:
    """One layer applied to one input shape. A composite's cost includes its children's.

    `occurrences` is how many identical layers this row stands for: inside a `repeat`, iterations whose
    input shape no longer changes are identical, so they are computed once and counted that often
    (JSON's `times`).
    `joined` holds the earlier results this layer read by name (a join's skips, a branch's source).
    `in_training` is set on a layer that an inference pass does not run (inside a training-only
    `branch`): its cost has no MACs, and `in_training` is the result as the layer runs in
    training, whose arithmetic its explanation writes out. A slotted class for the same reason as `Cost`."""

    __slots__ = ("children", "cost", "in_training", "input_shape", "joined", "layer", "occurrences", "output_shape")

    def __init__(
        self,
        layer: Layer,
        input_shape: Shape,
        output_shape: Shape,
        cost: Cost,
        children: tuple[LayerResult, ...] = (),
        occurrences: int = 1,
        joined: tuple[LayerResult, ...] = (),
        in_training: LayerResult | None = None,
    ) -> None:
        self.layer = layer
        self.input_shape = input_shape
        self.output_shape = output_shape
        self.cost = cost
        self.children = children
        self.occurrences = occurrences
        self.joined = joined
        self.in_training = in_training

    def stand_for(self, count: int) -> None:
        """Make this result stand for `count` times as many identical occurrences. Changed in place,
        while the `repeat` that computed it is still being applied: a result keeps its identity, by
        which later joins and receptive fields find the one they read by name."""
        self.occurrences *= count

    def __repr__(self) -> str:
        return f"LayerResult({self.layer.where}, {self.input_shape} -> {self.output_shape}, {self.cost!r}, occurrences={self.occurrences})"


def output_after(results: tuple[LayerResult, ...], shape: Shape) -> Shape:
    """The tensor a path ends on: its last result's output, or `shape` (its input) for an empty path.
    A side branch leaves the path's tensor as it was, so the last result that is not one counts."""
    for result in reversed(results):
        if not result.layer.SIDE_BRANCH:
            return result.output_shape
    return shape


def whole_if_possible(length: Length) -> Length:
    """Fraction(4, 1) -> 4: lengths stay plain ints until an upsampling makes them fractions."""
    return length if isinstance(length, int) or length.denominator != 1 else length.numerator


@value
class ReceptiveField:
    """A receptive field: `size` None is the whole input; `jump` is the effective stride, in input
    positions; `approximate` marks a field estimated from uneven windows (adaptive pooling).

    Past an upsampling the jump is a fraction (½: two outputs per input position), and the sizes
    that later windows add to it may be fractions too."""

    size: tuple[Length, ...] | None
    jump: tuple[Length, ...]
    approximate: bool = False

    def widened(self, span: PerAxis, stride: tuple[Length, ...], approximate: bool = False) -> ReceptiveField:
        """After a window of `span` positions moving by `stride` (both per axis): the field grows by
        (span − 1) · jump and the jump multiplies by the stride (a fraction for an upsampling)."""
        jump = tuple(whole_if_possible(j * s) for j, s in zip(self.jump, stride, strict=True))
        if self.size is None:
            return ReceptiveField(None, jump, self.approximate or approximate)
        size = tuple(whole_if_possible(f + (e - 1) * j) for f, e, j in zip(self.size, span, self.jump, strict=True))
        return ReceptiveField(size, jump, self.approximate or approximate)

    def whole(self) -> ReceptiveField:
        return ReceptiveField(None, self.jump, self.approximate)

    def joined(self, other: ReceptiveField) -> ReceptiveField:
        """Where two paths meet, an output sees what either path saw."""
        jump = tuple(max(a, b) for a, b in zip(self.jump, other.jump, strict=True))
        approximate = self.approximate or other.approximate
        if self.size is None or other.size is None:
            return ReceptiveField(None, jump, approximate)
        return ReceptiveField(tuple(max(a, b) for a, b in zip(self.size, other.size, strict=True)), jump, approximate)


# What a composite kind asks of the engine while it is applied: the engine implements these, so
# kinds need not import it (and the engine can import every kind).


class ApplyContext(Protocol):
    def sequence(self, layers: tuple[Layer, ...], shape: Shape) -> tuple[LayerResult, ...]:
        """Apply layers in order, each to the previous one's output."""
        ...

    def unrolled(self, layer: Layer, results: tuple[LayerResult, ...]) -> None:
        """Count layers a `repeat` unrolled; raises once one analysis has unrolled too many."""
        ...

    def only_in_training(self, branch: Layer, results: tuple[LayerResult, ...]) -> None:
        """Mark `branch` and the named layers in `results` as run only in training: a layer an
        inference pass runs cannot read them by name."""
        ...

    def named(self, name: str, asking: Layer) -> LayerResult:
        """The latest result of the layer written with `name:`, applied before `asking` (at any depth).
        A ShapeError located at `asking` when no layer has the name, when the layer comes after
        `asking` or contains it, or when two layers share the name."""
        ...


class FieldContext(Protocol):
    def sequence(self, results: tuple[LayerResult, ...], field: ReceptiveField, record: bool = True) -> ReceptiveField:
        """The field after these results in order; `record` keeps each one's for the table."""
        ...

    def field_of(self, result: LayerResult) -> ReceptiveField:
        """The field after an earlier result: what a join or a branch reads by name."""
        ...


@value(kw_only=True)
class Layer:
    """One layer as written: where (`origin`), its position (`3`, `5.layers.2`), an optional display name.

    Each kind is a subclass in archcalc/kinds/ that supplies every piece below; the parser, the
    engine and the renderers ask the kind and keep no table of kinds of their own.
    tests/test_kinds.py proves that every registered kind supplies every piece."""

    origin: Origin = field(compare=False)
    position: str = field(compare=False)
    name: str | None = None
    written_at: tuple[tuple[str, Origin], ...] = field(default=(), compare=False)  # where each argument's key was written

    def argument_origin(self, argument: str) -> Origin | None:
        """Where `argument` was written, when the reader kept it (a YAML spec's key); else None."""
        return next((origin for written, origin in self.written_at if written == argument), None)

    trainable: bool = True  # `trainable: false` freezes it (and the layers inside it): no gradient, no optimizer state

    NAMES: ClassVar[dict[str, str]] = {}
    """Every name this kind may be written as, mapped to the type it reports (`fc` -> `dense`)."""
    ARGUMENTS: ClassVar[tuple[Argument, ...]] = ()
    """How each argument is read; its default is the field's default (no default: required)."""
    MAIN: ClassVar[str | None] = None
    """The argument that may be written alone: `dense: 8` is `dense: {units: 8}`."""
    PARAMETERS: ClassVar[str] = ""
    """The parameter rule, as `archcalc layers` and the docs print it."""
    MACS: ClassVar[str] = ""
    """The MAC rule, likewise."""
    EXAMPLE: ClassVar[tuple[str, str]] = ("", "")
    """An input shape and a layer written for it, as a spec writes them: `("10x16", "dense: 8")`."""
    ANY_LAYOUT: ClassVar[bool] = False
    """Its receptive-field rule holds however positions are laid out on the axes (it maps each
    position on its own, or sees them all); a window's rule holds only on the input's own axes."""
    SHARES_WEIGHTS_ACROSS_POSITIONS: ClassVar[bool] = False
    """Its weights are applied at every output position (a convolution): `archcalc sharing` lists it."""
    READS_TOKEN_IDS: ClassVar[bool] = False
    """Read first from a flat input, it takes the input as token ids: N positions, not N features."""
    EXAMPLE_BEFORE: ClassVar[tuple[str, ...]] = ()
    """Layers the example needs before it, written likewise: the named layer a join reads."""
    SIDE_BRANCH: ClassVar[bool] = False
    """True for a side branch: its output is an extra one, and the layer after it sees the tensor before it."""
    CACHE_RULE: ClassVar[str] = ""
    """How `cached_values` counts, as `show --memory` writes it under the table; empty for a kind that keeps none."""
    STATE: ClassVar[str] = "stored state that is not trained"
    """What its non-trainable values are, as `show` names them under the table: only the kinds a model has."""
    ATTENDS: ClassVar[bool] = False
    """It scores queries against keys: flash and eager attention (`--attention`) run it differently."""
    COUNT_ARGUMENT: ClassVar[str | None] = None
    """The argument that says how many times a block runs (a repeat's `times`): where the drift gate
    points when a spec and its model file run it a different number of times."""
    COMMON_NAMES: ClassVar[dict[str, str]] = {}
    """Names PyTorch, Keras and papers give what this kind describes, each with what to write instead:
    the hint for a spec that writes one (`swiglu` -> gated_mlp)."""

    @classmethod
    def build(cls, written: str, arguments: dict[str, Any], origin: Origin, position: str, name: str | None) -> Layer:
        """The layer from its read arguments. Kinds whose written name sets a field (maxpool's mode,
        conv2d's rank) override this."""
        return cls(origin=origin, position=position, name=name, **arguments)

    def check(self) -> None:
        """Refuse arguments that are each valid but do not go together, raising ArgumentProblem."""

    @property
    def kind(self) -> str:
        """The layer's type as JSON and tables write it (`dense`, `conv`, `maxpool`, `relu`...)."""
        return next(iter(type(self).NAMES.values()))

    @property
    def where(self) -> str:
        """`layer 3 (conv)`: how error messages name this layer."""
        label = f"layer {self.position} ({self.kind}"
        return label + (f" '{self.name}')" if self.name else ")")

    @property
    def where_written(self) -> str:
        """`layer 5 (conv 'down4') on line 12`: a layer a message points the reader to."""
        return f"{self.where} on line {self.origin.line}" if self.origin.line else self.where

    def error(self, problem: str, hint: str | None = None, size_limit: SizeLimit | None = None) -> ShapeError:
        """A shape problem, located at this layer; `size_limit` when the input's size is what is wrong."""
        return ShapeError(problem, self.origin, self.where, hint, size_limit)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        """This layer on an input of `shape`: its output shape and exact cost."""
        raise NotImplementedError

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        """The receptive field after this layer, given the field before it."""
        raise NotImplementedError

    def label(self, result: LayerResult) -> str:
        """The layer as a reader recognises it: `conv 3×3, 2 filters`, `dense 8`."""
        raise NotImplementedError

    def explain(self, result: LayerResult) -> list[str]:
        """Its arithmetic written out, each line ending on a figure the result holds."""
        raise NotImplementedError

    def cached_values(self, result: LayerResult) -> int:
        """The values it keeps from token to token while generating (a causal attention's keys and
        values): none of its own, unless its kind says otherwise; its children's, each occurrence."""
        return sum(child.layer.cached_values(child) * child.occurrences for child in result.children)

    # Serving: what one inference pass moves through memory (engine/serving.py, docs/serving.md). A
    # composite moves nothing of its own but what joining its paths does; the engine asks its children.

    SERVED: ClassVar[str] = "reads its weights and its input, writes its output"
    """What one inference pass moves through memory for it, as docs/serving.md prints it."""
    QUANTIZED: ClassVar[bool] = False
    """Its weights are stored at `serve --weights` (dense, attention, recurrent, conv); others' stay at the activations' format."""

    def served_weights(self, result: LayerResult) -> int:
        """Weight values one pass reads once, whatever the batch: every value it holds."""
        return result.cost.params + result.cost.non_trainable

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        """Activation values one pass reads and writes for one sample: its input and its output."""
        return volume(result.input_shape), volume(result.output_shape)

    def served_cache(self, result: LayerResult, cached: int) -> tuple[int, int]:
        """For one sample with `cached` earlier tokens kept: the cache values it reads, and the MACs it
        spends on them (a causal attention's keys and values). None for most kinds."""
        return 0, 0

    def served_scores(self, result: LayerResult, eager_attention: bool) -> tuple[int, int]:
        """For one sample served with eager attention: the values of the matrices it writes to memory
        and reads back once (attention's scores and their softmax), and how many more a cached token
        adds. None for most kinds, and for every kind with flash attention."""
        return 0, 0

    def idle_params(self, result: LayerResult) -> int:
        """The parameters one token leaves unused (a mixture of experts' unchosen experts): none of its
        own, unless its kind says otherwise; its children's, each occurrence. Total minus these is
        `active_params`."""
        return sum(child.layer.idle_params(child) * child.occurrences for child in result.children)

    def pass_length(self) -> int | None:
        """For a block applied pass after pass (a repeat), how many results make one pass; None
        for every other kind. `diff` lines a repeat up as its block, not as its thousand passes."""
        return None

    def paths(self, result: LayerResult) -> tuple[tuple[LayerResult, ...], ...]:
        """A composite's children split into the paths they run on, each starting from the layer's
        input (a block's one path, a residual's main path and shortcut, a concat's branches)."""
        return (result.children,)

    # Training: what autograd keeps and what the backward pass costs (kinds/backward.py, engine/training.py).
    # The engine asks only when the layer's input needs a gradient or the layer trains; a composite's
    # own rules are empty, and the engine asks its children.

    KEEPS: ClassVar[str] = "nothing"
    """What it keeps for the backward pass, as `archcalc layers` and docs/training.md print it."""
    VIEW: ClassVar[bool] = False
    """Its output is its input's storage seen another way (flatten, tokens, take): a tensor kept
    after it is the one kept before it, at the storage's full size."""

    SEQUENTIAL: ClassVar[bool] = False
    """A composite whose output is its last layer's (block, repeat), not a tensor it makes by joining paths."""

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """The tensors autograd keeps for this layer's backward pass, per sample."""
        return ()

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        """The backward pass's MACs, per sample: a layer with weights spends its forward MACs again for
        its weights' gradient, and once more for its input's where that is needed."""
        macs = result.cost.macs
        return Backward(macs if needs.input_grad else 0, macs if needs.trains and self.learns(result) else 0)

    def shared_macs(self, result: LayerResult) -> int:
        """Of its MACs, those a batch runs once, not once a sample (Swin V2's position-bias MLP, run
        over the offsets): `show` counts one sample; `train` counts them once for the whole batch."""
        return 0

    def shared_backward(self, result: LayerResult, needs: Needs) -> Backward:
        """The backward MACs of `shared_macs`, once for the whole batch (`backward` leaves them out)."""
        return Backward()

    def weights_of(self) -> str | None:
        """The `name:` of the layer whose weight this one uses (a dense tied to an embedding): its weight
        trains as that layer does."""
        return None

    def learns(self, result: LayerResult) -> bool:
        """Whether it has weights of its own to train (a dense tied to an embedding trains that table)."""
        return bool(result.cost.params)

    def passes_storage_on(self, result: LayerResult) -> bool:
        """Whether its output is its input's storage (VIEW, or a dropout of rate 0)."""
        return self.VIEW

    def scratch_values(self, result: LayerResult, eager_attention: bool) -> int:
        """Values live while it runs beyond its input and output (eager attention's scores)."""
        return 0

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        """Its parameters as the tensors PyTorch holds them in (an optimizer keeps state per tensor)."""
        cost = result.cost
        return weight_and_bias((cost.weights,), cost.biases) if cost.weights else weight_and_bias((cost.biases,), 0) if cost.biases else ()


class BudgetKind(enum.Enum):
    """What a budget limits. Values are the keys written under `budget:` (and the `--max-…` flags)."""

    PARAMS = "params"
    MACS = "macs"
    PARAM_BYTES = "param_bytes"  # parameters stored at the budget's dtype
    ACTIVATION_BYTES = "activation_bytes"  # peak activation memory at the budget's dtype
    TRAIN_TOTAL_BYTES = "train_total_bytes"  # `training: budget: total_bytes`: the memory a training step takes per GPU
    TRAIN_ACTIVATION_BYTES = "train_activation_bytes"  # `training: budget: activation_bytes`: what it keeps for backward

    @property
    def in_training(self) -> bool:
        """A training budget, written under `training:` and measured by `archcalc train`'s rules."""
        return self in (BudgetKind.TRAIN_TOTAL_BYTES, BudgetKind.TRAIN_ACTIVATION_BYTES)

    @property
    def in_bytes(self) -> bool:
        """A figure in bytes, which depends on the dtype the values are stored at."""
        return self in (BudgetKind.PARAM_BYTES, BudgetKind.ACTIVATION_BYTES)


class DType(enum.Enum):
    """A number format, for memory figures: its value is its name, `.bytes` its size."""

    FLOAT32 = "float32"
    FLOAT16 = "float16"
    BFLOAT16 = "bfloat16"
    INT8 = "int8"

    @property
    def bytes(self) -> int:
        return 1 if self is DType.INT8 else 4 if self is DType.FLOAT32 else 2


@value
class Limit:
    """One budget line: a ceiling on one figure, and where it was written (for CI annotations).

    `origin` is None for a limit given on the command line (`--max-params`)."""

    kind: BudgetKind
    maximum: int
    origin: Origin | None


@value
class Checkpoint:
    """What a checkpoint (safetensors files) holds beyond its layers' figures: its files and their
    bytes, its parameters (and state) by the dtype they are stored in, what it stores that is not
    the model's figures (quantization scales, rebuilt buffers: name, tensors, values), and the
    top-level layers that transformers does not build (DeepSeek's multi-token-prediction layers)."""

    files: tuple[str, ...]
    file_bytes: int
    values_by_dtype: tuple[tuple[str, int], ...]
    apart: tuple[tuple[str, int, int], ...] = ()
    not_built: tuple[str, ...] = ()


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
    notes: tuple[str, ...] = ()  # what its reader found worth saying (an ONNX file's folded batch norms)
    from_model: bool = False  # read from a model file (ONNX, Keras) rather than written as a spec
    checkpoint: Checkpoint | None = None  # read from a checkpoint's tensors: no shapes, no MACs (formats/safetensors)
    dtype: DType | None = None  # the number format its weights are stored in, when its file says (a config's torch_dtype)
    training: TrainingSetup | None = None  # its `training:` block, for the training budgets

    @property
    def memory_dtype(self) -> DType:
        """The number format every command's memory figures take without --dtype: the weights' own
        (a config's torch_dtype), else float32 (a YAML spec's byte budgets keep their own `dtype:`)."""
        return self.dtype or DType.FLOAT32

    @property
    def reads_token_ids(self) -> bool:
        """A flat input read first by a kind that takes token ids (an `embedding`) is N token ids: a
        sequence of N positions (whose length `sweep` varies), not a vector of N features."""
        return len(self.input_shape) == 1 and bool(self.layers) and self.layers[0].READS_TOKEN_IDS
