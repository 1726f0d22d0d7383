"""`archcalc serve`: roofline time and memory on a device (issue 23), checked against hand
computations and physical bounds written here, not against archcalc's own output."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.arithmetic import volume
from archcalc.devices import Device, device, devices, load_device_file
from archcalc.engine import analyze
from archcalc.engine.report import Report, walk
from archcalc.engine.serving import decode_seconds, rows_of, serving, timed, with_sequence
from archcalc.engine.serving_values import ServeRequest, Serving, Timed, precision
from archcalc.errors import ArchcalcError
from archcalc.formats import load_spec
from archcalc.kinds import KINDS
from archcalc.kinds.attention import Attention
from archcalc.kinds.dense import Dense
from archcalc.kinds.embedding import Embedding, PositionEmbedding, SegmentEmbedding
from archcalc.model import Layer
from tests.conftest import ARCHSPECS, report_from

LANGUAGE = ARCHSPECS / "zoo/language"


def run(*arguments: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(argument) for argument in arguments])
    return result.exit_code, result.stdout, result.stderr


def report_of(path: str | Path) -> Report:
    return analyze(load_spec(str(path)))


def served(path: str | Path, name: str, **asked: object) -> Serving:
    return serving(report_of(path), device(name), ServeRequest(**asked))  # type: ignore[arg-type]


def causal_decoders() -> list[Path]:
    """Every spec in the language zoo with a causal attention: the ones that generate token by token."""
    found = []
    for path in sorted(LANGUAGE.glob("*.yaml")):
        report = report_of(path)
        if any(isinstance(result.layer, Attention) and result.layer.causal for result, _ in walk(report.layers)):
            found.append(path)
    return found


def token_bytes(report: Report, cached: int, value_bytes: int = 2) -> int:
    """What one decode step of one sequence must read, by the issue's rule: the weights of every layer
    it runs, where a lookup (token, position, segment) reads one row and a tied head the whole table
    it shares, plus the keys and values of the `cached` tokens: 2·c·kv·d per causal attention."""
    values = 0
    for result, times in walk(report.layers):
        layer = result.layer
        if result.children:
            continue
        if isinstance(layer, (Embedding, PositionEmbedding, SegmentEmbedding)):
            values += times * result.output_shape[-1]
        elif isinstance(layer, Dense) and layer.tie is not None:
            values += times * (layer.units * result.input_shape[-1] + result.cost.biases)
        else:
            values += times * (result.cost.params + result.cost.non_trainable)
        if isinstance(layer, Attention) and layer.causal:
            width = result.input_shape[-1]
            head = layer.head_dim or width // layer.heads
            values += times * 2 * cached * (layer.kv_heads or layer.heads) * head
    return values * value_bytes


def test_the_zoo_has_causal_decoders() -> None:
    assert {path.stem for path in causal_decoders()} >= {"gpt2", "llama2_7b", "llama3_8b"}


@pytest.mark.parametrize("path", causal_decoders(), ids=lambda path: path.stem)
def test_a_decode_step_at_batch_1_takes_between_the_bytes_it_reads_over_bandwidth_and_a_fifth_more(path: Path) -> None:
    """The physical bound: a token cannot be made faster than its weights and cache can be read, and
    at batch 1 little else moves (activations of one token, norms, residual sums)."""
    report = report_of(path)
    one_token = analyze(with_sequence(report.spec, 1))
    needed = token_bytes(one_token, cached=128)
    for found in devices():
        result = serving(report, found, ServeRequest(batch=1, prompt=128, generate=1))
        step = result.last_step
        assert step is not None and step.cached == 128
        floor = needed / found.need("bandwidth")
        assert floor <= step.seconds <= 1.2 * floor, (found.name, step.seconds / floor)


def leaves(rows: tuple[Timed, ...]) -> list[Timed]:
    found = []
    for row in rows:
        found.extend(leaves(row.children) if row.children else [row])
    return found


def test_a_2048_token_prefill_of_llama3_8b_on_an_h100_is_compute_bound_in_its_linear_layers() -> None:
    result = served(LANGUAGE / "llama3_8b.yaml", "h100-sxm", prompt=2048, generate=1)
    linear = [row for row in leaves(result.first.layers) if row.result.layer.kind in ("dense", "attention", "gated_mlp")]
    assert {row.result.layer.kind for row in linear} == {"dense", "attention", "gated_mlp"}
    for row in linear:
        assert row.bound == "compute", (row.result.layer.where, row.intensity)
    code, out, _ = run("serve", LANGUAGE / "llama3_8b.yaml", "--device", "h100-sxm", "--prompt", "2048", "--format", "json")
    assert code == 0
    prefill = json.loads(out)["prefill"]["layers"]
    assert prefill[-1]["type"] == "dense" and prefill[-1]["bound"] == "compute"
    mlp = prefill[1]["layers"][1]["layers"][1]
    assert mlp["type"] == "gated_mlp" and mlp["bound"] == "compute" and mlp["times"] == 32


def hand_device(tmp_path: Path, peak: str, bandwidth: str) -> Device:
    path = tmp_path / "hand.yaml"
    path.write_text(f"devices:\n  hand:\n    memory_bytes: 1_000_000\n    bandwidth: {bandwidth}\n    peak: {{fp32: {peak}, fp16: {peak}}}\n")
    return device("hand", load_device_file(path))


def test_the_seed_cnn_layer_by_layer_by_hand(tmp_path: Path) -> None:
    """fp32 (4 bytes), batch 1, on a device of 100 FLOP/s and 1,000 B/s (the ridge: 0.1 FLOP/B).
    conv 3×3, 2 filters on 4×4×1: 18 + 2 = 20 weights (80 B) and 16 inputs (64 B) read, 2×2×2 = 8
    outputs (32 B) written, 72 MACs: compute 144/100 = 1.44 s, memory 176/1000 = 0.176 s.
    relu: reads and writes 8 values: 64 B, no MACs: 0.064 s. flatten: a view, nothing moves.
    dense 2 on 8: 16 + 2 = 18 weights (72 B) and 8 inputs (32 B) read, 2 outputs (8 B) written,
    16 MACs: compute 32/100 = 0.32 s, memory 112/1000 = 0.112 s."""
    hand = hand_device(tmp_path, "100", "1000")
    result = serving(report_of(ARCHSPECS / "seed/cnn.yaml"), hand, ServeRequest(precision=precision("fp32")))
    expected = [  # (kind, MACs, read, written, bound, seconds)
        ("conv", 72, 144, 32, "compute", 1.44),
        ("relu", 0, 32, 32, "memory", 0.064),
        ("flatten", 0, 0, 0, None, 0.0),
        ("dense", 16, 104, 8, "compute", 0.32),
    ]
    rows = result.first.layers
    assert len(rows) == len(expected)
    for row, (kind, macs, read, written, bound, seconds) in zip(rows, expected, strict=True):
        assert (row.result.layer.kind, row.macs, row.read_bytes, row.written_bytes, row.bound) == (kind, macs, read, written, bound)
        assert math.isclose(row.seconds, seconds, abs_tol=1e-12)
    assert math.isclose(result.first.seconds, 1.824)
    assert result.images_per_second is not None and math.isclose(result.images_per_second, 1 / 1.824)


def test_a_two_layer_dense_net_with_int8_weights_by_hand(tmp_path: Path) -> None:
    """The seed ANN (flatten, dense 8, dense 2) at batch 4 with int8 weights (flatten is a view: nothing moves): weights 1 byte each,
    biases and activations fp16 (2 bytes); a device of 1,000 FLOP/s and 100 B/s (ridge 10 FLOP/B).
    dense 8: 128 weights (128 B) + 8 biases (16 B), read once; 4 × 16 inputs (128 B) read, 4 × 8
    outputs (64 B) written; 4 × 128 = 512 MACs: compute 1,024/1,000 = 1.024 s, memory 336/100 = 3.36 s.
    dense 2: 16 B + 4 B of weights; 4 × 8 inputs (64 B) read, 4 × 2 outputs (16 B) written;
    4 × 16 = 64 MACs: compute 0.128 s, memory 100/100 = 1.0 s."""
    hand = hand_device(tmp_path, "1000", "100")
    result = serving(report_of(ARCHSPECS / "seed/ann.yaml"), hand, ServeRequest(batch=4, precision=precision("int8")))
    flatten, *dense = result.first.layers
    assert (flatten.result.layer.kind, flatten.read_bytes, flatten.written_bytes, flatten.bound, flatten.seconds) == ("flatten", 0, 0, None, 0.0)
    expected = [(512, 272, 64, 144, "memory", 3.36), (64, 84, 16, 20, "memory", 1.0)]
    for row, (macs, read, written, weights, bound, seconds) in zip(dense, expected, strict=True):
        assert (row.macs, row.read_bytes, row.written_bytes, row.weight_bytes, row.bound) == (macs, read, written, weights, bound)
        assert math.isclose(row.seconds, seconds)
    assert result.memory.weight_bytes == 128 + 16 + 16 + 4


def test_resnet50_images_a_second_are_below_the_compute_peak_and_the_table_names_what_holds_them() -> None:
    path = ARCHSPECS / "zoo/torchvision/resnet50.yaml"
    report = report_of(path)
    result = serving(report, device("h100-sxm"), ServeRequest(batch=256, precision=precision("bf16")))
    peak = device("h100-sxm").need("bf16")
    assert result.images_per_second is not None
    assert result.images_per_second <= peak / (2 * report.total.macs)
    code, out, _ = run("serve", path, "--device", "h100-sxm", "--images", "256", "--weights", "bf16")
    assert code == 0
    note = next(line for line in out.splitlines() if line.startswith("memory-bound layers holding it below the compute peak"))
    slowest = sorted((row for row in leaves(result.first.layers) if row.bound == "memory"), key=lambda row: -row.seconds)[0]
    assert f"#{slowest.result.layer.position} {slowest.result.layer.kind}" in note


def test_int4_weights_shrink_as_stated_and_the_largest_batch_grows() -> None:
    """int4 with groups of 128 stores ⌈n/2⌉ + 2·⌈n/128⌉ bytes for a layer's n weights (dense,
    attention, recurrent, conv; Llama's gated MLP is three dense layers); everything else stays fp16."""
    path = LANGUAGE / "llama2_7b.yaml"
    report = report_of(path)
    half = served(path, "a100-40gb", prompt=1024, generate=1024)
    quarter = served(path, "a100-40gb", prompt=1024, generate=1024, precision=precision("int4"))
    expected = 0
    for result, times in walk(report.layers):
        if result.children:
            continue
        cost = result.cost
        if result.layer.kind in ("dense", "attention", "gated_mlp"):
            n = cost.weights
            expected += times * ((n + 1) // 2 + 2 * -(-n // 128) + 2 * cost.biases)
        else:
            expected += times * 2 * cost.params
    assert quarter.memory.weight_bytes == expected
    assert half.memory.weight_bytes == 2 * report.total.params
    assert 3.5 < half.memory.weight_bytes / quarter.memory.weight_bytes < 4
    per_sequence = (half.memory.kv_cache_bytes + half.memory.activation_bytes) // half.batch
    limit = device("a100-40gb").need("memory_bytes")
    assert half.max_batch == (limit - half.memory.weight_bytes) // per_sequence
    assert quarter.max_batch == (limit - quarter.memory.weight_bytes) // per_sequence
    assert quarter.max_batch > half.max_batch
    # the weights a decode step reads shrink likewise, and the step with them
    assert quarter.last_step is not None and half.last_step is not None
    assert quarter.last_step.seconds < half.last_step.seconds / 2


def test_the_decode_sum_is_every_step_timed_one_by_one() -> None:
    """The closed form over G steps against the steps run one by one (step i: P + i − 1 cached)."""
    path = LANGUAGE / "gpt2.yaml"
    report = report_of(path)
    found = device("l4")
    for batch in (1, 64):
        result = serving(report, found, ServeRequest(batch=batch, prompt=100, generate=7))
        rows = rows_of(analyze(with_sequence(report.spec, 1)).layers, 1, batch, result.precision)
        one_by_one = sum(sum(timed(row, 100 + step, result.rates).seconds for row in rows) for step in range(7))
        assert math.isclose(result.decode_seconds, one_by_one)
        assert math.isclose(decode_seconds(rows, 100, 7, result.rates), one_by_one)
        assert result.tokens_per_second is not None and math.isclose(result.tokens_per_second, batch * 7 / one_by_one)


def test_decode_turns_compute_bound_as_the_batch_grows() -> None:
    path = LANGUAGE / "llama2_7b.yaml"
    small = served(path, "h100-sxm", batch=1, prompt=128, generate=1)
    large = served(path, "h100-sxm", batch=1024, prompt=128, generate=1)
    assert small.last_step is not None and large.last_step is not None
    mlp = [row for row in leaves(small.last_step.layers) if row.result.layer.kind == "gated_mlp"]
    assert mlp[0].bound == "memory"
    mlp = [row for row in leaves(large.last_step.layers) if row.result.layer.kind == "gated_mlp"]
    assert mlp[0].bound == "compute"


def test_efficiency_scales_the_time() -> None:
    path = LANGUAGE / "gpt2.yaml"
    full = served(path, "a100-80gb", prompt=64, generate=4)
    half = served(path, "a100-80gb", prompt=64, generate=4, efficiency=0.5)
    assert math.isclose(half.first.seconds, 2 * full.first.seconds)
    assert math.isclose(half.decode_seconds, 2 * full.decode_seconds)


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "markdown"])
def test_serve_in_every_format(output_format: str) -> None:
    code, out, err = run("serve", LANGUAGE / "gpt2.yaml", "--device", "a100-80gb", "--prompt", "64", "--generate", "8", "--format", output_format)
    assert code == 0 and err == ""
    if output_format == "json":
        document = json.loads(out)
        assert document["prefill"]["seconds"] > 0 and document["decode"]["seconds_per_token"] > 0
        assert document["decode"]["tokens_per_second"] > 0 and document["memory"]["total_bytes"] > 0
        assert document["fit"]["max_batch"] > 0 and document["fit"]["max_context"] > 0
        assert {"bound", "seconds"} <= set(document["prefill"]["layers"][0])
    elif output_format == "csv":
        assert out.splitlines()[0].startswith("pass,position,layer,macs,bytes_read,bytes_written,intensity,bound,seconds,share,depth")
    else:
        assert "prefill" in out and "decode" in out and "tokens/s" in out


def test_a_vision_json_gives_images_a_second() -> None:
    code, out, _ = run("serve", ARCHSPECS / "seed/cnn.yaml", "--device", "t4", "--images", "8", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["throughput"]["images_per_second"] > 0 and "prefill" not in document and document["fit"]["max_context"] is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--device", "h100"), "--device: unknown device 'h100'; did you mean"),
        (("--device", "a100-80gb", "--prompt", "0"), "--prompt: the prompt must be at least 1 token, got 0"),
        (("--device", "a100-80gb", "--batch", "0"), "--batch: the batch must be at least 1, got 0"),
        (("--device", "a100-80gb", "--efficiency", "1.5"), "--efficiency: the efficiency must be above 0 and at most 1"),
        (("--device", "a100-80gb", "--weights", "fp8"), "devices.yaml:25:3: device 'a100-80gb' has no fp8 unit"),
        (("--device", "t4", "--weights", "bf16"), "device 't4' has no bf16 unit"),
    ],
)
def test_bad_requests_are_located_errors_exit_2(arguments: tuple[str, ...], message: str) -> None:
    code, out, err = run("serve", LANGUAGE / "gpt2.yaml", *arguments)
    assert code == 2 and out == ""
    assert message in err, err


def test_a_device_file_without_a_figure_the_run_needs_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("devices:\n  mine:\n    memory_bytes: 80G\n    peak: {fp16: 100T}\n")
    code, out, err = run("serve", LANGUAGE / "gpt2.yaml", "--device", "mine", "--device-file", path)
    assert code == 2 and out == "" and "mine.yaml:2:3: device 'mine' has no bandwidth" in err
    path.write_text("devices:\n  mine:\n    memory_bytes: 80G\n    bandwidth: 0\n")
    code, out, err = run("serve", LANGUAGE / "gpt2.yaml", "--device", "mine", "--device-file", path)
    assert code == 2 and out == "" and "mine.yaml:4:16: bandwidth of device 'mine' must be positive, got 0" in err


def test_prompt_and_generate_belong_to_language_models() -> None:
    code, _, err = run("serve", ARCHSPECS / "seed/cnn.yaml", "--device", "t4", "--prompt", "8")
    assert code == 2 and "--prompt: this is for a language model" in err
    code, _, err = run("serve", LANGUAGE / "gpt2.yaml", "--device", "t4", "--images", "8")
    assert code == 2 and "--images: this is for a vision model, and gpt2 reads token ids; give --batch" in err
    code, _, err = run("serve", LANGUAGE / "bert_base.yaml", "--device", "t4", "--generate", "8")
    assert code == 2 and "--generate: bert_base has no causal attention" in err


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "markdown"])
def test_compare_puts_specs_and_devices_side_by_side(output_format: str) -> None:
    specs = (LANGUAGE / "gpt2.yaml", LANGUAGE / "llama2_7b.yaml")
    code, out, err = run("compare", *specs, "--device", "a100-80gb", "--device", "l4", "--prompt", "128", "--generate", "16", "--format", output_format)
    assert code == 0 and err == ""
    if output_format == "json":
        runs = json.loads(out)["runs"]
        assert [(run["spec"], run["device"]) for run in runs] == [("gpt2", "a100-80gb"), ("gpt2", "l4"), ("llama2_7b", "a100-80gb"), ("llama2_7b", "l4")]
        alone = served(LANGUAGE / "llama2_7b.yaml", "l4", prompt=128, generate=16)
        assert alone.last_step is not None and runs[3]["decode"]["seconds_per_token"] == alone.last_step.seconds
        assert "layers" not in runs[0]["prefill"]
    else:
        assert out.count("llama2_7b") >= 2 and "l4" in out


def test_sweep_by_batch_shows_where_decode_turns_compute_bound() -> None:
    """On an H100 (ridge 989.5T / 3.35T ≈ 295 FLOP/B) fp16 weights give 1 FLOP/B a sequence of the
    batch: the layers with weights turn compute-bound between batch 256 and 512."""
    code, out, err = run("sweep", LANGUAGE / "llama2_7b.yaml", "--device", "h100-sxm", "--batch", "1,256,512", "--prompt", "128", "--format", "csv")
    assert code == 0 and err == ""
    rows = [line.split(",") for line in out.splitlines()]
    column = rows[0].index("decode_weights_bound")
    assert [row[column] for row in rows[1:]] == ["memory", "memory", "compute"]
    code, out, _ = run("sweep", LANGUAGE / "llama2_7b.yaml", "--device", "h100-sxm", "--batch", "1,256,512", "--prompt", "128")
    assert "decode's layers with weights turn compute-bound at batch 512" in out
    code, _, err = run("sweep", LANGUAGE / "llama2_7b.yaml", "--device", "h100-sxm")  # --batch alone sweeps a training step (test_train)
    assert code == 2 and "--batch" in err


def test_a_position_table_bounds_the_tokens_and_the_longest_context() -> None:
    """GPT-2's position table has 1,024 rows: 1,000 + 100 tokens cannot run, and however much memory
    is left, the longest context is 1,024."""
    code, out, err = run("serve", LANGUAGE / "gpt2.yaml", "--device", "t4", "--prompt", "1000", "--generate", "100")
    assert code == 2 and out == "" and "--generate: gpt2 cannot take 1,000 + 100 tokens: the table has 1,024 positions" in err
    result = served(LANGUAGE / "gpt2.yaml", "h200", prompt=100, generate=10)
    assert result.max_context == 1024 and result.context_limited
    free = served(LANGUAGE / "llama3_8b.yaml", "h200", prompt=100, generate=10)
    assert free.max_context is not None and free.max_context > 100_000 and not free.context_limited


def test_a_prompt_that_fills_the_position_table_leaves_no_decode_step_by_default() -> None:
    code, out, err = run("serve", LANGUAGE / "gpt2.yaml", "--device", "t4", "--format", "json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert document["prompt"] == 1024 and document["generate"] == 0 and "decode" not in document


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kind_states_what_a_pass_moves_and_moves_no_more_than_it_holds_and_sees(kind: type[Layer]) -> None:
    """A kind reads at most the weights it holds (a tied head: the table it shares), and at most its
    input and the tensors it joins and what its own paths output; a composite holds no weights of its own."""
    input_shape, written = kind.EXAMPLE
    report = report_from(f"input: {input_shape}\nlayers:\n" + "".join(f"  - {before}\n" for before in (*kind.EXAMPLE_BEFORE, written)))
    result = report.layers[-1]
    layer = result.layer
    assert layer.SERVED
    held = result.cost.params + result.cost.non_trainable
    read_weights = layer.served_weights(result)
    assert 0 <= read_weights <= held
    if result.children:
        assert read_weights == 0
    values_read, values_written = layer.served_values(result)
    seen = volume(result.input_shape) + sum(volume(source.output_shape) for source in result.joined) + volume(result.output_shape)
    assert 0 <= values_read <= 2 * max(seen, volume(result.output_shape)) and 0 <= values_written <= volume(result.output_shape)
    assert layer.served_cache(result, 0) == (0, 0)


def test_every_example_serves_and_a_pass_does_the_specs_macs_for_each_sample() -> None:
    """A pass's rows add up to the engine's own count: batch × the spec's MACs (at the prompt's length
    for a language model), each layer once, whatever its nesting; and its bytes are at least its weights."""
    served_count = 0
    for path in sorted(ARCHSPECS.rglob("*.yaml")):
        try:
            report = report_of(path)
        except ArchcalcError:
            continue  # the exercises that are meant to fail
        result = serving(report, device("h100-sxm"), ServeRequest(batch=3))
        assert result.first.macs == 3 * result.report.total.macs, path
        assert result.first.read_bytes >= sum(row.weight_bytes for row in result.first.layers) > 0 or report.total.params == 0, path
        served_count += 1
    assert served_count > 100


def test_when_not_even_batch_1_fits_serve_says_by_how_much() -> None:
    """Llama 3 8B at its 8,192 tokens on a 16 GiB T4: the memory line's own total less 16 GiB."""
    code, out, _ = run("serve", LANGUAGE / "llama3_8b.yaml", "--device", "t4", "--format", "json")
    assert code == 0
    document = json.loads(out)
    over = document["memory"]["total_bytes"] - 16 * 2**30
    assert over > 0 and document["fit"]["max_batch"] == 0 and document["fit"]["batch_one_over_bytes"] == over
    _, text, _ = run("serve", LANGUAGE / "llama3_8b.yaml", "--device", "t4")
    assert f"not even batch 1 fits: it needs {over:,}" in text and "largest batch that fits: 0" not in text


LM = "input: 8\nlayers:\n  - embedding: {vocab: 10, dim: 16}\n  - attention: {heads: 2, causal: true}\n"


def served_json(path: Path, *flags: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run("serve", path, "--device", "t4", "--format", "json", *flags)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_eager_attention_writes_its_scores_and_reads_them_back(tmp_path: Path) -> None:
    """Two heads over 8 tokens at fp16: the math path writes the scores and their softmax, 2·2·8·8 =
    256 values (512 bytes), and reads each back; the peak holds them beside the attention's input and
    output (128 + 128 values). The last decode step, one token against 8 cached: 2·2·1·1 own + 2·2·8
    cached = 36 values (72 bytes) each way. MACs do not change: the same products."""
    spec = tmp_path / "lm.yaml"
    spec.write_text(LM)
    flash, eager = served_json(spec), served_json(spec, "--attention", "eager")
    assert (flash["attention"], eager["attention"]) == ("flash", "eager")
    prefill = [(document["prefill"]["layers"][1]["bytes_read"], document["prefill"]["layers"][1]["bytes_written"]) for document in (flash, eager)]
    assert prefill[1] == (prefill[0][0] + 512, prefill[0][1] + 512)
    assert (flash["memory"]["activation_bytes"], eager["memory"]["activation_bytes"]) == (256 * 2, 512 * 2)
    steps = [document["decode"]["last_step"] for document in (flash, eager)]
    assert steps[0]["cached_tokens"] == 8
    (flash_step, eager_step) = (step["layers"][1] for step in steps)
    assert (eager_step["bytes_read"] - flash_step["bytes_read"], eager_step["bytes_written"] - flash_step["bytes_written"]) == (72, 72)
    assert eager_step["macs"] == flash_step["macs"]
    _, out, _ = run("serve", spec, "--device", "t4", "--attention", "eager")
    assert "eager attention: its scores and their softmax are written and read back" in out and "not yet a flag" not in out


def test_eager_attentions_longest_context_is_what_its_quadratic_peak_allows() -> None:
    """GPT-2-any-length on a T4 at batch 1: the eager peak holds 2·12·L² scores, so the longest context
    is far shorter than flash's; the one found fits, one token more does not (each counted in full)."""
    spec = ARCHSPECS / "exercises" / "gpt2_any_length.yaml"
    flash, eager = (served_json(spec, "--attention", attention)["fit"]["max_context"] for attention in ("flash", "eager"))
    assert eager < flash
    for tokens, fits in ((eager, True), (eager + 1, False)):
        document = served_json(spec, "--attention", "eager", "--prompt", str(tokens), "--generate", "0")
        memory = document["memory"]
        assert (memory["total_bytes"] <= memory["limit_bytes"]) is fits


def test_serve_lists_composites_down_to_depth() -> None:
    code, shallow, _ = run("serve", LANGUAGE / "gpt2.yaml", "--device", "h100-sxm", "--depth", "0", "--format", "csv")
    _, deep, _ = run("serve", LANGUAGE / "gpt2.yaml", "--device", "h100-sxm", "--format", "csv")
    assert code == 0
    assert "blocks: repeat ×12" in shallow and "attention" not in shallow and "attention" in deep
    assert len(shallow.splitlines()) == 1 + 6 + 1  # the header, six top-level layers, the total


def test_serves_help_reads_like_the_other_commands() -> None:
    _, out, _ = run("serve", "--help")
    assert "[OPTIONS] {SPEC}" in out and "(1)" not in out and "--attention" in out and "--depth" in out
