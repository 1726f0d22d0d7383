"""The torch reference of the sequence kinds: embeddings and tokens, attention, gated MLPs, RMS norm,
recurrent layers, take.

The reference lays a sequence [N, D] out channels first, as every other kind: (1, D, N). Modules
that work on tokens (attention, nn.LSTM) transpose to (1, N, D) and back. PyTorch's own modules are
used wherever one exists: nn.Embedding, nn.MultiheadAttention (for attention with its defaults),
nn.RMSNorm, nn.LSTM, nn.GRU, nn.RNN. Grouped-query attention, a head width of its own and
cross-attention are a module of nn.Linears. What no Linear hook sees (attention's two matmuls,
nn.MultiheadAttention's projections, the recurrent layers' weights at every step) is recorded with
`record_macs` from the tensors' shapes at run time.
"""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.attention import Attention
from archcalc.kinds.embedding import ClassToken, Embedding, PositionEmbedding, SegmentEmbedding, Take, Tokens
from archcalc.kinds.latent_attention import LatentAttention
from archcalc.kinds.mlp import GatedMLP
from archcalc.kinds.moe import MixtureOfExperts
from archcalc.kinds.norm import RMSNorm
from archcalc.kinds.recurrent import GRU, LSTM, RNN, Recurrent
from tests.torch_reference import builds, record_backward_macs, record_macs
from tests.torch_reference.core import ACTIVATIONS, LastAxis, PositionwiseLinear
from tests.torch_reference.vision_transformers import windowed_attention


def as_sequence(x: torch.Tensor) -> torch.Tensor:
    """(1, D, N) -> (1, N, D); anything but a sequence is refused, as a model of tokens would refuse it."""
    if x.dim() != 3:
        raise ValueError(f"a sequence is (1, D, N), got {tuple(x.shape)}")
    return x.transpose(1, 2)


class EmbeddingLookup(nn.Module):
    """Token ids of any shape (their values do not matter here: all id 0) -> one row each, on a new last axis."""

    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ids_shape = x.movedim(1, -1).shape if x.dim() > 2 else x.shape  # the ids as archcalc lays them out
        ids = torch.zeros(ids_shape, dtype=torch.long, device=x.device)
        return self.embedding(ids).movedim(-1, 1)


class TokensOf(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 3:
            raise ValueError("tokens need positions and channels")
        return x.flatten(2)


class ClassTokenModule(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        as_sequence(x)
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=2)


class AddedTable(nn.Module):
    """A table's rows added to the tokens: positions 0..N-1 (an IndexError past its end, as in GPT-2),
    or every token's type 0."""

    def __init__(self, rows: int, width: int, by_position: bool) -> None:
        super().__init__()
        self.table = nn.Embedding(rows, width)
        self.by_position = by_position

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = as_sequence(x).shape[1]
        ids = torch.arange(tokens, device=x.device) if self.by_position else torch.zeros(tokens, dtype=torch.long, device=x.device)
        return x + self.table(ids).T.unsqueeze(0)


class MultiheadSelfAttention(nn.Module):
    """nn.MultiheadAttention itself. Its forward calls the projections' weights directly (the hook on
    its out_proj never fires), so every MAC is recorded from the query's and key's shapes."""

    def __init__(self, width: int, heads: int, bias: bool, causal: bool) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(width, heads, bias=bias, batch_first=True)
        self.causal = causal

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = as_sequence(x)
        count = tokens.shape[1]
        batch = tokens.shape[0]
        mask = torch.ones(count, count, dtype=torch.bool, device=x.device).triu(1) if self.causal else None
        # is_causal: scaled_dot_product_attention is told the mask is causal and keeps no mask tensor
        output, _ = self.attention(tokens, tokens, tokens, attn_mask=mask, need_weights=False, is_causal=self.causal)
        width = self.attention.embed_dim
        query_weights, key_weights, value_weights = self.attention.in_proj_weight.chunk(3)
        projections = batch * count * (query_weights.numel() + key_weights.numel() + value_weights.numel())
        out_projection = batch * count * self.attention.out_proj.weight.numel()
        record_macs(projections + out_projection)
        record_macs(batch * 2 * count * count * width)  # scores and the weighted sum: N × M × (heads × head width)
        # the backward pass as autograd runs it here, from what requires grad at run time (no hook sees inside)
        in_trains, out_trains = self.attention.in_proj_weight.requires_grad, self.attention.out_proj.weight.requires_grad
        heads_grad = tokens.requires_grad or in_trains  # q, k and v, and everything after them
        record_backward_macs(projections * (tokens.requires_grad + in_trains))
        record_backward_macs(out_projection * (heads_grad + out_trains))
        record_backward_macs(batch * 2 * count * count * width * 2 * heads_grad)
        # batch_first hands back a transposed (N, B, D) tensor; a model holds (B, N, D): laid out so
        # by a copy that keeps nothing for backward, as the layers after it expect
        return output.contiguous().transpose(1, 2)


class GroupedQueryAttention(nn.Module):
    """Query, key, value and output nn.Linears; kv_heads key/value heads each shared by heads/kv_heads
    query heads; keys and values from `context` other tokens for cross-attention."""

    def __init__(
        self, width: int, heads: int, kv_heads: int, head_dim: int, bias: bool, causal: bool, context: int | None, layer: Attention | None = None
    ) -> None:
        super().__init__()
        self.query = nn.Linear(width, heads * head_dim, bias=bias)
        self.key = nn.Linear(width, kv_heads * head_dim, bias=bias)
        self.value = nn.Linear(width, kv_heads * head_dim, bias=bias)
        self.out = nn.Linear(heads * head_dim, width, bias=bias and (layer is None or layer.out_bias))
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, head_dim
        self.causal, self.context = causal, context
        self.window = None if layer is None else layer.sliding_window
        qk_norm = layer is not None and layer.qk_norm
        self.query_norm = nn.RMSNorm(head_dim) if qk_norm else nn.Identity()
        self.key_norm = nn.RMSNorm(head_dim) if qk_norm else nn.Identity()
        buckets = None if layer is None else layer.relative_buckets
        self.relative = nn.Embedding(buckets, heads) if buckets is not None else None  # T5's bias by offset bucket: a lookup

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = as_sequence(x)
        source = tokens if self.context is None else torch.zeros(tokens.shape[0], self.context, tokens.shape[2], device=x.device)
        queries = self.query_norm(self.query(tokens).unflatten(-1, (self.heads, self.head_dim))).transpose(1, 2)  # (1, h, N, d)
        keys = self.key_norm(self.key(source).unflatten(-1, (self.kv_heads, self.head_dim))).transpose(1, 2)  # (1, kv, M, d)
        values = self.value(source).unflatten(-1, (self.kv_heads, self.head_dim)).transpose(1, 2)
        group = self.heads // self.kv_heads
        keys, values = keys.repeat_interleave(group, dim=1), values.repeat_interleave(group, dim=1)
        scores = queries @ keys.transpose(-1, -2)  # (1, h, N, M)
        if self.window is not None:  # only the pairs inside each token's window are read: count those
            count, length = scores.shape[-2], scores.shape[-1]
            offset = torch.arange(length, device=x.device)[None, :] - torch.arange(count, device=x.device)[:, None]  # key − query
            before = self.window // 2
            allowed = (offset <= 0) & (offset > -self.window) if self.causal else (offset >= -before) & (offset < self.window - before)
            pairs = int(allowed.sum()) if x.device.type != "meta" else None
            assert pairs is not None, "the sliding window's pairs are counted from a real mask"
            record_macs(2 * pairs * self.heads * self.head_dim)  # scores and the weighted sum, over the window
            scores = scores.masked_fill(~allowed, float("-inf"))
            return self.out((scores.softmax(-1) @ values).transpose(1, 2).flatten(2)).transpose(1, 2)
        record_macs(scores.numel() * queries.shape[-1])
        record_backward_macs(scores.numel() * queries.shape[-1] * (queries.requires_grad + keys.requires_grad))
        if self.causal:
            scores = scores.masked_fill(torch.ones(scores.shape[-2:], dtype=torch.bool, device=x.device).triu(1), float("-inf"))
        weights = scores.softmax(-1)
        weighted = weights @ values  # (1, h, N, d)
        record_macs(weighted.numel() * values.shape[-2])
        record_backward_macs(weighted.numel() * values.shape[-2] * (weights.requires_grad + values.requires_grad))
        return self.out(weighted.transpose(1, 2).flatten(2)).transpose(1, 2)


class GatedMLPModule(nn.Module):
    def __init__(self, width: int, hidden: int, activation: str, bias: bool) -> None:
        super().__init__()
        self.gate = PositionwiseLinear(width, hidden, bias=bias)
        self.up = PositionwiseLinear(width, hidden, bias=bias)
        self.down = PositionwiseLinear(hidden, width, bias=bias)
        self.activation = ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(self.activation(self.gate(x)) * self.up(x))


class RecurrentModule(nn.Module):
    """nn.LSTM, nn.GRU or nn.RNN over the tokens; every weight is used once a step, which no hook sees,
    so steps × the module's weights are recorded."""

    def __init__(self, recurrent: nn.RNNBase, sequences: bool) -> None:
        super().__init__()
        self.recurrent = recurrent
        self.sequences = sequences

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = as_sequence(x)
        output = self.recurrent(tokens)[0]  # (1, N, H·dirs)
        steps = tokens.shape[1] * tokens.shape[0]  # every sample's steps
        weights = {name: weight for name, weight in self.recurrent.named_parameters() if name.startswith("weight")}
        record_macs(steps * sum(weight.numel() for weight in weights.values()))
        # backward: each weight's gradient where it requires grad; the inputs' where they do: the first
        # layer's input if the sequence requires grad, the later layers' and the hidden states' (all but
        # the zero initial state) wherever anything before them does
        record_backward_macs(steps * sum(weight.numel() for weight in weights.values() if weight.requires_grad))
        for name, weight in weights.items():
            if name.startswith("weight_ih_l0"):
                record_backward_macs(steps * weight.numel() * tokens.requires_grad)
            elif output.requires_grad:
                record_backward_macs((steps - tokens.shape[0] if "weight_hh" in name else steps) * weight.numel())
        return output.transpose(1, 2) if self.sequences else output[:, -1, :]


class TakeToken(nn.Module):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return as_sequence(x)[:, self.index, :]


@builds(Embedding)
def embedding(layer: Embedding, x: torch.Tensor) -> nn.Module:
    return EmbeddingLookup(layer.vocab, layer.dim)


@builds(Tokens)
def tokens(layer: Tokens, x: torch.Tensor) -> nn.Module:
    return TokensOf()


@builds(ClassToken)
def class_token(layer: ClassToken, x: torch.Tensor) -> nn.Module:
    return ClassTokenModule(x.shape[1])


@builds(PositionEmbedding)
def position_embedding(layer: PositionEmbedding, x: torch.Tensor) -> nn.Module:
    length = layer.length if layer.length is not None else as_sequence(x).shape[1]
    return AddedTable(length, x.shape[1], by_position=True)


@builds(SegmentEmbedding)
def segment_embedding(layer: SegmentEmbedding, x: torch.Tensor) -> nn.Module:
    return AddedTable(layer.types, x.shape[1], by_position=False)


@builds(Attention)
def attention(layer: Attention, x: torch.Tensor) -> nn.Module:
    if layer.windowed:
        return windowed_attention(layer, x)
    width = x.shape[1]
    heads = layer.heads
    kv_heads = heads if layer.kv_heads is None else layer.kv_heads
    if layer.head_dim is None and width % heads:  # as nn.MultiheadAttention and Hugging Face's LlamaAttention refuse it
        raise ValueError("the width must be divisible by the number of heads")
    head_dim = width // heads if layer.head_dim is None else layer.head_dim
    plain = layer.sliding_window is None and layer.out_bias and not layer.qk_norm and layer.relative_buckets is None
    if kv_heads == heads and head_dim * heads == width and layer.context is None and plain:
        return MultiheadSelfAttention(width, heads, layer.bias, layer.causal)
    return GroupedQueryAttention(width, heads, kv_heads, head_dim, layer.bias, layer.causal, layer.context, layer)


class MixtureOfExpertsModule(nn.Module):
    """A router nn.Linear and E gated MLPs, the best k run for each token as Mixtral's block does; shared
    experts every token runs, optionally scaled by a learned gate; DeepSeek's routing bias as a buffer."""

    def __init__(self, layer: MixtureOfExperts, width: int) -> None:
        super().__init__()
        self.router = nn.Linear(width, layer.experts, bias=layer.router_bias)
        self.experts = nn.ModuleList(GatedMLPModule(width, layer.hidden, layer.activation, False) for _ in range(layer.experts))
        self.shared = GatedMLPModule(width, layer.shared_hidden, layer.activation, False) if layer.shared_hidden else None
        self.shared_gate = nn.Linear(width, 1, bias=False) if layer.shared_gate else None
        if layer.score_correction:
            self.register_buffer("e_score_correction_bias", torch.zeros(layer.experts))
        self.per_token = layer.per_token

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = x.transpose(1, 2)  # (1, N, D)
        chosen = self.router(tokens).topk(self.per_token, dim=-1).indices  # (1, N, k)
        output = torch.zeros_like(tokens)
        for position in range(tokens.shape[1]):  # each token through its own k experts: the hooks count what runs
            token = tokens[:, position : position + 1]
            for expert in chosen[0, position].tolist():
                output[:, position : position + 1] += self.experts[expert](token)
        if self.shared is not None:
            shared = self.shared(tokens)
            output = output + (shared * self.shared_gate(tokens).sigmoid() if self.shared_gate is not None else shared)
        return output.transpose(1, 2)


class LatentAttentionModule(nn.Module):
    """DeepSeek-V3's attention as transformers writes it (DeepseekV3Attention): low-rank q and kv, the
    rope key shared by the heads, nn.RMSNorm on the latents."""

    def __init__(self, layer: LatentAttention, width: int) -> None:
        super().__init__()
        heads, qk = layer.heads, layer.nope_dim + layer.rope_dim
        if layer.q_rank is None:
            self.query = nn.Linear(width, heads * qk, bias=False)
        else:
            self.query = nn.Sequential(
                nn.Linear(width, layer.q_rank, bias=layer.bias), nn.RMSNorm(layer.q_rank), nn.Linear(layer.q_rank, heads * qk, bias=False)
            )
        self.kv_a = nn.Linear(width, layer.kv_rank + layer.rope_dim, bias=layer.bias)
        self.kv_norm = nn.RMSNorm(layer.kv_rank)
        self.kv_b = nn.Linear(layer.kv_rank, heads * (layer.nope_dim + layer.v_dim), bias=False)
        self.out = nn.Linear(heads * layer.v_dim, width, bias=layer.bias)
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        layer = self.layer
        tokens = x.transpose(1, 2)  # (1, N, D)
        count = tokens.shape[1]
        queries = self.query(tokens).unflatten(-1, (layer.heads, layer.nope_dim + layer.rope_dim)).transpose(1, 2)
        latent, rope = self.kv_a(tokens).split([layer.kv_rank, layer.rope_dim], dim=-1)
        keys_values = self.kv_b(self.kv_norm(latent)).unflatten(-1, (layer.heads, layer.nope_dim + layer.v_dim)).transpose(1, 2)
        keys_nope, values = keys_values.split([layer.nope_dim, layer.v_dim], dim=-1)
        keys = torch.cat([keys_nope, rope[:, None].expand(-1, layer.heads, -1, -1)], dim=-1)
        scores = queries @ keys.transpose(-1, -2)
        record_macs(scores.numel() * queries.shape[-1])
        record_backward_macs(scores.numel() * queries.shape[-1] * (queries.requires_grad + keys.requires_grad))  # no hook sees the matmuls' backward
        if layer.causal:
            scores = scores.masked_fill(torch.ones(count, count, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
        weights = scores.softmax(-1)
        weighted = weights @ values
        record_macs(weighted.numel() * count)
        record_backward_macs(weighted.numel() * count * (weights.requires_grad + values.requires_grad))
        return self.out(weighted.transpose(1, 2).flatten(2)).transpose(1, 2)


@builds(MixtureOfExperts)
def mixture_of_experts(layer: MixtureOfExperts, x: torch.Tensor) -> nn.Module:
    return MixtureOfExpertsModule(layer, x.shape[1])


@builds(LatentAttention)
def latent_attention(layer: LatentAttention, x: torch.Tensor) -> nn.Module:
    return LatentAttentionModule(layer, x.shape[1])


@builds(GatedMLP)
def gated_mlp(layer: GatedMLP, x: torch.Tensor) -> nn.Module:
    return LastAxis(GatedMLPModule(x.shape[1], layer.hidden, layer.activation, layer.bias))


@builds(RMSNorm)
def rmsnorm(layer: RMSNorm, x: torch.Tensor) -> nn.Module:
    return LastAxis(nn.RMSNorm(x.shape[1]))


RECURRENT: dict[type[Recurrent], type[nn.RNNBase]] = {LSTM: nn.LSTM, GRU: nn.GRU, RNN: nn.RNN}


@builds(LSTM, GRU, RNN)
def recurrent(layer: Recurrent, x: torch.Tensor) -> nn.Module:
    make = RECURRENT[type(layer)]
    module = make(x.shape[1], layer.hidden, num_layers=layer.layers, bias=layer.bias != "false", batch_first=True, bidirectional=layer.bidirectional)
    if layer.bias == "keras":
        keras_biases(module)
    return RecurrentModule(module, layer.sequences)


def keras_biases(module: nn.RNNBase) -> None:
    """Keras's one bias vector per gate set: PyTorch's recurrent ones (bias_hh) held at zero as
    buffers, not parameters, so that bias_ih alone is trained (for an LSTM or an RNN exactly Keras's
    layer, the two being summed; for a GRU without reset_after the same count, with the reset applied
    elsewhere, which changes no MAC)."""
    for name in [name for name in module._flat_weights_names if name.startswith("bias_hh")]:
        held = module._parameters.pop(name)
        assert held is not None
        module.register_buffer(name, torch.zeros_like(held, requires_grad=False))
    module._init_flat_weights()


@builds(Take)
def take(layer: Take, x: torch.Tensor) -> nn.Module:
    return TakeToken(layer.index)
