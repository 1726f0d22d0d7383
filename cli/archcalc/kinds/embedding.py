"""Sequences made and read: token ids looked up in a table, an image's positions as tokens, learned
class, position and segment tokens, and one token taken out. Lookups and additions are not MACs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Kept, Needs, ParameterTensor, Stored, Which
from archcalc.errors import SizeLimit
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise, ViewOfInput, bracketed, sequence_of, spatial_axes
from archcalc.model import NO_COST, Cost, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext

MAX_AXES = 4
"""An input shape has at most 4 axes; an embedding adds one, so it reads at most 3."""


@value(kw_only=True)
class Embedding(Pointwise):
    """A learned row of `dim` values for each of `vocab` token ids (torch.nn.Embedding): a lookup,
    so no MACs. The ids' shape gains an axis of `dim`: token ids [N] become a sequence [N, dim]."""

    vocab: int
    dim: int

    NAMES = {"embedding": "embedding"}
    READS_TOKEN_IDS = True
    EXAMPLE = ("10", "embedding: {vocab: 100, dim: 16}")
    ARGUMENTS = (
        Argument("vocab", Reading.COUNT, "how many token ids: the table's rows"),
        Argument("dim", Reading.COUNT, "the width of each token's vector"),
    )
    PARAMETERS = "vocab·dim"
    MACS = "0 (a table lookup)"
    SERVED = "reads the row of each token id it looks up (not its whole table), writes them"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        rows = volume(result.output_shape)
        return rows, rows

    KEEPS = "its token ids, int64 (for the table's gradient): the network's input, or what it reads taken as ids"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return (Kept(Which.OWN, volume(result.input_shape), Stored.INT64),) if needs.trains else ()

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return (ParameterTensor((self.vocab, self.dim)),)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        if len(shape) >= MAX_AXES:
            raise self.error(f"an embedding of {bracketed(shape)} would have {len(shape) + 1} axes; archcalc's shapes have at most {MAX_AXES}")
        return LayerResult(self, shape, (*shape, self.dim), Cost(weights=self.vocab * self.dim))

    def label(self, result: LayerResult) -> str:
        return f"embedding {self.vocab:,}×{self.dim:,}"

    def explain(self, result: LayerResult) -> list[str]:
        return [
            f"{self.vocab:,} ids × {self.dim:,} = {result.cost.weights:,} weights",
            f"{shape_text(result.input_shape)} ids, each looked up: no MACs",
        ]


@value(kw_only=True)
class Tokens(ViewOfInput, Pointwise):
    """The positions of an image (any input with channels) as a sequence, in order, as ViT reads its
    patches: [H, W, C] → [H·W, C]. Each token keeps its position's receptive field."""

    NAMES = {"tokens": "tokens"}
    EXAMPLE = ("4x4x8", "tokens")
    KEEPS = "nothing new: its output is its input's storage"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial = spatial_axes(self, shape)
        return LayerResult(self, shape, (volume(spatial), shape[-1]), NO_COST)

    def label(self, result: LayerResult) -> str:
        return self.kind

    def explain(self, result: LayerResult) -> list[str]:
        tokens, width = result.output_shape
        return [f"{shape_text(result.input_shape[:-1])} positions = {tokens:,} tokens of width {width:,}"]


@value(kw_only=True)
class ClassToken(Pointwise):
    """One learned token put in front of the sequence (ViT's class token, BERT's [CLS]): [N, D] → [N+1, D]."""

    NAMES = {"class_token": "class_token"}
    EXAMPLE = ("9x16", "class_token")
    PARAMETERS = "D"
    MACS = "0"
    KEEPS = "nothing (a concatenation)"

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return (ParameterTensor((1, result.input_shape[-1], 1)),)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        tokens, width = sequence_of(self, shape)
        return LayerResult(self, shape, (tokens + 1, width), Cost(weights=width))

    def label(self, result: LayerResult) -> str:
        return "class token"

    def explain(self, result: LayerResult) -> list[str]:
        tokens, width = result.input_shape
        return [f"one learned token of width {width:,} = {result.cost.weights:,} weights", f"{tokens:,} + 1 = {tokens + 1:,} tokens"]


class AddedTable(Pointwise):
    """A learned table whose rows are added to the tokens, looked up by N ids the batch shares (a
    position's, a token type's): no MACs, and a pass reads only the rows it adds."""

    MACS = "0 (an addition)"
    SERVED = "reads its input and the row it adds to each token, writes its output"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        values = volume(result.output_shape)
        return 2 * values, values

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return (Kept(Which.OWN, result.input_shape[0], Stored.INT64, per_sample=False),) if needs.trains else ()


@value(kw_only=True)
class PositionEmbedding(AddedTable):
    """A learned table of `length` positions added to the tokens (GPT-2's and ViT's): the shape is
    unchanged, and a table longer than the sequence has rows to spare."""

    length: int | None = None  # None: as many as the tokens

    NAMES = {"position_embedding": "position_embedding"}
    COMMON_NAMES = dict.fromkeys(
        ("positional_embedding", "pos_embedding", "learned_positions", "wpe"), "write position_embedding (a learned table, as GPT-2's and ViT's)"
    )
    EXAMPLE = ("10x16", "position_embedding: 12")
    ARGUMENTS = (Argument("length", Reading.COUNT, "positions in the learned table (default: the number of tokens); at least that many"),)
    MAIN = "length"
    PARAMETERS = "length·D (length: the tokens, by default)"
    KEEPS = "the N position ids it looks up, int64, shared by the batch"

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return (ParameterTensor((result.cost.weights // result.input_shape[-1], result.input_shape[-1])),)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        tokens, width = sequence_of(self, shape)
        length = tokens if self.length is None else self.length
        if length < tokens:
            problem = f"the table has {length:,} positions but the sequence has {tokens:,} tokens; 'length' must be at least {tokens:,}"
            raise self.error(problem, size_limit=SizeLimit.TOO_LARGE)
        return LayerResult(self, shape, shape, Cost(weights=length * width))

    def label(self, result: LayerResult) -> str:
        return f"position embedding {result.cost.weights // result.input_shape[1]:,}"

    def explain(self, result: LayerResult) -> list[str]:
        tokens, width = result.input_shape
        length = result.cost.weights // width
        spare = f" (the first {tokens:,} used)" if length > tokens else ""
        return [f"{length:,} positions × {width:,} = {result.cost.weights:,} weights{spare}", "added to the tokens: no MACs"]


@value(kw_only=True)
class SegmentEmbedding(AddedTable):
    """A learned table of `types` rows added to the tokens, one row by each token's type (BERT's
    token types: sentence A or B). The shape is unchanged."""

    types: int = 2

    NAMES = {"segment_embedding": "segment_embedding"}
    EXAMPLE = ("10x16", "segment_embedding")
    ARGUMENTS = (Argument("types", Reading.COUNT, "how many token types: the table's rows"),)
    MAIN = "types"
    PARAMETERS = "types·D"
    KEEPS = "the N type ids it looks up, int64, shared by the batch"

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return (ParameterTensor((self.types, result.input_shape[-1])),)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        _, width = sequence_of(self, shape)
        return LayerResult(self, shape, shape, Cost(weights=self.types * width))

    def label(self, result: LayerResult) -> str:
        return f"segment embedding {self.types:,}"

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{self.types:,} token types × {result.input_shape[1]:,} = {result.cost.weights:,} weights", "added to the tokens: no MACs"]


@value(kw_only=True)
class Take(ViewOfInput, Pointwise):
    """One token of the sequence: [N, D] → [D]. 0 is the first (ViT's and BERT's class token), -1 the last."""

    index: int

    NAMES = {"take": "take"}
    EXAMPLE = ("10x16", "take: 0")
    ARGUMENTS = (Argument("index", Reading.INDEX, "which token: 0 is the first, -1 the last"),)
    MAIN = "index"
    KEEPS = "nothing new: its output is a view of the whole sequence's storage"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        tokens, width = sequence_of(self, shape)
        if not -tokens <= self.index < tokens:
            raise self.error(f"index {self.index} is past the end of the {tokens:,} tokens (0 to {tokens - 1:,}, or -{tokens:,} to -1)")
        return LayerResult(self, shape, (width,), NO_COST)

    def label(self, result: LayerResult) -> str:
        return f"take token {self.index}"

    def explain(self, result: LayerResult) -> list[str]:
        tokens, width = result.input_shape
        return [f"token {self.index} of {tokens:,}: {width:,} values, no MACs"]
