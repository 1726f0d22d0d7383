"""The command line: read arguments, run spec -> engine -> render, print, choose the exit code.

Only this module imports typer, and only here does an error become an exit status:
0 success, 1 a budget exceeded, 2 bad input or usage (or a standard output that cannot be
written), 141 a reader that went away (a broken pipe), 130 Ctrl-C (__main__.py). Each command
imports the engine and render modules it alone needs, so a cold start pays only for the command
that runs.

No `from __future__ import annotations` here: Typer reads these signatures on every start, and
string annotations would be compiled again on each one (3 ms).
"""

import contextlib
import enum
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from archcalc import __version__
from archcalc.engine import Report, analyze
from archcalc.errors import ArchcalcError, ShapeError
from archcalc.model import BudgetKind, DType, Limit
from archcalc.printable import printable, quoted
from archcalc.quantities import parse_count
from archcalc.render import (
    CheckFormat,
    Counting,
    OutputFormat,
    ShowOptions,
    Terminal,
    render_check,
    render_compare,
    render_diff,
    render_layers,
    render_sharing,
    render_show,
    render_sweep,
)
from archcalc.spec import load_spec
from archcalc.spec.sources import Expansion, check_arguments, expand_argument, expand_arguments

if TYPE_CHECKING:
    from archcalc.engine.budget import CheckOutcome

EXIT_OK = 0
EXIT_OVER_BUDGET = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader went away

app = typer.Typer(
    name="archcalc",
    help="Exact shapes, parameters and MACs of neural-network architectures, from a YAML spec or an arrow chain ('16->8->2'). No framework, no forward pass.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SPEC_HELP = (
    "A YAML spec file, a model file (ONNX, Keras .keras or to_json() config), '-' for standard input, "
    "or an arrow chain such as '16->8->2' (quoted: > is a redirection in shells)."
)

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json, csv or markdown.", case_sensitive=False)]
CountOption = Annotated[
    Counting,
    typer.Option("--count", help="What the cost columns count: macs, or flops at 2 per MAC (a multiply and an add each).", case_sensitive=False),
]
WideOption = Annotated[bool, typer.Option("--wide", "-w", help="Keep every column in a terminal too narrow for them; pipes always get every column.")]

T = TypeVar("T")


def fail(error: ArchcalcError) -> NoReturn:
    """Bad input: one line on standard error, exit 2, nothing on standard output."""
    say(f"archcalc: error: {error.message}")
    raise typer.Exit(EXIT_BAD_INPUT)


def say(line: str) -> None:
    """One line on standard error, in what its encoding can write; nothing if it is closed."""
    stream = sys.stderr
    if stream is None:
        return
    from archcalc.render.encodable import encodable

    with contextlib.suppress(OSError, ValueError):  # standard error is gone too: the exit status still tells
        stream.write(encodable(line, getattr(stream, "encoding", None) or "utf-8") + "\n")
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


def analyzed(argument: str) -> Report:
    """A spec read and computed. A shape error in a spec whose input looks written channels first
    (or with a batch axis) names the input it likely meant (spec/layout.py)."""
    if argument == "-" and sys.stdin is not None and sys.stdin.isatty():  # else `show -` waits without a word
        say("archcalc: reading a spec from standard input (Ctrl-D to end)")
    spec = load_spec(argument)
    try:
        return analyze(spec)
    except ShapeError as error:
        from archcalc.spec.layout import layout_hint

        hint = None if spec.from_model else layout_hint(spec.input_shape)
        if hint is not None:
            error.with_hint(hint)
        raise


def analyze_all(arguments: list[str]) -> list[Report]:
    """Every spec read and computed before anything is printed, so an error leaves stdout empty.
    A directory or glob stands for every spec in it."""
    specs = expanded(arguments).specs
    return guarded(lambda: [analyzed(spec) for spec in specs])


def analyze_one(argument: str, command: str) -> Report:
    """The one spec a command takes; a directory or glob that names several is refused."""
    specs = expanded([argument]).specs
    if len(specs) != 1:
        problem = f"{command} takes one spec, and {quoted(argument)} names {len(specs)}"
        fail(ArchcalcError(problem, hint="give one file; `archcalc check` and `compare` take several"))
    return guarded(lambda: analyzed(specs[0]))


def count_option(value: str | None) -> int | None:
    """`--max-params 25.6M`: read as a spec's `budget:` writes numbers."""
    if value is None:
        return None
    try:
        return parse_count(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def terminal(wide: bool = False) -> Terminal:
    """Colour and width only for a real terminal, whose width `COLUMNS` overrides; NO_COLOR
    (no-color.org) turns colour off. A pipe gets whole rows at any width."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if sys.stdout is None or not sys.stdout.isatty():
        return Terminal(color=False, width=None, encoding=encoding)
    color = "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    import shutil  # COLUMNS first, then the window's own size

    return Terminal(color=color, width=shutil.get_terminal_size().columns, encoding=encoding, wide=wide)


def emit(text: str) -> None:
    """A command's whole output, written at once in what standard output's encoding can write.
    A closed (`>&-`) or failing (`> /dev/full`) standard output is one line on standard error and
    exit 2; a reader that went away (`| head -1`) is exit 141, silently, as a shell expects."""
    stream = sys.stdout
    if stream is None:
        say("archcalc: error: standard output is closed; nothing was written")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:  # PYTHONIOENCODING=ascii, a latin-1 console: x for ×, -> for →
            from archcalc.render.encodable import encodable

            stream.write(encodable(text, stream.encoding))
        stream.flush()
    except BrokenPipeError:
        _discard_output(stream)
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except OSError as error:
        _discard_output(stream)
        say(f"archcalc: error: cannot write to standard output: {error.strerror or error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _discard_output(stream: Any) -> None:
    """Point standard output at /dev/null, so the text still buffered is not written again (and
    fails again, with a traceback) when Python flushes it at exit."""
    with contextlib.suppress(OSError, ValueError):  # no descriptor (a test's captured output): nothing to flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"archcalc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=version_callback, is_eager=True)] = False,
) -> None:
    """Exact shapes, parameters and MACs of neural-network architectures.

    Examples:

      archcalc show '16->8->2'

      archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml

      archcalc examples
    """


@app.command()
def show(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False, metavar="SPEC")],
    output_format: FormatOption = OutputFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, help="How many levels inside residual, concat and repeat blocks to list.")] = 3,
    explain: Annotated[bool, typer.Option("--explain", "-e", help="Write out each layer's arithmetic: 3×3×1×2 = 18 weights + 2 biases = 20.")] = False,
    receptive_field: Annotated[bool, typer.Option("--receptive-field", "-r", help="Add each layer's receptive field and effective stride.")] = False,
    memory: Annotated[bool, typer.Option("--memory", "-m", help="Add parameter and output bytes per layer, and the peak, at --dtype.")] = False,
    dtype: Annotated[DType, typer.Option("--dtype", help="Number format for --memory.")] = DType.FLOAT32,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
) -> None:
    """Show one network layer by layer: shapes, parameters and MACs.

    Each layer's output shape, weights, biases, parameters and multiply-accumulates, and the totals.

    Example: archcalc show archspecs/seed/cnn.yaml --explain
    """
    from archcalc.engine.analysis import Request, analysis_of

    report = analyze_one(spec, "show")
    request = Request(receptive_field=receptive_field, memory=dtype if memory else None)
    emit(render_show(analysis_of(report, request), output_format, terminal(wide), ShowOptions(depth, explain, count)))


class SortOrder(str, enum.Enum):
    AS_GIVEN = "given"
    PARAMS = "params"
    MACS = "macs"


@app.command()
def compare(
    specs: Annotated[list[str], typer.Argument(help="Specs to compare, the first as the baseline. " + SPEC_HELP, show_default=False, metavar="SPEC...")],
    output_format: FormatOption = OutputFormat.TABLE,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
    sort: Annotated[
        SortOrder, typer.Option("--sort", help="Order of the specs: as given, or by params or MACs, smallest first (the first is the baseline).")
    ] = SortOrder.AS_GIVEN,
) -> None:
    """Compare the totals of several specs, each against the first.

    How many times fewer (or more) parameters, weights and MACs each has than the first spec; a
    difference under 1.1× is written as a percentage.

    Example: archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml
    """
    reports = analyze_all(specs)
    if sort is not SortOrder.AS_GIVEN:
        reports.sort(key=lambda report: report.total.params if sort is SortOrder.PARAMS else report.total.macs)  # stable: ties keep their order
    from archcalc.engine.comparison import comparison

    emit(render_compare(comparison(reports), output_format, terminal(wide), count))


def budget_option(flag: str, what: str) -> Any:  # typer.Option is typed as Any
    return typer.Option(flag, help=f"{what}; overrides the spec's budget. e.g. 25.6M, 4.1G, 1e6.", show_default=False)


MaxParams = Annotated[str | None, budget_option("--max-params", "Parameter budget")]
MaxMacs = Annotated[str | None, budget_option("--max-macs", "MAC budget")]
MaxParamBytes = Annotated[str | None, budget_option("--max-param-bytes", "Bytes of parameters at --dtype")]
MaxActivationBytes = Annotated[str | None, budget_option("--max-activation-bytes", "Bytes of peak activations at --dtype")]
DTypeOption = Annotated[
    DType | None, typer.Option("--dtype", help="Number format of the byte budgets (default: the spec's, else float32).", show_default=False)
]
CheckFormatOption = Annotated[CheckFormat, typer.Option("--format", "-f", help="table, json, csv, markdown or github (annotations).", case_sensitive=False)]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print no results; errors still go to standard error. The exit status tells: 0 within budget, 1 over, 2 bad input."),
]
RequireBudget = Annotated[
    bool,
    typer.Option("--require-budget", help="A spec with no budget (no `budget:`, no --max-… flag) fails the check (exit 1): a CI gate never passes unchecked."),
]
SpecsToCheck = Annotated[
    list[str],
    typer.Argument(help="Specs, directories (every .yaml/.yml under them) or globs. " + SPEC_HELP, show_default=False, metavar="SPEC..."),
]


@app.command()
def check(
    specs: SpecsToCheck,
    max_params: MaxParams = None,
    max_macs: MaxMacs = None,
    max_param_bytes: MaxParamBytes = None,
    max_activation_bytes: MaxActivationBytes = None,
    dtype: DTypeOption = None,
    output_format: CheckFormatOption = CheckFormat.TABLE,
    require_budget: RequireBudget = False,
    quiet: QuietOption = False,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help=(
                "A model file (ONNX, Keras .keras or to_json() config) the spec describes: exit 1 when they disagree on any layer's shape, parameters or MACs."
            ),
            show_default=False,
            metavar="MODEL",
        ),
    ] = None,
) -> None:
    """Check specs against their budgets; exit 1 if any is over.

    Every spec is checked and reported, a bad one among the rest: exit 2 if any spec cannot be
    read, else 1 if any is over its budgets (or has none, with --require-budget), else 0. Budgets
    come from each spec's `budget:` and from the --max-… flags, which win. With --against, the one
    spec must also match the model file layer by layer (a drift gate for CI).

    Example: archcalc check archspecs/ --max-macs 5G --format github

    Example: archcalc check resnet18.yaml --against resnet18.onnx
    """
    flags = [
        Limit(kind, maximum, None)
        for kind, written in (
            (BudgetKind.PARAMS, max_params),
            (BudgetKind.MACS, max_macs),
            (BudgetKind.PARAM_BYTES, max_param_bytes),
            (BudgetKind.ACTIVATION_BYTES, max_activation_bytes),
        )
        if (maximum := count_option(written)) is not None
    ]
    from archcalc.engine.budget import CheckOutcome, SpecCheck, UnreadableSpec, check_spec, unreadable

    guarded(lambda: check_arguments(specs))
    if against is not None and len(specs) != 1:
        raise typer.BadParameter("--against checks one spec against one model file", param_hint="SPEC")
    outcomes: list[CheckOutcome] = []
    for argument in specs:
        try:
            expansion = expand_argument(argument)
        except ArchcalcError as error:  # an argument that names nothing is reported with the rest
            say(f"archcalc: error: {error.message}")
            outcomes.append(UnreadableSpec(argument, error))
            continue
        report_skipped(expansion)
        for name in expansion.specs:
            try:
                outcomes.append(check_spec(analyzed(name), flags, dtype, require_budget))
            except ArchcalcError as error:
                say(f"archcalc: error: {error.message}")
                outcomes.append(UnreadableSpec(name, error))
    if against is not None and len(outcomes) != 1:
        fail(ArchcalcError(f"--against checks one spec against one model file, and {quoted(specs[0])} names {len(outcomes)}"))
    if against is not None and isinstance(outcomes[0], SpecCheck):
        from archcalc.engine.drift import drift
        from archcalc.values import replace

        try:
            outcomes[0] = replace(outcomes[0], against=drift(outcomes[0].report, analyzed(against)))
        except ArchcalcError as error:
            say(f"archcalc: error: {error.message}")
            outcomes[0] = replace(outcomes[0], against=UnreadableSpec(against, error))
    if not quiet:
        emit(render_check(outcomes, output_format, terminal()))
        if output_format is not CheckFormat.GITHUB:  # whose annotations are those lines
            report_drift(outcomes)
    if any(unreadable(outcome) for outcome in outcomes):
        raise typer.Exit(EXIT_BAD_INPUT)  # first: a bad spec's budgets were never measured
    raise typer.Exit(EXIT_OK if all(outcome.passed for outcome in outcomes) else EXIT_OVER_BUDGET)


def report_drift(outcomes: "list[CheckOutcome]") -> None:
    """Each layer where a spec and its model file disagree, on standard error and located in the spec,
    as a compiler reports an error: the results (the table, JSON, annotations) say that they disagree."""
    from archcalc.engine.budget import SpecCheck
    from archcalc.render.drift import drift_lines

    for outcome in outcomes:
        if isinstance(outcome, SpecCheck) and outcome.drift is not None:
            for line in drift_lines(outcome.drift):
                say(line)


@app.command("import")
def import_model(
    model: Annotated[
        str,
        typer.Argument(help="An ONNX model file, or a Keras .keras archive or to_json() config ('-' for standard input).", show_default=False, metavar="MODEL"),
    ],
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write the spec to this file instead of standard output.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists.")] = False,
) -> None:
    """Write an ONNX or Keras model as a spec you can read and keep.

    Layers are named after the model's nodes, and identical blocks become a `repeat`. Operations no
    layer kind describes become `counted` layers that carry their figures, so `show` of the spec
    gives the model's totals. Keep the spec in the repository and hold it to the model in CI with
    `archcalc check SPEC --against MODEL`.

    Example: archcalc import resnet18.onnx -o resnet18.yaml
    """
    from pathlib import Path

    from archcalc.spec.imported import imported_spec

    if output is not None and Path(output).is_dir():  # --force would not help: a spec is never written over a folder
        fail(ArchcalcError(f"{printable(output)} is a directory", hint="give -o the spec's file name, such as model.yaml"))
    if output is not None and not force and (Path(output).exists() or Path(output).is_symlink()):
        fail(ArchcalcError(f"{printable(output)} exists already", hint="give --force to overwrite it"))
    text = guarded(lambda: imported_spec(model, output))
    if output is None:
        emit(text)
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:  # written whole, then renamed: a failed write never leaves half a spec
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        say(f"archcalc: error: cannot write {printable(output)}: {error.strerror}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    say(f"archcalc: wrote {printable(output)}")


@app.command()
def diff(
    base: Annotated[str, typer.Argument(help="The spec before the change. " + SPEC_HELP, show_default=False, metavar="BASE")],
    head: Annotated[str, typer.Argument(help="The spec after the change.", show_default=False, metavar="HEAD")],
    output_format: FormatOption = OutputFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, help="Compare the layers this many levels inside composite blocks.")] = 0,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="List unchanged layers too.")] = False,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
) -> None:
    """Show what changed between two specs, layer by layer.

    Parameters, MACs and shapes, in numbers and percent. Layers are matched like lines in a text
    diff, so inserted and removed layers line up.

    Example: archcalc diff archspecs/zoo/torchvision/resnet18.yaml archspecs/zoo/torchvision/resnet34.yaml
    """
    from archcalc.engine.diff import diff_reports

    guarded(lambda: check_arguments([base, head]))
    before, after = analyze_one(base, "diff"), analyze_one(head, "diff")
    emit(render_diff(diff_reports(before, after, depth), output_format, terminal(wide), show_all, count))


@app.command()
def sharing(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False, metavar="SPEC")],
    output_format: FormatOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """Show what each conv layer's weight sharing saves.

    The positions each weight is reused at, and what the same mapping costs unshared (a locally
    connected layer) or fully connected (a dense layer).

    Example: archcalc sharing archspecs/exercises/ex2_diagonal_filter.yaml
    """
    from archcalc.engine.analysis import Request, analysis_of

    report = analyze_one(spec, "sharing")
    emit(render_sharing(analysis_of(report, Request(sharing=True)), output_format, terminal(wide)))


@app.command()
def layers(output_format: FormatOption = OutputFormat.TABLE, wide: WideOption = False) -> None:
    """List every layer kind, its arguments and what it counts.

    The names each kind may be written as, its arguments (the main one marked, defaults after =),
    its parameters and its MACs.

    Example: archcalc layers --format markdown
    """
    emit(render_layers(output_format, terminal(wide)))


class ChartFigure(str, enum.Enum):
    PARAMS = "params"
    MACS = "macs"
    NONE = "none"


def sizes_option(text: str) -> list[int]:
    """`--sizes 4,8,16,1K`: each read as a count, so a size past 1e36 is refused as in a spec."""
    try:
        sizes = [parse_count(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise typer.BadParameter(f"{error}; --sizes takes a list such as 4,8,16,32") from None
    if not sizes or min(sizes) < 1:
        raise typer.BadParameter("sizes are positive whole numbers, e.g. 4,8,16,32")
    return sorted(set(sizes))


@app.command()
def sweep(
    specs: Annotated[list[str], typer.Argument(help="Specs with an image-like input. " + SPEC_HELP, show_default=False, metavar="SPEC...")],
    sizes: Annotated[str, typer.Option("--sizes", "-s", help="Input sides to try, comma-separated; every spatial axis takes each.")] = "4,8,16,32,64,128,224",
    output_format: FormatOption = OutputFormat.TABLE,
    chart: Annotated[ChartFigure, typer.Option("--chart", help="What the terminal chart plots: params, macs or none.")] = ChartFigure.PARAMS,
    count: CountOption = Counting.MACS,
) -> None:
    """Show how parameters and MACs grow with the input size.

    A table at each input side, the growth exponent k (figure ∝ side^k), and a log-log chart.
    An ANN's first layer grows as side²; a conv layer's weights do not grow at all.

    Example: archcalc sweep archspecs/seed/ann.yaml archspecs/seed/cnn_224_first_layer.yaml --sizes 4,8,16,32,64,128,224
    """
    from archcalc.engine.sweep import sweep as sweep_sizes

    chosen = sizes_option(sizes)
    paths = expanded(specs).specs
    sweeps = guarded(lambda: [sweep_sizes(load_spec(path), chosen) for path in paths])  # computed at the sizes swept, not at their own
    emit(render_sweep(sweeps, output_format, terminal(), None if chart is ChartFigure.NONE else chart.value, count))


@app.command()
def schema() -> None:
    """Print the spec format as a JSON Schema, for editors.

    JSON Schema draft 2020-12, generated from the layer kinds archcalc reads: every kind and
    argument. Save it and point your editor at it; a spec's first line
    `# yaml-language-server: $schema=archcalc.schema.json` turns on completion and checks.

    Example: archcalc schema > archcalc.schema.json
    """
    from archcalc.render.json_format import dumps
    from archcalc.spec.schema import spec_schema

    emit(dumps(spec_schema()))


@app.command()
def examples(
    contains: Annotated[str | None, typer.Argument(help="Only the examples whose path contains this text.", show_default=False, metavar="[TEXT]")] = None,
    output_format: FormatOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List the example specs that come with archcalc.

    The article's seed specs and exercises, and real architectures (the zoo), with where they are
    installed: run one, or copy it to start a spec of your own.

    Example: archcalc examples resnet
    """
    from archcalc.examples import example_specs, examples_directory
    from archcalc.render.examples import render_examples

    directory = examples_directory()
    found = guarded(lambda: example_specs(directory, contains))
    emit(render_examples(directory, found, output_format, terminal(wide)))


def main() -> None:
    """The command. An exception that escapes is a bug in archcalc, not a fault in the input: it gets
    one line and exit 3, never exit 1, which CI would read as a budget exceeded."""
    try:
        app()
    except Exception as error:
        if os.environ.get("ARCHCALC_DEBUG"):
            import traceback

            traceback.print_exc()
        message = printable(f"{type(error).__name__}: {error}")
        sys.stderr.write(f"archcalc: internal error: {message}; this is archcalc's fault, not the input's: please report it (ARCHCALC_DEBUG=1 shows where)\n")
        raise SystemExit(EXIT_INTERNAL_ERROR) from None
