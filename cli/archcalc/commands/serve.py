"""`archcalc serve`: how fast and how big a spec is to serve on a device, by the roofline."""

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from archcalc.backward import AttentionPath
from archcalc.commands.devices import DeviceFileOption
from archcalc.commands.shared import (
    SPEC_HELP,
    AttentionOption,
    ChartFormatOption,
    ForceOption,
    OutputOption,
    WideOption,
    analyze_one,
    analyzed,
    check_output_file,
    expanded,
    guarded,
    number_format,
    refuse_idle_attention,
    tabular,
    terminal,
    write_output,
)
from archcalc.errors import Origin
from archcalc.render import ChartFormat
from archcalc.values import replace

if TYPE_CHECKING:
    from archcalc.devices import Device
    from archcalc.engine.report import Report
    from archcalc.engine.serving_values import ServeRequest, Serving


class WeightFormat(str, enum.Enum):
    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    INT8 = "int8"
    INT4 = "int4"


class CacheFormat(str, enum.Enum):
    FP16 = "fp16"
    BF16 = "bf16"
    FP8 = "fp8"


DeviceOption = Annotated[str, typer.Option("--device", "-d", help="The device, by name: `archcalc devices` lists them.", show_default=False)]
PromptOption = Annotated[int | None, typer.Option("--prompt", help="Prompt tokens a sequence; replaces the spec's sequence length.", show_default=False)]
GenerateOption = Annotated[
    int | None,
    typer.Option("--generate", help="Tokens generated a sequence, a decode step each (default 1 with causal attention).", show_default=False),
]
WeightsOption = Annotated[
    WeightFormat,
    typer.Option(
        "--weights", help="How dense, attention, recurrent and conv weights are stored (int8, int4: compute at 16 bits).", **number_format(WeightFormat)
    ),
]
CacheOption = Annotated[
    CacheFormat | None, typer.Option("--kv", help="The key/value cache's format (default: the activations').", show_default=False, **number_format(CacheFormat))
]
EfficiencyOption = Annotated[float, typer.Option("--efficiency", help="The share of the peaks a real kernel reaches (MFU/MBU); 1.0 is the roofline bound.")]


def serve(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False, metavar="SPEC")],
    device: DeviceOption,
    batch: Annotated[int | None, typer.Option("--batch", "-b", help="Sequences (or images) served at once (default 1).", show_default=False)] = None,
    images: Annotated[int | None, typer.Option("--images", help="For a vision model: images a forward pass takes (the batch).", show_default=False)] = None,
    prompt: PromptOption = None,
    generate: GenerateOption = None,
    weights: WeightsOption = WeightFormat.FP16,
    kv: CacheOption = None,
    efficiency: EfficiencyOption = 1.0,
    attention: AttentionOption = AttentionPath.FLASH,
    device_file: DeviceFileOption = None,
    output_format: ChartFormatOption = ChartFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", min=0, help="How many levels inside composite layers to list.")] = 3,
    wide: WideOption = False,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Estimate serving time and memory on a device.

    Per layer: MACs, bytes read and written (weights at their stored size, the key/value cache,
    activations), FLOPs per byte, whether compute or memory bounds it, and its time,
    max(2·MACs / peak, bytes / bandwidth). Then time to first token, decode time a token and tokens
    a second (a language model) or images a second (vision), memory, and the largest batch and
    context that fit. The roofline is a lower bound on time: a real server is slower. `--format svg`
    draws it: each kernel a point on the device's roof, and the ridge point.

    Example: archcalc serve archspecs/zoo/language/llama2_7b.yaml --device a100-80gb --prompt 128 --generate 128

    Example: archcalc serve archspecs/zoo/language/llama2_7b.yaml --device a100-80gb --format svg -o roofline.svg
    """
    from archcalc.engine.serving import serving  # lazy: only this command loads it
    from archcalc.render.serve import render_serve

    check_output_file(output, force)  # before any work: a result is never computed to be thrown away
    report = analyze_one(spec, "serve")
    refuse_idle_attention(attention, [report])
    cache = None if kv is None else kv.value
    request = guarded(lambda: serve_request(batch, images, prompt, generate, weights.value, cache, efficiency, attention))
    found = guarded(lambda: resolve_device(device, device_file))
    served = guarded(lambda: serving(report, found, request))
    if output_format is ChartFormat.SVG:
        from archcalc.render.pictures import serve_svg  # lazy: matplotlib is the plot extra, loaded only for a picture

        write_output(output, guarded(lambda: serve_svg(served)), force)
        return
    write_output(output, render_serve(served, tabular(output_format), terminal(wide, output), depth), force)


def serve_request(
    batch: int | None,
    images: int | None,
    prompt: int | None,
    generate: int | None,
    weights: str,
    kv: str | None,
    efficiency: float,
    attention: AttentionPath = AttentionPath.FLASH,
) -> "ServeRequest":
    """The flags as one request; `--images` is the batch of a vision model."""
    from archcalc.engine.serving import bad_request  # lazy: only this command loads it
    from archcalc.engine.serving_values import ServeRequest, precision  # lazy: likewise

    if batch is not None and images is not None and batch != images:
        raise bad_request(f"--batch {batch} and --images {images} disagree; give one", "--images")
    chosen = images if images is not None else batch if batch is not None else 1
    eager = attention is AttentionPath.EAGER
    return ServeRequest(
        images=images, batch=chosen, prompt=prompt, generate=generate, precision=precision(weights, kv), efficiency=efficiency, eager_attention=eager
    )


def resolve_device(name: str, device_file: str | None) -> "Device":
    """The device named by `--device`, among the built-in ones and `--device-file`'s."""
    from archcalc.devices import device, load_device_file  # lazy: only this command loads it

    extra = load_device_file(device_file) if device_file is not None else ()
    return device(name, extra, Origin("--device"))


def served_runs(paths: list[str], device_names: list[str], device_file: str | None, batches: list[int], request: "ServeRequest") -> "list[Serving]":
    """Each spec on each device at each batch, every one computed before anything is printed."""
    from archcalc.devices import device, load_device_file  # lazy: only this command loads it
    from archcalc.engine.serving import serving  # lazy: only this command loads it

    extra = guarded(lambda: load_device_file(device_file)) if device_file is not None else ()
    found = guarded(lambda: [device(name, extra, Origin("--device")) for name in device_names])
    reports = guarded(lambda: [analyzed(path) for path in expanded(paths).specs])

    def asked(report: "Report", batch: int) -> "ServeRequest":
        """--prompt and --generate are for the language models among the specs."""
        language = report.spec.reads_token_ids
        return replace(request, batch=batch, prompt=request.prompt if language else None, generate=request.generate if language else None)

    return guarded(lambda: [serving(report, one, asked(report, batch)) for report in reports for one in found for batch in batches])
