"""`serve`: a pass's layers with their bytes, intensity, bound and time, and the totals under them.
Every figure is computed in engine/serving.py; this module only writes them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.formats import OutputFormat
from archcalc.render.grid import Cell, Column, Grid, Row, Shown
from archcalc.render.layer_text import label
from archcalc.text import device_memory, duration, exact_and_short, rate, short

if TYPE_CHECKING:
    from archcalc.engine.serving import BatchSweep
    from archcalc.engine.serving_values import Pass, Serving, Timed
    from archcalc.render import Terminal

NONE = Shown("–", None)


def bytes_text(count: int) -> str:
    return f"{short(count)}B"


def seconds_cell(seconds: float) -> Shown:
    return Shown(duration(seconds), seconds)


def intensity_cell(intensity: float | None) -> Shown:
    return NONE if intensity is None else Shown(f"{intensity:,.1f}", intensity)


def share_cell(share: float | None) -> Shown:
    return NONE if share is None else Shown(f"{share:.1%}", share)


def rate_cell(value: float | None) -> Shown:
    return NONE if value is None else Shown(rate(value), value)


def bytes_cell(count: int) -> Shown:
    return Shown(bytes_text(count), count)


COLUMNS = (
    Column("pass"),
    Column("#", key="position"),
    Column("layer"),
    Column("MACs", numeric=True, key="macs"),
    Column("read", numeric=True, key="bytes_read"),
    Column("written", numeric=True, key="bytes_written"),
    Column("FLOP/B", numeric=True, key="intensity"),
    Column("bound"),
    Column("time", numeric=True, key="seconds"),
    Column("share", numeric=True, optional=True),
)


def pass_rows(served_pass: Pass, rows: list[Row], levels: int = 3) -> None:
    """A pass's rows, composites' children indented below them down to `levels` (--depth)."""

    def add(timed: Sequence[Timed], depth: int) -> None:
        for row in timed:
            rows.append(
                Row(
                    (
                        served_pass.name,
                        row.result.layer.position,
                        label(row.result, row.occurrences),
                        row.macs,
                        bytes_cell(row.read_bytes),
                        bytes_cell(row.written_bytes),
                        intensity_cell(row.intensity),
                        row.bound or NONE,
                        seconds_cell(row.seconds),
                        share_cell(served_pass.share(row)),
                    ),
                    depth,
                )
            )
            if depth < levels:
                add(row.children, depth + 1)

    add(served_pass.layers, 0)


def total_row(served_pass: Pass) -> Row:
    return Row(
        (
            served_pass.name,
            None,
            "total",
            served_pass.macs,
            bytes_cell(served_pass.read_bytes),
            bytes_cell(served_pass.written_bytes),
            intensity_cell(served_pass.intensity),
            served_pass.bound,
            seconds_cell(served_pass.seconds),
            None,
        )
    )


def title(serving: Serving) -> str:
    precision = serving.precision
    text = f"{serving.report.name} on {serving.device.name}, batch {serving.batch:,}"
    if serving.language:
        text += f", prompt {serving.prompt:,}, generate {serving.generate:,}"
    return text + f", {precision.weights} weights" + (f", {precision.kv} cache" if serving.language else "")


def notes(serving: Serving) -> list[str]:
    first, rates, memory = serving.first, serving.rates, serving.memory
    lines = []
    if serving.efficiency == 1:
        lines.append("efficiency 1.0: the roofline bound, a lower bound on time (`--efficiency 0.6` for a kernel that reaches 60% of the peaks)")
    else:
        lines.append(f"efficiency {serving.efficiency:g}: the peaks scaled to that share")
    lines.append(
        f"{serving.device.name}: {rate(rates.peak, 'T')} TFLOP/s {serving.precision.compute} and {rate(rates.bandwidth, 'G')} GB/s; "
        f"a kernel above {rates.ridge:,.1f} FLOP/B is compute-bound; each layer takes max(2·MACs / peak, bytes / bandwidth)"
    )
    if serving.language:
        lines.append(f"prefill (time to first token): {duration(first.seconds)} for {serving.batch:,} × {serving.prompt:,} tokens")
        step = serving.last_step
        if step is not None and serving.tokens_per_second is not None:
            steps = f"{serving.generate:,} step{'s take' if serving.generate != 1 else ' takes'}"
            lines.append(
                f"decode: {duration(step.seconds)} a token at the last step ({step.cached:,} tokens cached); "
                f"{steps} {duration(serving.decode_seconds)}: {rate(serving.tokens_per_second)} tokens/s"
            )
        elif step is None and serving.memory.kv_cache_bytes:
            lines.append("no decode step: the prompt fills every position the spec has; give a shorter --prompt and --generate to see one")
    elif serving.images_per_second is not None:
        lines.append(
            f"{rate(serving.images_per_second)} images/s at batch {serving.batch:,}: one forward pass of {duration(first.seconds)}; "
            f"at the compute peak alone it would take {duration(serving.compute_floor_seconds)}"
        )
        slow = first.memory_bound_kernels()
        if slow:
            named = ", ".join(f"#{row.result.layer.position} {row.result.layer.kind} {first.share(row):.1%}" for row in slow)
            lines.append(f"memory-bound layers holding it below the compute peak, by time: {named}")
    if serving.attends:
        lines.append(
            "eager attention: its scores and their softmax are written and read back, and held at the peak"
            if serving.eager_attention
            else "attention is taken as flash attention: its scores never reach memory (`--attention eager` for the math path)"
        )
    fits = "fits" if memory.fits else "does NOT fit"
    cache = f" + KV cache {bytes_text(memory.kv_cache_bytes)}" if serving.language else ""
    lines.append(
        f"memory: weights {bytes_text(memory.weight_bytes)}{cache} + activations {bytes_text(memory.activation_bytes)} = "
        f"{exact_and_short(memory.total_bytes)} bytes of {serving.device.name}'s {device_memory(memory.limit_bytes)}: {fits}"
    )
    context = ""
    if serving.max_context is not None:
        limited = " (the spec's own longest sequence; memory would allow more)" if serving.context_limited else ""
        context = f"; longest context at batch {serving.batch:,}: {serving.max_context:,} tokens{limited}"
    if serving.max_batch == 0:
        lines.append(f"not even batch 1 fits: it needs {exact_and_short(serving.batch_one_over_bytes)} bytes more{context}")
    else:
        lines.append(f"largest batch that fits: {serving.max_batch:,}{context}")
    return lines


def serve_grid(serving: Serving, depth: int = 3) -> Grid:
    rows: list[Row] = []
    pass_rows(serving.first, rows, depth)
    rows.append(total_row(serving.first))
    if serving.last_step is not None:
        pass_rows(serving.last_step, rows, depth)
        rows.append(total_row(serving.last_step))
    return Grid(title(serving), COLUMNS, tuple(rows), None, tuple(notes(serving)), nested=True)


def timed_json(row: Timed) -> dict[str, object]:
    entry: dict[str, object] = {
        "position": row.result.layer.position,
        "type": row.result.layer.kind,
        "name": row.result.layer.name,
        "label": label(row.result, row.occurrences),
        "macs": row.macs,
        "bytes_read": row.read_bytes,
        "bytes_written": row.written_bytes,
        "weight_bytes": row.weight_bytes,
        "kv_cache_read_bytes": row.cache_read_bytes,
        "intensity": row.intensity,
        "bound": row.bound,
        "seconds": row.seconds,
    }
    if row.occurrences > 1:
        entry["times"] = row.occurrences
    if row.children:
        entry["layers"] = [timed_json(child) for child in row.children]
    return entry


def pass_json(served_pass: Pass) -> dict[str, object]:
    return {
        "seconds": served_pass.seconds,
        "macs": served_pass.macs,
        "bytes_read": served_pass.read_bytes,
        "bytes_written": served_pass.written_bytes,
        "layers": [timed_json(row) for row in served_pass.layers],
    }


def serve_json(serving: Serving) -> dict[str, object]:
    precision, memory = serving.precision, serving.memory
    document: dict[str, object] = {
        "spec": serving.report.name,
        "device": serving.device.name,
        "batch": serving.batch,
        "precision": {"weights": precision.weights, "activations": precision.activations, "kv": precision.kv, "compute": precision.compute},
        "efficiency": serving.efficiency,
        "attention": "eager" if serving.eager_attention else "flash",
        "roofline": {"peak_flops": serving.rates.peak, "bandwidth_bytes_per_second": serving.rates.bandwidth, "ridge_flops_per_byte": serving.rates.ridge},
    }
    if serving.language:
        document["prompt"] = serving.prompt
        document["generate"] = serving.generate
        document["prefill"] = pass_json(serving.first)
        step = serving.last_step
        if step is not None:
            document["decode"] = {
                "steps": serving.generate,
                "seconds": serving.decode_seconds,
                "seconds_per_token": step.seconds,
                "tokens_per_second": serving.tokens_per_second,
                "last_step": {"cached_tokens": step.cached, **pass_json(step)},
            }
    else:
        document["forward"] = pass_json(serving.first)
        document["throughput"] = {"images_per_second": serving.images_per_second}
    document["memory"] = {
        "weight_bytes": memory.weight_bytes,
        "kv_cache_bytes": memory.kv_cache_bytes,
        "activation_bytes": memory.activation_bytes,
        "total_bytes": memory.total_bytes,
        "limit_bytes": memory.limit_bytes,
    }
    fit = {"fits": memory.fits, "max_batch": serving.max_batch, "max_context": serving.max_context, "batch_one_over_bytes": serving.batch_one_over_bytes}
    document["fit"] = fit
    return document


def render_serve(serving: Serving, output_format: OutputFormat, terminal: Terminal, depth: int = 3) -> str:
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import SCHEMA_VERSION, dumps  # lazy: only the format asked for is loaded

        return dumps({"schema_version": SCHEMA_VERSION, **serve_json(serving)})
    from archcalc.render import render_grid  # lazy: only the format asked for is loaded

    return render_grid(serve_grid(serving, depth), output_format, terminal)


def cells_of(serving: Serving) -> tuple[Cell, ...]:
    """One spec on one device in a line: what `compare --device` puts side by side."""
    step = serving.last_step
    return (
        serving.report.name,
        serving.device.name,
        seconds_cell(serving.first.seconds),
        NONE if step is None else seconds_cell(step.seconds),
        rate_cell(serving.tokens_per_second),
        rate_cell(serving.images_per_second),
        bytes_cell(serving.memory.total_bytes),
        "yes" if serving.memory.fits else "no",
        serving.max_batch,
    )


COMPARE_COLUMNS = (
    Column("spec"),
    Column("device"),
    Column("first pass", numeric=True, key="prefill_seconds"),
    Column("decode / token", numeric=True, key="decode_seconds_per_token"),
    Column("tokens/s", numeric=True, key="tokens_per_second"),
    Column("images/s", numeric=True, key="images_per_second"),
    Column("memory", numeric=True, key="memory_total_bytes"),
    Column("fits"),
    Column("max batch", numeric=True, key="max_batch"),
)


def served_row_json(serving: Serving) -> dict[str, object]:
    """What `compare --device` and `sweep --batch` give for one run: `serve`'s JSON without the layers."""
    document = serve_json(serving)
    for key in ("prefill", "forward"):
        if key in document:
            document[key] = {name: figure for name, figure in pass_json(serving.first).items() if name != "layers"}
    decode = document.get("decode")
    if isinstance(decode, dict):
        decode.pop("last_step", None)
    return document


def render_served(runs: Sequence[Serving], output_format: OutputFormat, terminal: Terminal, swept: BatchSweep | None = None) -> str:
    """Several runs side by side: specs × devices (`compare --device`), or one spec at each batch
    (`sweep --batch`), where the decode step's bound shows the batch at which it turns compute-bound."""
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import SCHEMA_VERSION, dumps  # lazy: only the format asked for is loaded

        return dumps({"schema_version": SCHEMA_VERSION, "runs": [served_row_json(serving) for serving in runs]})
    from archcalc.render import render_grid  # lazy: only the format asked for is loaded

    return render_grid(sweep_grid(swept) if swept is not None else compare_grid(runs), output_format, terminal)


def compare_grid(runs: Sequence[Serving]) -> Grid:
    rows = tuple(Row(cells_of(serving)) for serving in runs)
    first = runs[0]
    asked = f"batch {first.batch:,}" + (f", prompt {first.prompt:,}, generate {first.generate:,}" if first.prompt is not None else "")
    notes = (
        "first pass: a language model's prefill (time to first token), a vision model's forward pass; decode / token: the last step's",
        "the roofline bound at the efficiency asked: a lower bound on time; `archcalc serve` gives each layer",
    )
    return Grid(f"serving, {asked}, {first.precision.weights} weights", COMPARE_COLUMNS, rows, None, notes)


def sweep_grid(swept: BatchSweep) -> Grid:
    columns = (
        Column("batch", numeric=True),
        Column("first pass", numeric=True, key="prefill_seconds"),
        Column("first pass bound", key="prefill_bound"),
        Column("decode / token", numeric=True, key="decode_seconds_per_token"),
        Column("decode bound", key="decode_bound"),
        Column("decode, layers with weights", key="decode_weights_bound"),
        Column("tokens/s", numeric=True, key="tokens_per_second"),
        Column("images/s", numeric=True, key="images_per_second"),
        Column("memory", numeric=True, key="memory_total_bytes"),
        Column("fits"),
    )
    rows = []
    for serving in swept.runs:
        step = serving.last_step
        weights_bound = None if step is None else step.weights_bound
        rows.append(
            Row(
                (
                    serving.batch,
                    seconds_cell(serving.first.seconds),
                    serving.first.bound,
                    NONE if step is None else seconds_cell(step.seconds),
                    NONE if step is None else step.bound,
                    weights_bound or NONE,
                    rate_cell(serving.tokens_per_second),
                    rate_cell(serving.images_per_second),
                    bytes_cell(serving.memory.total_bytes),
                    "yes" if serving.memory.fits else "no",
                ),
                verdict=serving.memory.fits,
            )
        )
    first, turned = swept.runs[0], swept.turning_batch
    notes = [f"a pass is compute-bound when most of its time is spent in compute-bound layers (ridge {first.rates.ridge:,.1f} FLOP/B on {first.device.name})"]
    if first.language:
        if turned is not None:
            notes.append(f"decode's layers with weights turn compute-bound at batch {turned:,}: below it, every sequence waits on the same weights being read")
        elif first.last_step is not None:
            notes.append("decode's layers with weights stay memory-bound at every batch swept: each step reads every weight, whatever the batch")
        notes.append("attention's key/value reads stay memory-bound at any batch: each sequence's cache is read for its one new token")
    return Grid(f"{first.report.name} on {first.device.name} by batch, {first.precision.weights} weights", columns, tuple(rows), None, tuple(notes))
