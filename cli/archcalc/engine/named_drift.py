"""A spec against a checkpoint: the drift gate of `archcalc check CONFIG --against CHECKPOINT`.

A checkpoint holds parameters, not shapes or MACs, and names every tensor after the module that holds
it (`model.layers.3.mlp.up_proj.weight`). So its layers are lined up with the spec's by name, not by
position: each top-level group of the checkpoint (`model.embed_tokens`, `model.layers`, `lm_head`)
with the spec's layer of that name, or with the spec's layers below a name the checkpoint splits
further (a spec's `embeddings` against the checkpoint's `embeddings.word_embeddings`, ...), and the
pairs compared in weights, biases and non-trainable state. A checkpoint saved from the base model
(`h.0...` for a spec's `transformer.h`) lines up the same. Layers transformers does not build
(DeepSeek's multi-token-prediction layers) are left out, and the verdict says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from archcalc.engine.diff import Change, ComparedLayer, LayerDiff, ReportDiff
from archcalc.engine.drift import Disagreement, Drift, Figure
from archcalc.engine.report import Report
from archcalc.model import Cost, LayerResult, total_cost

COMPARED = (Figure.WEIGHTS, Figure.BIASES, Figure.NON_TRAINABLE)
"""What a checkpoint can be held to: it has no shapes and no MACs."""


def named_drift(spec: Report, model: Report) -> Drift:
    """`spec` against `model`, one of which (or both) is a checkpoint: layers lined up by name."""
    not_built = {name for report in (spec, model) if report.spec.checkpoint is not None for name in report.spec.checkpoint.not_built}
    groups = {result.layer.name: result for result in model.layers if result.layer.name and result.layer.name not in not_built}
    ignored = [result for result in (*spec.layers, *model.layers) if result.layer.name in not_built]
    matcher = _Matcher(groups)
    layers = list(matcher.lined_up(tuple(result for result in spec.layers if result.layer.name not in not_built)))
    layers.extend(LayerDiff(Change.ADDED, None, ComparedLayer(result, result.occurrences)) for name, result in groups.items() if name not in matcher.used)
    disagreements = tuple(Disagreement(layer, figures) for layer in layers if (figures := _differing(layer)))
    spec_total = total_cost([layer.base.cost for layer in layers if layer.base is not None])
    model_total = total_cost([layer.head.cost for layer in layers if layer.head is not None])
    totals = tuple(figure for figure in COMPARED if getattr(spec_total, figure.value) != getattr(model_total, figure.value))
    notes = ["compared by layer name in weights, biases and non-trainable state: a checkpoint holds no shapes or MACs"]
    if ignored:
        held = total_cost([result.cost * result.occurrences for result in ignored]).params
        names = ", ".join(result.layer.name or "" for result in ignored)
        notes.append(f"ignored DeepSeek's multi-token-prediction layers {names} ({held:,} params), which transformers does not build")
    return Drift(ReportDiff(spec, model, tuple(layers)), disagreements, totals, tuple(notes))


class _Matcher:
    """Finds each spec layer's counterpart among the checkpoint's groups, by name."""

    def __init__(self, groups: dict[str, LayerResult]) -> None:
        self.groups = groups
        self.used: set[str] = set()
        self.without_prefix = {name.split(".", 1)[1]: name for name in groups if "." in name}

    def lined_up(self, results: tuple[LayerResult, ...], times: int = 1) -> Iterator[LayerDiff]:
        for result in results:
            occurrences = times * result.occurrences
            base = ComparedLayer(result, occurrences)
            matched = self._matched(result.layer.name)
            if matched:
                self.used.update(matched)
                heads = [self.groups[name] for name in matched]
                head = ComparedLayer(heads[0], heads[0].occurrences, total_cost([head.cost * head.occurrences for head in heads]))
                yield LayerDiff(Change.SAME if _agree(base.cost, head.cost) else Change.CHANGED, base, head)
            elif result.children:
                yield from self.lined_up(result.children, occurrences)
            elif any(getattr(base.cost, figure.value) for figure in COMPARED):
                yield LayerDiff(Change.REMOVED, base, None)

    def _matched(self, name: str | None) -> list[str]:
        """The checkpoint's groups that stand for a spec layer named `name`: the one of that name
        (with or without the base model's prefix), else those below it."""
        if not name:
            return []
        for candidate in (name, name.split(".", 1)[-1], self.without_prefix.get(name)):
            if candidate and candidate in self.groups and candidate not in self.used:
                return [candidate]
        for stem in (name, name.split(".", 1)[1] if "." in name else None):
            below = [group for group in self.groups if stem and group not in self.used and group.startswith(stem + ".")]
            if below:
                return below
        return []


def _agree(here: Cost, there: Cost) -> bool:
    return all(getattr(here, figure.value) == getattr(there, figure.value) for figure in COMPARED)


def _differing(layer: LayerDiff) -> tuple[Figure, ...]:
    if layer.base is None or layer.head is None:
        alone = layer.base or layer.head
        assert alone is not None
        return tuple(figure for figure in COMPARED if getattr(alone.cost, figure.value))
    return tuple(figure for figure in COMPARED if getattr(layer.base.cost, figure.value) != getattr(layer.head.cost, figure.value))
