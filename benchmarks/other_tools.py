"""What other counters print for ResNet-50, MobileNetV2 and ViT-B/16, for docs/counting.md.

    python benchmarks/other_tools.py             # each tool's figures, called as its documentation shows
    python benchmarks/other_tools.py --no-grad   # the same inside torch.no_grad(), as inference code runs
    python benchmarks/other_tools.py --parts     # the pieces the tools count differently, per model

Needs torch, torchvision, torchinfo, fvcore, ptflops and thop, none of which archcalc uses:

    python3 -m venv /tmp/tools && /tmp/tools/bin/pip install torch torchvision torchinfo fvcore ptflops thop

Each tool counts torchvision's own model on one 224×224 RGB image (batch 1), with the call its
documentation shows; the figures are printed as the tool returns them (raw numbers, not its rounded
strings), next to PyTorch's own parameter count. It prints a Markdown table.

`--parts` runs each model once under a dispatch mode that sees every ATen operation and measures,
from the operations' shapes, each piece a tool may count or skip: MACs with weights (archcalc's
rule), bias additions, normalisation, activations, pooling, residual additions, attention.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import logging
import warnings
from collections.abc import Callable

import torch
import torchvision

MODELS = {"ResNet-50": "resnet50", "MobileNetV2": "mobilenet_v2", "ViT-B/16": "vit_b_16"}
SHAPE = (1, 3, 224, 224)


def pytorch(model: torch.nn.Module) -> tuple[int, int | None]:
    return sum(parameter.numel() for parameter in model.parameters()), None


def torchinfo_counts(model: torch.nn.Module) -> tuple[int, int | None]:
    from torchinfo import summary

    statistics = summary(model, input_size=SHAPE, verbose=0)
    return statistics.total_params, statistics.total_mult_adds


def fvcore_counts(model: torch.nn.Module) -> tuple[int, int | None]:
    from fvcore.nn import FlopCountAnalysis, parameter_count

    analysis = FlopCountAnalysis(model, torch.zeros(SHAPE))
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return parameter_count(model)[""], analysis.total()


def ptflops_counts(backend: str) -> Callable[[torch.nn.Module], tuple[int, int | None]]:
    def count(model: torch.nn.Module) -> tuple[int, int | None]:
        from ptflops import get_model_complexity_info

        macs, params = get_model_complexity_info(model, SHAPE[1:], as_strings=False, print_per_layer_stat=False, backend=backend)
        return int(params or 0), None if macs is None else int(macs)

    return count


def flop_counter_mode(model: torch.nn.Module) -> tuple[int, int | None]:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        model(torch.zeros(SHAPE))
    return sum(parameter.numel() for parameter in model.parameters()), counter.get_total_flops()


def thop_counts(model: torch.nn.Module) -> tuple[int, int | None]:
    from thop import profile

    macs, params = profile(model, inputs=(torch.zeros(SHAPE),), verbose=False)
    return int(params), int(macs)


TOOLS: dict[str, Callable[[torch.nn.Module], tuple[int, int | None]]] = {
    "PyTorch `sum(p.numel())`": pytorch,
    "torchinfo `summary(...).total_mult_adds`": torchinfo_counts,
    "fvcore `FlopCountAnalysis(...).total()`": fvcore_counts,
    "ptflops `get_model_complexity_info` (pytorch backend, the default)": ptflops_counts("pytorch"),
    "ptflops `get_model_complexity_info` (aten backend)": ptflops_counts("aten"),
    "thop `profile`": thop_counts,
    "PyTorch `FlopCounterMode` (FLOPs)": flop_counter_mode,
}


def parts(model: torch.nn.Module) -> dict[str, int]:
    """Each piece of the forward pass that tools count differently, in elements or MACs, from the
    shapes of the ATen operations it runs (in inference: attention is one fused operation)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    found: collections.Counter[str] = collections.Counter()

    class Measure(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
            output = func(*args, **(kwargs or {}))
            name = str(func)
            if name == "aten.convolution.default":
                found["MACs (archcalc's rule)"] += output.numel() * args[1][0].numel()
                found["bias additions"] += output.numel() if args[2] is not None else 0
            elif name == "aten.addmm.default":
                found["MACs (archcalc's rule)"] += args[1].shape[0] * args[1].shape[1] * args[2].shape[1]
                found["bias additions"] += output.numel()
            elif name == "aten._native_multi_head_attention.default":
                tokens, width, heads = args[0].shape[1], args[0].shape[2], args[4]
                found["MACs (archcalc's rule)"] += 4 * tokens * width * width  # q, k, v and output projections
                found["of which attention's two matmuls (scores, weighted sum)"] += 2 * tokens * tokens * width
                found["MACs (archcalc's rule)"] += 2 * tokens * tokens * width  # archcalc counts them as MACs too
                found["bias additions"] += 4 * tokens * width
                found["softmax elements"] += heads * tokens * tokens
            elif name == "aten.native_batch_norm.default":
                found["batch-norm parameters"] += 2 * args[1].numel()
                found["batch-norm elements"] += output[0].numel()
            elif name == "aten.native_layer_norm.default":
                found["layer-norm parameters"] += 2 * args[2].numel()
                found["layer-norm elements"] += output[0].numel()
            elif name in ("aten.relu_.default", "aten.hardtanh_.default", "aten.gelu.default"):
                found["activation elements"] += output.numel()
            elif name == "aten.max_pool2d_with_indices.default":
                found["max-pool input elements"] += args[0].numel()
            elif name == "aten.mean.dim":
                found["average-pool input elements"] += args[0].numel()
                found["average-pool outputs"] += output.numel()
            elif name in ("aten.add.Tensor", "aten.add_.Tensor"):
                found["additions of two tensors (residuals, position embedding)"] += output.numel()
            return output

    with torch.no_grad(), Measure():
        model(torch.zeros(SHAPE))
    return dict(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-grad", action="store_true", help="run every tool inside torch.no_grad()")
    parser.add_argument("--parts", action="store_true", help="print the pieces tools count differently")
    arguments = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}; input {SHAPE}\n")
    if arguments.parts:
        print("| model | piece | count |")
        print("|---|---|---:|")
        for title, builder in MODELS.items():
            for piece, count in sorted(parts(getattr(torchvision.models, builder)().eval()).items()):
                print(f"| {title} | {piece} | {count:,} |")
        return
    print("| model | tool | params | MACs (as the tool counts them) |")
    print("|---|---|---:|---:|")
    for title, builder in MODELS.items():
        for tool, count in TOOLS.items():
            model = getattr(torchvision.models, builder)().eval()  # a fresh model: some tools leave hooks or buffers behind
            quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())
            with quiet[0], quiet[1], torch.no_grad() if arguments.no_grad else contextlib.nullcontext():
                params, macs = count(model)
            print(f"| {title} | {tool} | {params:,} | {'' if macs is None else f'{macs:,}'} |")


if __name__ == "__main__":
    main()
