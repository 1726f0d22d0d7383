"""Multi-head latent attention (DeepSeek-V2 and V3): keys and values made from one small latent per
token, which is all the key/value cache keeps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.backward import Backward, Kept, Needs, ParameterTensor, Stored, Which, weight_and_bias
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import SeesWhole, sequence_of
from archcalc.model import Cost, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


@value(kw_only=True)
class LatentAttention(SeesWhole):
    """Self-attention over a sequence [N, D] as DeepSeek's MLA computes it. Queries: D → a latent of
    `q_rank` (RMS-normed) → h heads of nope + rope values (or straight from D without `q_rank`). Keys
    and values: D → a latent of `kv_rank` (RMS-normed) plus one rope key of `rope_dim` shared by the
    heads; the latent → h heads of nope key values and `v_dim` values. Each head scores with nope + rope
    values and sums `v_dim` values; out projects h·v back to D. While generating it caches the latent and
    the rope key: kv_rank + rope_dim values a token."""

    heads: int
    kv_rank: int
    q_rank: int | None = None  # None: queries projected from D directly
    nope_dim: int
    rope_dim: int
    v_dim: int
    bias: bool = False
    causal: bool = True

    NAMES = {"mla": "mla"}
    ATTENDS = True
    EXAMPLE = ("10x16", "mla: {heads: 2, q_rank: 8, kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: 4}")
    ARGUMENTS = (
        Argument("heads", Reading.COUNT, "heads h"),
        Argument("kv_rank", Reading.COUNT, "the key/value latent's width (what the cache keeps, with the rope key)"),
        Argument("q_rank", Reading.COUNT, "the query latent's width (default: queries projected from D directly)"),
        Argument("nope_dim", Reading.COUNT, "a head's query/key values without rotary position"),
        Argument("rope_dim", Reading.COUNT, "a head's query/key values with rotary position (the key's shared by the heads)"),
        Argument("v_dim", Reading.COUNT, "a head's value width"),
        Argument("bias", Reading.FLAG, "biases on the projections from D and the output (DeepSeek's attention_bias)"),
        Argument("causal", Reading.FLAG, "each token attends to those before it (--memory adds the latent cache)"),
    )
    MAIN = "heads"
    CACHE_RULE = "tokens · (kv_rank + rope_dim), per latent attention"
    PARAMETERS = (
        "q D·q + q + q·h·(nope+rope) (or D·h·(nope+rope)), kv D·(kv+rope) + kv + kv·h·(nope+v), out h·v·D; "
        "with bias also q + kv + rope + D (the norms' q and kv are weights)"
    )
    MACS = "N·(the projections' weights, norms aside) + scores N·N·h·(nope+rope) + weighted sum N·N·h·v"

    @property
    def qk_dim(self) -> int:
        return self.nope_dim + self.rope_dim

    def query_weights(self, width: int) -> tuple[int, int]:
        """The query path's projection weights and its norm's."""
        if self.q_rank is None:
            return width * self.heads * self.qk_dim, 0
        return width * self.q_rank + self.q_rank * self.heads * self.qk_dim, self.q_rank

    def key_value_weights(self, width: int) -> int:
        return width * (self.kv_rank + self.rope_dim) + self.kv_rank * self.heads * (self.nope_dim + self.v_dim)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        tokens, width = sequence_of(self, shape)
        query, query_norm = self.query_weights(width)
        projections = query + self.key_value_weights(width) + self.heads * self.v_dim * width
        biases = (self.q_rank or 0) + self.kv_rank + self.rope_dim + width if self.bias else 0
        scores = tokens * tokens * self.heads * self.qk_dim
        weighted = tokens * tokens * self.heads * self.v_dim
        cost = Cost(weights=projections + query_norm + self.kv_rank, biases=biases, macs=tokens * projections + scores + weighted)
        return LayerResult(self, shape, shape, cost)

    KEEPS = (
        "its input (the first projections' weights' gradient); each RMS norm's input, its reciprocal RMS (float32), its normalized "
        "values and output; q and k; flash: v as a view of kv_b's whole output, the attention's output, the logsumexp (float32) and "
        "the output copied for the out projection; eager: v copied at h heads, softmax(scores) and the heads' output"
    )

    def first_projections(self, width: int) -> int:
        """The weights of the projections that read the input: q (or q_a) and kv_a."""
        return width * (self.q_rank if self.q_rank is not None else self.heads * self.qk_dim) + width * (self.kv_rank + self.rope_dim)

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """As transformers' DeepseekV3Attention keeps them (docs/training.md): its q is a new tensor laid
        out heads first, so scaled_dot_product_attention's output comes back in that layout and is
        copied for the out projection; the math path (and eager) multiplies a contiguous copy of v."""
        tokens, width = result.input_shape
        heads = self.heads
        # each norm's input (kv's: a view of kv_a's whole output), normalized values and output
        norms = tokens * (3 * (self.q_rank or 0) + 2 * self.kv_rank + self.kv_rank + self.rope_dim)
        statistics = tokens * ((1 if self.q_rank is not None else 0) + 1)
        query_key = 2 * tokens * heads * self.qk_dim  # q, and k with the rope key copied to every head
        out_input = tokens * heads * self.v_dim if needs.trains else 0  # the heads' output, joined for the out projection
        kept: tuple[Kept, ...] = (Kept(Which.INPUT, tokens * width),) if needs.trains else ()
        kept += (Kept(Which.OWN, statistics, Stored.FLOAT32),)
        if not needs.eager_attention:
            flash = tokens * heads * (self.nope_dim + self.v_dim) + tokens * heads * self.v_dim  # v, a view of kv_b's output; the output
            return (*kept, Kept(Which.OWN, norms + query_key + flash + out_input), Kept(Which.OWN, tokens * heads, Stored.FLOAT32))
        eager = tokens * heads * self.v_dim + tokens * tokens * heads  # v copied for the matmul, softmax(scores)
        return (*kept, Kept(Which.OWN, norms + query_key + eager + out_input))

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        """Scores, weighted sum and the projections after the first need both operands' gradients once
        anything before them does; the projections that read the input, only for the input's."""
        tokens, width = result.input_shape
        first = tokens * self.first_projections(width)
        attention = 2 * tokens * tokens * self.heads * (self.qk_dim + self.v_dim)
        projections = result.cost.macs - attention // 2
        return Backward((attention + projections - first) * needs.any + first * needs.input_grad, projections if needs.trains else 0)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        """As DeepSeek's attention holds them: q_a, its norm and q_b (or q), kv_a, its norm, kv_b and o."""
        width = result.input_shape[-1]
        heads, bias = self.heads, self.bias
        if self.q_rank is None:
            tensors = weight_and_bias((heads * self.qk_dim, width), 0)
        else:
            tensors = (*weight_and_bias((self.q_rank, width), self.q_rank if bias else 0), ParameterTensor((self.q_rank,)))
            tensors += (ParameterTensor((heads * self.qk_dim, self.q_rank)),)
        tensors += (*weight_and_bias((self.kv_rank + self.rope_dim, width), self.kv_rank + self.rope_dim if bias else 0), ParameterTensor((self.kv_rank,)))
        tensors += (ParameterTensor((heads * (self.nope_dim + self.v_dim), self.kv_rank)),)
        return tensors + weight_and_bias((width, heads * self.v_dim), width if bias else 0)

    def cached_values(self, result: LayerResult) -> int:
        """The latent and the shared rope key of every token: (kv_rank + rope_dim)·N values."""
        return result.input_shape[0] * (self.kv_rank + self.rope_dim) if self.causal else 0

    def label(self, result: LayerResult) -> str:
        query = f"q latent {self.q_rank:,}, " if self.q_rank is not None else ""
        return f"mla {self.heads} heads, {query}kv latent {self.kv_rank:,} + rope {self.rope_dim}" + (", causal" if self.causal else "")

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        tokens, width = result.input_shape
        heads, qk, v = self.heads, self.qk_dim, self.v_dim
        query, query_norm = self.query_weights(width)
        if self.q_rank is None:
            lines = [f"q: {width:,}×{heads}×{qk} = {query:,} weights"]
        else:
            lines = [f"q: {width:,}×{self.q_rank:,} + {self.q_rank:,}×{heads}×{qk} = {query:,} weights, and a norm of {self.q_rank:,}"]
        key_value = self.key_value_weights(width)
        out = heads * v * width
        lines += [
            f"kv: {width:,}×({self.kv_rank:,} + {self.rope_dim}) + {self.kv_rank:,}×{heads}×({self.nope_dim} + {v}) = {key_value:,} weights, "
            f"and a norm of {self.kv_rank:,}",
            f"out: {heads}×{v}×{width:,} = {out:,} weights",
        ]
        total = f"{query:,} + {query_norm:,} + {key_value:,} + {self.kv_rank:,} + {out:,} = {cost.weights:,} weights"
        lines.append(total + (f" + {cost.biases:,} biases" if self.bias else "") + f" = {cost.params:,} params")
        projections = query + key_value + out
        scores = tokens * tokens * heads * qk
        weighted = tokens * tokens * heads * v
        lines += [
            f"projections: {tokens:,} tokens × {projections:,} = {tokens * projections:,}",
            f"scores: {tokens:,} × {tokens:,} × {heads} heads × ({self.nope_dim} + {self.rope_dim}) = {scores:,}",
            f"weighted sum: {tokens:,} × {tokens:,} × {heads} heads × {v} = {weighted:,}",
            f"{tokens * projections:,} + {scores:,} + {weighted:,} = {cost.macs:,} MACs",
        ]
        if self.causal:
            lines.append(f"cache: the latent and the shared rope key, {self.kv_rank:,} + {self.rope_dim} values a token")
        return lines
