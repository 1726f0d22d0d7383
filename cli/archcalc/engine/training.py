"""Training cost, exact: backward MACs, the activations autograd keeps, optimizer state, precision,
ZeRO partitioning, activation checkpointing, and whether it fits.

Each kind states what it keeps and what its backward pass costs (`Layer.kept`, `Layer.backward`,
`Layer.parameter_tensors`); this module walks the results in the order they run and sums. Its own
rules are the ones that span layers:
- the network's input needs no gradient, so a layer needs its input's gradient only if something
  before it trains; a parameter-free layer whose input needs none keeps nothing;
- a tensor is counted once, however many layers keep it (a ReLU keeps its output, the next conv
  keeps the same tensor as its input), and a view (flatten, tokens, take) is its storage, whole;
- a `repeat`'s settled passes are walked twice (the first, and one standing for the rest), never
  unrolled;
- optimizer state, precision and ZeRO are arithmetic on the parameter tensors.
"""

from __future__ import annotations

from archcalc.arithmetic import ceil_div, volume
from archcalc.backward import AttentionPath, Backward, Checkpointing, Kept, Needs, Optimizer, ParameterTensor, Precision, Stored, TrainingSetup, Which
from archcalc.engine.analysis import attends
from archcalc.engine.report import Report
from archcalc.errors import ShapeError
from archcalc.model import LayerResult, Shape
from archcalc.values import replace, value

STEP_BYTES = 4
"""torch.optim's `step` is a float32 tensor per parameter tensor."""


@value
class TrainingRequest:
    batch: int = 1
    optimizer: Optimizer = Optimizer.ADAMW
    precision: Precision = Precision.FP32
    gpus: int = 1
    zero: int = 0
    checkpointing: Checkpointing = Checkpointing.NONE
    attention: AttentionPath = AttentionPath.FLASH
    limit_bytes: int | None = None  # from --memory-limit or --device
    reserve_bytes: int = 0
    device: str | None = None
    from_spec: tuple[str, ...] = ()  # the settings the spec's `training:` block gave (no flag overrode them)

    @property
    def from_spec_text(self) -> str:
        """'batch 2, optimizer sgd, device t4': the settings the spec gave, as the output names them."""
        values = {"batch": f"{self.batch:,}", "optimizer": self.optimizer.value, "precision": self.precision.value, "device": self.device or ""}
        return ", ".join(f"{name} {values[name]}" for name in self.from_spec)


@value
class LayerTraining:
    """One row's training figures for the whole batch, over every occurrence it stands for."""

    result: LayerResult
    occurrences: int
    trainable_params: int
    macs: int  # forward, as it runs in training (a training-only branch runs)
    input_grad_macs: int
    weight_grad_macs: int
    activation_bytes: int
    children: tuple[LayerTraining, ...]

    @property
    def backward_macs(self) -> int:
        return self.input_grad_macs + self.weight_grad_macs


@value
class Fit:
    limit_bytes: int
    reserve_bytes: int
    fits: bool
    max_batch: int | None  # None: no batch is too large (nothing grows with it)
    device: str | None = None
    batch_one_over_bytes: int = 0  # what a step at batch 1 needs beyond the available memory; 0 where it fits

    @property
    def available_bytes(self) -> int:
        """The limit less the reserve: what a step's memory must fit in."""
        return self.limit_bytes - self.reserve_bytes


@value
class TrainingMemory:
    """Per GPU, in bytes."""

    param_bytes: int
    gradient_bytes: int
    optimizer_state_bytes: int
    activation_bytes: int
    peak_backward_bytes: int

    @property
    def recompute_bytes(self) -> int:
        """What backward holds over the kept activations while a checkpointed block runs again (its
        own kept tensors); 0 without --checkpointing, where the peak is the kept activations."""
        return max(self.peak_backward_bytes - self.activation_bytes, 0)

    @property
    def total_bytes(self) -> int:
        return self.param_bytes + self.gradient_bytes + self.optimizer_state_bytes + self.activation_bytes + self.recompute_bytes


@value
class Training:
    report: Report
    request: TrainingRequest
    layers: tuple[LayerTraining, ...]
    params: int
    trainable_params: int
    macs: int
    backward_macs: int
    recomputed_macs: int
    memory: TrainingMemory
    fit: Fit | None

    @property
    def train_macs(self) -> int:
        return self.macs + self.backward_macs + self.recomputed_macs

    @property
    def input_grad_macs(self) -> int:
        """The top-level rows' input-gradient MACs, summed for the table's total (computed here, not in render/)."""
        return sum(layer.input_grad_macs for layer in self.layers)

    @property
    def weight_grad_macs(self) -> int:
        return sum(layer.weight_grad_macs for layer in self.layers)

    @property
    def attends(self) -> bool:
        """Whether the model has attention, which `--attention` runs as flash or eager."""
        return attends(self.report)

    @property
    def kept_bytes(self) -> int:
        """The top-level rows' kept bytes, summed: the table's total."""
        return sum(layer.activation_bytes for layer in self.layers)


class Tensor:
    """A storage as the walk meets it: its values per sample (or for the batch), how each is stored,
    and whether it needs a gradient. Identity is the object's: a view passes the same one on."""

    __slots__ = ("needs_grad", "per_sample", "stored", "values")

    def __init__(self, values: int, needs_grad: bool, stored: Stored = Stored.ACTIVATION, per_sample: bool = True) -> None:
        self.values = values
        self.needs_grad = needs_grad
        self.stored = stored
        self.per_sample = per_sample


class Walk:
    """Walks results in the order they run, for one batch size and precision: each result's backward
    MACs and the bytes of the tensors it is the first to keep, summed over its occurrences."""

    def __init__(self, request: TrainingRequest) -> None:
        self.request = request
        self.counted: set[int] = set()  # ids of the tensors already kept
        self.keepers: list[Tensor] = []  # holds every counted tensor alive, so that no id is reused
        self.outputs: dict[int, Tensor] = {}  # id(result) -> its output tensor, for the layers that read it by name
        self.trains_by_name: dict[str, bool] = {}  # whether each named layer trains: a tied weight trains as its owner does
        self.bytes: dict[int, int] = {}  # id(result) -> bytes it keeps, over its occurrences
        self.backward: dict[int, Backward] = {}
        self.times = 1  # how many occurrences the results now walked stand for

    def size(self, tensor: Tensor) -> int:
        return tensor.values * (self.request.batch if tensor.per_sample else 1) * self.stored_bytes(tensor.stored)

    def stored_bytes(self, stored: Stored) -> int:
        precision = self.request.precision
        return {
            Stored.ACTIVATION: precision.activation_bytes,
            Stored.PARAMETER: precision.parameter_bytes,
            Stored.FLOAT32: 4,
            Stored.INT64: 8,
            Stored.INT32: 4,
            Stored.BOOL: 1,
        }[stored]

    def keep(self, result: LayerResult, tensor: Tensor) -> None:
        if id(tensor) in self.counted:
            return
        self.counted.add(id(tensor))
        self.keepers.append(tensor)
        self.bytes[id(result)] = self.bytes.get(id(result), 0) + self.size(tensor) * self.times

    def sequence(self, results: tuple[LayerResult, ...], tensor: Tensor, trains: bool) -> Tensor:
        """Results applied in order from `tensor`; the tensor the path ends on."""
        index = 0
        while index < len(results):
            result = results[index]
            if result.occurrences > 1:  # a repeat's settled pass: every result of it stands for `times` passes
                end = index
                while end < len(results) and results[end].occurrences == result.occurrences:
                    end += 1
                tensor = self.settled(results[index:end], tensor, trains, result.occurrences)
                index = end
                continue
            tensor = self.one(result, tensor, trains)
            index += 1
        return tensor

    def settled(self, passes: tuple[LayerResult, ...], tensor: Tensor, trains: bool, times: int) -> Tensor:
        """The first pass as it runs; then one more, from the first's output, standing for the other
        times − 1 (each later pass starts from the one before, as the second does from the first)."""
        outer = self.times
        first = self.sequence_once(passes, tensor, trains)
        self.times = outer * (times - 1)
        last = self.sequence_once(passes, first, trains)
        self.times = outer
        return last

    def sequence_once(self, results: tuple[LayerResult, ...], tensor: Tensor, trains: bool) -> Tensor:
        for result in results:
            tensor = self.one(result, tensor, trains)
        return tensor

    def one(self, result: LayerResult, tensor: Tensor, trains: bool) -> Tensor:
        layer = result.layer
        trains = trains and layer.trainable
        if layer.name is not None:
            self.trains_by_name[layer.name] = trains
        if layer.SIDE_BRANCH:
            start = self.outputs[id(result.joined[0])] if result.joined else tensor
            self.outputs[id(result)] = self.sequence(result.children, start, trains)
            return tensor
        paths = layer.paths(result) if result.children or layer.SEQUENTIAL else ()
        if paths:
            inputs = [tensor, *(self.outputs[id(source)] for source in result.joined)]
            ends = [self.sequence(path, tensor, trains) for path in paths]
            if layer.SEQUENTIAL:
                output = ends[-1]
            else:
                output = Tensor(volume(result.output_shape), any(end.needs_grad for end in ends) or any(t.needs_grad for t in inputs))
        else:
            output = self.leaf(result, tensor, trains)
        self.outputs[id(result)] = output
        return output

    def leaf(self, result: LayerResult, tensor: Tensor, trains: bool) -> Tensor:
        layer = result.layer
        joined = [self.outputs[id(source)] for source in result.joined]
        input_grad = tensor.needs_grad or any(source.needs_grad for source in joined)
        owner = layer.weights_of()
        trained = (self.trains_by_name.get(owner, trains) if owner is not None else trains) and layer.learns(result)
        output = tensor if layer.passes_storage_on(result) else Tensor(volume(result.output_shape), input_grad or trained)
        if not (input_grad or trained):
            return output
        needs = Needs(input_grad, trained, self.request.attention is AttentionPath.EAGER, any(source.needs_grad for source in joined), tensor.needs_grad)
        costed = result.in_training or result
        backward = layer.backward(costed, needs)
        shared = layer.shared_backward(costed, needs)  # once for the batch, not once a sample
        batch = self.request.batch
        before = self.backward.get(id(result), Backward())
        self.backward[id(result)] = Backward(
            before.input_macs + (backward.input_macs * batch + shared.input_macs) * self.times,
            before.weight_macs + (backward.weight_macs * batch + shared.weight_macs) * self.times,
        )
        for kept in layer.kept(costed, needs):
            for kept_tensor in self.tensors_of(kept, tensor, output, joined):
                self.keep(result, kept_tensor)
        return output

    def tensors_of(self, kept: Kept, tensor: Tensor, output: Tensor, joined: list[Tensor]) -> list[Tensor]:
        if kept.which is Which.INPUT:
            return [tensor]
        if kept.which is Which.OUTPUT:
            return [output]
        if kept.which is Which.JOINED:
            return joined
        return [Tensor(kept.values, False, kept.stored, kept.per_sample)]


def walk_training(report: Report, request: TrainingRequest) -> Walk:
    walk = Walk(request)
    network_input = Tensor(volume(report.input_shape), needs_grad=False)
    walk.sequence(report.layers, network_input, trains=True)
    return walk


def rows(results: tuple[LayerResult, ...], times: int, walk: Walk, batch: int, trains: bool) -> tuple[LayerTraining, ...]:
    made = []
    for result in results:
        occurrences = times * result.occurrences
        layer_trains = trains and result.layer.trainable
        children = rows(result.children, occurrences, walk, batch, layer_trains)
        backward = walk.backward.get(id(result), Backward())
        costed = result.in_training or result
        shared_macs = result.layer.shared_macs(costed)
        own_params = 0 if children else costed.cost.params * occurrences
        trainable = sum(child.trainable_params for child in children) + (own_params if layer_trains else 0)
        made.append(
            LayerTraining(
                result,
                occurrences,
                trainable,
                sum(child.macs for child in children) if children else (costed.cost.macs * batch - shared_macs * (batch - 1)) * occurrences,
                sum(child.input_grad_macs for child in children) + backward.input_macs,
                sum(child.weight_grad_macs for child in children) + backward.weight_macs,
                sum(child.activation_bytes for child in children) + walk.bytes.get(id(result), 0),
                children,
            )
        )
    return tuple(made)


def parameter_tensors(results: tuple[LayerResult, ...], trains: bool) -> list[tuple[ParameterTensor, int]]:
    """The trained parameter tensors of these results, each with how many times it occurs."""
    found: list[tuple[ParameterTensor, int]] = []
    for result in results:
        layer_trains = trains and result.layer.trainable
        if result.children:
            found += [(tensor, times * result.occurrences) for tensor, times in parameter_tensors(result.children, layer_trains)]
        elif layer_trains:
            found += [(tensor, result.occurrences) for tensor in result.layer.parameter_tensors(result)]
    return found


def optimizer_state(tensors: list[tuple[ParameterTensor, int]], request: TrainingRequest) -> tuple[int, int]:
    """(partitionable bytes, step bytes): moments (and mixed precision's fp32 master copy) per value,
    Adafactor's factored statistics, and the `step` tensors every GPU keeps whole."""
    precision, optimizer = request.precision, request.optimizer
    per_value = optimizer.moments * precision.moment_bytes + (4 if precision.master_copy else 0)
    state = steps = 0
    for tensor, times in tensors:
        count = tensor.count * times
        state += volume(tensor.shape) * per_value * count
        if optimizer is Optimizer.ADAFACTOR:
            state += adafactor_values(tensor.shape) * precision.moment_bytes * count
        if optimizer.keeps_step:
            steps += STEP_BYTES * count
    return state, steps


def adafactor_values(shape: Shape) -> int:
    """torch.optim.Adafactor: a row and a column statistic over the last two axes of a tensor of two
    or more, each keeping the leading axes; the full second moment of a vector."""
    if len(shape) < 2:
        return volume(shape)
    leading = volume(shape[:-2])
    return leading * shape[-2] + leading * shape[-1]


def checkpointed(report: Report, request: TrainingRequest) -> tuple[int, int, int]:
    """--checkpointing full: (kept bytes, peak bytes during backward, recomputed MACs). Each pass of a
    top-level repeat, and each other top-level composite, keeps only its input and is run again in
    the backward pass, when its own kept tensors are live: the peak adds the largest of them."""
    walk = Walk(request)
    tensor = Tensor(volume(report.input_shape), needs_grad=False)
    largest = recomputed = 0
    for result in report.layers:
        units = segments(result)
        if not units:
            tensor = walk.one(result, tensor, trains=True)
            continue
        for unit, times in units:
            holder = unit[0]
            walk.keep(holder, tensor)  # the checkpoint's input
            inner = Walk(request)
            inner.counted.add(id(tensor))
            inner.outputs = walk.outputs
            end = inner.sequence_once(unit, tensor, trains=result.layer.trainable)
            largest = max(largest, sum(inner.bytes.values()))
            recomputed += sum((item.in_training or item).cost.macs for item in unit) * times * request.batch
            if times > 1:  # the later passes' inputs are each the pass before's output
                walk.times = times - 1
                walk.keep(holder, Tensor(end.values, end.needs_grad))
                walk.times = 1
            tensor = end
            walk.outputs = inner.outputs
    kept = sum(walk.bytes.values())
    return kept, kept + largest, recomputed


def segments(result: LayerResult) -> list[tuple[tuple[LayerResult, ...], int]]:
    """The checkpointed units of one top-level result, each with how many passes it stands for: a
    repeat's passes, or a composite whole; none for a plain layer."""
    layer = result.layer
    length = layer.pass_length()
    if length is not None and result.children:
        units = []
        children = result.children
        for start in range(0, len(children), length):
            unit = children[start : start + length]
            units.append((unit, unit[0].occurrences))
        return [(tuple(unit), times) for unit, times in units]
    if result.children and not layer.SIDE_BRANCH:
        return [((result,), 1)]
    return []


def training_request(setup: TrainingSetup, from_spec: tuple[str, ...] = ()) -> TrainingRequest:
    """A training setup with every setting left out at its default: how `check` trains a spec for its
    training budgets (its `training:` block), and `train` (that block overridden by the flags given)."""
    return TrainingRequest(
        batch=setup.batch or 1,
        optimizer=setup.optimizer or Optimizer.ADAMW,
        precision=setup.precision or Precision.FP32,
        device=setup.device,
        from_spec=from_spec,
    )


def spec_request(report: Report, flags: TrainingSetup, fits: bool = True) -> TrainingRequest:
    """The spec's `training:` block as the defaults, each overridden by its flag where one is given;
    its device left out where no fit is shown (`fits` False: compare --train, sweep --batch)."""
    written = report.spec.training or TrainingSetup()
    if not fits:
        written = replace(written, device=None)
    return training_request(written.overridden(flags), written.taken_over(flags))


def training_of(report: Report, request: TrainingRequest) -> Training:
    if report.spec.checkpoint is not None:
        hint = "its config.json has them (archcalc train config.json)"
        raise ShapeError("a checkpoint holds no shapes, so its training step cannot be counted", report.spec.origin, None, hint)
    walk = walk_training(report, request)
    layers = rows(report.layers, 1, walk, request.batch, True)
    tensors = parameter_tensors(report.layers, True)
    trainable = sum(volume(tensor.shape) * tensor.count * times for tensor, times in tensors)
    params = report.total.params
    weights, gradients, state = model_states(params, trainable, tensors, request)
    activations = sum(layer.activation_bytes for layer in layers)
    recomputed = 0
    peak = activations
    if request.checkpointing is Checkpointing.FULL:
        activations, peak, recomputed = checkpointed(report, request)
    memory = TrainingMemory(weights, gradients, state, activations, peak)
    fit = None
    if request.limit_bytes is not None:
        fit = fit_of(report, request, memory)
    return Training(
        report,
        request,
        layers,
        params,
        trainable,
        sum(layer.macs for layer in layers),
        sum(layer.backward_macs for layer in layers),
        recomputed,
        memory,
        fit,
    )


def model_states(params: int, trainable: int, tensors: list[tuple[ParameterTensor, int]], request: TrainingRequest) -> tuple[int, int, int]:
    """(weights, gradients, optimizer state) per GPU, partitioned by ZeRO's stage over the GPUs:
    stage 1 the optimizer state, 2 the gradients too, 3 the weights too (rounded up)."""
    gpus, zero = request.gpus, request.zero
    weights = params * request.precision.parameter_bytes
    gradients = trainable * request.precision.parameter_bytes
    state, steps = optimizer_state(tensors, request)
    return (
        ceil_div(weights, gpus) if zero >= 3 else weights,
        ceil_div(gradients, gpus) if zero >= 2 else gradients,
        (ceil_div(state, gpus) if zero >= 1 else state) + steps,
    )


def fit_of(report: Report, request: TrainingRequest, memory: TrainingMemory) -> Fit:
    """Fits: the total within the limit less the reserve. The largest batch: activations grow by the
    same bytes with each sample (a tensor the batch shares does not grow), so two batch sizes give
    the line exactly."""
    assert request.limit_bytes is not None
    available = request.limit_bytes - request.reserve_bytes  # Fit.available_bytes, before there is a Fit
    states = memory.param_bytes + memory.gradient_bytes + memory.optimizer_state_bytes

    def activations(batch: int) -> int:
        if batch == request.batch:
            return max(memory.activation_bytes, memory.peak_backward_bytes)
        other = training_of(report, replace(request, batch=batch, limit_bytes=None)).memory
        return max(other.activation_bytes, other.peak_backward_bytes)

    one, two = activations(1), activations(2)
    per_sample, shared = two - one, 2 * one - two
    room = available - states - shared
    if per_sample <= 0:
        max_batch = None if room >= 0 else 0
    else:
        max_batch = max(room // per_sample, 0)
    fits = states + max(memory.activation_bytes, memory.peak_backward_bytes) <= available
    return Fit(request.limit_bytes, request.reserve_bytes, fits, max_batch, request.device, max(states + one - available, 0))
