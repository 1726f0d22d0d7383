"""A whole spec document: its keys, input, `defaults:`, layers or chain, and budget."""

from __future__ import annotations

from pathlib import PurePath

from archcalc.backward import Optimizer, Precision, TrainingSetup
from archcalc.errors import SpecError, suggestion
from archcalc.formats.layout import layout_note
from archcalc.formats.yaml.chain import is_chain, parse_chain
from archcalc.formats.yaml.layers import LayerReader
from archcalc.formats.yaml.located import Entry, Located, Mapping
from archcalc.formats.yaml.shape import parse_shape
from archcalc.kinds import COMMON_NAMES, WRITTEN_NAMES, reported_type
from archcalc.model import BudgetKind, DType, Limit, Spec
from archcalc.number_formats import canonical
from archcalc.printable import describe, printable, quoted
from archcalc.quantities import parse_bytes, parse_count
from archcalc.values import replace

SPEC_KEYS = ("name", "description", "input", "layers", "chain", "budget", "defaults", "training")
TRAINING_KEYS = ("batch", "optimizer", "precision", "device", "budget")
TRAINING_BUDGETS = {"total_bytes": BudgetKind.TRAIN_TOTAL_BYTES, "activation_bytes": BudgetKind.TRAIN_ACTIVATION_BYTES}


def parse_spec(root: Located, default_name: str) -> Spec:
    """A spec document (a mapping, or a bare chain string) -> Spec."""
    if isinstance(root.value, str) and is_chain(root.value):
        return parse_chain(root.value, root.origin, default_name)
    if not isinstance(root.value, dict):
        raise SpecError(f"a spec is a mapping with 'input' and 'layers' (or 'chain'), got {describe(root.value)}", root.origin)
    entries: Mapping = root.value
    for key, entry in entries.items():
        if key not in SPEC_KEYS:
            raise SpecError(f"unknown key {quoted(key)}", entry.key_origin, None, suggestion(key, SPEC_KEYS) or f"a spec has: {', '.join(SPEC_KEYS)}")
    name = _text(entries["name"]) if "name" in entries else default_name
    description = _text(entries["description"]) if "description" in entries else None
    budget, budget_dtype = parse_budget(entries["budget"].value) if "budget" in entries else ((), DType.FLOAT32)
    if "chain" in entries:
        for clash in ("input", "layers", "defaults"):
            if clash in entries:
                raise SpecError(f"'chain' replaces 'input' and 'layers'; remove '{clash}'", entries[clash].key_origin)
        chain = entries["chain"].value
        if not isinstance(chain.value, (str, int)):
            raise SpecError("'chain' must be an arrow chain such as '16->8->2'", chain.origin)
        spec = parse_chain(str(chain.value), chain.origin, name)
    else:
        for needed in ("input", "layers"):
            if needed not in entries:
                raise SpecError(f"missing '{needed}'", root.origin, None, "a spec needs 'input' and 'layers', or a 'chain'")
        defaults = parse_defaults(entries["defaults"].value) if "defaults" in entries else {}
        input_shape = parse_shape(entries["input"].value)
        layers = LayerReader(defaults).layer_list(entries["layers"].value, None)
        spec = Spec(name, input_shape, layers, root.origin)
    note = layout_note(spec.input_shape)
    training = None
    if "training" in entries:
        training, limits = parse_training(entries["training"].value)
        budget = (*budget, *limits)
    notes = () if note is None else (note,)
    return Spec(name, spec.input_shape, spec.layers, root.origin, description, budget, budget_dtype, notes=notes, training=training)


def parse_training(node: Located) -> tuple[TrainingSetup, tuple[Limit, ...]]:
    """`training: {batch: 8, optimizer: adamw, precision: amp-bf16, device: h100-sxm, budget: {total_bytes: 70GiB}}`.
    Byte budgets read as `--memory-limit` does (80GiB, 80G, 80GB)."""
    if not isinstance(node.value, dict):
        raise SpecError("'training' is a mapping such as {batch: 8, optimizer: adamw, budget: {total_bytes: 80GiB}}", node.origin)
    setup = TrainingSetup()
    limits: list[Limit] = []
    for key, entry in node.value.items():
        value = entry.value.value
        if key not in TRAINING_KEYS:
            raise SpecError(
                f"unknown training key {quoted(key)}", entry.key_origin, None, suggestion(key, TRAINING_KEYS) or f"training has: {', '.join(TRAINING_KEYS)}"
            )
        if key == "batch":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpecError(f"'batch' must be a whole number of at least 1, got {describe(value)}", entry.value.origin)
            setup = replace(setup, batch=value)
        elif key in ("optimizer", "precision"):
            choices = Optimizer if key == "optimizer" else Precision
            names = [choice.value for choice in choices]
            name = canonical(value, names) if isinstance(value, str) else None  # a precision in either spelling: amp-bf16 or amp-bfloat16
            if name is None:
                raise SpecError(
                    f"unknown {key} {describe(value)}", entry.value.origin, None, suggestion(str(value).lower(), names) or f"one of {', '.join(names)}"
                )
            setup = replace(setup, **{key: choices(name)})
        elif key == "device":
            if not isinstance(value, str):
                raise SpecError(f"'device' must be a device's name, got {describe(value)}", entry.value.origin)
            setup = replace(setup, device=printable(value))
        else:
            limits += parse_training_budget(entry.value)
    return setup, tuple(limits)


def parse_training_budget(node: Located) -> list[Limit]:
    if not isinstance(node.value, dict):
        raise SpecError("'training: budget' is a mapping such as {total_bytes: 80GiB, activation_bytes: 40GiB}", node.origin)
    limits = []
    for key, entry in node.value.items():
        if key not in TRAINING_BUDGETS:
            names = list(TRAINING_BUDGETS)
            raise SpecError(f"unknown training budget {quoted(key)}", entry.key_origin, None, suggestion(key, names) or f"training budgets: {', '.join(names)}")
        value = entry.value.value
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise SpecError(f"training budget '{key}' must be a size such as 80GiB, got {describe(value)}", entry.value.origin)
        try:
            maximum = parse_bytes(str(value))
        except ValueError as error:
            raise SpecError(f"training budget '{key}': {error}", entry.value.origin) from None
        limits.append(Limit(TRAINING_BUDGETS[key], maximum, entry.key_origin))
    return limits


def _text(entry: Entry) -> str:
    """A name or description, printable (archcalc/printable.py): it reaches titles, CSV and logs."""
    if entry.value.value is None or isinstance(entry.value.value, (list, dict)):
        raise SpecError(f"'{entry.key}' must be text", entry.value.origin)
    return printable(str(entry.value.value))


def parse_defaults(node: Located) -> dict[str, Mapping]:
    """`defaults: {conv: {bias: false}}`: arguments every layer of that kind starts from, keyed by
    the type the kind reports (so `conv` defaults apply to `conv2d` too). Checked where written."""
    if not isinstance(node.value, dict):
        raise SpecError("'defaults' maps a layer kind to its default arguments, e.g. conv: {bias: false}", node.origin)
    defaults: dict[str, Mapping] = {}
    for written, entry in node.value.items():
        kind = WRITTEN_NAMES.get(written.lower())
        if kind is None:
            hint = COMMON_NAMES.get(written.lower()) or suggestion(written.lower(), WRITTEN_NAMES)
            raise SpecError(f"unknown layer {quoted(written)} in defaults", entry.key_origin, None, hint)
        reported = reported_type(written.lower())
        if not isinstance(entry.value.value, dict):
            raise SpecError(f"defaults for {written} must be a mapping of arguments", entry.value.origin)
        declared = [argument.name for argument in kind.ARGUMENTS]
        for key, argument in entry.value.value.items():
            if key not in declared:
                hint = suggestion(key, declared) or f"{reported} takes: {', '.join(declared) or 'none'}"
                raise SpecError(f"unknown argument {quoted(key)} for {reported} in defaults", argument.key_origin, None, hint)
        defaults[reported] = {**defaults.get(reported, {}), **entry.value.value}
    return defaults


def parse_budget(node: Located) -> tuple[tuple[Limit, ...], DType]:
    """`budget: {params: 25.6M, macs: 4.1G, param_bytes: 50M, dtype: float16}`."""
    if not isinstance(node.value, dict):
        raise SpecError("'budget' is a mapping such as {params: 25.6M, macs: 4.1G}", node.origin)
    limits = []
    dtype = DType.FLOAT32
    names = [kind.value for kind in BudgetKind if not kind.in_training]  # those go under `training: budget:`
    for key, entry in node.value.items():
        value = entry.value.value
        if key == "dtype":
            dtype = parse_dtype(entry)
            continue
        if key not in names:
            raise SpecError(f"unknown budget {quoted(key)}", entry.key_origin, None, suggestion(key, [*names, "dtype"]) or f"budgets: {', '.join(names)}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise SpecError(f"budget '{key}' must be a count such as 25.6M, got {describe(value)}", entry.value.origin)
        try:
            maximum = parse_count(value)
        except ValueError as error:
            raise SpecError(f"budget '{key}': {error}", entry.value.origin) from None
        limits.append(Limit(BudgetKind(key), maximum, entry.key_origin))
    return tuple(limits), dtype


def parse_dtype(entry: Entry) -> DType:
    names = [dtype.value for dtype in DType]
    value = entry.value.value
    name = canonical(value, names) if isinstance(value, str) else None  # either spelling: float16 or fp16
    if name is None:
        hint = suggestion(str(value).lower(), names) or f"one of {', '.join(names)}"
        raise SpecError(f"unknown dtype {describe(value)}", entry.value.origin, None, hint)
    return DType(name)


def default_name(source: str) -> str:
    """A spec's name when it does not give one: the file's stem, printable."""
    return printable(PurePath(source).stem or source)
