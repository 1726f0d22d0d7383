"""What serving a spec costs on one device, by the roofline: each layer runs as its own kernel and
takes max(2·MACs / peak FLOP/s, bytes / bandwidth), the longer of its arithmetic and its memory
traffic. A lower bound on time (docs/serving.md says where a real server is slower and why).

A language model is served as a prefill of the prompt (P tokens a sequence, which gives the first
token) and G decode steps: step i runs one token a sequence against the P + i − 1 tokens whose keys
and values are cached. A vision model is one forward pass over a batch of images.

What a layer moves is its kind's rule (`served_weights`, `served_values`, `served_cache` on each
kind): weights at their stored size, read once a pass whatever the batch; activations in and out,
and key/value cache reads and writes, per sample. Attention is taken as flash attention, whose
scores never reach memory, unless `--attention eager` asks for the math path: its scores and their
softmax are written and read back once each, and held at the peak. Every byte and MAC is an exact
int; only the seconds are floats.
"""

from __future__ import annotations

from archcalc.devices import Device
from archcalc.engine import analyze
from archcalc.engine.analysis import attends
from archcalc.engine.memory import peak_activations
from archcalc.engine.report import Report
from archcalc.engine.serving_values import (
    FORMAT_BYTES,
    Memory,
    Pass,
    Precision,
    Rates,
    ServeRequest,
    Serving,
    Timed,
    Work,
    stored_weight_bytes,
)
from archcalc.errors import ArchcalcError, Origin, ShapeError
from archcalc.model import LayerResult, Spec
from archcalc.text import shape
from archcalc.values import replace, value


def own_work(result: LayerResult, occurrences: int, batch: int, precision: Precision, eager_attention: bool = False) -> Work:
    """A layer's own work (a composite's: joining its paths) in one pass over `batch` samples;
    eager attention's scores and softmax written and read back once each."""
    if result.in_training is not None:  # a training-only branch: an inference pass does not run it
        return Work()
    layer = result.layer
    activation = FORMAT_BYTES[precision.activations]
    kv = FORMAT_BYTES[precision.kv]
    held = 0 if result.children else result.cost.params + result.cost.non_trainable
    read_weights = layer.served_weights(result)
    if layer.QUANTIZED:
        quantized = result.cost.weights
        weight_bytes = stored_weight_bytes(quantized, precision.weights) + (read_weights - quantized) * activation
        stored = stored_weight_bytes(quantized, precision.weights) + (held - quantized) * activation
    else:
        weight_bytes, stored = read_weights * activation, held * activation
    values_read, values_written = layer.served_values(result)
    cache_read, cache_macs = layer.served_cache(result, 1)
    cache_written = 0 if result.children else layer.cached_values(result)
    scores, scores_per_cached = layer.served_scores(result, eager_attention)
    return Work(
        macs=(0 if result.children else result.cost.macs) * batch * occurrences,
        macs_per_cached=cache_macs * batch * occurrences,
        weight_bytes=weight_bytes * occurrences,
        activation_read=(values_read + scores) * activation * batch * occurrences,
        activation_written=(values_written + scores) * activation * batch * occurrences,
        cache_written=cache_written * kv * batch * occurrences,
        cache_read_per_cached=cache_read * kv * batch * occurrences,
        stored_bytes=stored * occurrences,
        scores_per_cached=scores_per_cached * activation * batch * occurrences,
    )


@value
class Row:
    """A layer's own work and its children's rows: a pass's structure before it is timed at a context."""

    result: LayerResult
    occurrences: int
    work: Work
    children: tuple[Row, ...]


def rows_of(results: tuple[LayerResult, ...], times: int, batch: int, precision: Precision, eager_attention: bool = False) -> tuple[Row, ...]:
    rows = []
    for result in results:
        occurrences = times * result.occurrences
        work = own_work(result, occurrences, batch, precision, eager_attention)
        rows.append(Row(result, occurrences, work, rows_of(result.children, occurrences, batch, precision, eager_attention)))
    return tuple(rows)


def kernel_seconds(macs: int, moved: int, rates: Rates) -> tuple[float, float]:
    """A kernel's time, and that time again if compute bounds it (0 if memory does)."""
    compute, memory = rates.compute_seconds(macs), rates.memory_seconds(moved)
    return max(compute, memory), compute if compute > memory else 0.0


def timed(row: Row, cached: int, rates: Rates) -> Timed:
    """A row's figures at `cached` tokens: its own kernels' time plus its children's. A layer runs as
    one kernel for its weights and activations and, with tokens cached, a second over the cache (the
    attention core reading cached keys and values, apart from the projections' matrix products)."""
    work = row.work
    macs, read, written = work.macs_at(cached), work.read_at(cached), work.written_at(cached)
    cache_macs, cache_moved = cached * work.macs_per_cached, work.cache_moved_at(cached)
    main, main_compute_bound = kernel_seconds(macs - cache_macs, read + written - cache_moved, rates)
    cache, cache_compute_bound = kernel_seconds(cache_macs, cache_moved, rates)
    seconds, compute_bound = main + cache, main_compute_bound + cache_compute_bound
    children = tuple(timed(child, cached, rates) for child in row.children)
    return Timed(
        result=row.result,
        occurrences=row.occurrences,
        macs=macs + sum(child.macs for child in children),
        read_bytes=read + sum(child.read_bytes for child in children),
        written_bytes=written + sum(child.written_bytes for child in children),
        weight_bytes=work.weight_bytes + sum(child.weight_bytes for child in children),
        cache_read_bytes=cached * work.cache_read_per_cached + sum(child.cache_read_bytes for child in children),
        seconds=seconds + sum(child.seconds for child in children),
        compute_bound_seconds=compute_bound + sum(child.compute_bound_seconds for child in children),
        children=children,
        cache_seconds=cache + sum(child.cache_seconds for child in children),
        cache_compute_bound_seconds=cache_compute_bound + sum(child.cache_compute_bound_seconds for child in children),
    )


def works(rows: tuple[Row, ...]) -> list[Work]:
    """Every row's own work, at every depth."""
    found = []
    for row in rows:
        found.append(row.work)
        found.extend(works(row.children))
    return found


def decode_seconds(rows: tuple[Row, ...], first: int, count: int, rates: Rates) -> float:
    """Every decode step's time, summed: step i has first + i − 1 tokens cached. A layer's own kernel
    takes the same time at every step; its cache kernel's MACs and bytes both grow as c, so its time
    is c times that of one cached token: the sum is an arithmetic series, without running the steps."""
    total = 0.0
    for work in works(rows):
        main, _ = kernel_seconds(work.macs, work.read_at(0) + work.written_at(0), rates)
        per_cached = max(rates.compute_seconds(work.macs_per_cached), rates.memory_seconds(work.cache_moved_at(1)))
        total += main * count + per_cached * (first + first + count - 1) * count / 2
    return total


def bad_request(problem: str, flag: str, hint: str | None = None) -> ArchcalcError:
    return ArchcalcError(problem, Origin(flag), None, hint)


def with_sequence(spec: Spec, tokens: int) -> Spec:
    """The spec with its sequence length replaced: `--prompt` for a prefill, 1 for a decode step."""
    return replace(spec, input_shape=(tokens,))


def serving(report: Report, device: Device, request: ServeRequest) -> Serving:
    """A spec (`report`, analysed as written) served on `device` as `request` asks."""
    if request.batch < 1:
        raise bad_request(f"the batch must be at least 1, got {request.batch}", "--batch")
    if not 0 < request.efficiency <= 1:
        raise bad_request(f"the efficiency must be above 0 and at most 1, got {request.efficiency}", "--efficiency", "0.5 for half the peaks")
    spec, precision = report.spec, request.precision
    rates = Rates(device.need(precision.compute) * request.efficiency, device.need("bandwidth") * request.efficiency)
    limit = device.need("memory_bytes")
    batch = request.batch
    if spec.reads_token_ids and request.images is not None:
        raise bad_request(f"this is for a vision model, and {spec.name} reads token ids", "--images", "give --batch")
    if not spec.reads_token_ids:
        for flag, given in (("--prompt", request.prompt), ("--generate", request.generate)):
            if given is not None:
                raise bad_request(f"this is for a language model (a spec whose input is token ids), and {spec.name} reads {shape_words(spec)}", flag)
        return vision(report, device, request, rates, limit)
    prompt = spec.input_shape[0] if request.prompt is None else request.prompt
    if prompt < 1:
        raise bad_request(f"the prompt must be at least 1 token, got {prompt}", "--prompt")
    prefill_report = report if prompt == spec.input_shape[0] else analyze(with_sequence(spec, prompt))
    step_report = analyze(with_sequence(spec, 1))
    eager = request.eager_attention
    step_rows = rows_of(step_report.layers, 1, batch, precision, eager)
    per_token_cache = sum(work.cache_written for work in works(step_rows))  # bytes a token adds to the cache, the batch's
    generate = request.generate
    if generate is None:  # one step, where the spec's positions leave room for it
        generate = 1 if per_token_cache and computes(spec, prompt + 1) else 0
    if generate < 0:
        raise bad_request(f"--generate must be 0 or more, got {generate}", "--generate")
    if generate and not per_token_cache:
        raise bad_request(
            f"{spec.name} has no causal attention, so nothing to generate token by token", "--generate", "leave --generate out for its prefill alone"
        )
    if generate:
        try:  # the last step runs the token at position P + G − 1: a position table must reach it
            analyze(with_sequence(spec, prompt + generate))
        except ShapeError as error:
            raise bad_request(f"{spec.name} cannot take {prompt:,} + {generate:,} tokens: {error.problem}", "--generate") from None
    prefill_rows = rows_of(prefill_report.layers, 1, batch, precision, eager)
    first = Pass("prefill", prompt, 0, tuple(timed(row, 0, rates) for row in prefill_rows))
    last_step = None
    if generate:
        cached = prompt + generate - 1
        last_step = Pass("decode", 1, cached, tuple(timed(row, cached, rates) for row in step_rows))
    stored = sum(work.stored_bytes for work in works(prefill_rows))
    activation = FORMAT_BYTES[precision.activations]
    context = prompt + generate
    peak = peak_activations(prefill_report, eager)
    memory = Memory(stored, per_token_cache * context, peak * activation * batch, limit)
    per_sequence = (per_token_cache // batch) * context + peak * activation
    per_token = per_token_cache // batch + peak_activations(step_report) * activation  # a decoder's activations grow with its tokens
    room = limit - stored
    fitting = max(room, 0) // (per_token * batch)
    accepted = longest_accepted(spec, fitting, context)
    longest = longest_in_memory(spec, accepted, limit, batch, precision) if eager else accepted
    return Serving(
        report=prefill_report,
        device=device,
        batch=batch,
        prompt=prompt,
        generate=generate,
        precision=precision,
        efficiency=request.efficiency,
        rates=rates,
        first=first,
        last_step=last_step,
        decode_seconds=decode_seconds(step_rows, prompt, generate, rates) if generate else 0.0,
        memory=memory,
        max_batch=max(room, 0) // per_sequence,
        max_context=longest,
        context_limited=longest == accepted < fitting,
        batch_one_over_bytes=max(per_sequence - room, 0),
        eager_attention=eager,
        attends=attends(report),
    )


def longest_accepted(spec: Spec, upper: int, accepted: int) -> int:
    """The longest sequence up to `upper` the spec computes (a position table of 1,024 rows stops
    GPT-2 there), knowing it computes `accepted`: `upper` itself, or found by halving."""
    if upper <= accepted or computes(spec, upper):
        return upper
    low, high = accepted, upper  # computes at low, not at high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if computes(spec, middle) else (low, middle)
    return low


def longest_in_memory(spec: Spec, upper: int, limit: int, batch: int, precision: Precision) -> int:
    """With eager attention a sequence of L tokens holds h·L² scores at its peak, so activations do not
    grow by the same bytes a token: the longest L up to `upper` (what memory allows at flash's rate, and
    the spec computes) whose weights, cache and eager peak at L fit in `limit`, found by halving."""
    activation = FORMAT_BYTES[precision.activations]

    def fits(tokens: int) -> bool:
        report = analyze(with_sequence(spec, tokens))
        rows = works(rows_of(report.layers, 1, batch, precision))
        stored = sum(work.stored_bytes for work in rows)
        cache = sum(work.cache_written for work in rows)  # the new tokens' keys and values: all L of them
        return stored + cache + peak_activations(report, eager_attention=True) * activation * batch <= limit

    if upper < 1 or fits(upper):
        return upper
    low, high = 0, upper  # fits at low (no tokens), not at high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def computes(spec: Spec, tokens: int) -> bool:
    try:
        analyze(with_sequence(spec, tokens))
    except ShapeError:
        return False
    return True


def vision(report: Report, device: Device, request: ServeRequest, rates: Rates, limit: int) -> Serving:
    """A model of images (or any input but token ids): one forward pass over the batch."""
    batch, precision, eager = request.batch, request.precision, request.eager_attention
    rows = rows_of(report.layers, 1, batch, precision, eager)
    stored = sum(work.stored_bytes for work in works(rows))
    per_sample = peak_activations(report, eager) * FORMAT_BYTES[precision.activations]
    return Serving(
        report=report,
        device=device,
        batch=batch,
        prompt=None,
        generate=0,
        precision=precision,
        efficiency=request.efficiency,
        rates=rates,
        first=Pass("forward", 0, 0, tuple(timed(row, 0, rates) for row in rows)),
        last_step=None,
        decode_seconds=0.0,
        memory=Memory(stored, 0, per_sample * batch, limit),
        max_batch=max(limit - stored, 0) // per_sample,
        max_context=None,
        batch_one_over_bytes=max(stored + per_sample - limit, 0),
        eager_attention=eager,
        attends=attends(report),
    )


def shape_words(spec: Spec) -> str:
    return f"a {shape(spec.input_shape)} input"


@value
class BatchSweep:
    """One spec served on one device at each batch of `sweep --batch`."""

    runs: tuple[Serving, ...]

    @property
    def turning_batch(self) -> int | None:
        """The first batch at which decode's layers with weights are compute-bound."""
        for run in self.runs:
            if run.last_step is not None and run.last_step.weights_bound == "compute":
                return run.batch
        return None
