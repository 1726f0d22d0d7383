"""Attention: multi-head, grouped-query and multi-query, self- or cross-attention, causal or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.kinds.arguments import Argument, ArgumentProblem, Reading
from archcalc.kinds.base import SeesWhole, sequence_of
from archcalc.model import Cost, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.kinds.context import ApplyContext


@value(kw_only=True)
class Attention(SeesWhole):
    """Attention over a sequence [N, D]: queries from the N tokens, keys and values from M tokens
    (the same N, or `context` others), each projected into heads of width d; every query scored
    against every key (N·M·d MACs a head), the values summed by those scores (as many again), the
    heads projected back to D. With the defaults it is torch.nn.MultiheadAttention(D, heads)."""

    heads: int
    kv_heads: int | None = None  # None: as many as the query heads
    head_dim: int | None = None  # None: D / heads
    bias: bool = True
    causal: bool = False
    context: int | None = None  # None: self-attention (M = N)

    NAMES = {"attention": "attention"}
    EXAMPLE = ("10x16", "attention: {heads: 4}")
    ARGUMENTS = (
        Argument("heads", Reading.COUNT, "query heads h"),
        Argument("kv_heads", Reading.COUNT, "key/value heads (default: heads); fewer is grouped-query attention, 1 multi-query; must divide heads"),
        Argument("head_dim", Reading.COUNT, "the width d of a head (default: D / heads)"),
        Argument("bias", Reading.FLAG, "biases on the four projections"),
        Argument("causal", Reading.FLAG, "each token attends only to those before it (the same MACs; --memory adds the key/value cache)"),
        Argument("context", Reading.COUNT, "cross-attention: keys and values from this many tokens of width D that come from elsewhere"),
    )
    MAIN = "heads"
    PARAMETERS = "q D·h·d, k and v D·kv·d each, out h·d·D; with bias also h·d + 2·kv·d + D"
    MACS = "projections N·D·h·d + 2·M·D·kv·d + N·h·d·D, scores N·M·h·d, weighted sum N·M·h·d"

    def check(self) -> None:
        if self.kv_heads is not None and self.heads % self.kv_heads:
            raise ArgumentProblem(
                "kv_heads", f"kv_heads={self.kv_heads} does not divide heads={self.heads}: each key/value head serves a whole group of query heads"
            )

    @property
    def key_value_heads(self) -> int:
        return self.heads if self.kv_heads is None else self.kv_heads

    def head_width(self, width: int) -> int:
        """d: `head_dim`, or the width shared out among the heads (apply has checked that it divides)."""
        return width // self.heads if self.head_dim is None else self.head_dim

    def keys(self, tokens: int) -> int:
        """M: the tokens keys and values come from."""
        return tokens if self.context is None else self.context

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        tokens, width = sequence_of(self, shape)
        if self.head_dim is None and width % self.heads:
            raise self.error(f"heads={self.heads} does not divide the width {width:,}; give 'head_dim', the width of a head")
        heads, kv_heads, head = self.heads, self.key_value_heads, self.head_width(width)
        keys = self.keys(tokens)
        weights = width * heads * head + 2 * width * kv_heads * head + heads * head * width
        biases = heads * head + 2 * kv_heads * head + width if self.bias else 0
        projections = tokens * width * heads * head + 2 * keys * width * kv_heads * head + tokens * heads * head * width
        scores = tokens * keys * heads * head  # and as many again for the weighted sum of the values
        return LayerResult(self, shape, shape, Cost(weights=weights, biases=biases, macs=projections + 2 * scores))

    def cached_values(self, result: LayerResult) -> int:
        """The key/value cache a causal attention keeps while it generates: 2·M·kv·d values (none otherwise)."""
        if not self.causal:
            return 0
        tokens, width = result.input_shape
        return 2 * self.keys(tokens) * self.key_value_heads * self.head_width(width)

    def label(self, result: LayerResult) -> str:
        width = result.input_shape[1]
        text = f"attention {self.heads} heads × {self.head_width(width)}"
        if self.key_value_heads != self.heads:
            text += f", {self.key_value_heads} kv heads"
        if self.context is not None:
            text += f", context {self.context:,}"
        return text + (", causal" if self.causal else "") + ("" if self.bias else ", no bias")

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        tokens, width = result.input_shape
        heads, kv_heads, head, keys = self.heads, self.key_value_heads, self.head_width(width), self.keys(tokens)
        params = f"q {width:,}×{heads}×{head} + k, v 2×{width:,}×{kv_heads}×{head} + out {heads}×{head}×{width:,} = {cost.weights:,} weights"
        if self.bias:
            params += f" + {cost.biases:,} biases = {cost.params:,}"
        scores = tokens * keys * heads * head
        projections = cost.macs - 2 * scores
        lines = [
            params,
            f"projections: ({tokens:,}×{heads} q + 2×{keys:,}×{kv_heads} k, v + {tokens:,}×{heads} out) heads × {head} × {width:,} = {projections:,}",
            f"scores: {tokens:,} × {keys:,} × {heads} heads × {head} = {scores:,}",
            f"weighted sum: {tokens:,} × {keys:,} × {heads} heads × {head} = {scores:,}",
        ]
        if self.causal:
            lines.append("causal: the whole score matrix is computed and its upper half masked, as PyTorch's kernels do")
        lines.append(f"{projections:,} + 2 × {scores:,} = {cost.macs:,} MACs")
        return lines
