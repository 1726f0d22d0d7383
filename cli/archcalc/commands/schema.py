"""`archcalc schema`: the spec format as a JSON Schema."""

from archcalc.commands.shared import emit


def schema() -> None:
    """Print the spec format as a JSON Schema, for editors.

    JSON Schema draft 2020-12, generated from the layer kinds archcalc reads: every kind and
    argument. Save it and point your editor at it; a spec's first line
    `# yaml-language-server: $schema=archcalc.schema.json` turns on completion and checks.

    Example: archcalc schema > archcalc.schema.json
    """
    from archcalc.formats.yaml.schema import spec_schema  # lazy: only this command loads it
    from archcalc.render.json_format import dumps

    emit(dumps(spec_schema()))
