"""The zoo holds torchvision's published figures to the last integer: `num_params` exactly, and MACs
(convolutions, linear layers and attention matmuls, by archcalc's rule) to the GFLOPS torchvision
publishes (`_ops`, 3 decimals), at the crop size of each model's first published weights.

The table below is torchvision 0.29's `weights.meta` for the first weights of every model that
`torchvision.models.list_models()` lists; it is the reference, and torchvision need not be installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from archcalc.engine import analyze
from archcalc.formats import load_spec
from tests.conftest import ARCHSPECS


class Published(NamedTuple):
    params: int  # weights.meta["num_params"]
    gflops: str  # weights.meta["_ops"], as published (3 decimals)
    input_side: int  # the crop size those figures are for


CLASSIFICATION = {
    "alexnet": Published(61_100_840, "0.714", 224),
    "convnext_base": Published(88_591_464, "15.355", 224),
    "convnext_large": Published(197_767_336, "34.361", 224),
    "convnext_small": Published(50_223_688, "8.684", 224),
    "convnext_tiny": Published(28_589_128, "4.456", 224),
    "densenet121": Published(7_978_856, "2.834", 224),
    "densenet161": Published(28_681_000, "7.728", 224),
    "densenet169": Published(14_149_480, "3.360", 224),
    "densenet201": Published(20_013_928, "4.291", 224),
    "efficientnet_b0": Published(5_288_548, "0.386", 224),
    "efficientnet_b1": Published(7_794_184, "0.687", 240),
    "efficientnet_b2": Published(9_109_994, "1.088", 288),
    "efficientnet_b3": Published(12_233_232, "1.827", 300),
    "efficientnet_b4": Published(19_341_616, "4.394", 380),
    "efficientnet_b5": Published(30_389_784, "10.266", 456),
    "efficientnet_b6": Published(43_040_704, "19.068", 528),
    "efficientnet_b7": Published(66_347_960, "37.746", 600),
    "efficientnet_v2_l": Published(118_515_272, "56.080", 480),
    "efficientnet_v2_m": Published(54_139_356, "24.582", 480),
    "efficientnet_v2_s": Published(21_458_488, "8.366", 384),
    "googlenet": Published(6_624_904, "1.498", 224),
    "inception_v3": Published(27_161_264, "5.713", 299),
    "maxvit_t": Published(30_919_624, "5.558", 224),
    "mnasnet0_5": Published(2_218_512, "0.104", 224),
    "mnasnet0_75": Published(3_170_208, "0.215", 224),
    "mnasnet1_0": Published(4_383_312, "0.314", 224),
    "mnasnet1_3": Published(6_282_256, "0.526", 224),
    "mobilenet_v2": Published(3_504_872, "0.301", 224),
    "mobilenet_v3_large": Published(5_483_032, "0.217", 224),
    "mobilenet_v3_small": Published(2_542_856, "0.057", 224),
    "regnet_x_16gf": Published(54_278_536, "15.941", 224),
    "regnet_x_1_6gf": Published(9_190_136, "1.603", 224),
    "regnet_x_32gf": Published(107_811_560, "31.736", 224),
    "regnet_x_3_2gf": Published(15_296_552, "3.177", 224),
    "regnet_x_400mf": Published(5_495_976, "0.414", 224),
    "regnet_x_800mf": Published(7_259_656, "0.800", 224),
    "regnet_x_8gf": Published(39_572_648, "7.995", 224),
    "regnet_y_128gf": Published(644_812_894, "374.570", 384),
    "regnet_y_16gf": Published(83_590_140, "15.912", 224),
    "regnet_y_1_6gf": Published(11_202_430, "1.612", 224),
    "regnet_y_32gf": Published(145_046_770, "32.280", 224),
    "regnet_y_3_2gf": Published(19_436_338, "3.176", 224),
    "regnet_y_400mf": Published(4_344_144, "0.402", 224),
    "regnet_y_800mf": Published(6_432_512, "0.834", 224),
    "regnet_y_8gf": Published(39_381_472, "8.473", 224),
    "resnet101": Published(44_549_160, "7.801", 224),
    "resnet152": Published(60_192_808, "11.514", 224),
    "resnet18": Published(11_689_512, "1.814", 224),
    "resnet34": Published(21_797_672, "3.664", 224),
    "resnet50": Published(25_557_032, "4.089", 224),
    "resnext101_32x8d": Published(88_791_336, "16.414", 224),
    "resnext101_64x4d": Published(83_455_272, "15.460", 224),
    "resnext50_32x4d": Published(25_028_904, "4.230", 224),
    "shufflenet_v2_x0_5": Published(1_366_792, "0.040", 224),
    "shufflenet_v2_x1_0": Published(2_278_604, "0.145", 224),
    "shufflenet_v2_x1_5": Published(3_503_624, "0.296", 224),
    "shufflenet_v2_x2_0": Published(7_393_996, "0.583", 224),
    "squeezenet1_0": Published(1_248_424, "0.819", 224),
    "squeezenet1_1": Published(1_235_496, "0.349", 224),
    "swin_b": Published(87_768_224, "15.431", 224),
    "swin_s": Published(49_606_258, "8.741", 224),
    "swin_t": Published(28_288_354, "4.491", 224),
    "swin_v2_b": Published(87_930_848, "20.325", 256),
    "swin_v2_s": Published(49_737_442, "11.546", 256),
    "swin_v2_t": Published(28_351_570, "5.940", 256),
    "vgg11": Published(132_863_336, "7.609", 224),
    "vgg11_bn": Published(132_868_840, "7.609", 224),
    "vgg13": Published(133_047_848, "11.308", 224),
    "vgg13_bn": Published(133_053_736, "11.308", 224),
    "vgg16": Published(138_357_544, "15.470", 224),
    "vgg16_bn": Published(138_365_992, "15.470", 224),
    "vgg19": Published(143_667_240, "19.632", 224),
    "vgg19_bn": Published(143_678_248, "19.632", 224),
    "vit_b_16": Published(86_567_656, "17.564", 224),
    "vit_b_32": Published(88_224_232, "4.409", 224),
    "vit_h_14": Published(633_470_440, "1016.717", 518),
    "vit_l_16": Published(304_326_632, "61.555", 224),
    "vit_l_32": Published(306_535_400, "15.378", 224),
    "wide_resnet101_2": Published(126_886_696, "22.753", 224),
    "wide_resnet50_2": Published(68_883_240, "11.398", 224),
}

SEGMENTATION = {
    "deeplabv3_mobilenet_v3_large": Published(11_029_328, "10.452", 520),
    "deeplabv3_resnet101": Published(60_996_202, "258.743", 520),
    "deeplabv3_resnet50": Published(42_004_074, "178.722", 520),
    "fcn_resnet101": Published(54_314_346, "232.738", 520),
    "fcn_resnet50": Published(35_322_218, "152.717", 520),
    "lraspp_mobilenet_v3_large": Published(3_221_538, "2.086", 520),
}

TORCHVISION = ARCHSPECS / "zoo" / "torchvision"
ZOO_FILES = sorted(TORCHVISION.glob("*.yaml")) + sorted((TORCHVISION / "segmentation").glob("*.yaml"))


def published(path: Path) -> Published:
    table = SEGMENTATION if path.parent.name == "segmentation" else CLASSIFICATION
    assert path.stem in table, f"{path.name} is not a torchvision model name"
    return table[path.stem]


@pytest.mark.parametrize("path", ZOO_FILES, ids=lambda path: path.stem)
def test_torchvision_zoo_matches_the_published_figures(path: Path) -> None:
    expected = published(path)
    report = analyze(load_spec(str(path)))
    assert report.input_shape == (expected.input_side, expected.input_side, 3)
    assert report.total.params == expected.params
    assert f"{report.total.macs / 1e9:.3f}" == expected.gflops, report.total.macs


OTHER_ZOO = {
    "lenet5": (61_706, 416_520, (10,)),
    # each also built as its own torch module in tests/test_decoder_models.py, which agrees
    "unet": (31_030_658, 150_428_424_448, (388, 388, 2)),
    "conv_autoencoder": (210_369, 708_736, (28, 28, 1)),
    "dcgan_generator": (3_576_704, 104_628_224, (64, 64, 3)),
}

EXACT_MACS = {  # the published GFLOPS are rounded; these are the exact counts of torchvision's models in eval mode, by hooks on every conv and linear layer
    "alexnet": 714_188_480,
    "vgg16": 15_470_264_320,
    "resnet18": 1_814_073_344,
    "resnet34": 3_663_761_408,
    "resnet50": 4_089_184_256,
    "mobilenet_v2": 300_774_272,
    "efficientnet_b0": 385_814_752,
    "googlenet": 1_498_376_192,
    "vgg11": 7_609_090_048,
    "vgg11_bn": 7_609_090_048,
    "vgg13": 11_308_466_176,
    "vgg13_bn": 11_308_466_176,
    "vgg16_bn": 15_470_264_320,
    "vgg19": 19_632_062_464,
    "vgg19_bn": 19_632_062_464,
    "resnet101": 7_801_405_440,
    "resnet152": 11_513_626_624,
    "resnext50_32x4d": 4_230_479_872,
    "resnext101_32x8d": 16_414_015_488,
    "resnext101_64x4d": 15_460_270_080,
    "wide_resnet50_2": 11_398_021_120,
    "wide_resnet101_2": 22_753_050_624,
    "densenet121": 2_834_161_664,
    "densenet161": 7_727_907_072,
    "densenet169": 3_359_843_328,
    "densenet201": 4_291_365_888,
    "squeezenet1_0": 818_924_576,
    "squeezenet1_1": 349_151_936,
    "inception_v3": 5_713_216_096,
    "regnet_x_400mf": 413_812_608,
    "regnet_x_800mf": 799_699_712,
    "regnet_x_1_6gf": 1_602_849_792,
    "regnet_x_3_2gf": 3_176_621_952,
    "regnet_x_8gf": 7_995_132_416,
    "regnet_x_16gf": 15_940_755_456,
    "regnet_x_32gf": 31_735_929_792,
    "regnet_y_400mf": 401_842_848,
    "regnet_y_800mf": 833_856_256,
    "regnet_y_1_6gf": 1_612_076_160,
    "regnet_y_3_2gf": 3_176_482_752,
    "regnet_y_8gf": 8_473_070_592,
    "regnet_y_16gf": 15_911_510_272,
    "regnet_y_32gf": 32_279_552_832,
    "regnet_y_128gf": 374_570_006_400,
    "vit_b_16": 17_563_828_224,  # nn.MultiheadAttention's projections and matmuls included
    "mobilenet_v3_large": 216_589_760,
    "mobilenet_v3_small": 56_510_400,
    "mnasnet0_5": 104_455_968,
    "mnasnet0_75": 215_493_104,
    "mnasnet1_0": 314_415_872,
    "mnasnet1_3": 526_362_432,
    "shufflenet_v2_x0_5": 40_476_448,
    "shufflenet_v2_x1_0": 144_907_992,
    "shufflenet_v2_x1_5": 295_759_392,
    "shufflenet_v2_x2_0": 583_253_464,
    "efficientnet_b1": 686_802_832,
    "efficientnet_b2": 1_087_529_456,
    "efficientnet_b3": 1_827_141_392,
    "efficientnet_b4": 4_393_771_024,
    "efficientnet_b5": 10_266_384_752,
    "efficientnet_b6": 19_067_593_536,
    "efficientnet_b7": 37_745_884_192,
    "efficientnet_v2_s": 8_365_617_152,
    "efficientnet_v2_m": 24_582_460_384,
    "efficientnet_v2_l": 56_079_699_008,
    # torchvision 0.29's models with their auxiliary heads, counted by forward hooks on every conv
    "segmentation/fcn_resnet50": 152_716_512_000,
    "segmentation/fcn_resnet101": 232_737_606_400,
    "segmentation/deeplabv3_resnet50": 178_721_945_088,
    "segmentation/deeplabv3_resnet101": 258_743_039_488,
    "segmentation/deeplabv3_mobilenet_v3_large": 10_452_447_938,
    "segmentation/lraspp_mobilenet_v3_large": 2_086_219_688,
    # the transformers: linear layers (torchvision's F.linear calls among them), convolutions, and attention's two matmuls
    "vit_b_32": 4_409_186_304,
    "vit_l_16": 61_554_712_576,
    "vit_l_32": 15_377_539_072,
    "vit_h_14": 1_016_716_764_160,  # at 518×518: 1,370 tokens
    "convnext_tiny": 4_455_531_264,
    "convnext_small": 8_683_712_256,
    "convnext_base": 15_354_729_472,
    "convnext_large": 34_361_433_600,
    "swin_t": 4_490_566_656,
    "swin_s": 8_740_875_264,
    "swin_b": 15_430_946_816,
    "swin_v2_t": 5_939_690_496,  # with the position bias MLP over 15×15 offsets in every block
    "swin_v2_s": 11_545_857_024,
    "swin_v2_b": 20_325_134_336,
    "maxvit_t": 5_558_046_720,
}


@pytest.mark.parametrize("name", sorted(EXACT_MACS))
def test_exact_macs(name: str) -> None:
    assert analyze(load_spec(str(TORCHVISION / f"{name}.yaml"))).total.macs == EXACT_MACS[name]


def test_the_zoo_is_torchvisions_whole_classification_list() -> None:
    """One file for each of the 80 builders `torchvision.models.list_models(module=torchvision.models)`
    lists, and no other file."""
    present = {path.stem for path in TORCHVISION.glob("*.yaml")}
    assert sorted(set(CLASSIFICATION) - present) == [], "torchvision models without a zoo file"
    assert sorted(present - set(CLASSIFICATION)) == [], "zoo files that are no torchvision builder"


@pytest.mark.parametrize("name", sorted(OTHER_ZOO))
def test_other_zoo_figures(name: str) -> None:
    params, macs, output_shape = OTHER_ZOO[name]
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / f"{name}.yaml")))
    assert (report.total.params, report.total.macs, report.output_shape) == (params, macs, output_shape)


LANGUAGE = {  # name: (params, MACs, output shape); parameters as Hugging Face's models count them (and the
    # Keras example's LSTM, with PyTorch's second bias vector); MACs by the rule, each checked against PyTorch
    "gpt2": (124_439_808, 145_824_153_600, (1024, 50257)),  # tied head: the token table counted once
    "bert_base": (109_482_240, 48_318_971_904, (768,)),  # with the pooler
    "llama2_7b": (6_738_415_616, 31_460_635_443_200, (4096, 32000)),
    "llama3_8b": (8_030_261_248, 79_070_347_919_360, (8192, 128256)),  # grouped-query attention
    "lstm_imdb": (2_758_785, 39_321_728, (1,)),  # Keras's summary: 2,757,761, one bias vector per gate set
}


@pytest.mark.parametrize("name", sorted(LANGUAGE))
def test_language_zoo_figures(name: str) -> None:
    params, macs, output_shape = LANGUAGE[name]
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / "language" / f"{name}.yaml")))
    assert (report.total.params, report.total.macs, report.output_shape) == (params, macs, output_shape)


def test_batchnorm_state_of_resnet50_is_reported_apart() -> None:
    report = analyze(load_spec(str(TORCHVISION / "resnet50.yaml")))
    assert report.total.non_trainable == 53_120  # running mean + variance: 2 × the 26,560 batch-norm channels
