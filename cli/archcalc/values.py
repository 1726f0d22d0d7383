"""Immutable value types, declared the way frozen dataclasses are, without their cost at start-up.

`@dataclass` writes and compiles six methods for each class it decorates, about 0.45 ms per class:
28 ms for the 65 classes that `show resnet50.yaml --format json` declares, more than archcalc's
whole cold start adds to the imports it needs (about 20 ms). `@value` gives a class the same
behaviour by attaching one shared set of methods that read the class's field list: 1 ms for all 65.

It covers what archcalc uses of frozen dataclasses, and nothing more:
- fields come from annotations (not `ClassVar`s), including a value base class's; defaults;
  `field(compare=False)`;
- construction by keyword, or by position unless `kw_only` (which then holds for subclasses too);
  a missing or unknown argument raises TypeError;
- assigning to or deleting a field raises FrozenInstanceError;
- `==` and `hash` over the compared fields, between instances of exactly the same class;
- `repr`, `__match_args__`, and `replace`.

mypy reads `@value` classes as dataclasses through `dataclass_transform`, with one gap: it takes a
kw_only base's fields as positional in a subclass (the call fails at run time instead).
tests/test_values.py holds these classes to frozen dataclasses' behaviour.

Construction is shared too: one `__init__` loops over a class's fields (3.2 µs for a layer of seven
fields, where a dataclass's generated `__init__` takes 2.0), with no code compiled at run time.

`dataclass(frozen=True, slots=True)` behind this same decorator was measured against it
(benchmarks/run.py, "dataclasses behind @value"): `show resnet50.yaml --format json` then spent
118 ms of CPU above its floor (typer and yaml alone) against 32 ms with these methods, past the
30 ms a cold start may add. (25 rounds on a shared 2-core machine.)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # typing.dataclass_transform is Python 3.11+, and only mypy needs it

    def dataclass_transform(**_: object) -> Callable[[T], T]:
        return lambda decorated: decorated


T = TypeVar("T")


class FrozenInstanceError(AttributeError):
    """An attempt to assign to or delete a field of a value (as dataclasses.FrozenInstanceError)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FieldOptions:
    """What `field(...)` returns: a default and whether the field takes part in `==` and `hash`."""

    __slots__ = ("compare", "default")

    def __init__(self, default: object, compare: bool) -> None:
        self.default = default
        self.compare = compare


def field(*, default: Any = MISSING, compare: bool = True) -> Any:
    """A field that is left out of `==` and `hash` (`compare=False`), with an optional default."""
    return FieldOptions(default, compare)


@overload
def value(cls: type[T], /) -> type[T]: ...
@overload
def value(*, kw_only: bool = False) -> Callable[[type[T]], type[T]]: ...
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value(cls: type[T] | None = None, /, *, kw_only: bool = False) -> type[T] | Callable[[type[T]], type[T]]:
    """Make `cls` an immutable value type with the fields its annotations declare."""

    def decorate(cls: type[T]) -> type[T]:
        names: list[str] = list(getattr(cls, "__value_names__", ()))
        compared: list[str] = list(getattr(cls, "__value_compared__", ()))
        defaults: dict[str, object] = dict(getattr(cls, "__value_defaults__", {}))
        keyword_only = kw_only or getattr(cls, "__value_kw_only__", False)
        for name, annotation in inspect.get_annotations(cls).items():  # this class's own, as written
            if name in names or str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            written, compare = cls.__dict__.get(name, MISSING), True
            default = written
            if isinstance(written, FieldOptions):  # the class attribute becomes the default itself, or nothing
                default, compare = written.default, written.compare
                delattr(cls, name)
                if default is not MISSING:
                    setattr(cls, name, default)
            if default is not MISSING:
                defaults[name] = default
            elif defaults and not keyword_only:
                raise TypeError(f"{cls.__name__}: field '{name}' without a default follows one with a default")
            names.append(name)
            if compare:
                compared.append(name)
        attributes = {
            "__value_names__": tuple(names),
            "__value_compared__": tuple(compared),
            "__value_defaults__": defaults,
            "__value_kw_only__": keyword_only,
            "__match_args__": () if keyword_only else tuple(names),
            "__init__": _init,
            "__setattr__": _setattr,
            "__delattr__": _delattr,
            "__eq__": _eq,
            "__hash__": _hash,
        }
        if "__repr__" not in cls.__dict__:
            attributes["__repr__"] = _repr
        for attribute, setting in attributes.items():
            type.__setattr__(cls, attribute, setting)
        return cls

    return decorate if cls is None else decorate(cls)


def compared_fields(cls: type) -> tuple[str, ...]:
    """The fields of a value type that take part in `==` and `hash`, in order."""
    return cls.__value_compared__  # type: ignore[attr-defined, no-any-return]


def replace(instance: T, **changes: object) -> T:
    """A copy of `instance` with some fields changed (as dataclasses.replace)."""
    values = {name: getattr(instance, name) for name in type(instance).__value_names__}  # type: ignore[attr-defined]
    values.update(changes)
    return type(instance)(**values)


_set = object.__setattr__


def _init(self: Any, *args: object, **kwargs: object) -> None:
    """Each field in order, from the positional arguments, then the keywords, then its default.
    Set one at a time and in order, so that instances share their dicts' keys (PEP 412)."""
    cls = type(self)
    names = cls.__value_names__
    if args:
        if cls.__value_kw_only__ or len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {0 if cls.__value_kw_only__ else len(names)} positional arguments but {len(args)} were given")
        for name, argument in zip(names, args, strict=False):  # the first len(args) fields
            _set(self, name, argument)
    defaults = cls.__value_defaults__
    for name in names[len(args) :]:
        argument = kwargs.pop(name, MISSING)
        if argument is MISSING:
            argument = defaults.get(name, MISSING)
            if argument is MISSING:
                raise TypeError(f"{cls.__name__}() missing argument: '{name}'")
        _set(self, name, argument)
    if kwargs:
        name = next(iter(kwargs))
        problem = "multiple values for argument" if name in names else "an unexpected keyword argument"
        raise TypeError(f"{cls.__name__}() got {problem} '{name}'")


def _setattr(self: object, name: str, _: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field '{name}'")


def _delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field '{name}'")


def _compared(self: Any) -> tuple[object, ...]:
    return tuple([getattr(self, name) for name in self.__value_compared__])


def _eq(self: object, other: object) -> object:  # a bool, or NotImplemented for another class
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _compared(self) == _compared(other)


def _hash(self: object) -> int:
    return hash(_compared(self))


def _repr(self: Any) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__value_names__)
    return f"{type(self).__qualname__}({fields})"
