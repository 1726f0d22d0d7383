"""A spec trained one step in PyTorch, to check `archcalc train` (used only by the parity tests).

The model is the reference build (tests/torch_reference/), in train mode, fp32, with an input that
does not require grad. Four figures are measured:
- forward MACs, by the same hooks as `measure`;
- backward MACs, by forward hooks that ask, at run time, whether each conv's or linear's input
  requires grad (its input gradient costs its forward MACs again) and whether its weight does (so
  does the weight gradient), plus what the reference's modules record from their own tensors for
  the matmuls no hook sees. Not torch.utils.flop_counter.FlopCounterMode: it counts a grouped
  convolution's backward as a dense one's (docs/counting.md);
- the bytes autograd keeps: every tensor `torch.autograd.graph.saved_tensors_hooks` sees during the
  forward pass, each storage once at its full size, leaving out parameters and buffers;
- the optimizer state: the bytes of every tensor in `torch.optim.AdamW(...).state` after one real step.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import torch
from torch import nn

from archcalc.model import Spec
from tests.torch_reference import NAMED, OUTPUTS, SIDE_OUTPUTS, _recorded, _recorded_backward, build_sequence, channels_first


@dataclass(frozen=True)
class TrainingFigures:
    macs: int
    backward_macs: int
    activation_bytes: int
    optimizer_state_bytes: int


def _storage(tensor: torch.Tensor) -> int:
    """A storage's identity: views share it (on the meta device too, where data pointers are all 0)."""
    return int(tensor.untyped_storage()._cdata)


class SavedStorages:
    """While active: every tensor `saved_tensors_hooks` sees, each storage once at its full size, leaving
    out the `excluded` tensors' storages (parameters and buffers)."""

    def __init__(self, excluded: list[torch.Tensor]) -> None:
        self.excluded = {_storage(tensor) for tensor in excluded}
        self.kept: dict[int, int] = {}
        self.alive: list[torch.Tensor] = []  # a storage freed mid-pass (a graph nothing reads) could be reused, and its identity with it
        self.hooks = torch.autograd.graph.saved_tensors_hooks(self.pack, lambda tensor: tensor)

    def pack(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = _storage(tensor)
        self.alive.append(tensor)
        if storage not in self.excluded:
            self.kept[storage] = tensor.untyped_storage().nbytes()
        return tensor

    def __enter__(self) -> SavedStorages:
        self.hooks.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hooks.__exit__(*exc)

    @property
    def bytes(self) -> int:
        return sum(self.kept.values())


def optimizer_state_bytes(step: torch.optim.Optimizer) -> int:
    return sum(value.untyped_storage().nbytes() for values in step.state.values() for value in values.values() if isinstance(value, torch.Tensor))


def measure_training(spec: Spec, batch: int, device: str = "cpu", optimizer: str = "adamw") -> TrainingFigures:
    NAMED.clear()
    OUTPUTS.clear()
    torch.manual_seed(0)
    with torch.device(device):
        with torch.no_grad():
            model, _ = build_sequence(spec.layers, torch.zeros(1, *channels_first(spec.input_shape)))
        model.train()
        example = torch.randn(batch, *channels_first(spec.input_shape))
        if len(spec.input_shape) == 2:  # a sequence is held (B, N, D), as a model of tokens holds it; the reference sees it (B, D, N)
            example = torch.randn(batch, *spec.input_shape).transpose(1, 2)
        forward, backward = [0], [0]
        hooks = [
            module.register_forward_hook(_count(forward, backward)) for module in model.modules() if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd))
        ]
        saved = SavedStorages([*model.parameters(), *model.buffers()])
        _recorded.append(0)
        _recorded_backward.append(0)
        SIDE_OUTPUTS.clear()
        try:
            with saved:
                output = model(example)
        finally:
            recorded, recorded_backward = _recorded.pop(), _recorded_backward.pop()
            for hook in hooks:
                hook.remove()
        # outside the hooks: nothing after the spec's outputs is counted; the side outputs are outputs too
        loss = sum((side.float().sum() for side in SIDE_OUTPUTS if side.requires_grad), output.float().sum())
        state = 0
        if any(parameter.requires_grad for parameter in model.parameters()):
            step = _optimizer(optimizer, model.parameters())
            if loss.requires_grad:
                loss.backward()
            step.step()
            state = optimizer_state_bytes(step)
    return TrainingFigures(forward[0] + recorded, backward[0] + recorded_backward, saved.bytes, state)


def _optimizer(name: str, parameters: object) -> torch.optim.Optimizer:
    trained = [parameter for parameter in parameters if parameter.requires_grad]  # type: ignore[attr-defined]
    if name == "adamw":
        return torch.optim.AdamW(trained)
    if name == "adam":
        return torch.optim.Adam(trained)
    if name == "momentum":
        return torch.optim.SGD(trained, lr=0.1, momentum=0.9)
    if name == "adafactor":
        return torch.optim.Adafactor(trained)
    raise ValueError(name)


def _count(forward: list[int], backward: list[int]):  # type: ignore[no-untyped-def]
    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if isinstance(module, nn.Linear):
            macs = output.numel() * module.in_features
        elif isinstance(module, nn.modules.conv._ConvTransposeNd):
            macs = inputs[0].numel() * (module.out_channels // module.groups) * prod(module.kernel_size)
        else:
            macs = output.numel() * (module.in_channels // module.groups) * prod(module.kernel_size)  # type: ignore[operator]
        forward[0] += macs
        backward[0] += macs * (inputs[0].requires_grad + module.weight.requires_grad)

    return hook
