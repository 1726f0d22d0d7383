"""Keras models (a `.keras` archive, or the JSON of `model.to_json()`) -> a `Spec`. No TensorFlow."""

from __future__ import annotations

from archcalc.errors import Origin, SpecError
from archcalc.model import Spec

MAX_KERAS_BYTES = 2**31 - 1


def read_keras_archive(data: bytes, source: str, name: str) -> Spec:
    raise SpecError("Keras archives are not read yet", Origin(source))


def read_keras_json(data: bytes, source: str, name: str) -> Spec:
    raise SpecError("Keras configs are not read yet", Origin(source))
