"""A mixture of experts (Mixtral's, Qwen-MoE's, DeepSeek's): a router picks k of E gated MLPs for each
token, beside shared experts every token runs. All E experts are parameters; a token uses k of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Backward, Kept, Needs, ParameterTensor, Stored, Which, weight_and_bias
from archcalc.kinds.arguments import Argument, ArgumentProblem, Reading
from archcalc.kinds.base import Pointwise
from archcalc.kinds.elementwise import ELEMENTWISE, KEEP_OUTPUT
from archcalc.model import Cost, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


@value(kw_only=True)
class MixtureOfExperts(Pointwise):
    """On the last axis D: a router (a dense D → E) scores the E routed experts for each token, the best
    `per_token` run, each a gated MLP of `hidden` (gate, up, down, as `gated_mlp`), and their outputs
    are summed by the router's weights. `shared_hidden` is the width of the shared experts every token
    runs (one gated MLP), `shared_gate` Qwen-MoE's learned scale on it (a dense D → 1), and
    `score_correction` DeepSeek-V3's per-expert routing bias, state the checkpoint keeps but training
    does not learn by gradient (non-trainable)."""

    experts: int
    per_token: int
    hidden: int
    shared_hidden: int = 0
    shared_gate: bool = False
    router_bias: bool = False
    score_correction: bool = False
    normalized: bool = True  # the k chosen weights divided by their sum (Mixtral's; Qwen-MoE's norm_topk_prob)
    activation: str = "silu"

    NAMES = {"moe": "moe"}
    STATE = "a router's routing bias"
    EXAMPLE = ("10x16", "moe: {experts: 8, per_token: 2, hidden: 32}")
    ARGUMENTS = (
        Argument("experts", Reading.COUNT, "routed experts E, each a gated MLP"),
        Argument("per_token", Reading.COUNT, "experts each token runs, k (at most E)"),
        Argument("hidden", Reading.COUNT, "the width of each routed expert's gate and up"),
        Argument("shared_hidden", Reading.COUNT, "the width of the shared experts every token runs, as one gated MLP (0: none)", minimum=0),
        Argument("shared_gate", Reading.FLAG, "a learned scale on the shared experts' output (Qwen-MoE's dense D → 1)"),
        Argument("router_bias", Reading.FLAG, "a bias on the router's scores"),
        Argument("score_correction", Reading.FLAG, "DeepSeek-V3's routing bias per expert: E values of state, not trained"),
        Argument("normalized", Reading.FLAG, "the k chosen weights divided by their sum (Mixtral's; false: Qwen-MoE's norm_topk_prob); training keeps more"),
        Argument("activation", Reading.CHOICE, "the experts' gate function", choices=ELEMENTWISE),
    )
    PARAMETERS = "router D·E (+E with router_bias), experts E·3·D·hidden, shared 3·D·shared_hidden (+D with shared_gate); active: k of the E experts"
    MACS = "positions · (D·E + k·3·D·hidden + 3·D·shared_hidden (+D with shared_gate)): the router and the experts a token runs"

    def check(self) -> None:
        if self.per_token > self.experts:
            raise ArgumentProblem("per_token", f"per_token={self.per_token} is more than the {self.experts} experts there are to choose from")
        if self.shared_gate and not self.shared_hidden:
            raise ArgumentProblem("shared_gate", "'shared_gate' scales the shared experts, and shared_hidden is 0: there are none")

    def expert_weights(self, width: int) -> int:
        """One routed expert: gate, up and down."""
        return 3 * width * self.hidden

    def shared_weights(self, width: int) -> int:
        return 3 * width * self.shared_hidden + (width if self.shared_gate else 0)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        width = shape[-1]
        router = width * self.experts
        weights = router + self.experts * self.expert_weights(width) + self.shared_weights(width)
        per_position = router + self.per_token * self.expert_weights(width) + self.shared_weights(width)
        cost = Cost(
            weights=weights,
            biases=self.experts if self.router_bias else 0,
            non_trainable=self.experts if self.score_correction else 0,
            macs=volume(shape[:-1]) * per_position,
        )
        return LayerResult(self, shape, shape, cost)

    KEEPS = (
        "its input (the router's and the shared experts' weights' gradient); per position the router's softmax, normalized its k best "
        "weights and their sum (float32), and the k indices (int64); per chosen expert, as transformers' grouped experts run, "
        "the rows it reads, gate and up, act(gate), their product, its output and the weight that scales it (float32), and "
        "three int64 indices (gather, sort, unsort); the experts' int32 offsets once; the shared experts as an mlp"
    )

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """As transformers 5 runs a Mixtral-style block by default (grouped_mm experts): the router's
        float32 softmax over E, top-k, the k weights normalised by their sum; the token-expert pairs
        sorted by expert, their rows gathered, run through one grouped gate-up and one grouped down
        matmul, scaled by their weights and put back in order (docs/training.md)."""
        positions, width = volume(result.input_shape[:-1]), result.input_shape[-1]
        gate = 0 if self.activation == "identity" or self.activation in KEEP_OUTPUT else 1  # act(gate) keeps its input: gate and up, one tensor
        slot = width + (3 + gate) * self.hidden + width  # rows read, [gate and] up, act(gate), product; down's output
        shared = (3 + gate) * self.shared_hidden + (1 + width if self.shared_gate else 0) if self.shared_hidden else 0  # sigmoid(gate), the output it scales
        pairs = positions * self.per_token
        kept: tuple[Kept, ...] = (Kept(Which.INPUT, positions * width),) if needs.trains else ()
        return (
            *kept,
            Kept(Which.OWN, pairs * slot + positions * shared),
            # the softmax, [the top k weights and their sum]; each pair's weight
            Kept(Which.OWN, positions * (self.experts + self.normalized * (self.per_token + 1)) + pairs, Stored.FLOAT32),
            Kept(Which.OWN, pairs + 3 * pairs, Stored.INT64),  # the top-k indices; each pair's gather, sort and unsort indices
            Kept(Which.OWN, self.experts, Stored.INT32, per_sample=False),  # the grouped matmuls' offsets
        )

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        """Weights' gradients: the forward MACs again. Input gradients: the experts' down projections'
        always (their inputs depend on weights before them), the router's and the gate and up
        projections' only for the layer's input."""
        positions, width = volume(result.input_shape[:-1]), result.input_shape[-1]
        down = positions * width * (self.per_token * self.hidden + self.shared_hidden)
        return Backward(down * needs.any + (result.cost.macs - down) * needs.input_grad, result.cost.macs if needs.trains else 0)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        """transformers' fused experts: gate_up_proj (E, 2·hidden, D) and down_proj (E, D, hidden); the
        router (E, D); a shared expert's three weights and its gate (1, D). score_correction is a buffer."""
        width = result.input_shape[-1]
        tensors = weight_and_bias((self.experts, width), self.experts if self.router_bias else 0)
        tensors += (ParameterTensor((self.experts, 2 * self.hidden, width)), ParameterTensor((self.experts, width, self.hidden)))
        if self.shared_hidden:
            tensors += (ParameterTensor((self.shared_hidden, width), 2), ParameterTensor((width, self.shared_hidden)))
        if self.shared_gate:
            tensors += (ParameterTensor((1, width)),)
        return tensors

    def idle_params(self, result: LayerResult) -> int:
        """The E − k experts a token does not run."""
        return (self.experts - self.per_token) * self.expert_weights(result.input_shape[-1])

    def label(self, result: LayerResult) -> str:
        text = f"moe {self.per_token} of {self.experts} experts × {self.hidden:,}"
        if self.shared_hidden:
            text += f", shared {self.shared_hidden:,}" + (" gated" if self.shared_gate else "")
        return text + f", {self.activation}"

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        width = result.input_shape[-1]
        router, expert, shared = width * self.experts, self.expert_weights(width), self.shared_weights(width)
        lines = [
            f"router: {width:,}×{self.experts} = {router:,} weights" + (f" + {self.experts} biases" if self.router_bias else ""),
            f"each expert, gate, up and down: 3×{width:,}×{self.hidden:,} = {expert:,} weights",
            f"experts: {self.experts} × {expert:,} = {self.experts * expert:,} weights",
        ]
        if self.shared_hidden:
            gate = f" + gate {width:,}" if self.shared_gate else ""
            lines.append(f"shared experts: 3×{width:,}×{self.shared_hidden:,}{gate} = {shared:,} weights")
        total = f"{router:,} + {self.experts * expert:,}" + (f" + {shared:,}" if self.shared_hidden else "") + f" = {cost.weights:,} weights"
        lines.append(total + (f" + {cost.biases:,} biases = {cost.params:,} params" if cost.biases else ""))
        idle = self.experts - self.per_token
        lines.append(
            f"a token runs {self.per_token} of the {self.experts} experts; idle: ({self.experts} − {self.per_token}) × {expert:,} = {idle * expert:,} params"
        )
        if self.score_correction:
            lines.append(f"routing bias: {self.experts} values of state, not trained")
        positions = volume(result.input_shape[:-1])
        per_token = router + self.per_token * expert + shared
        shared_macs = f" + {shared:,}" if self.shared_hidden else ""
        lines.append(f"a token: router {router:,} + {self.per_token} × {expert:,}{shared_macs} = {per_token:,} MACs")
        if positions > 1:
            lines.append(f"{shape_text(result.input_shape[:-1])} positions: {positions:,} × {per_token:,} = {cost.macs:,} MACs")
        return lines
