"""What serving computes, as values: the number formats a model is served in, the work and time of
each kernel, a pass (prefill, a decode step, a forward pass), memory and the whole answer
(engine/serving.py computes them; docs/serving.md explains them)."""

from __future__ import annotations

from archcalc.arithmetic import ceil_div
from archcalc.devices import Device
from archcalc.engine.report import Report
from archcalc.model import LayerResult
from archcalc.values import value

WEIGHT_FORMATS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
KV_FORMATS = ("fp16", "bf16", "fp8")
FORMAT_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1}
INT4_GROUP = 128
"""int4 weights are stored as in GPTQ and AWQ: two to a byte, and a 16-bit scale for each group of 128."""

ATTENTION = "flash"
"""Attention is taken as flash attention unless `--attention eager` says: q, k, v in, the output out,
no N×M scores in memory."""


def stored_weight_bytes(values: int, weights: str) -> int:
    """Bytes `values` quantizable weights take at `--weights`: int4 ⌈n/2⌉ + 2·⌈n/128⌉, others n × their size."""
    if weights == "int4":
        return ceil_div(values, 2) + 2 * ceil_div(values, INT4_GROUP)
    return values * FORMAT_BYTES[weights]


@value
class Precision:
    """The number formats of a run: weights as stored (dense, attention, recurrent and conv layers'),
    the activations (and every other weight), and the key/value cache. Arithmetic runs at the
    activations' format: int8 and int4 weights are dequantized to 16 bits, fp8 weights run fp8."""

    weights: str = "fp16"
    activations: str = "fp16"
    kv: str = "fp16"

    @property
    def compute(self) -> str:
        """The device peak the arithmetic runs at."""
        return self.activations


def precision(weights: str = "fp16", kv: str | None = None) -> Precision:
    """`--weights` and `--kv` resolved: activations at the weights' own format when it is a float,
    16-bit (fp16) for int8 and int4; the cache at the activations' format unless `--kv` says."""
    activations = weights if weights in ("fp32", "bf16", "fp16", "fp8") else "fp16"
    return Precision(weights, activations, kv or activations)


@value
class Work:
    """One layer's own work in one pass over the whole batch, counted over every occurrence (inside
    `repeat`s). Each figure is exact; MACs and cache reads grow with the tokens cached, c: `macs +
    c·macs_per_cached`, `cache_read + c·cache_read_per_cached`."""

    macs: int = 0
    macs_per_cached: int = 0
    weight_bytes: int = 0  # read once a pass, at their stored size
    activation_read: int = 0
    activation_written: int = 0
    cache_written: int = 0  # the new tokens' keys and values
    cache_read_per_cached: int = 0
    stored_bytes: int = 0  # the weights it holds (memory, not traffic: a tied head reads a table held elsewhere)
    scores_per_cached: int = 0  # eager attention: the bytes of scores and softmax a cached token adds, written and read again each

    def read_at(self, cached: int) -> int:
        return self.weight_bytes + self.activation_read + cached * (self.cache_read_per_cached + self.scores_per_cached)

    def written_at(self, cached: int) -> int:
        return self.activation_written + self.cache_written + cached * self.scores_per_cached

    def cache_moved_at(self, cached: int) -> int:
        """What the kernel over the cache moves: the cached keys and values, and eager attention's scores over them."""
        return cached * (self.cache_read_per_cached + 2 * self.scores_per_cached)

    def macs_at(self, cached: int) -> int:
        return self.macs + cached * self.macs_per_cached


@value
class Rates:
    """The device's peak for the run's arithmetic and its memory bandwidth, both scaled by `--efficiency`."""

    peak: float  # FLOP/s
    bandwidth: float  # bytes/s

    def compute_seconds(self, macs: int | float) -> float:
        return 2 * macs / self.peak

    def memory_seconds(self, moved: int | float) -> float:
        return moved / self.bandwidth

    @property
    def ridge(self) -> float:
        """FLOPs per byte above which a kernel is compute-bound."""
        return self.peak / self.bandwidth


@value
class Timed:
    """One row of a pass: a layer, its figures over every occurrence (a composite's with its
    children's), and its time, the sum of its kernels' times. `bound` is the side that limits the
    layer ("compute" or "memory"; a composite: the side that limits most of its time; None for a
    layer that moves nothing)."""

    result: LayerResult
    occurrences: int
    macs: int
    read_bytes: int
    written_bytes: int
    weight_bytes: int
    cache_read_bytes: int
    seconds: float
    compute_bound_seconds: float
    children: tuple[Timed, ...]
    cache_seconds: float = 0.0  # the part spent in cache kernels (attention's scores over cached keys)
    cache_compute_bound_seconds: float = 0.0

    @property
    def moved_bytes(self) -> int:
        return self.read_bytes + self.written_bytes

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte moved (2 per MAC)."""
        return 2 * self.macs / self.moved_bytes if self.moved_bytes else None

    @property
    def bound(self) -> str | None:
        if self.seconds == 0:
            return None
        return "compute" if self.compute_bound_seconds * 2 > self.seconds else "memory"


@value
class Pass:
    """One pass over the batch (a prefill, one decode step, a vision forward pass): its rows and totals."""

    name: str
    tokens: int  # per sample: the prompt, 1 for a decode step; 0 for a vision pass
    cached: int  # tokens already in the cache
    layers: tuple[Timed, ...]

    @property
    def seconds(self) -> float:
        return sum(row.seconds for row in self.layers)

    @property
    def macs(self) -> int:
        return sum(row.macs for row in self.layers)

    @property
    def read_bytes(self) -> int:
        return sum(row.read_bytes for row in self.layers)

    @property
    def written_bytes(self) -> int:
        return sum(row.written_bytes for row in self.layers)

    @property
    def compute_bound_seconds(self) -> float:
        return sum(row.compute_bound_seconds for row in self.layers)

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte moved over the whole pass."""
        moved = self.read_bytes + self.written_bytes
        return 2 * self.macs / moved if moved else None

    def share(self, row: Timed) -> float | None:
        """The part of the pass's time a row takes."""
        return row.seconds / self.seconds if self.seconds else None

    def memory_bound_kernels(self, count: int = 5) -> list[Timed]:
        """The memory-bound kernels that take the most time: what holds a pass below the compute peak."""
        return sorted((row for row in self.kernels() if row.bound == "memory"), key=lambda row: row.seconds, reverse=True)[:count]

    @property
    def bound(self) -> str:
        """The side that limits most of its time."""
        return "compute" if self.compute_bound_seconds * 2 > self.seconds else "memory"

    def kernels(self) -> list[Timed]:
        """Its rows without children: each kernel that runs."""
        found: list[Timed] = []
        stack = list(reversed(self.layers))
        while stack:
            row = stack.pop()
            if row.children:
                stack.extend(reversed(row.children))
            else:
                found.append(row)
        return found

    @property
    def weights_bound(self) -> str | None:
        """The side that limits most of the time of its kernels with weights (dense, attention, conv...):
        where decode turns compute-bound as the batch grows, while attention's cache reads never do."""
        with_weights = [row for row in self.kernels() if row.weight_bytes]
        seconds = sum(row.seconds - row.cache_seconds for row in with_weights)
        if not seconds:
            return None
        compute_bound = sum(row.compute_bound_seconds - row.cache_compute_bound_seconds for row in with_weights)
        return "compute" if 2 * compute_bound > seconds else "memory"


@value
class Memory:
    """What must be resident: the weights as stored, the key/value cache at (prompt + generate) ×
    batch, and the largest live activation of the prefill (or the vision pass) at the batch."""

    weight_bytes: int
    kv_cache_bytes: int
    activation_bytes: int
    limit_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.weight_bytes + self.kv_cache_bytes + self.activation_bytes

    @property
    def fits(self) -> bool:
        return self.total_bytes <= self.limit_bytes


@value
class Serving:
    """A spec served on a device: the prefill (or forward) pass, the last decode step and the sum of
    every step, memory and what fits."""

    report: Report
    device: Device
    batch: int
    prompt: int | None  # None for a vision model
    generate: int
    precision: Precision
    efficiency: float
    rates: Rates
    first: Pass  # the prefill, or the vision forward pass
    last_step: Pass | None  # the last decode step (G ≥ 1)
    decode_seconds: float  # every decode step, summed
    memory: Memory
    max_batch: int
    max_context: int | None  # a language model's: the longest prompt + generate that fits at the batch
    context_limited: bool = False  # max_context is the spec's own longest sequence, short of what memory allows
    eager_attention: bool = False
    attends: bool = False  # it has attention, which --attention runs as flash or eager
    batch_one_over_bytes: int = 0  # what batch 1 needs beyond the device's memory; 0 where it fits

    @property
    def language(self) -> bool:
        return self.prompt is not None

    @property
    def tokens_per_second(self) -> float | None:
        if self.last_step is None or self.decode_seconds == 0:
            return None
        return self.batch * self.generate / self.decode_seconds

    @property
    def compute_floor_seconds(self) -> float:
        """The first pass's MACs at the compute peak alone: the time no memory traffic could shorten."""
        return self.rates.compute_seconds(self.first.macs)

    @property
    def images_per_second(self) -> float | None:
        if self.language or self.first.seconds == 0:
            return None
        return self.batch / self.first.seconds


@value
class ServeRequest:
    """What `archcalc serve` was asked: the batch, a language model's prompt and tokens generated
    (None: the spec's own sequence length, and one step for a model with a cache), the precision and
    the share of the peaks a real kernel reaches."""

    batch: int = 1
    prompt: int | None = None
    generate: int | None = None
    precision: Precision = Precision()
    efficiency: float = 1.0
    images: int | None = None  # `--images`, the batch of a vision model
    eager_attention: bool = False  # `--attention eager`: the scores and their softmax go through memory
