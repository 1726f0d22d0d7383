"""A checkpoint's tensors -> layers named after the modules that hold them, repeats where modules repeat.

A tensor's name is its module's path and its own name (`model.layers.3.mlp.up_proj.weight`). The
tensors of one module make one `stored` layer named by its path; modules numbered alike
(`model.layers.0` to `.31`, `mlp.experts.0` to `.255`) make a `repeat` over a run of neighbours
identical in names, shapes and dtypes, named by the path before the number. A checkpoint keeps no
module order, so layers come in name order, number order for numbered modules, heads last.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from archcalc.errors import Origin
from archcalc.kinds.composite import Block, Repeat
from archcalc.kinds.stored import Stored
from archcalc.model import Layer
from archcalc.values import value

HEADS = frozenset({"lm_head", "score", "classifier", "qa_outputs", "cls", "pooler", "output", "head"})
"""Top-level modules that end a model: listed after the rest, where a reader expects them."""

MTP_MODULES = frozenset({"eh_proj", "enorm", "hnorm"})
"""A DeepSeek-V3 multi-token-prediction layer, stored as `model.layers.{num_hidden_layers}`, holds these;
transformers builds no module for it."""


class CountedTensor(NamedTuple):
    """One tensor as the model counts it: its name split at the dots, its role's figures, its dtype
    and shape (what makes two numbered modules the same). A named tuple, as header.Tensor is."""

    parts: tuple[str, ...]
    weights: int
    biases: int
    non_trainable: int
    dtype: str
    shape: tuple[int, ...]


class Module:
    """A node of the module tree: its own tensors and its submodules by name."""

    __slots__ = ("_signature", "children", "tensors")

    def __init__(self) -> None:
        self.tensors: list[CountedTensor] = []
        self.children: dict[str, Module] = {}
        self._signature: int | None = None

    def signature(self) -> int:
        """What two numbered modules must share to be one repeated layer: every tensor's name
        within them, dtype and shape (hashed once a module: neighbours compare it twice)."""
        if self._signature is None:
            own = tuple(sorted((tensor.parts[-1], tensor.dtype, tensor.shape) for tensor in self.tensors))
            self._signature = hash((own, tuple(sorted((name, child.signature()) for name, child in self.children.items()))))
        return self._signature


def module_tree(tensors: list[CountedTensor]) -> Module:
    root = Module()
    for tensor in tensors:
        node = root
        for part in tensor.parts[:-1]:
            node = node.children.setdefault(part, Module())
        node.tensors.append(tensor)
    return root


@value
class Grouped:
    """The top-level layers, and the names of those transformers does not build (MTP layers)."""

    layers: tuple[Layer, ...]
    not_built: tuple[str, ...]


def grouped_layers(root: Module, origin: Origin) -> Grouped:
    builder = _Builder(origin)
    layers = builder.layers(root, "", top=True)
    return Grouped(tuple(layers), tuple(builder.not_built))


class _Builder:
    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.not_built: list[str] = []

    def layers(self, module: Module, path: str, top: bool = False) -> list[Layer]:
        """The layers of `module` (named relative to the nearest repeat), its own tensors first."""
        made: list[Layer] = []
        if module.tensors and (module.children or not path):
            made.extend(self._stored(path + tensor.parts[-1], [tensor]) for tensor in module.tensors)
        elif module.tensors:
            made.append(self._stored(path.rstrip("."), module.tensors))
        numbered = sorted((int(name), child) for name, child in module.children.items() if name.isdigit())
        if numbered:
            made.extend(self._numbered(numbered, path.rstrip("."), top))
        named = sorted((name, child) for name, child in module.children.items() if not name.isdigit())
        if top and not path:
            named.sort(key=lambda item: item[0] in HEADS)
        for name, child in named:
            made.extend(self.layers(child, f"{path}{name}.", top))
        return made

    def _numbered(self, numbered: list[tuple[int, Module]], path: str, top: bool) -> Iterator[Layer]:
        """Runs of neighbours alike; DeepSeek's MTP layers at the top level apart, each a block."""
        if top:
            extra = [(number, child) for number, child in numbered if MTP_MODULES & child.children.keys()]
            numbered = [item for item in numbered if item not in extra]
        else:
            extra = []
        runs: list[list[tuple[int, Module]]] = []
        for number, child in numbered:
            last = runs[-1][-1] if runs else None
            if last is not None and last[0] + 1 == number and last[1].signature() == child.signature():
                runs[-1].append((number, child))
            else:
                runs.append([(number, child)])
        if len(runs) == 1:
            yield self._run(runs[0], path, path)
        elif runs:
            yield Block(origin=self.origin, position="", name=path, layers=tuple(self._run(run, path, _run_name(path, run)) for run in runs))
        for number, child in extra:
            name = f"{path}.{number}"
            self.not_built.append(name)
            yield Block(origin=self.origin, position="", name=name, layers=tuple(self.layers(child, "")))

    def _run(self, run: list[tuple[int, Module]], path: str, name: str) -> Layer:
        body = tuple(self.layers(run[0][1], ""))
        return Repeat(origin=self.origin, position="", name=name, times=len(run), layers=body)

    def _stored(self, name: str, tensors: list[CountedTensor]) -> Stored:
        dtypes = {tensor.dtype for tensor in tensors}
        return Stored(
            origin=self.origin,
            position="",
            name=name,
            weights=sum(tensor.weights for tensor in tensors),
            biases=sum(tensor.biases for tensor in tensors),
            non_trainable=sum(tensor.non_trainable for tensor in tensors),
            dtype=dtypes.pop().lower() if len(dtypes) == 1 else "mixed",
        )


def _run_name(path: str, run: list[tuple[int, Module]]) -> str:
    first, last = run[0][0], run[-1][0]
    return f"{path}.{first}" if first == last else f"{path}.{first}-{last}"
