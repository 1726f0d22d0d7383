"""The decoders of archspecs/zoo/ against the same networks written by hand as PyTorch modules: the
original U-Net (with its copy and crop), PyTorch's DCGAN generator and a convolutional autoencoder.

These modules are written from the papers and tutorials, not from the specs, and share nothing with
archcalc or the torch reference. They run on PyTorch's meta device: shapes without arithmetic, so a
572×572 U-Net costs nothing. MACs are counted by hooks, a transposed convolution by its input (every
input value times every weight of its group, what PyTorch computes).
"""

from __future__ import annotations

from math import prod

import pytest

torch = pytest.importorskip("torch")

from torch import Tensor, nn  # noqa: E402

from archcalc.engine import analyze  # noqa: E402
from archcalc.formats import load_spec  # noqa: E402
from tests.conftest import ARCHSPECS  # noqa: E402

pytestmark = pytest.mark.parity


def double_conv(channels_in: int, channels_out: int) -> nn.Module:
    """Two unpadded 3×3 convolutions, each followed by a ReLU (the paper's Figure 1)."""
    return nn.Sequential(nn.Conv2d(channels_in, channels_out, 3), nn.ReLU(), nn.Conv2d(channels_out, channels_out, 3), nn.ReLU())


class OriginalUNet(nn.Module):
    """Ronneberger et al. (2015): 64 → 1024 channels down four 2×2 max pools, back up by 2×2
    up-convolutions, each joined with the centre crop of the encoder's map of that level."""

    def __init__(self) -> None:
        super().__init__()
        widths = [64, 128, 256, 512, 1024]
        self.down = nn.ModuleList([double_conv(1 if level == 0 else widths[level - 1], width) for level, width in enumerate(widths)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(width, width // 2, 2, stride=2) for width in reversed(widths[1:])])
        self.decode = nn.ModuleList([double_conv(width, width // 2) for width in reversed(widths[1:])])
        self.classes = nn.Conv2d(64, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for level, down in enumerate(self.down):
            x = down(x)
            if level < 4:
                skips.append(x)
                x = nn.functional.max_pool2d(x, 2)
        for up, decode, skip in zip(self.up, self.decode, reversed(skips), strict=True):
            x = up(x)
            top = (skip.shape[2] - x.shape[2]) // 2
            left = (skip.shape[3] - x.shape[3]) // 2
            x = decode(torch.cat([skip[:, :, top : top + x.shape[2], left : left + x.shape[3]], x], dim=1))
        classes: Tensor = self.classes(x)
        return classes


def dcgan_generator() -> nn.Module:
    """The generator of PyTorch's DCGAN tutorial, nz = 100, ngf = 64, nc = 3."""
    return nn.Sequential(
        nn.ConvTranspose2d(100, 512, 4, 1, 0, bias=False),
        nn.BatchNorm2d(512),
        nn.ReLU(True),
        nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=False),
        nn.BatchNorm2d(256),
        nn.ReLU(True),
        nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False),
        nn.BatchNorm2d(128),
        nn.ReLU(True),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(True),
        nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False),
        nn.Tanh(),
    )


def conv_autoencoder() -> nn.Module:
    encoder = [nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 7)]
    decoder = [
        nn.ConvTranspose2d(64, 32, 7),
        nn.ReLU(),
        nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),
        nn.Sigmoid(),
    ]
    return nn.Sequential(*encoder, *decoder)


def figures(make: object, input_shape: tuple[int, ...]) -> tuple[int, int, tuple[int, ...]]:
    """Parameters, MACs and the output shape (channels last) of a module built and run on the meta device."""
    with torch.device("meta"):
        model = make()  # type: ignore[operator]
    macs = [0]

    def count(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        if isinstance(module, nn.ConvTranspose2d):
            macs[0] += inputs[0].numel() * (module.out_channels // module.groups) * prod(module.kernel_size)
        elif isinstance(module, nn.Conv2d):
            macs[0] += output.numel() * (module.in_channels // module.groups) * prod(module.kernel_size)

    for module in model.modules():
        module.register_forward_hook(count)
    output = model.eval()(torch.empty(1, input_shape[-1], *input_shape[:-1], device="meta"))
    params = sum(parameter.numel() for parameter in model.parameters())
    return params, macs[0], (*output.shape[2:], output.shape[1])


@pytest.mark.parametrize(
    ("name", "make", "input_shape"),
    [
        ("unet", OriginalUNet, (572, 572, 1)),
        ("dcgan_generator", dcgan_generator, (1, 1, 100)),
        ("conv_autoencoder", conv_autoencoder, (28, 28, 1)),
    ],
)
def test_decoders_match_their_pytorch_builds(name: str, make: object, input_shape: tuple[int, ...]) -> None:
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / f"{name}.yaml")))
    assert report.input_shape == input_shape
    assert (report.total.params, report.total.macs, report.output_shape) == figures(make, input_shape)
