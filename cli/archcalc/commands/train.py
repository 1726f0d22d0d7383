"""`archcalc train`: what a training step costs at a batch size, and whether it fits."""

from typing import Annotated

import typer

from archcalc.backward import AttentionPath, Checkpointing
from archcalc.commands.shared import (
    SPEC_HELP,
    AttentionOption,
    ChartFormatOption,
    ForceOption,
    InputOption,
    OptimizerOption,
    OutputOption,
    PrecisionOption,
    TokensOption,
    UntieOption,
    WideOption,
    analyze_one,
    check_output_file,
    fail,
    guarded,
    refuse_idle_attention,
    terminal,
    write_output,
)
from archcalc.errors import ArchcalcError
from archcalc.formats import ReadOptions
from archcalc.render import ChartFormat
from archcalc.values import replace


def byte_size(value: str | None, flag: str) -> int | None:
    """`80GiB`, `80G`, `80GB`: read by quantities.parse_bytes; a bad one names its `flag`."""
    if value is None:
        return None
    from archcalc.quantities import parse_bytes  # lazy: only --memory-limit and --reserve read sizes

    try:
        return parse_bytes(value)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=f"'{flag}'") from None


def device_memory(name: str) -> int:
    """The memory of a device of `archcalc devices`, by name."""
    from archcalc.devices import device  # lazy: only a device given (by --device or the spec) reads the device table

    return guarded(lambda: device(name).need("memory_bytes"))


def train(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False, metavar="SPEC")],
    batch: Annotated[
        int | None, typer.Option("--batch", "-b", min=1, help="Samples per GPU in one step (default: the spec's training: batch, else 1).", show_default=False)
    ] = None,
    optimizer: OptimizerOption = None,
    precision: PrecisionOption = None,
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="GPUs data-parallel; with --zero, what is partitioned is split over them.")] = 1,
    zero: Annotated[int, typer.Option("--zero", min=0, max=3, help="ZeRO stage: 1 splits optimizer state, 2 also gradients, 3 also weights.")] = 0,
    checkpointing: Annotated[
        Checkpointing,
        typer.Option("--checkpointing", help="full: each top-level block keeps its input alone and runs again in backward.", case_sensitive=False),
    ] = Checkpointing.NONE,
    attention: AttentionOption = AttentionPath.FLASH,
    memory_limit: Annotated[
        str | None, typer.Option("--memory-limit", help="Memory per GPU: 80GiB (powers of 1024), 80G or 80GB (of 1000).", show_default=False)
    ] = None,
    device: Annotated[
        str | None,
        typer.Option("--device", help="A device from `archcalc devices`: its memory is the limit (default: the spec's training: device).", show_default=False),
    ] = None,
    reserve: Annotated[str, typer.Option("--reserve", help="Memory the framework takes (CUDA context, allocator slack), out of the limit.")] = "0",
    output_format: ChartFormatOption = ChartFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, help="How many levels inside composite layers to list.")] = 3,
    wide: WideOption = False,
    tokens: TokensOption = None,
    untie: UntieOption = False,
    input_name: InputOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Show a training step's cost, and whether it fits.

    Backward MACs, the activations kept for backward, optimizer state and precision, ZeRO, checkpointing.
    MACs and bytes are for the whole batch on one GPU; nothing after the spec's output (no loss) is counted.
    A spec's `training:` block (batch, optimizer, precision, device) gives the defaults; a flag overrides each.
    `--format svg` draws the memory per GPU as one stacked bar, and the limit of --device as a line.

    Example: archcalc train archspecs/seed/cnn.yaml --batch 2 --format json

    Example: archcalc train archspecs/zoo/language/gpt2.yaml --batch 8 --device h100-sxm --format svg -o gpt2-memory.svg
    """
    from archcalc.backward import TrainingSetup  # lazy: only this command loads it
    from archcalc.engine.training import spec_request, training_of  # lazy: only this command loads it
    from archcalc.render.training import render_training  # lazy: only this command loads it

    check_output_file(output, force)  # before any work: a result is never computed to be thrown away
    if zero and gpus == 1:
        fail(ArchcalcError(f"--zero {zero} partitions state over GPUs, and --gpus is 1", hint="give --gpus N, e.g. --zero 3 --gpus 8"))
    if memory_limit is not None and device is not None:
        fail(ArchcalcError("give --memory-limit or --device, not both"))
    limit = byte_size(memory_limit, "--memory-limit")
    reserve_bytes = byte_size(reserve, "--reserve") or 0
    if device is not None:
        device_memory(device)  # a misspelt device is refused before any work
    report = analyze_one(spec, "train", ReadOptions(untie, input_name, tokens))
    refuse_idle_attention(attention, [report])
    flags = TrainingSetup(batch, optimizer, precision, device)
    setup = spec_request(report, flags)
    if memory_limit is not None:  # --memory-limit overrides the spec's device, as --device would
        setup = replace(setup, device=None, from_spec=tuple(name for name in setup.from_spec if name != "device"))
    if setup.device is not None:
        limit = device_memory(setup.device)
    request = replace(setup, gpus=gpus, zero=zero, checkpointing=checkpointing, attention=attention, limit_bytes=limit, reserve_bytes=reserve_bytes)
    training = guarded(lambda: training_of(report, request))
    write_output(output, guarded(lambda: render_training(training, output_format, terminal(wide, output), depth)), force)
