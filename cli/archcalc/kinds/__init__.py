"""Every layer kind archcalc knows, one class each, grouped in one module per family.

A kind is one unit: its names, arguments, shape and cost rule, receptive-field rule, label and
explanation all live on its class (see `archcalc.model.Layer`). This registry is the only list of
kinds; the parser, `archcalc layers`, `archcalc schema` and the tests read it. docs/adding-a-kind.md
shows how to add one.
"""

from __future__ import annotations

from archcalc.kinds.attention import Attention
from archcalc.kinds.composite import Block, Concat, Repeat, Residual, Split
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.counted import Counted
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation, Dropout, LayerScale, PReLU, StochasticDepth
from archcalc.kinds.embedding import ClassToken, Embedding, PositionEmbedding, SegmentEmbedding, Take, Tokens
from archcalc.kinds.graph import Add, Branch, Multiply
from archcalc.kinds.latent_attention import LatentAttention
from archcalc.kinds.mlp import GatedMLP
from archcalc.kinds.moe import MixtureOfExperts
from archcalc.kinds.norm import BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm
from archcalc.kinds.patches import PatchMerging
from archcalc.kinds.pool import AdaptivePool, GlobalPool, Pool
from archcalc.kinds.recurrent import GRU, LSTM, RNN
from archcalc.kinds.reshape import ChannelShuffle, Flatten
from archcalc.kinds.squeeze_excite import SqueezeExcite
from archcalc.kinds.stored import Stored
from archcalc.kinds.upsampling import ConvTranspose, PixelShuffle, Upsample
from archcalc.model import Layer

KINDS: tuple[type[Layer], ...] = (
    Dense,
    Conv,
    Depthwise,
    Pool,
    GlobalPool,
    AdaptivePool,
    Flatten,
    BatchNorm,
    LayerNorm,
    Activation,
    PReLU,
    Dropout,
    SqueezeExcite,
    Residual,
    Concat,
    Repeat,
    Block,
    Embedding,
    Tokens,
    ClassToken,
    PositionEmbedding,
    SegmentEmbedding,
    Attention,
    GatedMLP,
    RMSNorm,
    LSTM,
    GRU,
    RNN,
    Take,
    Counted,
    Split,
    ChannelShuffle,
    StochasticDepth,
    ConvTranspose,
    Upsample,
    PixelShuffle,
    GroupNorm,
    InstanceNorm,
    Add,
    Multiply,
    Branch,
    LayerScale,
    PatchMerging,
    Stored,
    MixtureOfExperts,
    LatentAttention,
)
"""In the order `archcalc layers` lists them."""

WRITTEN_NAMES: dict[str, type[Layer]] = {written: kind for kind in KINDS for written in kind.NAMES}
"""Every name a layer may be written as (lower case), and its kind."""


def reported_type(written: str) -> str:
    """The type a written name reports (`fc` -> `dense`, `conv2d` -> `conv`): what `defaults:` is keyed by."""
    return WRITTEN_NAMES[written].NAMES[written]
