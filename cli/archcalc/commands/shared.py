"""What every command shares: exit statuses, the options several take, reading and computing specs,
and writing output. Only here and in the command modules (and app.py) is typer imported, and only
here does an error become an exit status: 0 success, 1 a budget exceeded, 2 bad input or usage (or
a standard output that cannot be written), 141 a reader that went away (a broken pipe), 130 Ctrl-C
(__main__.py), 3 a bug in archcalc (app.main).

No `from __future__ import annotations` in the command modules: Typer reads their signatures on
every start, and string annotations would be compiled again on each one (3 ms).
"""

import contextlib
import enum
import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from archcalc.backward import AttentionPath, Optimizer, Precision
from archcalc.engine import Report, analyze
from archcalc.errors import ArchcalcError, ShapeError
from archcalc.formats import OnnxOnlyOption, ReadOptions, load_spec
from archcalc.formats.expansion import Expansion, expand_arguments
from archcalc.number_formats import canonical
from archcalc.printable import printable, quoted, unforgeable
from archcalc.quantities import parse_count
from archcalc.render import ChartFormat, Counting, OutputFormat, Terminal
from archcalc.values import replace

EXIT_OK = 0
EXIT_OVER_BUDGET = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader went away

SPEC_HELP = (
    "A YAML spec file, a model file (ONNX, Keras .keras or to_json() config, HuggingFace config.json, "
    "a safetensors checkpoint, its index or its folder), '-' for standard input, "
    "or an arrow chain such as '16->8->2' (quoted: > is a redirection in shells)."
)


def number_format(formats: type[enum.Enum]) -> dict[str, Any]:
    """typer.Option's arguments for a choice of number formats, each taken in either spelling and
    any case (fp16 or float16: archcalc/number_formats.py's one table). The parser gives the
    canonical name, which Typer makes the enum; a wrong one is told the canonical names."""
    names = [str(choice.value) for choice in formats]

    def parse(written: object) -> str:
        text = str(written.value if isinstance(written, enum.Enum) else written)  # a default comes as its enum
        name = canonical(text, names)
        if name is None:
            raise typer.BadParameter(f"{text!r} is not one of {', '.join(map(repr, names))}.")
        return name

    return {"parser": parse, "metavar": f"<{'|'.join(names)}>"}


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table, json, csv, markdown, or terminal-svg (the table as a terminal shows it).", case_sensitive=False)
]
ChartFormatOption = Annotated[
    ChartFormat,
    typer.Option(
        "--format",
        "-f",
        help="table, json, csv, markdown, svg (a chart; needs the plot extra) or terminal-svg (the table as a terminal shows it).",
        case_sensitive=False,
    ),
]
CountOption = Annotated[
    Counting,
    typer.Option("--count", help="What the cost columns count: macs, or flops at 2 per MAC (a multiply and an add each).", case_sensitive=False),
]
TokensOption = Annotated[
    int | None,
    typer.Option(
        "--tokens",
        min=1,
        help="The sequence's length: for a HuggingFace config.json (default 2,048, or a shorter position table's), or a spec whose input is a sequence.",
        show_default=False,
    ),
]
AttentionOption = Annotated[
    AttentionPath,
    typer.Option("--attention", help="flash: scaled_dot_product_attention's fused kernel, no score matrix kept; eager: the math path.", case_sensitive=False),
]
OptimizerOption = Annotated[
    Optimizer | None,
    typer.Option(
        "--optimizer",
        help="The training optimizer, whose state is counted (default: the spec's training: optimizer, else adamw).",
        case_sensitive=False,
        show_default=False,
    ),
]
PrecisionOption = Annotated[
    Precision | None,
    typer.Option(
        "--precision",
        help="Training precision: fp32; bf16, fp16 (all half); amp-* (autocast, fp32 weights); mixed-* (half weights, fp32 master copy) "
        "(default: the spec's training: precision, else fp32).",
        show_default=False,
        **number_format(Precision),
    ),
]
WideOption = Annotated[bool, typer.Option("--wide", "-w", help="Keep every column in a terminal too narrow for them; pipes always get every column.")]
UntieOption = Annotated[
    bool,
    typer.Option(
        "--untie", help="ONNX: count each layer's copy of a weight the file stores once (exporters merge equal tensors: an untrained model's identical layers)."
    ),
]
InputOption = Annotated[
    str | None, typer.Option("--input", help="ONNX: the input the layers start from, of a model with several.", show_default=False, metavar="NAME")
]
OutputOption = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the output to this file, in any --format (created whole; '-': standard output, as with no -o).",
        show_default=False,
        metavar="FILE",
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists (only a regular file, never through a link).")]

T = TypeVar("T")


def tabular(output_format: ChartFormat, asked: str = "--device") -> OutputFormat:
    """The format for a command's tables where it draws no chart (compare's and sweep's serving,
    with --device): `svg` refused."""
    if output_format is ChartFormat.SVG:
        fail(ArchcalcError(f"--format svg draws no chart with {asked} yet", hint="use table, json, csv, markdown or terminal-svg"))
    return output_format.tabular


def fail(error: ArchcalcError) -> NoReturn:
    """Bad input: one line on standard error, exit 2, nothing on standard output."""
    say(f"archcalc: error: {error.message}")
    raise typer.Exit(EXIT_BAD_INPUT)


def say(line: str) -> None:
    """One line on standard error, in what its encoding can write, never a workflow command (a drift
    line starts with the spec's file name); nothing if standard error is closed."""
    stream = sys.stderr
    if stream is None:
        return
    from archcalc.render.encodable import encodable  # lazy: only for a stream that cannot write some character, or on standard error

    with contextlib.suppress(OSError, ValueError):  # standard error is gone too: the exit status still tells
        stream.write(encodable(unforgeable(line), getattr(stream, "encoding", None) or "utf-8") + "\n")
        stream.flush()


def guarded(work: Callable[[], T]) -> T:
    try:
        return work()
    except ArchcalcError as error:
        fail(error)


def expanded(arguments: list[str]) -> Expansion:
    """The specs the arguments name; what a directory or glob skipped is said on standard error."""
    expansion = guarded(lambda: expand_arguments(arguments))
    report_skipped(expansion)
    return expansion


def report_skipped(expansion: Expansion) -> None:
    for skipped in expansion.skipped:
        say(f"archcalc: skipped {printable(skipped.path)}: {skipped.reason}")


def analyzed(argument: str, options: ReadOptions | None = None) -> Report:
    """A spec read and computed. A shape error in a spec whose input looks written channels first
    (or with a batch axis) names the input it likely meant (formats/layout.py)."""
    if argument == "-" and sys.stdin is not None and sys.stdin.isatty():  # else `show -` waits without a word
        say("archcalc: reading a spec from standard input (Ctrl-D to end)")
    spec = load_spec(argument, options or ReadOptions())
    try:
        return analyze(spec)
    except ShapeError as error:
        from archcalc.formats.layout import layout_hint  # lazy: only when a spec fails to compute

        hint = None if spec.from_model else layout_hint(spec.input_shape)
        if hint is not None:
            error.with_hint(hint)
        raise


def analyze_all(arguments: list[str], options: ReadOptions | None = None) -> list[Report]:
    """Every spec read and computed before anything is printed, so an error leaves stdout empty.
    A directory or glob stands for every spec in it."""
    specs = expanded(arguments).specs
    return guarded(lambda: _analyzed_all(specs, options or ReadOptions()))


def _analyzed_all(specs: Sequence[str], options: ReadOptions) -> list[Report]:
    """Each spec analyzed; --untie and --input apply to the ONNX models among them (`compare model.onnx
    model.yaml --untie`), and are refused only when no spec is one."""
    reports: list[Report | None] = []
    refused: OnnxOnlyOption | None = None
    for spec in specs:
        try:
            reports.append(analyzed(spec, options))
        except OnnxOnlyOption as error:
            refused = refused or error
            reports.append(None)
    if refused is None:
        return [report for report in reports if report is not None]
    if all(report is None for report in reports):
        raise refused
    no_model_flags = replace(options, untie=False, input=None)
    return [report if report is not None else analyzed(spec, no_model_flags) for spec, report in zip(specs, reports, strict=True)]


def analyze_one(argument: str, command: str, options: ReadOptions | None = None) -> Report:
    """The one spec a command takes; a directory or glob that names several is refused."""
    specs = expanded([argument]).specs
    if len(specs) != 1:
        problem = f"{command} takes one spec, and {quoted(argument)} names {len(specs)}"
        fail(ArchcalcError(problem, hint="give one file; `archcalc check` and `compare` take several"))
    return guarded(lambda: analyzed(specs[0], options))


def refuse_idle_attention(attention: AttentionPath, reports: list[Report]) -> None:
    """`--attention eager` where no spec has attention would change nothing: refused, as a `--tokens`
    on an input that is no sequence is."""
    from archcalc.engine.analysis import attends  # lazy: only a command with --attention asks

    if attention is AttentionPath.EAGER and not any(attends(report) for report in reports):
        which = f"{reports[0].name} has no" if len(reports) == 1 else f"none of {', '.join(report.name for report in reports)} has"
        fail(ArchcalcError(f"--attention eager runs attention's math path, and {which} attention", hint="leave --attention out"))


def count_option(value: str | None, flag: str) -> int | None:
    """`--max-params 25.6M`: read as a spec's `budget:` writes numbers; a bad one names its `flag`."""
    if value is None:
        return None
    try:
        return parse_count(value)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=f"'{flag}'") from None


def terminal(wide: bool = False, output: str | None = None) -> Terminal:
    """Colour and width only for a real terminal, whose width `COLUMNS` overrides; NO_COLOR
    (no-color.org) turns colour off. A pipe gets whole rows at any width, and so does an `-o` file
    (in UTF-8, whatever standard output is)."""
    if writes_file(output):
        return Terminal(color=False, width=None, encoding="utf-8")
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if sys.stdout is None or not sys.stdout.isatty():
        return Terminal(color=False, width=None, encoding=encoding)
    color = "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    import shutil  # lazy: COLUMNS first, then the window's own size

    return Terminal(color=color, width=shutil.get_terminal_size().columns, encoding=encoding, wide=wide)


def emit(text: str, workflow_commands: bool = False) -> None:
    """A command's whole output, written at once in what standard output's encoding can write, and
    with no line a CI log would run as a workflow command (archcalc/printable.py) unless it is one
    by design (`check --format github`).
    A closed (`>&-`) or failing (`> /dev/full`) standard output is one line on standard error and
    exit 2; a reader that went away (`| head -1`) is exit 141, silently, as a shell expects."""
    stream = sys.stdout
    if stream is None:
        say("archcalc: error: standard output is closed; nothing was written")
        raise typer.Exit(EXIT_BAD_INPUT)
    if not workflow_commands:
        text = unforgeable(text)
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:  # PYTHONIOENCODING=ascii, a latin-1 console: x for ×, -> for →
            from archcalc.render.encodable import encodable  # lazy: only for a stream that cannot write some character, or on standard error

            stream.write(encodable(text, stream.encoding))
        stream.flush()
    except BrokenPipeError:
        _discard_output(stream)
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except OSError as error:
        _discard_output(stream)
        say(f"archcalc: error: cannot write to standard output: {error.strerror or error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def check_output_file(output: str | None, force: bool) -> None:
    """An `-o` that cannot be written, refused before any work (archcalc/safe_write.py)."""
    if output is not None:
        from archcalc.safe_write import check_target  # lazy: only a command that writes a file loads it

        guarded(lambda: check_target(output, force))


def writes_file(output: str | None) -> bool:
    """Whether `-o` names a file: not for no `-o`, nor for `-o -` (standard output)."""
    return output is not None and output != "-"  # safe_write.STANDARD_OUTPUT, without importing it on every command's start


def write_output(output: str | None, data: str | bytes, force: bool, workflow_commands: bool = False) -> None:
    """A command's result to its `-o` file (whole, never through a link, never over a file without
    --force), or to standard output for no `-o` or `-o -`. Text is the same bytes in the file as on
    a piped standard output: no line a CI log would run as a workflow command, where the file is
    printed in one later, unless it is one by design (`check --format github`)."""
    if output is None or not writes_file(output):
        emit(data if isinstance(data, str) else data.decode("utf-8"), workflow_commands)
        return
    from archcalc.safe_write import write_file  # lazy: only a command that writes a file loads it

    written = unforgeable(data) if isinstance(data, str) and not workflow_commands else data
    guarded(lambda: write_file(output, written, force))
    say(f"archcalc: wrote {printable(output)}")


def _discard_output(stream: Any) -> None:
    """Point standard output at /dev/null, so the text still buffered is not written again (and
    fails again, with a traceback) when Python flushes it at exit."""
    with contextlib.suppress(OSError, ValueError):  # no descriptor (a test's captured output): nothing to flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
