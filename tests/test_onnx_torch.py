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
from archcalc.formats import load_spec, load_text  # noqa: E402
from archcalc.kinds.counted import Counted  # noqa: E402
from archcalc.model import Spec  # noqa: E402
from archcalc.values import replace  # noqa: E402
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
    export_spec(load_spec(str(spec_path)), target, fold, dynamo)


def export_spec(spec: Spec, target: Path, fold: bool, dynamo: bool = False) -> int:
    """The spec built by the torch reference, its weights distinct, exported: PyTorch's parameter count."""
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
    return sum(parameter.numel() for parameter in model.parameters())


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


DECODERS = {"zoo/dcgan_generator": None, "zoo/conv_autoencoder": None, "zoo/unet": (188, 188, 1)}
"""The archspecs' decoders; U-Net at 188×188, the smallest input its valid convolutions and crops take."""


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize(("name", "input_shape"), DECODERS.items(), ids=DECODERS.keys())
def test_an_exported_decoder_reads_with_pytorchs_parameters_and_archcalcs_macs(
    name: str, input_shape: tuple[int, ...] | None, dynamo: bool, tmp_path: Path
) -> None:
    """Exported as each exporter does by default but for the TorchScript exporter's norms (kept): every
    transposed convolution is `conv_transpose`, U-Net's copy and crop a `concat` that names the encoder's
    map with `crop: true`, and no layer is `counted`. The dynamo exporter folds the generator's batch
    norms into its transposed convolutions: the file holds fewer parameters, and says PyTorch's count."""
    if dynamo:
        pytest.importorskip("onnxscript")
    spec = load_spec(str(ARCHSPECS / f"{name}.yaml"))
    if input_shape is not None:
        spec = replace(spec, input_shape=input_shape)
    model_path = tmp_path / "model.onnx"
    params = export_spec(spec, model_path, fold=dynamo, dynamo=dynamo)
    expected, model = analyze(spec), load_spec(str(model_path))
    report = analyze(model)
    folded = expected.total.non_trainable // 2 if dynamo else 0  # each norm's C means and C variances, gone with its C scales
    assert report.total.params == params - folded and report.total.macs == expected.total.macs and report.output_shape == expected.output_shape
    if folded:
        assert f"the model it came from has {params:,} params ({folded:,} more)" in model.notes[0]
    else:
        assert report.total == expected.total
    layers = imported_layers(model_path, tmp_path)
    assert "counted" not in layers and layers.count("conv_transpose:") == {"zoo/unet": 4, "zoo/dcgan_generator": 5, "zoo/conv_autoencoder": 3}[name]
    if name == "zoo/unet":
        assert layers.count(", crop: true}") == 4 and "branches" not in layers
        written = tmp_path / "unet.yaml"  # the spec written by hand, in blocks, holds the export to itself
        written.write_text((ARCHSPECS / "zoo/unet.yaml").read_text().replace("input: 572x572x1", "input: 188x188x1"))
        held = CliRunner().invoke(app, ["check", str(written), "--against", str(model_path)])
        assert held.exit_code == 0 and "matches" in held.stdout, held.output


def distinct(model: Any) -> Any:
    """Every parameter its own values, so that the exporter merges none; in eval mode."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.rand(parameter.shape, generator=generator) + 0.5)
    return model.eval()


def exported(model: Any, example: Any, path: Path, dynamo: bool = False, opset: int | None = None) -> Path:
    if dynamo:
        pytest.importorskip("onnxscript")
    options: dict[str, Any] = {"dynamo": True, "external_data": False} if dynamo else {"dynamo": False}
    if opset is not None:
        options["opset_version"] = opset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(path), **options)
    return path


def imported_layers(path: Path, tmp_path: Path) -> str:
    """`archcalc import`'s spec of the file, its layers alone; it must give the file's totals."""
    target = tmp_path / f"{path.stem}.yaml"
    result = CliRunner().invoke(app, ["import", str(path), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert analyze(load_spec(str(target))).total == analyze(load_spec(str(path))).total
    return target.read_text().split("\nlayers:\n")[1]


class EncoderBlock(torch.nn.Module):  # type: ignore[misc,name-defined]
    """torchvision's vision transformer block: pre-norm self-attention (nn.MultiheadAttention), then a
    pre-norm MLP, each added to its input."""

    def __init__(self, width: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.ln_1 = torch.nn.LayerNorm(width)
        self.self_attention = torch.nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln_2 = torch.nn.LayerNorm(width)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, hidden), torch.nn.GELU(), torch.nn.Dropout(0.0), torch.nn.Linear(hidden, width))

    def forward(self, x: Any) -> Any:
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + y
        return x + self.mlp(self.ln_2(x))


class SmallViT(torch.nn.Module):  # type: ignore[misc,name-defined]
    """torchvision's VisionTransformer, small: 32×32 images in 8×8 patches of 64, 2 blocks of 4 heads."""

    def __init__(self) -> None:
        super().__init__()
        self.conv_proj = torch.nn.Conv2d(3, 64, 8, 8)
        self.class_token = torch.nn.Parameter(torch.zeros(1, 1, 64))
        self.pos_embedding = torch.nn.Parameter(torch.zeros(1, 17, 64))
        self.layers = torch.nn.Sequential(EncoderBlock(64, 4, 128), EncoderBlock(64, 4, 128))
        self.ln = torch.nn.LayerNorm(64)
        self.head = torch.nn.Linear(64, 10)

    def forward(self, x: Any) -> Any:
        x = self.conv_proj(x)
        x = x.reshape(x.shape[0], 64, -1).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.ln(self.layers(x + self.pos_embedding))
        return self.head(x[:, 0])


SMALL_VIT = """
input: 32x32x3
layers:
  - conv: {filters: 64, kernel: 8, stride: 8}
  - tokens
  - class_token
  - position_embedding
  - repeat:
      times: 2
      layers:
        - residual: [layernorm, {attention: 4}]
        - residual: [layernorm, {dense: 128}, gelu, {dense: 64}]
  - layernorm
  - take: 0
  - dense: 10
"""


@pytest.mark.parametrize(("dynamo", "opset"), [(False, None), (False, 14), (True, None)], ids=["torchscript", "torchscript-opset14", "dynamo"])
def test_a_small_vit_reads_as_its_spec_with_pytorchs_figures(dynamo: bool, opset: int | None, tmp_path: Path) -> None:
    """nn.MultiheadAttention's exported subgraph is one `attention` (the TorchScript exporter's Reshape
    targets are folded from the input's shape); the patches become tokens, the class token, the table of
    positions and the first token are read as their kinds, and so are layer norms and GELU written out
    in arithmetic (opset 14); every figure is PyTorch's and the spec's."""
    model = distinct(SmallViT())
    path = exported(model, torch.zeros(1, 3, 32, 32), tmp_path / "vit.onnx", dynamo, opset)
    spec = load_text(SMALL_VIT, "small_vit.yaml", "small_vit")
    report, figures = analyze(load_spec(str(path))), measure(spec)
    assert report.total.params == sum(parameter.numel() for parameter in model.parameters()) == figures.params == 81_226
    assert report.total.macs == figures.macs == analyze(spec).total.macs == 1_385_344
    assert report.total == analyze(spec).total and report.output_shape == (10,)
    layers = imported_layers(path, tmp_path)
    assert "counted" not in layers and "attention:" in layers and "heads: 4}" in layers and "gelu" in layers
    assert [line.split(":")[0].strip("- ") for line in layers.splitlines() if line.startswith("  - ")] == [
        "conv", "tokens", "class_token", "position_embedding", "repeat", "layernorm", "take", "dense",
    ]  # fmt: skip


class HandWrittenAttention(torch.nn.Module):  # type: ignore[misc,name-defined]
    """Attention written out of Linears and matmuls, as many models write it (GPT-2's, BERT's)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.query, self.key, self.value, self.out = (torch.nn.Linear(width, width) for _ in range(4))
        self.heads = heads

    def forward(self, x: Any) -> Any:
        batch, tokens, width = x.shape
        split = [self.projected(layer, x) for layer in (self.query, self.key, self.value)]
        scores = split[0] @ split[1].transpose(-1, -2) / (width // self.heads) ** 0.5
        joined = (scores.softmax(-1) @ split[2]).transpose(1, 2).reshape(batch, tokens, width)
        return self.out(joined)

    def projected(self, layer: Any, x: Any) -> Any:
        batch, tokens, width = x.shape
        return layer(x).view(batch, tokens, self.heads, width // self.heads).transpose(1, 2)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_a_hand_written_attention_is_attention(dynamo: bool, tmp_path: Path) -> None:
    model = distinct(HandWrittenAttention(32, 4))
    path = exported(model, torch.zeros(1, 10, 32), tmp_path / "attention.onnx", dynamo)
    spec = load_text("input: 10x32\nlayers: [{attention: 4}]", "attention.yaml", "attention")
    report = analyze(load_spec(str(path)))
    assert report.total == analyze(spec).total
    assert report.total.params == sum(parameter.numel() for parameter in model.parameters()) == measure(spec).params
    assert report.total.macs == measure(spec).macs == 4 * 10 * 32 * 32 + 2 * 10 * 10 * 32
    assert imported_layers(path, tmp_path).strip().endswith("heads: 4}")


class RecurrentClassifier(torch.nn.Module):  # type: ignore[misc,name-defined]
    """Two bidirectional recurrent layers over 10 steps of 16 features, the last step into 5 classes (torch is
    importorskip's module here, which mypy cannot subclass)."""

    def __init__(self, kind: str = "LSTM") -> None:
        super().__init__()
        self.recurrent = getattr(torch.nn, kind)(16, 32, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = torch.nn.Linear(64, 5)

    def forward(self, x: Any) -> Any:
        y, _ = self.recurrent(x)
        return self.fc(y[:, -1])


@pytest.mark.parametrize(
    ("kind", "dynamo"),
    [("LSTM", False), ("GRU", False), ("RNN", False), ("LSTM", True), ("GRU", True)],
    ids=["lstm-torchscript", "gru-torchscript", "rnn-torchscript", "lstm-dynamo", "gru-dynamo"],
)
def test_a_bidirectional_recurrent_classifier_reads_as_its_kind(kind: str, dynamo: bool, tmp_path: Path) -> None:
    """The exported recurrent nodes, the transposes around them and `y[:, -1]` are one layer of 2 stacked
    bidirectional layers that keeps its last step, with PyTorch's parameters (two biases per gate set)
    and the contract's MACs, N·g·H·(I + H) per layer and direction."""
    model = distinct(RecurrentClassifier(kind))
    path = exported(model, torch.zeros(1, 10, 16), tmp_path / "recurrent.onnx", dynamo)
    text = f"input: 10x16\nlayers: [{{{kind.lower()}: {{hidden: 32, layers: 2, bidirectional: true, sequences: false}}}}, {{dense: 5}}]"
    spec = load_text(text, "classifier.yaml", "classifier")
    report = analyze(load_spec(str(path)))
    assert report.total == analyze(spec).total
    assert report.total.params == sum(parameter.numel() for parameter in model.parameters()) == measure(spec).params
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
    assert report.total.macs == measure(spec).macs == 2 * 10 * gates * 32 * (16 + 32) + 2 * 10 * gates * 32 * (64 + 32) + 64 * 5
    layers = imported_layers(path, tmp_path)
    assert f"{kind.lower()}: " in layers and "layers: 2, bidirectional: true, sequences: false}" in layers and "counted" not in layers


def test_the_dynamo_exporter_unrolls_an_rnn_and_folds_its_first_step(tmp_path: Path) -> None:
    """torch.onnx's dynamo exporter writes nn.RNN as its steps, one MatMul each, and folds the first
    step's h0·W_hh + b_hh (h0 is zeros) into a stored constant: the file holds 32 values more per layer
    and direction than PyTorch counts, and one step's 32×32 MACs fewer. archcalc reports the file, as a
    counted layer."""
    model = distinct(RecurrentClassifier("RNN"))
    path = exported(model, torch.zeros(1, 10, 16), tmp_path / "rnn.onnx", dynamo=True)
    spec = load_spec(str(path))
    report = analyze(spec)
    assert isinstance(spec.layers[0], Counted)
    assert report.total.params == sum(parameter.numel() for parameter in model.parameters()) + 4 * 32
    assert report.total.macs == 10 * 32 * (16 + 32) * 2 + 10 * 32 * (64 + 32) * 2 + 64 * 5 - 4 * 32 * 32


class CausalSelfAttention(torch.nn.Module):  # type: ignore[misc,name-defined]
    """GPT-2's attention: one Linear of 3·D split into queries, keys and values, PyTorch's causal
    scaled_dot_product_attention, an output Linear."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.c_attn = torch.nn.Linear(width, 3 * width)
        self.c_proj = torch.nn.Linear(width, width)
        self.heads = heads

    def forward(self, x: Any) -> Any:
        batch, tokens, width = x.shape
        split = (part.view(batch, tokens, self.heads, width // self.heads).transpose(1, 2) for part in self.c_attn(x).split(width, dim=2))
        y = torch.nn.functional.scaled_dot_product_attention(*split, is_causal=True)
        return self.c_proj(y.transpose(1, 2).reshape(batch, tokens, width))


class DecoderBlock(torch.nn.Module):  # type: ignore[misc,name-defined]
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(width), torch.nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, 4 * width), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(4 * width, width))

    def forward(self, x: Any) -> Any:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class SmallGPT(torch.nn.Module):  # type: ignore[misc,name-defined]
    """GPT-2, small: token and position embeddings, 2 pre-norm decoder blocks, logits through the token table."""

    def __init__(self) -> None:
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(100, 32), torch.nn.Embedding(16, 32)
        self.h = torch.nn.Sequential(DecoderBlock(32, 4), DecoderBlock(32, 4))
        self.ln_f = torch.nn.LayerNorm(32)
        self.lm_head = torch.nn.Linear(32, 100, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, ids: Any) -> Any:
        positions = torch.arange(ids.shape[1])
        return self.lm_head(self.ln_f(self.h(self.wte(ids) + self.wpe(positions))))


SMALL_GPT = """
input: 16
layers:
  - embedding: {vocab: 100, dim: 32, name: wte}
  - position_embedding
  - repeat:
      times: 2
      layers:
        - residual: [layernorm, {attention: {heads: 4, causal: true}}]
        - residual: [layernorm, {dense: 128}, gelu, {dense: 32}]
  - layernorm
  - dense: {units: 100, bias: false, tie: wte}
"""


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_a_small_gpt_with_a_causal_mask_and_a_tied_head(dynamo: bool, tmp_path: Path) -> None:
    """The causal mask (computed by the TorchScript exporter, stored by the dynamo one) is not a
    parameter; the head's folded copy of the token table is a tie; every figure is PyTorch's."""
    model = distinct(SmallGPT())
    path = exported(model, torch.zeros(1, 16, dtype=torch.long), tmp_path / "gpt.onnx", dynamo)
    spec = load_text(SMALL_GPT, "small_gpt.yaml", "small_gpt")
    report, figures = analyze(load_spec(str(path))), measure(spec)
    assert report.total.params == sum(parameter.numel() for parameter in model.parameters()) == figures.params == 29_184
    assert report.total.macs == figures.macs == analyze(spec).total.macs
    layers = imported_layers(path, tmp_path)
    assert "counted" not in layers and "tie: " in layers and "attention: " in layers


class TiedLanguageModel(torch.nn.Module):  # type: ignore[misc,name-defined]
    """Token ids embedded, a GRU, and logits through the embedding's own table (a tied head)."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(50, 16)
        self.gru = torch.nn.GRU(16, 16, batch_first=True)
        self.head = torch.nn.Linear(16, 50, bias=False)
        self.head.weight = self.embedding.weight

    def forward(self, ids: Any) -> Any:
        return self.head(self.gru(self.embedding(ids))[0])


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_a_tied_head_is_counted_once_as_pytorch_counts_it(dynamo: bool, tmp_path: Path) -> None:
    """The exporter folds the head's transpose of the table into a second stored tensor: it is read as
    a tie, counted once, and said."""
    model = distinct(TiedLanguageModel())
    path = exported(model, torch.zeros(1, 12, dtype=torch.long), tmp_path / "lm.onnx", dynamo)
    spec = load_spec(str(path))
    report = analyze(spec)
    assert report.total.params == sum(parameter.numel() for parameter in model.parameters()) == 50 * 16 + 3 * 16 * 32 + 6 * 16
    assert report.total.macs == 12 * 3 * 16 * 32 + 12 * 16 * 50
    assert "a second time, transposed" in spec.notes[0]
    layers = imported_layers(path, tmp_path)
    assert "gru: " in layers and "tie: " in layers and "counted" not in layers
