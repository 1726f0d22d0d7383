"""`archcalc import`: a model file written as a readable spec, proven to give the model's totals."""

from __future__ import annotations

from pathlib import PurePath

from archcalc import __version__
from archcalc.errors import Origin, SpecError
from archcalc.spec import load_model, load_text
from archcalc.spec.spec_writer import spec_yaml


def imported_spec(model: str, output: str | None) -> str:
    """The spec's YAML text, with a header that says where it came from and how to keep it honest."""
    from archcalc.engine import analyze

    spec = load_model(model)
    written = output or f"{PurePath(model).stem}.yaml"
    header = [
        f"Imported by archcalc {__version__} from {model}; {spec.description or ''}".rstrip("; "),
        "Each layer is named after the node it came from; a `counted` layer carries the figures of",
        "nodes that no layer kind describes, so the totals are the model's.",
        f"Hold the spec to the model in CI: archcalc check {written} --against {model}",
        *(f"Note: {note}" for note in spec.notes),
    ]
    text = spec_yaml(spec, header)
    expected, written_back = analyze(spec), analyze(load_text(text, output or "<import>", spec.name))
    if written_back.total != expected.total or written_back.output_shape != expected.output_shape:
        raise SpecError(
            f"archcalc wrote a spec that does not give the model's totals ({written_back.total!r} against {expected.total!r})",
            Origin(model),
            None,
            "please report it with the model",
        )
    return text
