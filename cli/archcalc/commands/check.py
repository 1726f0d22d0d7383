"""`archcalc check`: pass or fail against budgets, and against a model file (--against), for CI."""

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from archcalc.commands.shared import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL_ERROR,
    EXIT_OK,
    EXIT_OVER_BUDGET,
    SPEC_HELP,
    ForceOption,
    InputOption,
    OutputOption,
    TokensOption,
    UntieOption,
    analyzed,
    check_output_file,
    count_option,
    fail,
    guarded,
    number_format,
    report_skipped,
    say,
    terminal,
    write_output,
    writes_file,
)
from archcalc.errors import ArchcalcError, InternalError
from archcalc.formats import ReadOptions
from archcalc.formats.expansion import check_arguments, expand_argument
from archcalc.model import BudgetKind, DType, Limit
from archcalc.printable import quoted
from archcalc.render import CheckFormat, render_check

if TYPE_CHECKING:
    from archcalc.engine.budget import CheckOutcome


def budget_option(flag: str, what: str) -> Any:  # typer.Option is typed as Any
    return typer.Option(flag, help=f"{what}; overrides the spec's budget. e.g. 25.6M, 4.1G, 1e6.", show_default=False)


MaxParams = Annotated[str | None, budget_option("--max-params", "Parameter budget")]
MaxMacs = Annotated[str | None, budget_option("--max-macs", "MAC budget")]
MaxParamBytes = Annotated[str | None, budget_option("--max-param-bytes", "Bytes of parameters at --dtype")]
MaxActivationBytes = Annotated[str | None, budget_option("--max-activation-bytes", "Bytes of peak activations at --dtype")]
DTypeOption = Annotated[
    DType | None,
    typer.Option("--dtype", help="Number format of the byte budgets (default: the spec's, else float32).", show_default=False, **number_format(DType)),
]
CheckFormatOption = Annotated[CheckFormat, typer.Option("--format", "-f", help="table, json, csv, markdown or github (annotations).", case_sensitive=False)]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print no results; errors still go to standard error. The exit status tells: 0 within budget, 1 over, 2 bad input. An -o file is still written.",
    ),
]
RequireBudget = Annotated[
    bool,
    typer.Option("--require-budget", help="A spec with no budget (no `budget:`, no --max-… flag) fails the check (exit 1): a CI gate never passes unchecked."),
]
SpecsToCheck = Annotated[
    list[str],
    typer.Argument(help="Specs, directories (every .yaml/.yml under them) or globs. " + SPEC_HELP, show_default=False, metavar="SPEC..."),
]


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
                "A model file (ONNX, Keras .keras or to_json() config, a HuggingFace config.json) the spec describes: "
                "exit 1 when they disagree on any layer's shape, parameters or MACs. "
                "Or a safetensors checkpoint (a file, its index or its folder): exit 1 when a layer's parameters differ from the same-named layer's."
            ),
            show_default=False,
            metavar="MODEL",
        ),
    ] = None,
    untie: UntieOption = False,
    input_name: InputOption = None,
    tokens: TokensOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Check specs against their budgets; exit 1 if any is over.

    Every spec is checked and reported, a bad one among the rest: exit 2 if any spec cannot be
    read, else 1 if any is over its budgets (or has none, with --require-budget), else 0. Budgets
    come from each spec's `budget:` and from the --max-… flags, which win. With --against, the one
    spec must also match the model file layer by layer (a drift gate for CI).

    Each error is one located line on standard error, in every format; the results say which spec
    it was (an ERROR row). With -o the whole document is written to the file whatever the exit
    status: a failed check's results are complete, and CI keeps them.

    Example: archcalc check archspecs/ --max-macs 5G --format github

    Example: archcalc check resnet18.yaml --against resnet18.onnx

    Example: archcalc check config.json --against checkpoint/

    Example: archcalc check archspecs/ --format markdown -o budgets.md
    """
    flags = [
        Limit(kind, maximum, None)
        for kind, written, flag in (
            (BudgetKind.PARAMS, max_params, "--max-params"),
            (BudgetKind.MACS, max_macs, "--max-macs"),
            (BudgetKind.PARAM_BYTES, max_param_bytes, "--max-param-bytes"),
            (BudgetKind.ACTIVATION_BYTES, max_activation_bytes, "--max-activation-bytes"),
        )
        if (maximum := count_option(written, flag)) is not None
    ]
    from archcalc.engine.budget import CheckOutcome, CheckRun, SpecCheck, UnreadableSpec, check_spec, unreadable  # lazy: only this command loads it

    guarded(lambda: check_arguments(specs))
    check_output_file(output, force)  # before any work: results are never computed to be thrown away
    if against == "":
        fail(ArchcalcError("an empty --against names no model file (is a variable unset?)", hint="give the model file's name"))
    if against is not None and len(specs) != 1:
        raise typer.BadParameter("--against checks one spec against one model file", param_hint="SPEC")
    outcomes: list[CheckOutcome] = []
    unread: list[ArchcalcError] = []  # each said once, on standard error
    for argument in specs:
        try:
            expansion = expand_argument(argument)
        except ArchcalcError as error:  # an argument that names nothing is reported with the rest
            unread.append(error)
            outcomes.append(UnreadableSpec(argument, error))
            continue
        report_skipped(expansion)
        for name in expansion.specs:
            try:
                outcomes.append(check_spec(analyzed(name, ReadOptions(tokens=tokens)), flags, dtype, require_budget))
            except typer.Exit:  # click's Exit is a RuntimeError: never taken for a bug
                raise
            except Exception as error:  # a bug met on one spec: every other spec is still reported (exit 3 after them)
                problem = reported(error)
                unread.append(problem)
                outcomes.append(UnreadableSpec(name, problem))
    if against is not None and len(outcomes) != 1:
        fail(ArchcalcError(f"--against checks one spec against one model file, and {quoted(specs[0])} names {len(outcomes)}"))
    if against is not None and isinstance(outcomes[0], SpecCheck):
        from archcalc.engine.drift import drift  # lazy: only this command loads it
        from archcalc.engine.named_drift import named_drift  # lazy: likewise
        from archcalc.values import replace

        try:
            model = analyzed(against, ReadOptions(untie, input_name, tokens))
            by_name = model.spec.checkpoint is not None or outcomes[0].report.spec.checkpoint is not None  # a checkpoint is lined up by name
            outcomes[0] = replace(outcomes[0], against=(named_drift if by_name else drift)(outcomes[0].report, model))
        except Exception as error:  # as above: the spec's budgets are still reported
            problem = reported(error)
            unread.append(problem)
            outcomes[0] = replace(outcomes[0], against=UnreadableSpec(against, problem))
    run = CheckRun(tuple(outcomes))
    for problem in unread:  # in every format, as every command says an error: the results mark the spec ERROR
        say(f"archcalc: {problem.message}" if isinstance(problem, InternalError) else f"archcalc: error: {problem.message}")
    annotations = output_format is CheckFormat.GITHUB
    if not quiet or writes_file(output):
        write_output(output, render_check(run, output_format, terminal(output=output)), force, workflow_commands=annotations)
    if not quiet and not annotations:  # whose annotations are those lines
        report_drift(outcomes)
    if any(internal(outcome) for outcome in outcomes):
        raise typer.Exit(EXIT_INTERNAL_ERROR)  # first: a bug in archcalc, whatever the input did
    if any(unreadable(outcome) for outcome in outcomes):
        raise typer.Exit(EXIT_BAD_INPUT)  # then: a bad spec's budgets were never measured
    raise typer.Exit(EXIT_OK if run.passed else EXIT_OVER_BUDGET)


def reported(error: Exception) -> ArchcalcError:
    """The error met on one spec: the input's (exit 2), or a bug in archcalc (InternalError, exit 3;
    ARCHCALC_DEBUG=1 prints the traceback)."""
    if isinstance(error, ArchcalcError):
        return error
    if os.environ.get("ARCHCALC_DEBUG"):
        import traceback  # lazy: only to debug archcalc itself

        traceback.print_exc()
    return InternalError(error)


def internal(outcome: "CheckOutcome") -> bool:
    from archcalc.engine.budget import UnreadableSpec  # lazy: only check loads it

    return any(isinstance(part, UnreadableSpec) and isinstance(part.error, InternalError) for part in (outcome, getattr(outcome, "against", None)))


def report_drift(outcomes: "list[CheckOutcome]") -> None:
    """Each layer where a spec and its model file disagree, on standard error and located in the spec,
    as a compiler reports an error: the results (the table, JSON, annotations) say that they disagree."""
    from archcalc.engine.budget import SpecCheck  # lazy: only this command loads it
    from archcalc.render.drift import drift_lines

    for outcome in outcomes:
        if isinstance(outcome, SpecCheck) and outcome.drift is not None:
            for line in drift_lines(outcome.drift):
                say(line)
