"""archcalc.values holds its classes to frozen dataclasses' behaviour: the same classes declared both
ways, built from the same arguments, must agree on fields, ==, hash, repr, errors and matching,
however many instances a class has."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archcalc.values import FrozenInstanceError, field, replace, value


@dataclasses.dataclass(frozen=True)
class PointDataclass:
    x: int
    y: int = 0
    label: str = dataclasses.field(default="", compare=False)


@value
class PointValue:
    x: int
    y: int = 0
    label: str = field(default="", compare=False)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BaseDataclass:
    where: str = dataclasses.field(compare=False)
    name: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class KindDataclass(BaseDataclass):
    units: int
    bias: bool = True


@value(kw_only=True)
class BaseValue:
    where: str = field(compare=False)
    name: str | None = None


@value(kw_only=True)
class KindValue(BaseValue):
    units: int
    bias: bool = True


def body(instance: object) -> str:
    """repr without the class name, which differs between the two declarations."""
    return repr(instance).split("(", 1)[1]


def outcome(build: type, *args: object, **kwargs: object) -> object:
    try:
        return build(*args, **kwargs)
    except TypeError:
        return TypeError


SMALL = st.integers(min_value=-3, max_value=3)
LABELS = st.sampled_from(["", "a", "b"])


@given(st.lists(SMALL, max_size=3), st.dictionaries(st.sampled_from(["x", "y", "label", "z"]), SMALL | LABELS, max_size=3))
def test_construction_agrees(args: list[int], kwargs: dict[str, object]) -> None:
    expected, actual = outcome(PointDataclass, *args, **kwargs), outcome(PointValue, *args, **kwargs)
    if expected is TypeError:
        assert actual is TypeError
    else:
        assert body(actual) == body(expected)


@given(SMALL, SMALL, LABELS, SMALL, SMALL, LABELS)
def test_equality_and_hash_agree(x1: int, y1: int, label1: str, x2: int, y2: int, label2: str) -> None:
    first, second = PointValue(x1, y1, label1), PointValue(x2, y2, label2)
    first_dc, second_dc = PointDataclass(x1, y1, label1), PointDataclass(x2, y2, label2)
    assert (first == second) == (first_dc == second_dc)
    assert hash(first) == hash(first_dc)  # the same formula: the hash of the compared fields
    assert first != first_dc  # type: ignore[comparison-overlap]  # another class: never equal, as between dataclasses


@given(st.sampled_from(["a", "b"]), st.sampled_from([None, "n"]), SMALL, st.booleans())
def test_keyword_only_inheritance_agrees(where: str, name: str | None, units: int, bias: bool) -> None:
    built = KindValue(where=where, name=name, units=units, bias=bias)
    assert body(built) == body(KindDataclass(where=where, name=name, units=units, bias=bias))
    assert built == KindValue(where="elsewhere", name=name, units=units, bias=bias)  # `where` is not compared
    assert outcome(KindValue, where, units=units) is TypeError is outcome(KindDataclass, where, units=units)
    assert outcome(KindValue, where=where) is TypeError  # units is required


def test_frozen() -> None:
    point = PointValue(1, 2)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        point.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):  # FrozenInstanceError is one, as dataclasses' is
        del point.y
    assert (point.x, point.y) == (1, 2)


def test_match_replace_and_defaults() -> None:
    match PointValue(1, 2):
        case PointValue(x, y):
            assert (x, y) == (1, 2)
    assert PointValue.__match_args__ == PointDataclass.__match_args__
    assert KindValue.__match_args__ == KindDataclass.__match_args__ == ()
    assert replace(PointValue(1, 2, "a"), y=5) == PointValue(1, 5, "a")
    assert PointValue.y == 0 and "where" not in vars(BaseValue)  # as dataclasses leave class attributes


def test_a_field_without_a_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="'b' without a default follows one with a default"):

        @value
        class Wrong:
            a: int = 0
            b: int  # type: ignore[misc]  # mypy refuses it too


def test_every_instance_is_built_by_the_one_shared_init() -> None:
    """No `__init__` is compiled for a class, however many instances it has (values.py once compiled
    one with `exec` at the 100th): every outcome, TypeError included, is a dataclass's."""
    from archcalc import values

    @value
    class Fresh:
        x: int
        y: int = 0
        label: str = field(default="", compare=False)

    calls: list[tuple[tuple[object, ...], dict[str, object]]] = [
        ((1,), {}),
        ((1, 2, "a"), {}),
        ((), {"x": 1, "label": "b"}),
        ((1,), {"x": 2}),
        ((), {"y": 1}),
        ((1, 2, "a", 4), {}),
        ((1,), {"z": 1}),
    ]

    def outcomes(build: type) -> list[object]:
        return [body(built) if (built := outcome(build, *args, **kwargs)) is not TypeError else TypeError for args, kwargs in calls]

    for number in range(1_000):
        Fresh(number)
    assert Fresh.__init__ is values._init
    assert outcomes(Fresh) == outcomes(PointDataclass)
