"""A side output: a branch that leaves the network for an extra output (an auxiliary classifier)
while the main path goes on with the same tensor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.kinds.arguments import Argument, ArgumentProblem, Reading
from archcalc.kinds.base import output_of
from archcalc.kinds.composite import summed
from archcalc.model import Cost, Field, Layer, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.kinds.context import ApplyContext, FieldContext


def without_macs(result: LayerResult) -> LayerResult:
    """The result as an inference pass has it, for a layer that runs only in training: its parameters,
    no MACs (its children's likewise), and the result as it runs in training kept for its explanation."""
    cost = result.cost
    children = tuple(without_macs(child) for child in result.children)
    inference = Cost(cost.weights, cost.biases, cost.non_trainable)
    return LayerResult(result.layer, result.input_shape, result.output_shape, inference, children, result.times, in_training=result)


@value(kw_only=True)
class SideOutput(Layer):
    """`layers` applied to the current tensor for an extra output, as Inception's auxiliary
    classifier; the main path goes on from the same tensor, unchanged. With `training_only` the
    branch runs only while training (torchvision's Inception3 skips it in eval mode)."""

    layers: tuple[Layer, ...]
    training_only: bool = False

    NAMES = {"side_output": "side_output"}
    EXAMPLE = ("17x17x8", "side_output: [{avgpool: {kernel: 5, stride: 3}}, {conv: {filters: 4, kernel: 1}}, global_avgpool, {dense: 10}]")
    ARGUMENTS = (
        Argument("layers", Reading.LAYERS, "the branch, from the current tensor to the extra output"),
        Argument("training_only", Reading.FLAG, "the branch runs only in training: its parameters count, its MACs do not"),
    )
    MAIN = "layers"
    PARAMETERS = "its layers'; the main path goes on with the input unchanged"
    MACS = "its layers', or none with `training_only` (an inference pass does not run the branch)"

    def check(self) -> None:
        if not self.layers:
            raise ArgumentProblem("layers", "a side output needs at least one layer")

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        """The branch sees the input; the input, not the branch's output, goes on down the main path."""
        children = context.sequence(self.layers, shape)
        if self.training_only:
            children = tuple(without_macs(child) for child in children)
        return summed(self, shape, shape, children)

    def receptive_field(self, result: LayerResult, field: Field, context: FieldContext) -> Field:
        context.sequence(result.children, field)  # the branch's own rows get their fields
        return field  # the main path's is unchanged

    def label(self, result: LayerResult) -> str:
        branch_output = shape_text(output_of(result.children, result.input_shape))
        return f"side output → {branch_output}" + (", training only" if self.training_only else "")

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        lines = [f"the branch ends in {shape_text(output_of(result.children, result.input_shape))}; the main path goes on with its input"]
        if self.training_only:
            in_training = sum(child.in_training.cost.macs * child.times for child in result.children if child.in_training is not None)
            lines.append(f"{cost.params:,} params in the rows below; it runs only in training ({in_training:,} MACs there): an inference pass does 0 MACs")
        else:
            lines.append(f"{cost.params:,} params, {cost.macs:,} MACs in the rows below")
        return lines
