"""`archcalc import`: a model file written out as a spec to keep."""

from typing import Annotated

import typer

from archcalc.commands.shared import EXIT_BAD_INPUT, InputOption, TokensOption, UntieOption, emit, fail, guarded, say
from archcalc.errors import ArchcalcError
from archcalc.printable import printable


def import_model(
    model: Annotated[
        str,
        typer.Argument(
            help="An ONNX model file, a Keras .keras archive or to_json() config, or a HuggingFace config.json ('-' for standard input).",
            show_default=False,
            metavar="MODEL",
        ),
    ],
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write the spec to this file instead of standard output.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists.")] = False,
    untie: UntieOption = False,
    input_name: InputOption = None,
    tokens: TokensOption = None,
) -> None:
    """Write an ONNX or Keras model as a spec you can read and keep.

    Layers are named after the model's nodes, and identical blocks become a `repeat`. Operations no
    layer kind describes become `counted` layers that carry their figures, so `show` of the spec
    gives the model's totals. Keep the spec in the repository and hold it to the model in CI with
    `archcalc check SPEC --against MODEL`.

    Example: archcalc import resnet18.onnx -o resnet18.yaml
    """
    from pathlib import Path  # lazy: only this command loads it

    from archcalc.formats import ReadOptions  # lazy: only this command loads it
    from archcalc.formats.imported import imported_spec  # lazy: only this command loads it

    if output is not None and Path(output).is_dir():  # --force would not help: a spec is never written over a folder
        fail(ArchcalcError(f"{printable(output)} is a directory", hint="give -o the spec's file name, such as model.yaml"))
    if output is not None and not force and (Path(output).exists() or Path(output).is_symlink()):
        fail(ArchcalcError(f"{printable(output)} exists already", hint="give --force to overwrite it"))
    text = guarded(lambda: imported_spec(model, output, ReadOptions(untie, input_name, tokens)))
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
