"""ONNX files exported by PyTorch itself: `show MODEL.onnx` gives what `show SPEC.yaml` and PyTorch give.

Runs with the parity extra (torch) and onnx. Each archspec is built as torch modules by the torch
reference, given distinct weights (the exporter merges initializers with equal values, which would
hide a miscount), exported with torch.onnx.export, and read back. Exported with batch norms kept
(no constant folding), every figure must equal the spec's and PyTorch's; exported as torch.onnx does
by default, the norms are folded into the convolutions and the file must say so, with PyTorch's count.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from typer.testing import CliRunner  # noqa: E402

from archcalc.app import app  # noqa: E402
from archcalc.engine import analyze  # noqa: E402
from archcalc.spec import load_spec  # noqa: E402
from tests.conftest import ARCHSPECS  # noqa: E402
from tests.torch_reference import build_sequence, channels_first, measure  # noqa: E402

pytestmark = pytest.mark.parity

EXPORTED = [
    "seed/cnn_pooled",
    "zoo/lenet5",
    "zoo/tabular_ann",
    "zoo/timeseries_cnn1d",
    "zoo/torchvision/resnet18",
    "zoo/torchvision/mobilenet_v2",
    "zoo/torchvision/efficientnet_b0",
    "zoo/torchvision/googlenet",
]


def export(spec_path: Path, target: Path, fold: bool, dynamo: bool = False) -> None:
    spec = load_spec(str(spec_path))
    example = torch.zeros(1, *channels_first(spec.input_shape))
    with torch.no_grad():
        model, _ = build_sequence(spec.layers, example)
        model.eval()
        generator = torch.Generator().manual_seed(0)
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.dtype.is_floating_point:
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
    options = {"external_data": False, "optimize": fold} if dynamo else {"dynamo": False, "do_constant_folding": fold}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(target), **options)


@pytest.mark.parametrize("name", EXPORTED)
def test_an_exported_archspec_shows_the_same_figures(name: str, tmp_path: Path) -> None:
    spec_path = ARCHSPECS / f"{name}.yaml"
    model_path = tmp_path / "model.onnx"
    export(spec_path, model_path, fold=False)
    spec, model = analyze(load_spec(str(spec_path))), analyze(load_spec(str(model_path)))
    figures = measure(load_spec(str(spec_path)))
    assert (model.total.params, model.total.non_trainable, model.total.macs, model.output_shape) == (
        figures.params,
        figures.non_trainable,
        figures.macs,
        figures.output_shape,
    )
    assert model.total == spec.total
    runner = CliRunner()
    held = runner.invoke(app, ["check", str(spec_path), "--against", str(model_path)])
    assert held.exit_code == 0, held.stdout
    imported = tmp_path / "imported.yaml"
    assert runner.invoke(app, ["import", str(model_path), "-o", str(imported)]).exit_code == 0
    assert analyze(load_spec(str(imported))).total == model.total
    assert "counted" not in imported.read_text().split("\nname:")[1]  # every layer of these is a kind archcalc has


@pytest.mark.parametrize("name", ["zoo/torchvision/resnet18", "zoo/torchvision/mobilenet_v2"])
def test_folded_batch_norms_are_said_with_pytorchs_count(name: str, tmp_path: Path) -> None:
    spec_path = ARCHSPECS / f"{name}.yaml"
    model_path = tmp_path / "folded.onnx"
    export(spec_path, model_path, fold=True)
    figures = measure(load_spec(str(spec_path)))
    model = load_spec(str(model_path))
    report = analyze(model)
    (note,) = model.notes
    folded = figures.non_trainable // 2  # each norm held C running means and C variances
    assert report.total.params == figures.params - folded and report.total.non_trainable == 0
    assert report.total.macs == figures.macs
    assert f"has {figures.params:,} params ({folded:,} more) and {figures.non_trainable:,} running statistics" in note
    shown = CliRunner().invoke(app, ["show", str(model_path)])
    assert "batch norms folded" in shown.stdout


def test_the_dynamo_exporter_reads_the_same(tmp_path: Path) -> None:
    pytest.importorskip("onnxscript")
    spec_path = ARCHSPECS / "zoo/torchvision/resnet18.yaml"
    model_path = tmp_path / "dynamo.onnx"
    export(spec_path, model_path, fold=True, dynamo=True)
    figures = measure(load_spec(str(spec_path)))
    model = load_spec(str(model_path))
    assert analyze(model).total.macs == figures.macs
    assert f"has {figures.params:,} params" in model.notes[0]


class BidirectionalClassifier(torch.nn.Module):  # type: ignore[misc,name-defined]
    """Two bidirectional LSTM layers over 10 steps of 16 features, the last step into 5 classes (torch is
    importorskip's module here, which mypy cannot subclass)."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(16, 32, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = torch.nn.Linear(64, 5)

    def forward(self, x: Any) -> Any:
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


def test_a_bidirectional_lstm_classifier_is_counted_with_pytorchs_figures(tmp_path: Path) -> None:
    """Until archcalc has the recurrent kinds, the LSTMs are one `counted` layer: PyTorch's parameters,
    and the contract's MACs, N·4H·(I + H) per layer and direction."""
    model = BidirectionalClassifier().eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.rand(parameter.shape, generator=generator))
    path = tmp_path / "bilstm.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 10, 16),), str(path), dynamo=False)
    report = analyze(load_spec(str(path)))
    assert report.total.params == sum(parameter.numel() for parameter in model.parameters()) == 38_213
    lstm_macs = 2 * 10 * 4 * 32 * (16 + 32) + 2 * 10 * 4 * 32 * (64 + 32)
    assert report.total.macs == lstm_macs + 64 * 5
    imported = tmp_path / "bilstm.yaml"
    assert CliRunner().invoke(app, ["import", str(path), "-o", str(imported)]).exit_code == 0
    assert analyze(load_spec(str(imported))).total == report.total
