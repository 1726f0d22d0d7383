"""`train`: one row per layer with its forward and backward MACs and the bytes it keeps for the
backward pass; below it the memory per GPU and whether it fits. Formatting only: every figure
comes from engine/training.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render import render_grid
from archcalc.render.formats import ChartFormat, OutputFormat
from archcalc.render.grid import Cell, Column, Grid, Row, shape_cell
from archcalc.render.layer_text import label
from archcalc.text import device_memory, exact, exact_and_short

if TYPE_CHECKING:
    from archcalc.engine.training import Fit, LayerTraining, Training, TrainingRequest
    from archcalc.render import Terminal


def training_title(training: Training) -> str:
    request = training.request
    report = training.report
    scale = f" · {request.gpus} GPUs, ZeRO {request.zero}" if request.gpus > 1 or request.zero else ""
    eager = " · eager attention" if request.attention.value == "eager" and training.attends else ""
    return f"{report.name} · train at batch {request.batch:,} · {request.precision.value} · {request.optimizer.value}{eager}{scale}"


def training_grid(training: Training, depth: int = 3) -> Grid:
    columns = (
        Column("#", key="position"),
        Column("layer"),
        Column("output"),
        Column("MACs", numeric=True, key="macs"),
        Column("input grad", numeric=True, key="input_grad_macs"),
        Column("weight grad", numeric=True, key="weight_grad_macs"),
        Column("kept bytes", numeric=True, key="activation_bytes"),
    )
    rows: list[Row] = []
    _rows(training.layers, 0, depth, rows)
    output = shape_cell(training.report.output_shape)
    total = Row((None, "total", output, training.macs, training.input_grad_macs, training.weight_grad_macs, training.kept_bytes))
    notes = [
        "MACs forward; input grad and weight grad: the backward pass's MACs; kept bytes: the tensors kept for backward, each counted once",
        f"params {exact_and_short(training.params)}, trainable {exact_and_short(training.trainable_params)}",
        f"MACs for the batch: forward {exact_and_short(training.macs)} + backward {exact_and_short(training.backward_macs)}"
        + (f" + recomputed {exact_and_short(training.recomputed_macs)}" if training.recomputed_macs else "")
        + f" = {exact_and_short(training.train_macs)} a step",
    ]
    if training.request.from_spec:
        notes.append(from_spec_note(training.request))
    if training.request.checkpointing.value != "none":
        notes.append("with --checkpointing the rows give what each layer keeps while its block runs its backward pass; the memory table, what stays kept")
    return Grid(training_title(training), columns, tuple(rows), total, tuple(notes), nested=True)


def from_spec_note(request: TrainingRequest) -> str:
    return f"from the spec's training block: {request.from_spec_text} (a flag overrides each)"


def _rows(layers: tuple[LayerTraining, ...], level: int, depth: int, rows: list[Row]) -> None:
    for layer in layers:
        result = layer.result
        cells: list[Cell] = [
            result.layer.position,
            label(result, layer.occurrences),
            shape_cell(result.output_shape),
            layer.macs,
            layer.input_grad_macs,
            layer.weight_grad_macs,
            layer.activation_bytes,
        ]
        rows.append(Row(tuple(cells), level))
        if layer.children and level < depth:
            _rows(layer.children, level + 1, depth, rows)


def memory_grid(training: Training) -> Grid:
    """The memory per GPU, part by part, and the fit."""
    memory, request = training.memory, training.request
    rows = [
        Row(("weights", memory.param_bytes, f"{training.params:,} params × {request.precision.parameter_bytes} bytes" + _partitioned(request, 3))),
        Row(
            (
                "gradients",
                memory.gradient_bytes,
                f"{training.trainable_params:,} trainable × {request.precision.parameter_bytes} bytes" + _partitioned(request, 2),
            )
        ),
        Row(("optimizer state", memory.optimizer_state_bytes, _optimizer_note(training))),
        Row(("activations kept for backward", memory.activation_bytes, f"batch {request.batch:,}, {request.precision.activation_bytes}-byte activations")),
    ]
    if memory.peak_backward_bytes != memory.activation_bytes:
        rows.append(Row(("peak during backward", memory.peak_backward_bytes, "kept, plus the largest block recomputed")))
    total = Row(("total", memory.total_bytes, "per GPU"))
    notes = [fit_note(training.fit)] if training.fit is not None else []
    columns = (Column("memory per GPU"), Column("bytes", numeric=True, key="bytes"), Column("what", key="what"))
    return Grid("memory", columns, tuple(rows), total, tuple(notes))


def fit_note(fit: Fit) -> str:
    """Whether the step fits the limit (less the reserve), and the largest batch that does: the
    memory table's note, and the chart's."""
    limit = f"{fit.device}'s {device_memory(fit.limit_bytes)}" if fit.device else f"{exact_and_short(fit.limit_bytes)} bytes"
    reserve = f" less a reserve of {exact_and_short(fit.reserve_bytes)}" if fit.reserve_bytes else ""
    verdict = "fits" if fit.fits else "does not fit"
    if fit.max_batch == 0:
        return f"{verdict} in {limit}{reserve}; not even batch 1 fits: it needs {exact_and_short(fit.batch_one_over_bytes)} bytes more"
    largest = "any batch (nothing grows with it)" if fit.max_batch is None else f"{fit.max_batch:,}"
    return f"{verdict} in {limit}{reserve}; the largest batch that fits: {largest}"


def _partitioned(request: TrainingRequest, stage: int) -> str:
    return f", split over {request.gpus} GPUs (ZeRO {request.zero})" if request.zero >= stage else ""


def _optimizer_note(training: Training) -> str:
    request = training.request
    parts = [request.optimizer.value]
    if request.precision.master_copy:
        parts.append("an fp32 master copy")
    if request.zero >= 1:
        parts.append(f"split over {request.gpus} GPUs (ZeRO {request.zero}); every GPU keeps the step tensors")
    return ", ".join(parts)


def memory_parts(trainings: Sequence[Training]) -> list[tuple[str, Sequence[int]]]:
    """The memory table's parts, each training's bytes of each, as a chart stacks them; what a
    checkpointed block adds while it runs again only where one does."""
    memories = [training.memory for training in trainings]
    parts: list[tuple[str, Sequence[int]]] = [
        ("weights", [memory.param_bytes for memory in memories]),
        ("gradients", [memory.gradient_bytes for memory in memories]),
        ("optimizer state", [memory.optimizer_state_bytes for memory in memories]),
        ("activations kept for backward", [memory.activation_bytes for memory in memories]),
    ]
    if any(memory.recompute_bytes for memory in memories):
        parts.append(("the largest block, recomputed in backward", [memory.recompute_bytes for memory in memories]))
    return parts


def training_svg(training: Training) -> str:
    """`train --format svg`: the memory per GPU of the step asked for, as one stacked bar of the
    memory table's parts (and, with --checkpointing, the largest block while it runs again), its
    total at its end; the limit of --memory-limit or --device a line, the reserve shaded below it."""
    from archcalc.render.pictures import stacked_svg  # lazy: matplotlib is the plot extra, loaded only for a picture

    request, fit = training.request, training.fit
    scale = f" on each of {request.gpus} GPUs" if request.gpus > 1 else ""
    label = f"batch {request.batch:,}{scale}"
    limit: tuple[str, int] | None = None
    reserve: tuple[str, int] | None = None
    if fit is not None:
        limit = (f"{fit.device or '--memory-limit'}: {exact(fit.limit_bytes)} bytes", fit.limit_bytes)
        if fit.reserve_bytes:
            reserve = (f"reserve: {exact(fit.reserve_bytes)} bytes", fit.available_bytes)
    notes = [fit_note(fit)] if fit is not None else []
    if request.from_spec:
        notes.append(from_spec_note(request))
    title = f"{training_title(training)}: memory per GPU"
    return stacked_svg(title, [label], memory_parts([training]), [training.memory.total_bytes], "bytes", limit, reserve, notes)


def trainings_svg(trainings: Sequence[Training], title: str) -> str:
    """`compare --train` and `sweep --batch` as a chart: a stacked bar of memory per GPU for each
    spec at each batch, its total at its end."""
    from archcalc.render.pictures import stacked_svg  # lazy: matplotlib is the plot extra, loaded only for a picture

    labels = [f"{training.report.name} · batch {training.request.batch:,}" for training in trainings]
    totals = [training.memory.total_bytes for training in trainings]
    notes = [_setup_note(trainings), *_from_spec_notes(trainings)]
    return stacked_svg(f"{title}: memory per GPU", labels, memory_parts(trainings), totals, "bytes", notes=notes)


def training_json(training: Training) -> dict[str, object]:
    from archcalc.render.json_format import SCHEMA_VERSION  # lazy: only the JSON format needs it

    report, request, memory = training.report, training.request, training.memory
    document: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "name": report.name,
        "source": report.spec.origin.source,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
        "totals": {
            "params": training.params,
            "trainable_params": training.trainable_params,
            "macs": training.macs,
            "backward_macs": training.backward_macs,
            "train_macs": training.train_macs,
        },
        "from_spec": list(request.from_spec),
        "memory": {
            "batch": request.batch,
            "precision": request.precision.value,
            "optimizer": request.optimizer.value,
            "attention": request.attention.value,
            "checkpointing": request.checkpointing.value,
            "gpus": request.gpus,
            "zero": request.zero,
            "param_bytes": memory.param_bytes,
            "gradient_bytes": memory.gradient_bytes,
            "optimizer_state_bytes": memory.optimizer_state_bytes,
            "activation_bytes": memory.activation_bytes,
            "peak_backward_bytes": memory.peak_backward_bytes,
            "total_bytes": memory.total_bytes,
        },
    }
    if training.fit is not None:
        fit = training.fit
        document["fit"] = {
            "device": fit.device,
            "limit_bytes": fit.limit_bytes,
            "reserve_bytes": fit.reserve_bytes,
            "fits": fit.fits,
            "max_batch": fit.max_batch,
            "batch_one_over_bytes": fit.batch_one_over_bytes,
        }
    document["layers"] = [_layer_json(layer) for layer in training.layers]
    return document


def _layer_json(layer: LayerTraining) -> dict[str, object]:
    result = layer.result
    entry: dict[str, object] = {
        "position": result.layer.position,
        "type": result.layer.kind,
        "name": result.layer.name,
        "label": label(result, layer.occurrences),
        "output_shape": list(result.output_shape),
        "trainable_params": layer.trainable_params,
        "macs": layer.macs,
        "backward_macs": layer.backward_macs,
        "input_grad_macs": layer.input_grad_macs,
        "weight_grad_macs": layer.weight_grad_macs,
        "activation_bytes": layer.activation_bytes,
    }
    if layer.children:
        entry["children"] = [_layer_json(child) for child in layer.children]
    return entry


def render_training(training: Training, chosen: ChartFormat, terminal: Terminal, depth: int = 3) -> str:
    """The layers' table and the memory table; CSV carries the layers (the memory is in JSON); SVG
    is the memory chart (render/pictures.py)."""
    if chosen is ChartFormat.SVG:
        return training_svg(training)
    output_format = chosen.tabular
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import dumps  # lazy: only the JSON format needs it

        return dumps(training_json(training))
    layers = render_grid(training_grid(training, depth), output_format, terminal)
    if output_format is OutputFormat.CSV:
        return layers
    return layers + "\n" + render_grid(memory_grid(training), output_format, terminal)


def trainings_grid(trainings: Sequence[Training], title: str) -> Grid:
    """Several trainings in rows (`compare --train`'s specs, `sweep --batch`'s batch sizes): a step's
    MACs and the memory per GPU, each part."""
    columns = (
        Column("spec"),
        Column("batch", numeric=True),
        Column("MACs a step", numeric=True, key="train_macs"),
        Column("backward MACs", numeric=True, optional=True, key="backward_macs"),
        Column("weights", numeric=True, optional=True, key="param_bytes"),
        Column("gradients", numeric=True, optional=True, key="gradient_bytes"),
        Column("optimizer", numeric=True, optional=True, key="optimizer_state_bytes"),
        Column("activations", numeric=True, key="activation_bytes"),
        Column("total bytes", numeric=True, key="total_bytes"),
    )
    rows = []
    for training in trainings:
        memory = training.memory
        rows.append(
            Row(
                (
                    training.report.name,
                    training.request.batch,
                    training.train_macs,
                    training.backward_macs,
                    memory.param_bytes,
                    memory.gradient_bytes,
                    memory.optimizer_state_bytes,
                    memory.activation_bytes,
                    memory.total_bytes,
                )
            )
        )
    return Grid(title, columns, tuple(rows), None, (_setup_note(trainings), *_from_spec_notes(trainings)))


def _setup_note(trainings: Sequence[Training]) -> str:
    """The precision and optimizer, once if every training shares them, else each spec's."""
    request = trainings[0].request
    attention = f" · {request.attention.value} attention" if any(training.attends for training in trainings) else ""
    setups = {training.report.name: f"{training.request.precision.value} · {training.request.optimizer.value}" for training in trainings}
    if len(set(setups.values())) == 1:
        return f"{request.precision.value} · {request.optimizer.value}{attention}; bytes per GPU"
    each = "; ".join(f"{name}: {setup}" for name, setup in setups.items())
    return f"{each}{attention}; bytes per GPU"


def _from_spec_notes(trainings: Sequence[Training]) -> list[str]:
    """Which settings each spec's training block gave (once a spec, whatever the batches swept)."""
    given = {training.report.name: training.request.from_spec_text for training in trainings if training.request.from_spec}
    if not given:
        return []
    return ["from the spec's training block: " + "; ".join(f"{name}: {text}" for name, text in given.items()) + " (a flag overrides each)"]


def render_trainings(trainings: Sequence[Training], chosen: ChartFormat, terminal: Terminal, title: str) -> str:
    if chosen is ChartFormat.SVG:
        return trainings_svg(trainings, title)
    output_format = chosen.tabular
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import SCHEMA_VERSION, dumps  # lazy: only the JSON format needs it

        return dumps({"schema_version": SCHEMA_VERSION, "trainings": [training_json(training) for training in trainings]})
    return render_grid(trainings_grid(trainings, title), output_format, terminal)
