"""`archcalc import`: a model file written out as a spec to keep."""

from typing import Annotated

import typer

from archcalc.commands.shared import InputOption, TokensOption, UntieOption, check_output_file, guarded, write_output


def import_model(
    model: Annotated[
        str,
        typer.Argument(
            help="An ONNX model file, a Keras .keras archive or to_json() config, or a HuggingFace config.json ('-' for standard input).",
            show_default=False,
            metavar="MODEL",
        ),
    ],
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the spec to this file (created whole; '-': standard output, as with no -o).", show_default=False)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists (only a regular file, never through a link).")] = False,
    untie: UntieOption = False,
    input_name: InputOption = None,
    tokens: TokensOption = None,
) -> None:
    """Write a model file as a spec you can read and keep.

    The model is an ONNX file, a Keras model or a HuggingFace config.json.
    Layers are named after the model's nodes, and identical blocks become a `repeat`. Operations no
    layer kind describes become `counted` layers that carry their figures, so `show` of the spec
    gives the model's totals. Keep the spec in the repository and hold it to the model in CI with
    `archcalc check SPEC --against MODEL`.

    Example: archcalc import resnet18.onnx -o resnet18.yaml
    """
    from archcalc.formats import ReadOptions  # lazy: only this command loads it
    from archcalc.formats.imported import imported_spec  # lazy: only this command loads it
    from archcalc.safe_write import STANDARD_OUTPUT  # lazy: only this command loads it

    check_output_file(output, force)
    spec_file = None if output == STANDARD_OUTPUT else output
    write_output(output, guarded(lambda: imported_spec(model, spec_file, ReadOptions(untie, input_name, tokens))), force)
