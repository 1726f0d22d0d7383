"""`archcalc train`: the training figures the issue fixes by hand, the fit, every format, and every
bad value (a located error, exit 2). What PyTorch measures is tests/test_training_parity.py's."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.engine.report import Report
from archcalc.engine.training import Training, TrainingRequest, training_of
from archcalc.formats import load_text
from archcalc.kinds import KINDS
from archcalc.model import Layer
from archcalc.quantities import parse_bytes, parse_count
from tests.conftest import ARCHSPECS

runner = CliRunner()
CNN = ARCHSPECS / "seed" / "cnn.yaml"
LLAMA3 = ARCHSPECS / "zoo" / "language" / "llama3_8b.yaml"
GPT2 = ARCHSPECS / "zoo" / "language" / "gpt2.yaml"
ZERO_EXAMPLE = ARCHSPECS / "exercises" / "zero_7_5b.yaml"
GIB = 2**30


def run(*arguments: str | Path, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(argument) for argument in arguments], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def trained(*arguments: str | Path, stdin: str | None = None) -> dict:  # type: ignore[type-arg]
    code, out, err = run("train", *arguments, "--format", "json", stdin=stdin)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_the_seed_cnn_at_batch_2() -> None:
    """conv: 72 MACs a sample, its weights' gradient as many, no input gradient (the input needs none);
    dense: 16 and 16 and 16. Kept: the input (16 values) and the ReLU's output (8), which the dense
    keeps too, through the flatten's view: 24 values × 2 samples × 4 bytes. AdamW: 38 × 8 bytes and
    four 4-byte steps."""
    document = trained(CNN, "--batch", "2")
    totals, memory = document["totals"], document["memory"]
    assert (totals["macs"], totals["backward_macs"], memory["activation_bytes"], memory["optimizer_state_bytes"]) == (176, 208, 192, 320)
    assert totals["train_macs"] == 176 + 208
    assert (memory["param_bytes"], memory["gradient_bytes"], memory["total_bytes"]) == (152, 152, 152 + 152 + 320 + 192)
    conv, relu, flatten, dense = document["layers"]
    assert (conv["backward_macs"], conv["input_grad_macs"], conv["activation_bytes"]) == (144, 0, 128)
    assert (relu["activation_bytes"], flatten["activation_bytes"], dense["activation_bytes"]) == (64, 0, 0)
    assert (dense["input_grad_macs"], dense["weight_grad_macs"]) == (32, 32)


@pytest.mark.parametrize(("zero", "gigabytes"), [(0, "120.00"), (1, "31.41"), (2, "16.64"), (3, "1.88")])
def test_zero_stages_give_the_papers_figures(zero: int, gigabytes: str) -> None:
    """Rajbhandari et al. 2020: Ψ = 7.5B, N = 64, mixed precision and Adam (K = 12): 120 GB, 31.4 GB,
    16.6 GB, 1.88 GB of model states per GPU. The two `step` tensors (4 bytes each) are every GPU's."""
    memory = trained(ZERO_EXAMPLE, "--precision", "mixed-bf16", "--optimizer", "adam", "--gpus", "64", "--zero", str(zero))["memory"]
    states = memory["param_bytes"] + memory["gradient_bytes"] + memory["optimizer_state_bytes"]
    psi = 7_500_000_000
    expected = [16 * psi, 4 * psi + 12 * psi // 64, 2 * psi + 14 * psi // 64, 16 * psi // 64][zero]
    assert states == expected + 8
    assert f"{states / 1e9:.2f}" == gigabytes


def test_llama3_8b_does_not_fit_an_h100_until_sharded() -> None:
    """16 bytes × 8.03B parameters of model states (fp32 AdamW) exceed 80 GiB; ZeRO 3 over 8 GPUs
    leaves 2 bytes a parameter. At 8,192 tokens the activations kept in fp32 still exceed what is
    left; in mixed bf16 one sequence fits."""
    alone = trained(LLAMA3, "--device", "h100-sxm")
    params = alone["totals"]["params"]
    over = alone["memory"]["total_bytes"] - 80 * GIB  # at batch 1, what the step asked for is what batch 1 needs
    assert alone["fit"] == {"device": "h100-sxm", "limit_bytes": 80 * GIB, "reserve_bytes": 0, "fits": False, "max_batch": 0, "batch_one_over_bytes": over}
    states = alone["memory"]["param_bytes"] + alone["memory"]["gradient_bytes"] + alone["memory"]["optimizer_state_bytes"]
    assert states == 16 * params + 4 * (1 + 32 * 9 + 2) > 80 * GIB  # a step tensor per parameter tensor
    sharded = trained(LLAMA3, "--device", "h100-sxm", "--zero", "3", "--gpus", "8", "--precision", "mixed-bf16")
    assert sharded["fit"]["fits"] is True and sharded["fit"]["max_batch"] == 1


def test_gpt2_largest_batch_on_an_h100_under_amp() -> None:
    """The largest batch that fits does, and one more does not: each recomputed in full."""
    fit = trained(GPT2, "--device", "h100-sxm", "--precision", "amp-bf16")["fit"]
    largest = fit["max_batch"]
    assert largest > 1
    assert trained(GPT2, "--batch", str(largest), "--device", "h100-sxm", "--precision", "amp-bf16")["fit"]["fits"] is True
    assert trained(GPT2, "--batch", str(largest + 1), "--device", "h100-sxm", "--precision", "amp-bf16")["fit"]["fits"] is False


def test_a_limit_below_the_weights_fits_nothing_and_exits_0() -> None:
    document = trained(CNN, "--memory-limit", "100")
    assert document["fit"]["fits"] is False and document["fit"]["max_batch"] == 0


def test_the_reserve_comes_out_of_the_limit() -> None:
    """816 bytes at batch 2; 720 at batch 1, 96 more a sample."""
    assert trained(CNN, "--memory-limit", "1000")["fit"]["max_batch"] == 3  # 624 of model states + 3 × 96 = 912
    assert trained(CNN, "--memory-limit", "1000", "--reserve", "100")["fit"]["max_batch"] == 2


def test_check_fails_a_spec_over_its_training_budget(tmp_path: Path) -> None:
    spec = tmp_path / "trained.yaml"
    spec.write_text(CNN.read_text().replace("budget:", "training: {batch: 2, budget: {total_bytes: 800, activation_bytes: 200}}\nbudget:"))
    code, out, _ = run("check", spec, "--format", "json")
    assert code == 1
    budgets = {budget["budget"]: (budget["actual"], budget["passed"]) for budget in json.loads(out)["specs"][0]["budgets"]}
    assert budgets["train_total_bytes"] == (816, False) and budgets["train_activation_bytes"] == (192, True)
    assert budgets["params"] == (38, True)


def test_a_training_device_is_the_default_limit(tmp_path: Path) -> None:
    spec = tmp_path / "llama.yaml"
    spec.write_text(LLAMA3.read_text() + "training: {device: h100-sxm, precision: mixed-bf16}\n")
    code, out, _ = run("check", spec, "--format", "json")
    assert code == 1
    (budget,) = json.loads(out)["specs"][0]["budgets"]
    assert budget["budget"] == "train_total_bytes" and budget["limit"] == 80 * GIB


def test_a_frozen_layer_keeps_its_parameters_and_loses_its_training() -> None:
    """The conv frozen: nothing before the dense trains, so the ReLU keeps nothing and the dense needs
    no input gradient; its weights alone have gradients and optimizer state."""
    spec = "input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernel: 3, trainable: false}\n  - relu\n  - flatten\n  - dense: 2\n"
    document = trained("-", "--batch", "2", stdin=spec)
    assert document["totals"]["params"] == 38 and document["totals"]["trainable_params"] == 18
    assert document["totals"]["backward_macs"] == 32
    assert document["memory"]["activation_bytes"] == 64 and document["memory"]["optimizer_state_bytes"] == 18 * 8 + 2 * 4


def test_korthikanti_activation_memory() -> None:
    """Korthikanti et al. 2022: a transformer layer keeps sbh(34 + 5as/h) bytes in 16-bit with dropout
    (masks of a byte), eager attention; archcalc adds what that formula leaves out: the layer norms'
    float32 statistics (2 per token each, 16sb) and the causal mask (s², one byte each)."""
    s, b, h, a = 16, 2, 32, 4
    block = (
        f"input: {s}x{h}\nlayers:\n  - dense: {h}\n  - block:\n"
        f"    - residual: [layernorm, {{attention: {{heads: {a}, causal: true, dropout: 0.1}}}}, {{dropout: 0.1}}]\n"
        f"    - residual: [layernorm, {{dense: {4 * h}}}, gelu, {{dense: {h}}}, {{dropout: 0.1}}]\n"
    )
    document = trained("-", "--batch", str(b), "--precision", "bf16", "--attention", "eager", stdin=block)
    assert document["layers"][1]["activation_bytes"] == s * b * h * (34 + 5 * a * s // h) + 16 * s * b + s * s


def test_flash_attention_keeps_no_score_matrix() -> None:
    block = "input: 64x32\nlayers:\n  - dense: 32\n  - attention: {heads: 4, causal: true}\n"
    flash = trained("-", "--batch", "2", stdin=block)["layers"][1]["activation_bytes"]
    eager = trained("-", "--batch", "2", "--attention", "eager", stdin=block)["layers"][1]["activation_bytes"]
    tokens, width, heads, batch = 64, 32, 4, 2
    assert flash == 4 * batch * (tokens * width * 5 + tokens * heads) + 0  # x, q, k, v, output; the logsumexp in float32
    assert eager == 4 * batch * (tokens * width * 5 + heads * tokens * tokens) + tokens * tokens  # x, q, k, v, heads' output, softmax; the causal mask


def test_checkpointing_keeps_each_blocks_input_and_recomputes_it() -> None:
    spec = "input: 8x16\nlayers:\n  - dense: 16\n  - repeat: {times: 4, layers: [{dense: 16}, relu]}\n"
    plain = trained("-", stdin=spec)
    checkpointed = trained("-", "--checkpointing", "full", stdin=spec)
    block = 8 * 16 * 4  # a pass's input, or its ReLU's output
    assert plain["memory"]["activation_bytes"] == block * 6  # the input, the first dense's output, each pass's ReLU output (the next dense's input)
    assert checkpointed["memory"]["activation_bytes"] == block * 5  # the network's input, and each pass's input
    assert checkpointed["memory"]["peak_backward_bytes"] == block * 6  # and one pass's ReLU output while it runs again
    assert checkpointed["totals"]["train_macs"] == plain["totals"]["train_macs"] + 4 * 8 * 16 * 16


@pytest.mark.parametrize("output_format", ["table", "csv", "markdown"])
def test_every_format(output_format: str) -> None:
    code, out, err = run("train", CNN, "--batch", "2", "--device", "t4", "--format", output_format)
    assert code == 0 and err == ""
    if output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [row["activation_bytes"] for row in rows] == ["128", "64", "0", "0", "192"]
    else:
        assert "optimizer state" in out and "320" in out and "fits in t4" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--batch", "0"], "--batch"),
        (["--batch", "-3"], "--batch"),
        (["--optimizer", "adamm"], "--optimizer"),
        (["--device", "h100"], "h100"),
        (["--zero", "2"], "--gpus"),
        (["--zero", "4", "--gpus", "2"], "--zero"),
        (["--memory-limit", "7B"], "'--memory-limit': '7B' is ambiguous"),
        (["--memory-limit", "lots"], "'--memory-limit': 'lots' is not a byte size"),
        (["--memory-limit", "80XB"], "'--memory-limit': '80XB' is not a byte size"),  # not a billion of anything
        (["--reserve", "2Q"], "'--reserve': '2Q' is not a byte size"),
        (["--precision", "fp8"], "--precision"),
    ],
)
def test_bad_values_are_located_errors(arguments: list[str], message: str) -> None:
    code, out, err = run("train", CNN, *arguments)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "value"),
    [("80GiB", 80 * GIB), ("80G", 80 * 10**9), ("80GB", 80 * 10**9), ("1.5KiB", 1536), ("512", 512), ("2TiB", 2 * 2**40)],
)
def test_byte_sizes(text: str, value: int) -> None:
    assert parse_bytes(text) == value


def test_a_byte_size_of_7b_is_refused_and_a_count_of_7b_is_7_billion() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        parse_bytes("7B")
    assert parse_count("7B") == 7 * 10**9 and parse_count("8.03B") == 8_030_000_000


def test_compare_and_sweep_train() -> None:
    code, out, _ = run("compare", "--train", "--batch", "2", ARCHSPECS / "seed" / "ann.yaml", CNN, "--format", "json")
    assert code == 0
    cnn = json.loads(out)["trainings"][1]
    assert (cnn["totals"]["backward_macs"], cnn["memory"]["total_bytes"]) == (208, 816)
    code, out, _ = run("sweep", CNN, "--batch", "1,8,64", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(row["batch"], row["activation_bytes"]) for row in rows] == [("1", "96"), ("8", "768"), ("64", "6144")]


def test_show_memory_with_eager_attention_counts_the_scores() -> None:
    """issue 26: at 32,768 tokens GPT-2's eager scores are 12 × 32,768² × 4 bytes, and the softmax as many again."""
    spec = (ARCHSPECS / "exercises" / "gpt2_any_length.yaml").read_text().replace("input: 1024", "input: 32768")
    peaks = {}
    for attention in ("flash", "eager"):
        code, out, _ = run("show", "-", "--memory", "--attention", attention, "--format", "json", stdin=spec)
        assert code == 0
        peaks[attention] = json.loads(out)["memory"]["peak_activation_bytes"]
    tokens = 32768
    assert peaks["eager"] == 2 * 12 * tokens**2 * 4 + 2 * tokens * 768 * 4
    assert peaks["flash"] < 7 * 10**9


def example_training(kind: type[Layer], before: bool) -> tuple[Report, Training]:
    input_shape, layer = kind.EXAMPLE
    layers = ([f"dense: {input_shape.split('x')[-1]}"] if before else []) + [*kind.EXAMPLE_BEFORE, layer]
    report = analyze(load_text(f"input: {input_shape}\nlayers:\n" + "".join(f"  - {item}\n" for item in layers), "<example>", "example"))
    return report, training_of(report, TrainingRequest(batch=3))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kinds_example_trains_and_its_rows_add_up(kind: type[Layer]) -> None:
    """Each kind's example, first (its input needs no gradient) and after a dense layer (it does):
    the rows add up to the totals, a backward pass costs at most twice the forward one, and the
    input side's gradients cost no more when nothing before the layer trains (inside a layer, what
    follows its own weights may still need them: patch merging's linear layer after its norm)."""
    figures = []
    for before in (False, True):
        report, training = example_training(kind, before)
        assert sum(row.activation_bytes for row in training.layers) == training.memory.activation_bytes
        assert sum(row.backward_macs for row in training.layers) == training.backward_macs <= 2 * training.macs
        assert training.trainable_params == report.total.params
        figures.append(training.layers[-1])
    first, after_dense = figures
    assert first.input_grad_macs <= after_dense.input_grad_macs and first.weight_grad_macs == after_dense.weight_grad_macs


def test_tokens_sets_the_sequence_as_show_does() -> None:
    """`--tokens` reads the spec on a sequence of that length, for train as for show: the activations
    GPT-2's layers keep (flash attention: no N² term) double with the tokens, as show's peak does,
    and match the spec written with that input."""
    spec = ARCHSPECS / "exercises" / "gpt2_any_length.yaml"
    kept, peaks = [], []
    for tokens in ("64", "128"):
        document = trained(spec, "--tokens", tokens)
        assert document["input_shape"] == [int(tokens)]
        kept.append(document["memory"]["activation_bytes"])
        code, out, _ = run("show", spec, "--tokens", tokens, "--memory", "--format", "json")
        assert code == 0
        peaks.append(json.loads(out)["memory"]["peak_activation_bytes"])
    assert kept[1] == 2 * kept[0] and peaks[1] == 2 * peaks[0]
    written = trained("-", stdin=spec.read_text().replace("input: 1024", "input: 64"))
    assert written["memory"] == trained(spec, "--tokens", "64")["memory"]
    code, out, err = run("train", CNN, "--tokens", "8")
    assert (code, out) == (2, "") and "--tokens sets the length of a sequence, and the input 4×4×1 is not one" in err


def test_untie_and_input_reach_the_onnx_reader(tmp_path: Path) -> None:
    """An exported weight two layers read is counted once, or each layer's with --untie; of a model's
    two inputs, --input names the one its layers start from (as `show` reads them)."""
    from tests.onnx_models import Graph  # lazy: onnx only for this test
    from tests.test_onnx_merged import shared_dense, two_inputs

    g = Graph([1, 5, 8])
    shared = g.save(shared_dense(g), tmp_path / "model.onnx")
    tied, untied = trained(shared), trained(shared, "--untie")
    assert (tied["totals"]["params"], untied["totals"]["params"]) == (80, 144)
    assert (tied["memory"]["param_bytes"], untied["memory"]["param_bytes"]) == (80 * 4, 144 * 4)
    two = two_inputs(tmp_path, "tokens", "mask")
    code, out, err = run("train", two)
    assert (code, out) == (2, "") and "--input NAME" in err
    assert trained(two, "--input", "tokens")["input_shape"] == [4]


def test_when_not_even_batch_1_fits_it_says_so_and_by_how_much() -> None:
    """The seed CNN takes 720 bytes at batch 1 (624 of model states, 96 kept): 620 over a 100-byte
    limit, whatever batch was asked (at batch 4, 720 + 3 × 96 = 1,008 are asked; batch 1 is still 620 over)."""
    for batch in ("1", "4"):
        assert trained(CNN, "--memory-limit", "100", "--batch", batch)["fit"]["batch_one_over_bytes"] == 620
    code, out, _ = run("train", CNN, "--memory-limit", "100")
    assert code == 0
    assert "not even batch 1 fits: it needs 620 bytes more" in out and "largest batch that fits: 0" not in out
    assert trained(CNN, "--memory-limit", "1000")["fit"]["batch_one_over_bytes"] == 0


def test_a_devices_memory_reads_as_archcalc_devices_lists_it() -> None:
    """t4: 16 GiB in the device table; train and serve say the same, then its exact bytes."""
    _, listed, _ = run("devices")
    assert any("t4" in line and "16 GiB" in line for line in listed.splitlines())
    _, trained_text, _ = run("train", CNN, "--device", "t4")
    _, served_text, _ = run("serve", CNN, "--device", "t4")
    for text in (trained_text, served_text):
        assert "t4's 16 GiB (17,179,869,184 bytes)" in text and "(17.2G)" not in text


def test_compare_train_names_attention_only_for_a_model_with_attention() -> None:
    code, out, _ = run("compare", "--train", ARCHSPECS / "seed" / "ann.yaml", CNN)
    assert code == 0 and "attention" not in out
    code, out, _ = run("compare", "--train", CNN, GPT2, "--attention", "eager")
    assert code == 0 and "eager attention" in out


TRAINED = "training: {batch: 2, optimizer: sgd, device: t4}\n"


def test_train_takes_the_specs_training_block_as_check_does(tmp_path: Path) -> None:
    """batch 2, SGD (no state), on a T4: 152 + 152 + 0 + 192 = 496 bytes, what check measures
    against the T4's 16 GiB; train says which settings came from the spec."""
    spec = tmp_path / "tr.yaml"
    spec.write_text(CNN.read_text() + TRAINED)
    document = trained(spec)
    assert document["memory"]["batch"] == 2 and document["memory"]["optimizer"] == "sgd" and document["memory"]["total_bytes"] == 496
    assert document["fit"]["device"] == "t4" and document["fit"]["limit_bytes"] == 16 * GIB
    assert document["from_spec"] == ["batch", "optimizer", "device"]
    _, checked, _ = run("check", spec, "--format", "json")
    budget = next(budget for budget in json.loads(checked)["specs"][0]["budgets"] if budget["budget"] == "train_total_bytes")
    assert budget["actual"] == document["memory"]["total_bytes"]
    code, out, _ = run("train", spec)
    assert code == 0 and "train at batch 2 · fp32 · sgd" in out
    assert "from the spec's training block: batch 2, optimizer sgd, device t4" in out and "fits in t4's 16 GiB" in out


def test_a_flag_overrides_the_specs_training_block(tmp_path: Path) -> None:
    """--batch 1 and --optimizer adamw: the seed CNN's 720 bytes; --memory-limit replaces the spec's device."""
    spec = tmp_path / "tr.yaml"
    spec.write_text(CNN.read_text() + TRAINED)
    document = trained(spec, "--batch", "1", "--optimizer", "adamw", "--memory-limit", "1000")
    assert document["memory"]["total_bytes"] == 720 and document["from_spec"] == []
    assert document["fit"]["device"] is None and document["fit"]["limit_bytes"] == 1000
    assert trained(spec, "--device", "a100-80gb")["fit"]["device"] == "a100-80gb"
    assert trained(CNN)["from_spec"] == []


def test_compare_and_sweep_train_take_each_specs_training_block(tmp_path: Path) -> None:
    spec = tmp_path / "tr.yaml"
    spec.write_text(CNN.read_text() + TRAINED)
    code, out, _ = run("compare", "--train", spec, ARCHSPECS / "seed" / "ann.yaml", "--format", "json")
    assert code == 0
    cnn, ann = json.loads(out)["trainings"]
    assert (cnn["memory"]["batch"], cnn["memory"]["optimizer"], cnn["memory"]["total_bytes"], cnn["from_spec"]) == (2, "sgd", 496, ["batch", "optimizer"])
    assert (ann["memory"]["optimizer"], ann["from_spec"]) == ("adamw", [])
    _, out, _ = run("compare", "--train", spec, ARCHSPECS / "seed" / "ann.yaml")
    assert "seed-cnn: fp32 · sgd; seed-ann: fp32 · adamw" in out and "from the spec's training block: seed-cnn: batch 2, optimizer sgd" in out
    code, out, _ = run("sweep", spec, "--batch", "1,2", "--format", "csv")
    assert [(row["batch"], row["total_bytes"]) for row in csv.DictReader(io.StringIO(out))] == [("1", "400"), ("2", "496")]
    code, out, _ = run("sweep", spec, "--batch", "1,2", "--optimizer", "adamw", "--format", "csv")
    assert [(row["batch"], row["total_bytes"]) for row in csv.DictReader(io.StringIO(out))] == [("1", "720"), ("2", "816")]
