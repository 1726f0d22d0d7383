"""`archcalc import`: a model file written as a readable spec, proven to give the model's totals."""

from __future__ import annotations

import shlex
from pathlib import PurePath

from archcalc import __version__
from archcalc.errors import ArchcalcError, SpecError
from archcalc.formats import load_model, load_text
from archcalc.formats.options import DEFAULT, ReadOptions
from archcalc.formats.yaml.writer import spec_yaml

STANDARD_INPUT = "-"
SPEC_PLACEHOLDER = "SPEC.yaml"
MODEL_PLACEHOLDER = "MODEL"
"""What the header's drift-gate command says where no file name is known (a model piped in): words to fill in."""


def imported_spec(model: str, output: str | None, options: ReadOptions = DEFAULT) -> str:
    """The spec's YAML text, with a header that says where it came from and how to keep it honest.
    spec_yaml writes each header line printable: a file name or a note may hold any character."""
    from archcalc.engine import analyze  # lazy: only `archcalc import` writes a spec
    from archcalc.engine.verify import mismatch

    spec = load_model(model, options)
    header = [
        f"Imported by archcalc {__version__} from {'standard input' if model == STANDARD_INPUT else model}; {spec.description or ''}".rstrip("; "),
        "Each layer is named after the node it came from; a `counted` layer carries the figures of",
        "nodes that no layer kind describes, so the totals are the model's.",
        *_drift_gate(model, output, options),
        *(f"Note: {note}" for note in spec.notes),
    ]
    text = spec_yaml(spec, header)
    expected = analyze(spec)
    try:
        written_back = load_text(text, "<import>", spec.name)
        wrong = mismatch(written_back, expected.total, expected.output_shape)
    except ArchcalcError as error:  # archcalc wrote a spec it cannot read: said of the model it came from
        place = error.origin if error.origin is not None and error.origin.line is not None else None
        where = "" if place is None else f"line {place.line}" + (f", column {place.column}" if place.column is not None else "") + ": "
        layer = f"{error.layer}: " if error.layer else ""
        problem = f"the spec imported from it does not read back ({where}{layer}{error.problem})"
        raise SpecError(problem, spec.origin, None, "please report it with the model") from None
    if wrong is not None:
        raise SpecError(
            f"archcalc wrote a spec that does not give the model's totals ({wrong.total!r} against {expected.total!r})",
            spec.origin,
            None,
            "please report it with the model",
        )
    return text


def _drift_gate(model: str, output: str | None, options: ReadOptions) -> list[str]:
    """The command that holds the spec to the model, with the files' names (quoted for a shell), or
    words to fill in where no name is known: a model read from standard input has none. The model is
    read there as it was here (--untie, --input)."""
    flags = (" --untie" if options.untie else "") + (f" --input {shlex.quote(options.input)}" if options.input is not None else "")
    if model != STANDARD_INPUT:
        spec = output or f"{PurePath(model).stem}.yaml"
        return [f"Hold the spec to the model in CI: archcalc check {shlex.quote(spec)} --against {shlex.quote(model)}{flags}"]
    spec = output or SPEC_PLACEHOLDER
    stands_for = (
        f"{MODEL_PLACEHOLDER} stands for the model's file"
        if output
        else f"{SPEC_PLACEHOLDER} and {MODEL_PLACEHOLDER} stand for the spec's and the model's files"
    )
    return [
        f"Hold the spec to the model in CI: archcalc check {shlex.quote(spec)} --against {MODEL_PLACEHOLDER}{flags}",
        f"({stands_for}: the model was read from standard input)",
    ]
