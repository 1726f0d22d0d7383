"""Immutable value types, declared the way frozen dataclasses are, without their cost at start-up.

`@dataclass` writes and compiles six methods for each class it decorates, about 0.35 ms per class:
11 ms for the 29 classes that `show resnet50.yaml --format json` declares, of the 28 ms archcalc
added to its cold start. `@value` gives a class the same behaviour by attaching one shared set of
methods that read the class's field list: 0.3 ms for all 29.

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

The price is paid per instance: the shared `__init__` loops over the fields where a dataclass's
generated one does not, so building a value takes about twice as long (the engine spends
4.3 µs a layer where it spent 2.8). The trade suits a command-line tool: every start declares all
29 classes, while resnet50 builds 1,500 values, which now take about 0.6 ms more.
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


class Field:
    """What `field(...)` returns: a default and whether the field takes part in `==` and `hash`."""

    __slots__ = ("compare", "default")

    def __init__(self, default: object, compare: bool) -> None:
        self.default = default
        self.compare = compare


def field(*, default: Any = MISSING, compare: bool = True) -> Any:
    """A field that is left out of `==` and `hash` (`compare=False`), with an optional default."""
    return Field(default, compare)


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
            if isinstance(written, Field):  # the class attribute becomes the default itself, or nothing
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


def replace(instance: T, **changes: object) -> T:
    """A copy of `instance` with some fields changed (as dataclasses.replace)."""
    values = {name: getattr(instance, name) for name in type(instance).__value_names__}  # type: ignore[attr-defined]
    values.update(changes)
    return type(instance)(**values)


_set = object.__setattr__


def _init(self: Any, *args: object, **kwargs: object) -> None:
    """The first instance of a class: compile the class's own `__init__`, then build with it."""
    cls = type(self)
    init = _compiled_init(cls)
    type.__setattr__(cls, "__init__", init)
    init(self, *args, **kwargs)


def _compiled_init(cls: type) -> Callable[..., None]:
    """`__init__` for `cls` as a dataclass writes it: its fields as parameters (keyword-only after a
    `*` for kw_only classes), their defaults, and one assignment each in field order, so instances
    share their dicts' keys (PEP 412). Python's own argument handling then raises the TypeErrors."""
    names: tuple[str, ...] = cls.__value_names__  # type: ignore[attr-defined]
    defaults: dict[str, object] = cls.__value_defaults__  # type: ignore[attr-defined]
    parameters = ["self", *(["*"] if cls.__value_kw_only__ and names else [])]  # type: ignore[attr-defined]
    parameters += [f"{name}=_defaults[{name!r}]" if name in defaults else name for name in names]
    body = "".join(f"    _set(self, {name!r}, {name})\n" for name in names) or "    pass\n"
    namespace: dict[str, Any] = {"_set": _set, "_defaults": defaults}
    exec(f"def __init__({', '.join(parameters)}):\n{body}", namespace)  # field names are the class's own identifiers: nothing from outside
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


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
