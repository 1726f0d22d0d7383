"""Untrained PyTorch models exported as they are (issue 26, items 1-2): no weights made distinct, so the
exporters merge every tensor of equal values, and the counts must still be PyTorch's, or say why not
and give PyTorch's with --untie. Runs with the parity extra (torch, onnxscript, transformers).
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
from archcalc.formats import ReadOptions, load_spec  # noqa: E402
from archcalc.model import Spec  # noqa: E402

pytestmark = pytest.mark.parity

runner = CliRunner()


def export(model: Any, inputs: tuple[Any, ...], path: Path, **options: Any) -> Path:
    """The model exported untrained, in eval mode: as a new user exports one to try archcalc on it."""
    if options.get("dynamo"):
        pytest.importorskip("onnxscript")
        options.setdefault("external_data", False)
    else:
        options["dynamo"] = False
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, inputs, str(path), **options)
    return path


def params(model: Any) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def read(path: Path, untie: bool = False) -> tuple[Spec, int]:
    spec = load_spec(str(path), ReadOptions(untie=untie))
    return spec, analyze(spec).total.params


def encoder() -> Any:
    """nn.TransformerEncoder copies its layer: two layers, equal to the last value, which the exporter stores once."""
    torch.manual_seed(0)
    return torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True), 2)


ENCODER_SPEC = """
input: 10x64
layers:
  - repeat:
      times: 2
      layers:
        - residual: [{attention: {heads: 4}}]
        - layernorm
        - residual: [{dense: 128}, relu, {dense: 64}]
        - layernorm
"""


def test_a_transformer_encoders_copied_layers_are_said_and_untied(tmp_path: Path) -> None:
    model = encoder()
    path = export(model, (torch.zeros(1, 10, 64),), tmp_path / "encoder.onnx")
    spec, counted = read(path)
    truth = params(model)
    assert truth == 66_944 and counted < truth  # the second layer's weights are the first's, stored once: a tie to the file
    note = next(note for note in spec.notes if note.startswith("weights read by more than one layer"))
    assert f"the model has {truth:,} params ({truth - counted:,} more), which --untie counts" in note
    assert "'layers.0.self_attn.out_proj.weight' read by 2 layers: 4,096 counted, 8,192 untied" in note
    assert read(path, untie=True)[1] == truth
    written = tmp_path / "encoder.yaml"
    written.write_text(ENCODER_SPEC)
    assert analyze(load_spec(str(written))).total.params == truth
    gate = [runner.invoke(app, ["check", str(written), "--against", str(path), *flags]) for flags in ([], ["--untie"])]
    assert (gate[0].exit_code, gate[1].exit_code) == (1, 0), gate[1].output
    assert "matches" in gate[1].stdout


def test_the_dynamo_exporter_merges_copies_and_its_optimiser_drops_zero_biases(tmp_path: Path) -> None:
    """Optimised (torch.onnx's default), the graph also loses the zero biases of the attention's output
    projections (an addition of nothing): the file does not hold them, so no reading counts them.
    Exported without the optimiser, the file holds every tensor apart, and the count is PyTorch's."""
    model = encoder()
    truth = params(model)
    optimised = export(model, (torch.zeros(1, 10, 64),), tmp_path / "optimised.onnx", dynamo=True)
    spec, counted = read(optimised)
    untied = read(optimised, untie=True)[1]
    dropped = 2 * 64  # each layer's out_proj.bias, zeros
    assert untied == truth - dropped and counted < untied
    assert f"the model has {untied:,} params ({untied - counted:,} more), which --untie counts" in " ".join(spec.notes)
    import onnx

    stored = {tensor.name for tensor in onnx.load(str(optimised)).graph.initializer}
    assert not any(name.endswith("out_proj.bias") for name in stored)
    plain = export(model, (torch.zeros(1, 10, 64),), tmp_path / "plain.onnx", dynamo=True, optimize=False)
    assert read(plain)[1] == truth


class TinyTransformer(torch.nn.Module):  # type: ignore[misc,name-defined]
    """A projection in, nn.MultiheadAttention and an MLP, each added and normed, a head: its norms' ones
    and zeros and its zero attention biases are stored once."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Linear(32, 128)
        self.attention = torch.nn.MultiheadAttention(128, 4, batch_first=True)
        self.norm1 = torch.nn.LayerNorm(128)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(128, 512), torch.nn.GELU(), torch.nn.Linear(512, 128))
        self.norm2 = torch.nn.LayerNorm(128)
        self.head = torch.nn.Linear(128, 10)

    def forward(self, x: Any) -> Any:
        h = self.embed(x)
        h = self.norm1(h + self.attention(h, h, h, need_weights=False)[0])
        return self.head(self.norm2(h + self.mlp(h)))


def test_an_untrained_multihead_attention_counts_as_pytorch(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = TinyTransformer()
    spec, counted = read(export(model, (torch.zeros(1, 16, 32),), tmp_path / "tiny.onnx"))
    assert counted == params(model) == 203_786 and spec.notes == ()


def cnn(bias: bool) -> Any:
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(
        *(
            part
            for channels, filters in ((3, 16), (16, 32), (32, 16))
            for part in (nn.Conv2d(channels, filters, 3, bias=bias), nn.BatchNorm2d(filters), nn.ReLU())
        ),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )


def test_untrained_batch_norms_count_as_pytorch(tmp_path: Path) -> None:
    """Kept as nodes (no constant folding): every norm's ones and zeros, and its running statistics, its own."""
    model = cnn(bias=True)
    path = export(model, (torch.zeros(1, 3, 16, 16),), tmp_path / "cnn.onnx", do_constant_folding=False)
    total = analyze(load_spec(str(path))).total
    statistics = sum(buffer.numel() for name, buffer in model.named_buffers() if "running" in name)
    assert (total.params, total.non_trainable) == (params(model), statistics) == (10_010, 128)


@pytest.mark.parametrize("bias", [True, False], ids=["conv biases", "no conv biases"])
def test_the_folded_norm_note_gives_pytorchs_count(bias: bool, tmp_path: Path) -> None:
    """Folded (torch.onnx's default), each norm's C shift is one with the convolution's bias: the note
    says the count either way; the one for convolutions with biases of their own is PyTorch's default."""
    model = cnn(bias)
    spec, counted = read(export(model, (torch.zeros(1, 3, 16, 16),), tmp_path / "folded.onnx"))
    (note,) = spec.notes
    truth, channels = params(model), 16 + 32 + 16
    if bias:
        assert counted == truth - 2 * channels and f"(PyTorch's default for a Conv), it has {truth:,} params ({2 * channels} more)" in note
    else:
        assert counted == truth - channels and f"the model it came from has {truth:,} params ({channels} more)" in note


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_distilbert_from_its_config_reads_its_token_ids(dynamo: bool, tmp_path: Path) -> None:
    """A HuggingFace export reads input_ids and attention_mask: the spec starts from the ids, says so,
    and counts every parameter PyTorch does (untrained: its norms and zero biases stored once)."""
    transformers = pytest.importorskip("transformers")
    model = transformers.DistilBertModel(transformers.DistilBertConfig())
    ids, mask = torch.zeros(1, 16, dtype=torch.long), torch.ones(1, 16, dtype=torch.long)
    path = export(model, (ids, mask), tmp_path / "distilbert.onnx", dynamo=dynamo, input_names=["input_ids", "attention_mask"])
    spec, counted = read(path)
    assert counted == params(model) == 66_362_880 and spec.input_shape == (16,)
    assert "the spec starts from 'input_ids'" in spec.notes[0]
