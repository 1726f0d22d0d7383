"""The zoo matches torchvision's parameter counts, and MACs under SPEC.md's rule, to the last integer."""

from __future__ import annotations

import pytest

from archcalc.engine import analyze
from archcalc.spec import load_spec
from tests.conftest import ARCHSPECS

ZOO = {
    "lenet5": (61_706, 416_520, (10,)),
    "alexnet": (61_100_840, 714_188_480, (1000,)),
    "vgg16": (138_357_544, 15_470_264_320, (1000,)),
    "resnet18": (11_689_512, 1_814_073_344, (1000,)),
    "resnet34": (21_797_672, 3_663_761_408, (1000,)),
    "resnet50": (25_557_032, 4_089_184_256, (1000,)),
    "mobilenet_v2": (3_504_872, 300_774_272, (1000,)),
    "efficientnet_b0": (5_288_548, 385_814_752, (1000,)),
    "googlenet": (6_624_904, 1_498_376_192, (1000,)),
}


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_figures(name: str) -> None:
    params, macs, output_shape = ZOO[name]
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / f"{name}.yaml")))
    assert report.total.params == params
    assert report.total.macs == macs
    assert report.output_shape == output_shape


def test_batchnorm_state_of_resnet50_is_reported_apart() -> None:
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / "resnet50.yaml")))
    assert report.total.non_trainable == 53_120  # running mean + variance: 2 × the 26,560 batch-norm channels
