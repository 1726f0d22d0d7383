"""Attention: multi-head, grouped-query and multi-query, self- or cross-attention, causal or not, over
the whole sequence or a sliding window of it (Mistral's, Gemma 2's local layers); and attention within
the windows of an image (Swin's shifted windows, MaxViT's blocks and grids) with a relative position bias."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import ceil_div, sliding_window_reads
from archcalc.backward import Backward, Kept, Needs, ParameterTensor, Stored, Which, weight_and_bias
from archcalc.kinds.arguments import Argument, ArgumentProblem, Reading
from archcalc.kinds.attention_windows import Windows
from archcalc.kinds.base import SeesWhole, bracketed, per_axis, sequence_of
from archcalc.model import Cost, LayerResult, PerAxis, ReceptiveField, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext

POSITION_BIASES = ("none", "table", "mlp")
"""A bias added to each head's scores by the offset between query and key: none, a learned table
(Swin, MaxViT), or Swin V2's continuous position bias, an MLP over the offsets."""

BIAS_MLP_HIDDEN = 512
"""The hidden width of Swin V2's continuous position bias MLP (2 → 512, ReLU, → heads), as the paper's
code and torchvision build it."""


@value(kw_only=True)
class Attention(SeesWhole):
    """Attention over a sequence [N, D]: queries from the N tokens, keys and values from M tokens
    (the same N, or `context` others), each projected into heads of width d; every query scored
    against every key (N·M·d MACs a head), the values summed by those scores (as many again), the
    heads projected back to D. With the defaults it is torch.nn.MultiheadAttention(D, heads).

    On an image [H, W, C] with `window` (Swin's W-MSA, MaxViT's block attention) each token attends
    only within its window of positions; with `grid` (MaxViT's grid attention) the map is cut into a
    grid of equal cells and each token attends to the tokens at the same place in every other cell.
    The projections work on every position; the scores and weighted sums on each group alone."""

    heads: int
    kv_heads: int | None = None  # None: as many as the query heads
    head_dim: int | None = None  # None: D / heads
    bias: bool = True
    causal: bool = False
    context: int | None = None  # None: self-attention (M = N)
    window: PerAxis | None = None  # block attention within windows of this many positions a side
    grid: PerAxis | None = None  # grid attention over a grid of this many cells a side
    shifted: bool = False  # Swin's shifted windows: the same count
    position_bias: str = "none"  # one of POSITION_BIASES
    cosine: bool = False  # Swin V2's scaled cosine attention: a learned logit scale per head
    sliding_window: int | None = None  # each token reads at most this many keys (Mistral, Gemma 2's local layers)
    out_bias: bool = True  # with `bias`: a bias on the output projection too (Qwen has q, k and v biases alone)
    qk_norm: bool = False  # an RMS norm over each head's queries and keys (Qwen 3, Gemma 3): d weights each
    relative_buckets: int | None = None  # T5's relative position bias: a learned table of buckets × heads
    dropout: float = 0.0  # dropout on the attention weights, in training

    NAMES = {"attention": "attention"}
    ATTENDS = True
    COMMON_NAMES = {
        **dict.fromkeys(
            ("mha", "multihead_attention", "multiheadattention", "multi_head_attention", "self_attention", "sdpa", "scaled_dot_product_attention"),
            "write attention: {heads: H} (nn.MultiheadAttention, Keras MultiHeadAttention)",
        ),
        **dict.fromkeys(("gqa", "mqa", "grouped_query_attention"), "write attention: {heads: H, kv_heads: K} (grouped-query; K = 1 is multi-query)"),
        **dict.fromkeys(
            ("rope", "rotary", "rotary_embedding", "rotary_position_embedding"),
            "rotary position embeddings have no parameters and cost no MACs archcalc counts: nothing to write",
        ),
    }
    EXAMPLE = ("10x16", "attention: {heads: 4}")
    ARGUMENTS = (
        Argument("heads", Reading.COUNT, "query heads h"),
        Argument("kv_heads", Reading.COUNT, "key/value heads (default: heads); fewer is grouped-query attention, 1 multi-query; must divide heads"),
        Argument("head_dim", Reading.COUNT, "the width d of a head (default: D / heads)"),
        Argument("bias", Reading.FLAG, "biases on the four projections"),
        Argument("causal", Reading.FLAG, "each token attends only to those before it (the same MACs; --memory adds the key/value cache)"),
        Argument("context", Reading.COUNT, "cross-attention: keys and values from this many tokens of width D that come from elsewhere"),
        Argument("window", Reading.PER_AXIS, "on an image [H, W, C]: attend within windows of this many positions a side (the map padded to whole windows)"),
        Argument("grid", Reading.PER_AXIS, "on an image [H, W, C]: attend across a grid of this many equal cells a side, one token from each cell"),
        Argument("shifted", Reading.FLAG, "Swin's shifted windows: every other block moves its windows by half a window (the same MACs)"),
        Argument("position_bias", Reading.CHOICE, "relative position bias: a learned table, or Swin V2's MLP over the offsets", choices=POSITION_BIASES),
        Argument("cosine", Reading.FLAG, "Swin V2's scaled cosine attention: a learned logit scale per head"),
        Argument(
            "sliding_window",
            Reading.COUNT,
            "each token reads at most this many keys: causal, itself and those before it; otherwise the w centred on it (MACs and the cache over the window)",
        ),
        Argument("out_bias", Reading.FLAG, "with bias: also on the output projection (false: q, k and v biases alone, as Qwen's)"),
        Argument("qk_norm", Reading.FLAG, "an RMS norm over each head's queries and keys, d weights each (Qwen 3, Gemma 3)"),
        Argument("relative_buckets", Reading.COUNT, "T5's relative position bias: a learned table of this many offset buckets × heads (a lookup: no MACs)"),
        Argument("dropout", Reading.FRACTION, "dropout on the attention weights in training (no parameters, no MACs; see `archcalc train`)"),
    )
    MAIN = "heads"
    CACHE_RULE = "2 · tokens · kv heads · head width, per attention"
    PARAMETERS = (
        "q D·h·d, k and v D·kv·d each, out h·d·D; with bias also h·d + 2·kv·d + D (without out_bias, not D); qk_norm 2·d; "
        "relative_buckets b·h. In a×b windows (or a grid of a×b cells), "
        "position_bias table adds (2a−1)·(2b−1)·h, mlp 2·512 + 512 + 512·h; cosine adds h"
    )
    MACS = (
        "projections N·D·h·d + 2·M·D·kv·d + N·h·d·D, scores N·M·h·d, weighted sum N·M·h·d; with a sliding window of w, "
        "N·M becomes the keys read: Σ min(i + 1, w) causal, the w centred keys clipped at the ends otherwise. In a×b windows: N = M = the positions "
        "(padded to whole windows), scores and weighted sum N·a·b·h·d each; position_bias mlp adds (2a−1)·(2b−1)·(2·512 + 512·h)"
    )
    QUANTIZED = True
    SERVED = (
        "reads its weights and its input, writes its output and, causal, each new token's keys and values (2·kv·d) to the cache; "
        "with c tokens cached, reads their 2·c·kv·d keys and values and spends 2·c·h·d MACs a new token on them (flash attention: no scores in memory)"
    )

    KEEPS = (
        "its input (for the projections' weights); flash (the default): q, k and v at their own heads, its output, "
        "a float32 logsumexp per head and query, with a sliding window shorter than the sequence its N·M mask as activations; eager (always "
        "with relative_buckets): q, k and v at h heads, the softmax's output (with dropout a 1-byte mask and the dropped weights), "
        "a 1-byte causal mask (not T5's), the heads' output for the out projection; qk_norm each norm's input, normalized values "
        "and a float32 statistic a row; relative_buckets the N·M int64 bucket ids, once for the batch"
    )

    def check(self) -> None:
        if self.kv_heads is not None and self.heads % self.kv_heads:
            raise ArgumentProblem(
                "kv_heads", f"kv_heads={self.kv_heads} does not divide heads={self.heads}: each key/value head serves a whole group of query heads"
            )
        if self.window is not None and self.grid is not None:
            raise ArgumentProblem("grid", "give 'window' (each token attends within its window) or 'grid' (across the cells of a grid), not both")
        if self.shifted and self.window is None:
            raise ArgumentProblem("shifted", "'shifted' moves windows: it needs 'window'")
        if not self.bias and not self.out_bias:
            raise ArgumentProblem("out_bias", "'out_bias: false' leaves the output projection without the bias that 'bias' adds; without 'bias' there is none")
        if self.sliding_window is not None:
            for argument, written in (("context", self.context is not None), ("window", self.windowed)):
                if written:
                    raise ArgumentProblem("sliding_window", f"'sliding_window' slides over a sequence's own tokens; it does not go with '{argument}'")
        if not self.windowed:
            for argument, written in (("position_bias", self.position_bias != "none"), ("cosine", self.cosine)):
                if written:
                    raise ArgumentProblem(argument, f"'{argument}' needs 'window' or 'grid': it belongs to attention within the windows of an image")
            return
        for argument, written in (("causal", self.causal), ("context", self.context is not None), ("relative_buckets", self.relative_buckets is not None)):
            if written:
                raise ArgumentProblem(argument, f"'{argument}' is for attention over a sequence; within windows every token attends to its whole group")

    @property
    def windowed(self) -> bool:
        return self.window is not None or self.grid is not None

    @property
    def key_value_heads(self) -> int:
        return self.heads if self.kv_heads is None else self.kv_heads

    def head_width(self, width: int) -> int:
        """d: `head_dim`, or the width shared out among the heads (apply has checked that it divides)."""
        return width // self.heads if self.head_dim is None else self.head_dim

    def keys(self, tokens: int) -> int:
        """M: the tokens keys and values come from."""
        return tokens if self.context is None else self.context

    def keys_read(self, tokens: int, keys: int) -> int:
        """Query-key pairs scored: every query against every key (a causal mask is applied to the whole
        score matrix, as PyTorch's kernels compute it), or within a sliding window the keys each token reads."""
        if self.sliding_window is None:
            return tokens * keys
        return sliding_window_reads(tokens, self.sliding_window, self.causal)

    def pairs_scored(self, tokens: int, keys: int, scored: int) -> int:
        """Query-key pairs scored, and as many summed: each query against the `scored` keys of its group
        within windows, otherwise as `keys_read` counts them."""
        return tokens * scored if self.windowed else self.keys_read(tokens, keys)

    def projection_macs(self, tokens: int, keys: int, width: int, head: int) -> int:
        """q and out over the N queries, k and v over the M keys: N·D·h·d + 2·M·D·kv·d + N·h·d·D."""
        heads, kv_heads = self.heads, self.key_value_heads
        return tokens * width * heads * head + 2 * keys * width * kv_heads * head + tokens * heads * head * width

    def window_hides_keys(self, tokens: int) -> bool:
        """Whether a sliding window hides keys the attention would read without it (transformers then hands
        the kernel a mask; with a window as long as the sequence, none)."""
        if self.sliding_window is None:
            return False
        return sliding_window_reads(tokens, self.sliding_window, self.causal) < sliding_window_reads(tokens, 2 * tokens, self.causal)

    def windows(self, shape: Shape) -> Windows:
        """The groups an image's positions attend in: windows (the map padded at the bottom and right to
        whole windows, as Swin pads it) or the cells of a grid (whose sides must divide the map's)."""
        if len(shape) != 3:
            raise self.error(f"attention within windows needs an image [H, W, C], got {bracketed(shape)}")
        height, width = shape[0], shape[1]
        if self.window is not None:
            cell_height, cell_width = per_axis(self, "window", self.window, 2)
            return Windows((cell_height, cell_width), (ceil_div(height, cell_height) * cell_height, ceil_div(width, cell_width) * cell_width))
        assert self.grid is not None
        rows, columns = per_axis(self, "grid", self.grid, 2)
        if height % rows or width % columns:
            raise self.error(f"the {height:,}×{width:,} positions do not divide into a grid of {rows}×{columns} equal cells")
        return Windows((rows, columns), (height, width))

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        windows = self.windows(shape) if self.windowed else None
        if windows is not None:
            width = shape[-1]
            tokens = keys = windows.positions
            scored = windows.tokens  # each query is scored against the keys of its own group
        else:
            tokens, width = sequence_of(self, shape)
            keys = scored = self.keys(tokens)
        if self.head_dim is None and width % self.heads:
            raise self.error(f"heads={self.heads} does not divide the width {width:,}; give 'head_dim', the width of a head")
        heads, kv_heads, head = self.heads, self.key_value_heads, self.head_width(width)
        weights = width * heads * head + 2 * width * kv_heads * head + heads * head * width + self.extra_weights(head)
        biases = heads * head + 2 * kv_heads * head + (width if self.out_bias else 0) if self.bias else 0
        scores = self.pairs_scored(tokens, keys, scored) * heads * head  # and as many again for the weighted sum of the values
        cost = Cost(weights=weights, biases=biases, macs=self.projection_macs(tokens, keys, width, head) + 2 * scores)
        if windows is not None:
            cost = cost + self.position_cost(windows)
        return LayerResult(self, shape, shape, cost)

    def extra_weights(self, head: int) -> int:
        """The norms over queries and keys (a scale per value of a head, shared by the heads), and T5's
        table of relative position buckets, one bias per head."""
        return (2 * head if self.qk_norm else 0) + (self.relative_buckets * self.heads if self.relative_buckets is not None else 0)

    def bias_cost(self, windows: Windows) -> Cost:
        """The relative position bias: a table of offsets × heads; or an MLP run over every offset (its
        MACs counted, as torchvision's published figures count them)."""
        if self.position_bias == "table":
            return Cost(weights=windows.offsets * self.heads)
        if self.position_bias == "mlp":
            mlp_weights = 2 * BIAS_MLP_HIDDEN + BIAS_MLP_HIDDEN * self.heads
            return Cost(weights=mlp_weights, biases=BIAS_MLP_HIDDEN, macs=windows.offsets * mlp_weights)
        return Cost()

    def position_cost(self, windows: Windows) -> Cost:
        """The position bias, and cosine attention's logit scale: one learned figure per head."""
        return self.bias_cost(windows) + Cost(weights=self.heads if self.cosine else 0)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        """A window reaches its own positions, as a kernel of its size would; a grid, like attention over
        a sequence, reaches every position."""
        if self.window is not None:
            return field.widened(per_axis(self, "window", self.window, 2), (1, 1))
        return field.whole()

    def sizes(self, shape: Shape) -> tuple[int, int, int, int, int, int, int]:
        """(N queries, M keys, keys each query is scored against, D, h, kv, d) for an input `shape`."""
        if self.windowed:
            windows = self.windows(shape)
            return windows.positions, windows.positions, windows.tokens, shape[-1], self.heads, self.key_value_heads, self.head_width(shape[-1])
        tokens, width = shape
        keys = self.keys(tokens)
        return tokens, keys, keys, width, self.heads, self.key_value_heads, self.head_width(width)

    def eager(self, needs: Needs) -> bool:
        """Attention within windows (torchvision's Swin and MaxViT) and T5's, with its relative position
        bias (transformers' T5Attention), are written out as matmuls: always eager."""
        return needs.eager_attention or self.windowed or self.relative_buckets is not None

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        tokens, keys, scored, width, heads, kv_heads, head = self.sizes(result.input_shape)
        projections_input: tuple[Kept, ...] = (Kept(Which.INPUT, tokens * width),) if needs.trains else ()  # q, k and v's linear layers share it
        if self.context is not None and needs.trains:
            projections_input += (Kept(Which.OWN, keys * width),)  # the context k and v are projected from
        if self.qk_norm:  # each RMS norm's input and normalized values, and its reciprocal RMS in float32
            projections_input += (
                Kept(Which.OWN, 2 * (tokens * heads * head + keys * kv_heads * head)),
                Kept(Which.OWN, tokens * heads + keys * kv_heads, Stored.FLOAT32),
            )
        if self.relative_buckets is not None:  # the N·M bucket ids T5's bias table looks up, shared by the batch (the bias is added: not kept)
            projections_input += (Kept(Which.OWN, tokens * keys, Stored.INT64, per_sample=False),)
        if not self.eager(needs):
            own = tokens * heads * head + 2 * keys * kv_heads * head + tokens * heads * head  # q, k, v, the output
            if self.window_hides_keys(tokens):  # a mask, which the kernel keeps as floats
                own += tokens * keys
            return (*projections_input, Kept(Which.OWN, own), Kept(Which.OWN, tokens * heads, Stored.FLOAT32))
        weights = tokens * scored * heads
        own = tokens * heads * head + 2 * keys * heads * head + weights  # q, k and v (expanded to every head), softmax(scores)
        own += weights if self.dropout else 0  # the dropped weights, which the weighted sum keeps
        own += tokens * heads * head if needs.trains else 0  # the heads' output, joined: the out projection's input
        kept = (*projections_input, Kept(Which.OWN, own))
        if self.dropout:
            kept += (Kept(Which.OWN, weights, Stored.BOOL),)
        if self.causal and self.relative_buckets is None:  # T5 adds its causal mask to the position bias: nothing kept
            kept += (Kept(Which.OWN, tokens * keys, Stored.BOOL, per_sample=False),)
        return kept

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        """Both operands of the scores and of the weighted sum need gradients once anything before
        them does; the q, k and v projections' input gradient only when the input needs one (k and v
        of cross-attention never: their context is an input)."""
        tokens, keys, scored, width, heads, kv_heads, head = self.sizes(result.input_shape)
        self_attention = self.context is None
        queries_grad = needs.any
        keys_grad = needs.trains or (needs.input_grad and self_attention)
        products = self.pairs_scored(tokens, keys, scored) * heads * head
        inputs = 2 * (queries_grad + keys_grad) * products  # scores (q, k), weighted sum (weights, v: v as k)
        inputs += tokens * heads * head * width * needs.any  # the out projection's input
        inputs += tokens * width * heads * head * needs.input_grad + 2 * keys * width * kv_heads * head * (needs.input_grad and self_attention)
        return Backward(inputs, self.projection_macs(tokens, keys, width, head) if needs.trains else 0)

    def shared_macs(self, result: LayerResult) -> int:
        """Swin V2's position-bias MLP runs over the offsets, once for the whole batch."""
        return self.position_cost(self.windows(result.input_shape)).macs if self.windowed else 0

    def shared_backward(self, result: LayerResult, needs: Needs) -> Backward:
        """The bias MLP's weights' gradients, and its second layer's input gradient (its first layer's
        input, the offsets, needs none): once for the batch, when it trains."""
        shared = self.shared_macs(result)
        if not (shared and needs.trains):
            return Backward()
        second = self.windows(result.input_shape).offsets * BIAS_MLP_HIDDEN * self.heads
        return Backward(second, shared)

    def scratch_values(self, result: LayerResult, eager_attention: bool) -> int:
        """Eager attention holds the scores and the softmax's output at once: 2·h·N·M values. Flash
        computes them a block at a time and holds none. Windows and T5's buckets are always eager."""
        if not (eager_attention or self.windowed or self.relative_buckets is not None):
            return 0
        tokens, _, scored, _, heads, _, _ = self.sizes(result.input_shape)
        return 2 * heads * tokens * scored

    def packed(self, width: int) -> bool:
        """q, k and v in one tensor, as nn.MultiheadAttention (and GPT-2's c_attn) hold them; the models
        with a sliding window, qk norms or T5's buckets hold them apart."""
        return (
            not self.windowed
            and self.kv_heads in (None, self.heads)
            and self.head_dim in (None, width // self.heads)
            and self.context is None
            and self.sliding_window is None
            and self.out_bias
            and not self.qk_norm
            and self.relative_buckets is None
        )

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        _, _, _, width, heads, kv_heads, head = self.sizes(result.input_shape)
        bias = self.bias
        out = weight_and_bias((width, heads * head), width if bias and self.out_bias else 0)
        extra: tuple[ParameterTensor, ...] = (ParameterTensor((head,), 2),) if self.qk_norm else ()
        if self.relative_buckets is not None:
            extra += (ParameterTensor((self.relative_buckets, heads)),)
        if self.packed(width):
            return weight_and_bias((3 * width, width), 3 * width if bias else 0) + out
        tensors = weight_and_bias((heads * head, width), heads * head if bias else 0)
        tensors += weight_and_bias((kv_heads * head, width), kv_heads * head if bias else 0) * 2 + out + extra
        if self.windowed:
            windows = self.windows(result.input_shape)
            if self.position_bias == "table":
                tensors += (ParameterTensor((windows.offsets, heads)),)
            elif self.position_bias == "mlp":
                tensors += (*weight_and_bias((BIAS_MLP_HIDDEN, 2), BIAS_MLP_HIDDEN), ParameterTensor((heads, BIAS_MLP_HIDDEN)))
            if self.cosine:
                tensors += (ParameterTensor((heads, 1, 1)),)
        return tensors

    def cached_values(self, result: LayerResult) -> int:
        """The key/value cache a causal attention keeps while it generates: 2·M·kv·d values (none otherwise),
        for at most the last w tokens with a sliding window of w."""
        if not self.causal:
            return 0
        tokens, width = result.input_shape
        kept = self.keys(tokens) if self.sliding_window is None else min(self.keys(tokens), self.sliding_window)
        return 2 * kept * self.key_value_heads * self.head_width(width)

    def served_cache(self, result: LayerResult, cached: int) -> tuple[int, int]:
        """`cached` earlier tokens' keys and values read, and each new token scored against their keys and
        summing their values: 2·c·kv·d values, 2·N·c·h·d MACs. A causal attention's alone."""
        if not self.causal or self.windowed:
            return 0, 0
        tokens, width = result.input_shape
        head = self.head_width(width)
        return 2 * cached * self.key_value_heads * head, 2 * tokens * cached * self.heads * head

    def served_scores(self, result: LayerResult, eager_attention: bool) -> tuple[int, int]:
        """The math path writes the scores and their softmax, 2·h·N·M values (what `scratch_values`
        holds), and reads each back once; a causal attention's new tokens score c cached keys more,
        2·h·N values a cached token. Flash keeps them on chip: none."""
        if not eager_attention:
            return 0, 0
        tokens, _, scored, _, heads, _, _ = self.sizes(result.input_shape)
        cached = 2 * heads * tokens if self.causal and not self.windowed else 0
        return 2 * heads * tokens * scored, cached

    def label(self, result: LayerResult) -> str:
        width = result.input_shape[-1]
        text = f"attention {self.heads} heads × {self.head_width(width)}"
        if self.key_value_heads != self.heads:
            text += f", {self.key_value_heads} kv heads"
        if self.context is not None:
            text += f", context {self.context:,}"
        if self.sliding_window is not None:
            text += f", sliding window {self.sliding_window:,}"
        text += ", qk norm" if self.qk_norm else ""
        text += f", {self.relative_buckets} relative buckets" if self.relative_buckets is not None else ""
        if self.windowed:
            cell = self.windows(result.input_shape).cell
            text += f", {cell[0]}×{cell[1]} " + ("windows" if self.window is not None else "grid")
            text += ", shifted" if self.shifted else ""
            text += ", cosine" if self.cosine else ""
            text += f", position bias {self.position_bias}" if self.position_bias != "none" else ""
        bias = ", no output bias" if self.bias and not self.out_bias else "" if self.bias else ", no bias"
        return text + (", causal" if self.causal else "") + bias

    def explain(self, result: LayerResult) -> list[str]:
        if self.windowed:
            return self.explain_windows(result)
        cost = result.cost
        tokens, width = result.input_shape
        heads, kv_heads, head, keys = self.heads, self.key_value_heads, self.head_width(width), self.keys(tokens)
        extras = ""
        if self.qk_norm:
            extras += f" + q, k norms 2×{head}"
        if self.relative_buckets is not None:
            extras += f" + relative buckets {self.relative_buckets}×{heads}"
        params = f"q {width:,}×{heads}×{head} + k, v 2×{width:,}×{kv_heads}×{head} + out {heads}×{head}×{width:,}{extras} = {cost.weights:,} weights"
        if self.bias:
            params += f" + {cost.biases:,} biases" + ("" if self.out_bias else " on q, k, v") + f" = {cost.params:,}"
        pairs = self.keys_read(tokens, keys)
        scores = pairs * heads * head
        projections = cost.macs - 2 * scores
        scored = f"{tokens:,} × {keys:,}" if self.sliding_window is None else f"{pairs:,} query-key pairs"
        lines = [
            params,
            f"projections: ({tokens:,}×{heads} q + 2×{keys:,}×{kv_heads} k, v + {tokens:,}×{heads} out) heads × {head} × {width:,} = {projections:,}",
        ]
        if self.sliding_window is not None:
            reads = "min(i + 1, w) keys: itself and those before it" if self.causal else "the w keys centred on it, clipped at the ends"
            lines.append(f"sliding window w = {self.sliding_window:,}: token i reads {reads}, {pairs:,} pairs in all")
        lines += [
            f"scores: {scored} × {heads} heads × {head} = {scores:,}",
            f"weighted sum: {scored} × {heads} heads × {head} = {scores:,}",
        ]
        if self.causal and self.sliding_window is None:
            lines.append("causal: the whole score matrix is computed and its upper half masked, as PyTorch's kernels do")
        lines.append(f"{projections:,} + 2 × {scores:,} = {cost.macs:,} MACs")
        return lines

    def explain_windows(self, result: LayerResult) -> list[str]:
        cost = result.cost
        height, width, channels = result.input_shape
        windows = self.windows(result.input_shape)
        heads, kv_heads, head = self.heads, self.key_value_heads, self.head_width(channels)
        (cell_height, cell_width), (padded_height, padded_width) = windows.cell, windows.padded
        position = self.position_cost(windows)
        projection_weights = cost.weights - position.weights
        lines = [f"q {channels:,}×{heads}×{head} + k, v 2×{channels:,}×{kv_heads}×{head} + out {heads}×{head}×{channels:,} = {projection_weights:,} weights"]
        if self.bias:
            lines[0] += f" + {cost.biases - position.biases:,} biases"
        offsets = f"{2 * cell_height - 1}×{2 * cell_width - 1} offsets"
        bias = self.bias_cost(windows)
        if self.position_bias == "table":
            lines.append(f"position bias: a table of {offsets} × {heads} heads = {bias.weights:,} weights")
        elif self.position_bias == "mlp":
            lines.append(f"position bias: an MLP 2→{BIAS_MLP_HIDDEN}→{heads} heads = {bias.weights:,} weights + {bias.biases:,} biases")
        if self.cosine:
            lines.append(f"cosine attention: a logit scale for each of the {heads} heads = {heads} weights")
        lines.append(f"{cost.params:,} params")
        if self.window is not None:
            padded = f" (padded to {padded_height:,}×{padded_width:,})" if windows.padded != (height, width) else ""
            lines.append(f"{height:,}×{width:,} positions{padded} in {windows.groups:,} windows of {cell_height}×{cell_width} = {windows.tokens:,} tokens")
            if self.shifted:
                covered = windows.padded == windows.cell
                lines.append("one window covers the map: nothing to shift" if covered else "shifted by half a window: windows of the same size, the same MACs")
        else:
            lines.append(
                f"{height:,}×{width:,} positions in a grid of {cell_height}×{cell_width} cells: {windows.groups:,} groups of {windows.tokens:,} tokens, "
                "one from each cell"
            )
        tokens = windows.positions
        scores = tokens * windows.tokens * heads * head
        projections = cost.macs - 2 * scores - position.macs
        lines += [
            f"projections: {tokens:,} tokens × ({heads} q + 2×{kv_heads} k, v + {heads} out) heads × {head} × {channels:,} = {projections:,}",
            f"scores: {windows.groups:,} groups × {windows.tokens:,} × {windows.tokens:,} × {heads} heads × {head} = {scores:,}",
            f"weighted sum: {windows.groups:,} groups × {windows.tokens:,} × {windows.tokens:,} × {heads} heads × {head} = {scores:,}",
        ]
        if self.position_bias == "mlp":
            lines.append(f"position bias MLP over the {offsets}: {windows.offsets:,} × (2×{BIAS_MLP_HIDDEN} + {BIAS_MLP_HIDDEN}×{heads}) = {bias.macs:,}")
            lines.append(f"{projections:,} + 2 × {scores:,} + {bias.macs:,} = {cost.macs:,} MACs")
        else:
            lines.append(f"{projections:,} + 2 × {scores:,} = {cost.macs:,} MACs")
        return lines
