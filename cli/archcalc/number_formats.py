"""One vocabulary of number formats, each in two spellings: fp16 as `--precision`, `--weights` and
`--kv` write it, float16 as torch, `--dtype` and a budget's `dtype:` write it. Every option and spec
key that takes a number format takes either spelling, in any case, and reads it as its own canonical
name, which is what output shows and what an error lists."""

from __future__ import annotations

from collections.abc import Iterable

SPELLINGS = (("fp32", "float32"), ("fp16", "float16"), ("bf16", "bfloat16"), ("fp8", "float8"), ("int8", "int8"), ("int4", "int4"))
"""Each format's short spelling and long one (int8 and int4 are spelled alike)."""

_SHORT = {spelling: short for short, long in SPELLINGS for spelling in (short, long)}


def short_spelling(written: str) -> str:
    """'bfloat16' -> 'bf16'; a precision's last part likewise ('AMP-Float16' -> 'amp-fp16'); any other word lower-cased."""
    head, dash, last = written.lower().rpartition("-")
    return head + dash + _SHORT.get(last, last)


def canonical(written: str, names: Iterable[str]) -> str | None:
    """The name among `names` (one vocabulary's canonical names) that spells the format `written`
    spells, in either spelling; None when none does."""
    wanted = short_spelling(written)
    return next((name for name in names if short_spelling(name) == wanted), None)


def spellings(names: Iterable[str]) -> list[str]:
    """Every spelling `canonical` reads as one of `names` (lower case): what a JSON schema's enum allows."""
    every = []
    for name in names:
        head, dash, last = name.lower().rpartition("-")
        pair = next((pair for pair in SPELLINGS if last in pair), (last,))
        every += [head + dash + spelling for spelling in pair]
    return list(dict.fromkeys(every))
