"""The ONNX reader's sequence patterns: tokens, class and position tokens, attention, recurrent layers,
embeddings and tied heads, and shapes computed at run time. One onnx.helper graph per pattern, written
as torch.onnx writes it; figures worked by hand. No framework is needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import Report, analyze
from archcalc.formats import load_spec
from archcalc.kinds.attention import Attention
from archcalc.kinds.composite import Residual
from archcalc.kinds.counted import Counted
from archcalc.kinds.dense import Dense
from archcalc.kinds.embedding import ClassToken, Embedding, PositionEmbedding, Take, Tokens
from archcalc.kinds.norm import LayerNorm
from archcalc.kinds.recurrent import GRU, LSTM
from archcalc.model import Cost, Spec
from tests.onnx_models import Graph

runner = CliRunner()


def read(graph: Graph, output: str, tmp_path: Path) -> tuple[Spec, Report]:
    spec = load_spec(str(graph.save(output, tmp_path / "model.onnx")))
    return spec, analyze(spec)


def hand_written_attention(g: Graph, x: str, name: str, tokens: int, width: int, heads: int, kv_heads: int | None = None, key_bias: bool = True) -> str:
    """Queries, keys and values from Linears of their own, heads split by Reshape and Transpose, scores
    scaled and softmaxed, heads joined, an output Linear. One key/value head is expanded to every query
    head (multi-query attention)."""
    head = width // heads
    kv = heads if kv_heads is None else kv_heads
    q = g.dense(x, f"{name}.q", width, heads * head)
    k = g.dense(x, f"{name}.k", width, kv * head, bias=key_bias)
    v = g.dense(x, f"{name}.v", width, kv * head)
    q = g.node("Transpose", [g.node("Reshape", [q, g.ints(f"{name}.qs", [1, tokens, heads, head])], f"{name}.q_heads")], f"{name}.q_t", perm=[0, 2, 1, 3])
    k = g.node("Transpose", [g.node("Reshape", [k, g.ints(f"{name}.ks", [1, tokens, kv, head])], f"{name}.k_heads")], f"{name}.k_t", perm=[0, 2, 3, 1])
    v = g.node("Transpose", [g.node("Reshape", [v, g.ints(f"{name}.vs", [1, tokens, kv, head])], f"{name}.v_heads")], f"{name}.v_t", perm=[0, 2, 1, 3])
    if kv != heads:
        k = g.node("Expand", [k, g.ints(f"{name}.k_expand", [1, heads, head, tokens])], f"{name}.k_groups")
        v = g.node("Expand", [v, g.ints(f"{name}.v_expand", [1, heads, tokens, head])], f"{name}.v_groups")
    scores = g.node("MatMul", [q, k], f"{name}.scores")
    scores = g.node("Div", [scores, g.scalar(f"{name}.scale", head**0.5)], f"{name}.scaled")
    weights = g.node("Softmax", [scores], f"{name}.softmax", axis=-1)
    y = g.node("MatMul", [weights, v], f"{name}.weighted")
    y = g.node("Transpose", [y], f"{name}.join", perm=[0, 2, 1, 3])
    y = g.node("Reshape", [y, g.ints(f"{name}.joined", [1, tokens, heads * head])], f"{name}.joined_heads")
    return g.dense(y, f"{name}.out", heads * head, width)


def fused_attention(g: Graph, x: str, name: str, width: int, heads: int) -> str:
    """nn.MultiheadAttention as torch.onnx's TorchScript exporter writes it: one projection of 3·D,
    split into queries, keys and values by a Reshape whose target is computed from the tensor's shape
    through a Mod, which ONNX's data propagation does not follow. Nodes are named `{name}/...`, as that
    exporter names a module's nodes."""
    head = width // heads
    t = g.dense(x, f"{name}/in_proj", width, 3 * width)
    shape = g.node("Shape", [t], f"{name}/shape")
    two = g.node("Mod", [g.ints(f"{name}/two", [2]), g.ints(f"{name}/three", [3])], f"{name}/mod")
    leading = g.node("Slice", [shape, g.ints(f"{name}/zero", [0]), two], f"{name}/leading")
    target = g.node("Concat", [leading, g.ints(f"{name}/split", [3, heads, head])], f"{name}/target", axis=0)
    y = g.node("Reshape", [t, target], f"{name}/heads")  # [1, N, 3, h, d]
    y = g.node("Transpose", [y], f"{name}/qkv", perm=[2, 0, 3, 1, 4])  # [3, 1, h, N, d]
    q, k, v = (g.node("Gather", [y, g.index(f"{name}/which{index}", index)], f"{name}/pick{index}", axis=0) for index in range(3))
    k = g.node("Transpose", [k], f"{name}/keys", perm=[0, 1, 3, 2])
    scores = g.node("Mul", [g.node("MatMul", [q, k], f"{name}/scores"), g.scalar(f"{name}/scale", head**-0.5)], f"{name}/scaled")
    y = g.node("MatMul", [g.node("Softmax", [scores], f"{name}/softmax", axis=-1), v], f"{name}/weighted")
    y = g.node("Transpose", [y], f"{name}/join", perm=[0, 2, 1, 3])
    y = g.node("Reshape", [y, g.ints(f"{name}/joined", [1, -1, width])], f"{name}/joined_heads")
    return g.dense(y, f"{name}/out_proj", width, width)


def class_token_of(g: Graph, tokens: str, width: int) -> str:
    """`class_token.expand(n, -1, -1)` as the TorchScript exporter writes it: the Expand's target comes
    from Where(Equal(...)), which ONNX's inference leaves unknown."""
    written = g.ints("cls.written", [1, -1, -1])
    ones = g.node("ConstantOfShape", [g.ints("cls.rank", [3])], "cls.ones", value=helper.make_tensor("one", TensorProto.INT64, [1], [1]))
    minus = g.node("Mul", [ones, g.index("cls.minus_one", -1)], "cls.minus")
    target = g.node("Where", [g.node("Equal", [written, minus], "cls.equal"), ones, written], "cls.target")
    token = g.node("Expand", [g.weight("class_token", [1, 1, width]), target], "cls.expand")
    return g.node("Concat", [token, tokens], "cls.concat", axis=1)


def small_vit(g: Graph) -> str:
    """8×8×3 in 4×4 patches of 16: 4 tokens, a class token, 5 positions, one pre-norm attention block of
    2 heads, a last norm, the class token into 3 classes."""
    y = g.conv("x", "patch", 3, 16, 4, strides=[4, 4])  # [1, 16, 2, 2]
    y = g.node("Reshape", [y, g.ints("tokens.shape", [1, 16, -1])], "tokens")  # [1, 16, 4]
    y = g.node("Transpose", [y], "tokens.last", perm=[0, 2, 1])  # [1, 4, 16]
    y = class_token_of(g, y, 16)
    y = g.node("Add", [y, g.weight("pos_embedding", [1, 5, 16])], "pos")
    normed = g.node("LayerNormalization", [y, g.weight("ln1.weight", [16]), g.weight("ln1.bias", [16])], "ln1", axis=-1)
    y = g.node("Add", [y, fused_attention(g, normed, "/attn", 16, 2)], "residual")
    y = g.node("LayerNormalization", [y, g.weight("ln.weight", [16]), g.weight("ln.bias", [16])], "ln", axis=-1)
    y = g.node("Gather", [y, g.index("first", 0)], "class", axis=1)
    return g.node("Gemm", [y, g.weight("head.weight", [3, 16]), g.weight("head.bias", [3])], "head", transB=1)


def test_a_small_vision_transformer(tmp_path: Path) -> None:
    g = Graph([1, 3, 8, 8])
    y = small_vit(g)
    spec, report = read(g, y, tmp_path)
    _, tokens, token, position, residual, norm, take, head = spec.layers
    assert isinstance(tokens, Tokens) and isinstance(token, ClassToken) and isinstance(position, PositionEmbedding) and position.length is None
    assert isinstance(residual, Residual) and [type(layer) for layer in residual.layers] == [LayerNorm, Attention] and residual.shortcut == ()
    attention = residual.layers[1]
    assert attention == Attention(origin=attention.origin, position="5.2", name="/attn", heads=2)  # named after its nodes' common path
    assert isinstance(take, Take) and take.index == 0 and isinstance(norm, LayerNorm) and isinstance(head, Dense)
    assert report.output_shape == (3,)
    # conv 16·3·4·4 + 16; class token 16; positions 5·16; two norms 2·(16 + 16); attention 4·16² + 4·16; head 16·3 + 3
    weights, biases = 768 + 16 + 80 + 16 + 16 + 1024 + 48, 16 + 16 + 16 + 64 + 3
    # conv: 2·2 positions · 16 · 48; attention: 4·5·16² projections, 2·5·5·16 scores and weighted sum; head 16·3
    assert report.total == Cost(weights=weights, biases=biases, macs=4 * 16 * 48 + 4 * 5 * 256 + 2 * 25 * 16 + 48)


def test_shapes_onnx_cannot_infer_are_folded(tmp_path: Path) -> None:
    """ONNX's own inference leaves the attention's Reshape and the class token's Expand unknown."""
    g = Graph([1, 3, 8, 8])
    y = small_vit(g)
    inferred = onnx.shape_inference.infer_shapes(g.model(y), data_prop=True)
    known = {
        value.name
        for value in inferred.graph.value_info
        if value.type.tensor_type.HasField("shape") and all(dim.HasField("dim_value") for dim in value.type.tensor_type.shape.dim)
    }
    assert "/attn/heads_out" not in known and "cls.expand_out" not in known
    _, report = read(g, y, tmp_path)
    assert report.total.params == 2083


def test_a_hand_written_attention_and_the_import(tmp_path: Path) -> None:
    g = Graph([1, 6, 8])
    y = hand_written_attention(g, "x", "attn", tokens=6, width=8, heads=2)
    path = g.save(y, tmp_path / "attention.onnx")
    spec = load_spec(str(path))
    (attention,) = spec.layers
    assert attention == Attention(origin=attention.origin, position="1", name="attn.scores", heads=2)
    # 4·8² + 4·8 params; projections 4·6·8², scores and weighted sum 2·6·6·8
    assert analyze(spec).total == Cost(weights=256, biases=32, macs=4 * 6 * 64 + 2 * 36 * 8)
    target = tmp_path / "attention.yaml"
    assert runner.invoke(app, ["import", str(path), "-o", str(target)]).exit_code == 0
    assert '- attention: {name: "attn.scores", heads: 2}' in target.read_text()
    held = runner.invoke(app, ["check", str(target), "--against", str(path)])
    assert held.exit_code == 0, held.output


def test_multi_query_attention(tmp_path: Path) -> None:
    g = Graph([1, 6, 16])
    y = hand_written_attention(g, "x", "attn", tokens=6, width=16, heads=4, kv_heads=1)
    spec, report = read(g, y, tmp_path)
    (attention,) = spec.layers
    assert isinstance(attention, Attention) and (attention.heads, attention.kv_heads, attention.head_dim) == (4, 1, None)
    # q and out 16·16 each, k and v 16·4 each; biases 16 + 4 + 4 + 16
    # projections 6·16·16 + 2·6·16·4 + 6·16·16; scores and weighted sum 2 · 6·6 · 4 heads · 4
    assert report.total == Cost(weights=640, biases=40, macs=1536 + 768 + 1536 + 2 * 36 * 16)


def test_an_attention_no_kind_describes_is_counted_with_its_figures(tmp_path: Path) -> None:
    """Keys without a bias, queries and values with one (as Whisper's): not `attention`'s biases."""
    g = Graph([1, 6, 8])
    y = hand_written_attention(g, "x", "attn", tokens=6, width=8, heads=2, key_bias=False)
    spec, report = read(g, y, tmp_path)
    (counted,) = spec.layers
    assert isinstance(counted, Counted)
    assert report.total == Cost(weights=256, biases=24, macs=4 * 6 * 64 + 2 * 36 * 8)


def recurrent(g: Graph, op: str, x: str, name: str, inputs: int, hidden: int, directions: int, gates: int, **attributes: object) -> str:
    """One recurrent node, time-major as the TorchScript exporter writes it, its output joined to [N, 1, H·dirs]."""
    weights = [g.weight(f"{name}.W", [directions, gates * hidden, inputs]), g.weight(f"{name}.R", [directions, gates * hidden, hidden])]
    weights.append(g.weight(f"{name}.B", [directions, 2 * gates * hidden]))
    direction = "bidirectional" if directions == 2 else "forward"
    y, _, *_ = g.outputs(op, [x, *weights], name, 3 if op == "LSTM" else 2, hidden_size=hidden, direction=direction, **attributes)
    y = g.node("Transpose", [y], f"{name}.join", perm=[0, 2, 1, 3])  # [N, 1, dirs, H]
    return g.node("Reshape", [y, g.ints(f"{name}.joined", [0, 0, -1])], f"{name}.joined")


def test_a_stacked_bidirectional_lstm_that_keeps_its_last_step(tmp_path: Path) -> None:
    g = Graph([1, 5, 3])
    y = g.node("Transpose", ["x"], "time_major", perm=[1, 0, 2])
    y = recurrent(g, "LSTM", y, "lstm0", 3, 4, 2, 4)
    y = recurrent(g, "LSTM", y, "lstm1", 8, 4, 2, 4)
    y = g.node("Transpose", [y], "batch_major", perm=[1, 0, 2])
    y = g.node("Gather", [y, g.index("last", -1)], "last_step", axis=1)
    y = g.node("Gemm", [y, g.weight("fc.weight", [2, 8]), g.weight("fc.bias", [2])], "fc", transB=1)
    spec, report = read(g, y, tmp_path)
    lstm, _ = spec.layers
    assert lstm == LSTM(origin=lstm.origin, position="1", name="lstm0", hidden=4, layers=2, bidirectional=True, sequences=False)
    # per direction 4·4·(3 + 4), then 4·4·(8 + 4); two biases of 4·4 per direction and layer; every weight once a step
    weights = 2 * 16 * 7 + 2 * 16 * 12
    assert report.total == Cost(weights=weights + 16, biases=2 * 2 * 32 + 2, macs=5 * weights + 16)


def test_a_batch_major_gru_without_biases(tmp_path: Path) -> None:
    g = Graph([1, 5, 3])
    weights = [g.weight("gru.W", [1, 12, 3]), g.weight("gru.R", [1, 12, 4])]
    y, _ = g.outputs("GRU", ["x", *weights], "gru", 2, hidden_size=4, layout=1, linear_before_reset=1)  # [1, N, 1, H]
    y = g.node("Reshape", [y, g.ints("gru.joined", [1, 5, 4])], "gru.joined")
    spec, report = read(g, y, tmp_path)
    (gru,) = spec.layers
    assert gru == GRU(origin=gru.origin, position="1", name="gru", hidden=4, bias="false")
    assert report.total == Cost(weights=12 * 7, macs=5 * 12 * 7)


def test_a_relu_rnn_is_counted(tmp_path: Path) -> None:
    """archcalc's rnn is tanh's: an RNN of ReLUs keeps its figures as a counted layer."""
    g = Graph([1, 5, 3])
    y = g.node("Transpose", ["x"], "time_major", perm=[1, 0, 2])
    y = recurrent(g, "RNN", y, "rnn", 3, 4, 1, 1, activations=["Relu"])
    y = g.node("Transpose", [y], "batch_major", perm=[1, 0, 2])
    spec, report = read(g, y, tmp_path)
    assert [type(layer) for layer in spec.layers] == [Counted]
    assert report.total == Cost(weights=4 * 7, biases=8, macs=5 * 4 * 7)


def language_model(g: Graph, stored_copy: bool) -> str:
    """Token ids into a table of 20 × 8, positions from a table of 10 (6 used), a norm without a bias, and
    logits through the table itself: a Transpose of it, or (as exporters fold it) a stored transposed copy."""
    table = g.weight("embedding.weight", [20, 8])
    y = g.node("Gather", [table, "x"], "embed")
    positions = g.node("Slice", [g.weight("wpe", [1, 10, 8]), g.ints("start", [0]), g.ints("stop", [6]), g.ints("axis", [1])], "positions")
    y = g.node("Add", [y, positions], "add_positions")
    y = g.node("LayerNormalization", [y, g.weight("ln.weight", [8])], "ln", axis=-1)
    if stored_copy:
        values = numpy_helper.to_array(next(tensor for tensor in g.initializers if tensor.name == table))
        g.initializers.append(numpy_helper.from_array(np.ascontiguousarray(values.T), "head.weight_t"))
        transposed = "head.weight_t"
    else:
        transposed = g.node("Transpose", [table], "table_t", perm=[1, 0])
    return g.node("MatMul", [y, transposed], "head")


def test_an_embedding_a_position_table_and_a_tied_head(tmp_path: Path) -> None:
    g = Graph([1, 6], input_type=TensorProto.INT64)
    y = language_model(g, stored_copy=False)
    spec, report = read(g, y, tmp_path)
    embedding, position, norm, head = spec.layers
    assert embedding == Embedding(origin=embedding.origin, position="1", name="embed", vocab=20, dim=8)
    assert position == PositionEmbedding(origin=position.origin, position="2", name="add_positions", length=10)
    assert norm == LayerNorm(origin=norm.origin, position="3", name="ln", bias=False)
    assert head == Dense(origin=head.origin, position="4", name="head", units=20, bias=False, tie="embed")
    # the table 20·8 (counted once), 10 positions · 8, the norm's scale 8; logits 6·8·20
    assert report.total == Cost(weights=160 + 80 + 8, macs=6 * 8 * 20) and spec.notes == ()
    target = tmp_path / "lm.yaml"
    assert runner.invoke(app, ["import", str(tmp_path / "model.onnx"), "-o", str(target)]).exit_code == 0
    assert 'tie: "embed"' in target.read_text()
    assert analyze(load_spec(str(target))).total == report.total


def test_a_tied_head_stored_as_a_transposed_copy_is_counted_once(tmp_path: Path) -> None:
    g = Graph([1, 6], input_type=TensorProto.INT64)
    y = language_model(g, stored_copy=True)
    spec, report = read(g, y, tmp_path)
    assert isinstance(spec.layers[-1], Dense) and spec.layers[-1].tie == "embed"
    assert report.total == Cost(weights=160 + 80 + 8, macs=6 * 8 * 20)
    (note,) = spec.notes
    assert "stores the embedding table 'embedding.weight' (20×8) a second time, transposed, as 'head.weight_t'" in note


def test_a_copy_that_differs_from_the_table_is_its_own_weight(tmp_path: Path) -> None:
    g = Graph([1, 6], input_type=TensorProto.INT64)
    y = language_model(g, stored_copy=True)
    copy = next(tensor for tensor in g.initializers if tensor.name == "head.weight_t")
    values = numpy_helper.to_array(copy).copy()
    values[0, 0] += 1
    copy.CopyFrom(numpy_helper.from_array(values, copy.name))
    spec, report = read(g, y, tmp_path)
    assert isinstance(spec.layers[-1], Dense) and spec.layers[-1].tie is None
    assert report.total.weights == 160 + 80 + 8 + 160 and spec.notes == ()


def test_the_last_token_is_taken(tmp_path: Path) -> None:
    g = Graph([1, 4, 8])
    y = g.node("Gather", ["x", g.index("last", -1)], "last", axis=1)
    spec, report = read(g, y, tmp_path)
    assert [(type(layer), getattr(layer, "index", None)) for layer in spec.layers] == [(Take, -1)] and report.output_shape == (8,)


def causal_attention(g: Graph, x: str, tokens: int, width: int, stored_mask: bool) -> str:
    """Attention with a causal mask added to its scores, as torch.onnx writes `is_causal=True`: computed
    from literals by Trilu (the TorchScript exporter, which also leaves a Transpose that only a Shape
    reads), or stored with the float's lowest value above the diagonal (the dynamo exporter)."""
    q = g.dense(x, "q", width, width)
    k = g.node("Transpose", [g.dense(x, "k", width, width)], "k_t", perm=[0, 2, 1])
    v = g.dense(x, "v", width, width)
    g.node("Shape", [g.node("Transpose", [v], "v_unused", perm=[0, 2, 1])], "v_shape")
    scores = g.node("MatMul", [q, k], "scores")
    if stored_mask:
        values = np.triu(np.full((tokens, tokens), np.finfo(np.float32).min, dtype=np.float32), 1)
        g.initializers.append(numpy_helper.from_array(values, "mask"))
        mask = "mask"
    else:
        ones = g.node("Expand", [g.scalar("one", 1.0), g.ints("square", [tokens, tokens])], "ones")
        lower = g.node("Trilu", [ones], "lower", upper=0)
        hidden = g.node("Equal", [lower, g.scalar("zero", 0.0)], "hidden")
        mask = g.node("Where", [hidden, g.scalar("minus_inf", -np.inf), g.scalar("nothing", 0.0)], "mask")
    scores = g.node("Add", [scores, mask], "masked")
    y = g.node("MatMul", [g.node("Softmax", [scores], "softmax", axis=-1), v], "weighted")
    return g.dense(y, "out", width, width)


@pytest.mark.parametrize("stored_mask", [False, True], ids=["computed", "stored"])
def test_a_causal_mask_is_not_a_parameter(stored_mask: bool, tmp_path: Path) -> None:
    g = Graph([1, 6, 8])
    y = causal_attention(g, "x", 6, 8, stored_mask)
    spec, report = read(g, y, tmp_path)
    (attention,) = spec.layers
    assert isinstance(attention, Attention) and attention.heads == 1
    assert report.total == Cost(weights=4 * 64, biases=4 * 8, macs=4 * 6 * 64 + 2 * 36 * 8)


def test_a_table_added_to_the_scores_is_a_parameter(tmp_path: Path) -> None:
    """A learned bias on the scores (relative positions) holds values a mask does not: counted, and
    with weights `attention` does not have, the stretch is counted with its figures."""
    g = Graph([1, 6, 8])
    y = causal_attention(g, "x", 6, 8, stored_mask=True)
    mask = next(tensor for tensor in g.initializers if tensor.name == "mask")
    mask.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(mask) + 0.5, "mask"))
    spec, report = read(g, y, tmp_path)
    assert [type(layer) for layer in spec.layers] == [Counted]
    assert report.total.weights == 4 * 64 + 36


@pytest.mark.parametrize("maker", ["ConstantOfShape", "Range", "an unknown Range"])
def test_shape_arithmetic_never_makes_a_huge_tensor(maker: str, tmp_path: Path) -> None:
    """A Reshape's target computed from the size of 2**40 values. ConstantOfShape's size follows from its
    shape, and Range's from its bounds, without making them; a Range whose limit archcalc does not work
    out leaves the shape unknown, a clear error."""
    g = Graph([1, 4, 8])
    if maker == "ConstantOfShape":
        huge = g.node("ConstantOfShape", [g.ints("huge", [2**40])], "huge")
    elif maker == "Range":
        huge = g.node("Range", [g.index("start", 0), g.index("limit", 2**40), g.index("delta", 1)], "huge")
    else:
        limit = g.node("ReduceMax", [g.ints("limits", [2**40, 2**39])], "limit", keepdims=0)  # not folded: archcalc folds shape arithmetic
        huge = g.node("Range", [g.index("start", 0), limit, g.index("delta", 1)], "huge")
    count = g.node("Reshape", [g.node("Size", [huge], "count"), g.ints("flat", [1])], "flat")
    target = g.node("Concat", [g.ints("lead", [1, 4]), g.node("Div", [count, g.ints("per_value", [2**37])], "eight")], "target", axis=0)
    path = g.save(g.node("Reshape", ["x", target], "reshaped"), tmp_path / "bomb.onnx")
    result = runner.invoke(app, ["show", str(path), "--format", "csv"])
    if maker == "an unknown Range":
        assert result.exit_code == 2 and "ONNX shape inference leaves the shape of 'reshaped_out'" in result.stderr
    else:
        assert result.exit_code == 0 and result.stdout.splitlines()[1].split(",")[2] == "4x8"


MEMORY_CAP = 3 * 2**30
"""The address space the bomb test gives archcalc: its interpreter, numpy and onnx take about 2 GiB of it
(mostly reserved, not touched); ONNX's data propagation on the graph below would ask for ~24 GB."""


@pytest.mark.parametrize("fate", ["refused", "read"])
def test_a_data_propagation_bomb_is_answered_quickly_in_bounded_memory(fate: str, tmp_path: Path) -> None:
    """A graph of a few hundred bytes: a ConstantOfShape of 2**40 int64 values whose slice is a Reshape's target
    ("refused": archcalc does not make it, so the shape stays unknown), or whose size is ("read": worked
    out from its shape alone). ONNX's `infer_shapes(..., data_prop=True)` would materialise those
    values (8 TB asked, some 24 GB taken before it fails); archcalc never turns data propagation on.
    Run as a process under a cap on its address space, timed, its peak resident memory measured."""
    import os
    import resource
    import subprocess
    import sys
    import time

    g = Graph([1, 4, 8])
    huge = g.node("ConstantOfShape", [g.ints("huge", [2**40])], "huge", value=helper.make_tensor("one", TensorProto.INT64, [1], [1]))
    if fate == "refused":
        target = g.node("Slice", [huge, g.ints("from", [0]), g.ints("to", [3])], "target")
    else:
        count = g.node("Reshape", [g.node("Size", [huge], "count"), g.ints("flat", [1])], "flat")
        target = g.node("Concat", [g.ints("lead", [1, 4]), g.node("Div", [count, g.ints("per_value", [2**37])], "eight")], "target", axis=0)
    path = g.save(g.node("Reshape", ["x", target], "reshaped"), tmp_path / "bomb.onnx")
    assert path.stat().st_size < 600

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    with (tmp_path / "out").open("w+") as out, (tmp_path / "err").open("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "archcalc", "show", str(path), "-f", "csv"], stdout=out, stderr=err, preexec_fn=capped)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - started
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    assert elapsed < 20 and peak < 400 * 2**20, (elapsed, peak)
    if fate == "refused":
        assert os.waitstatus_to_exitcode(status) == 2 and stdout == ""
        assert stderr == (
            f"archcalc: error: {path}: the shape of 'reshaped_out' (node 'reshaped', Reshape) needs 'target_out', which archcalc does not fold: "
            "node 'huge' (ConstantOfShape) would hold 1,099,511,627,776 values, more than the 4,096 of shape arithmetic\n"
        )
    else:
        assert os.waitstatus_to_exitcode(status) == 0 and stdout.splitlines()[1].split(",")[2] == "4x8", stderr


def written_out_layer_norm(g: Graph, x: str, name: str, width: int, rms: bool = False, learned_scale: bool = True) -> str:
    """torch.onnx's LayerNorm before opset 17 (ReduceMean, Sub, Pow, ... Div, Mul, Add), or RMSNorm
    (Pow, ReduceMean, Add, Sqrt, Reciprocal, Mul, Mul)."""
    centred = x if rms else g.node("Sub", [x, g.node("ReduceMean", [x], f"{name}.mean", axes=[-1])], f"{name}.centred")
    variance = g.node("ReduceMean", [g.node("Pow", [centred, g.scalar(f"{name}.two", 2.0)], f"{name}.square")], f"{name}.variance", axes=[-1])
    root = g.node("Sqrt", [g.node("Add", [variance, g.scalar(f"{name}.epsilon", 1e-5)], f"{name}.plus_epsilon")], f"{name}.root")
    if rms:
        normalised = g.node("Mul", [centred, g.node("Reciprocal", [root], f"{name}.inverse")], f"{name}.normalised")
        return g.node("Mul", [normalised, g.weight(f"{name}.weight", [width])], f"{name}.scaled")
    normalised = g.node("Div", [centred, root], f"{name}.normalised")
    scale = g.weight(f"{name}.weight", [width]) if learned_scale else g.scalar(f"{name}.weight", 2.0)
    scaled = g.node("Mul", [normalised, scale], f"{name}.scaled")
    return g.node("Add", [scaled, g.weight(f"{name}.bias", [width])], f"{name}.shifted")


def written_out_gelu(g: Graph, x: str, name: str, tanh: bool) -> str:
    """x·½(1 + erf(x/√2)), or x·½(1 + tanh(√(2/π)(x + 0.044715x³))), as torch.onnx writes them before opset 20."""
    if tanh:
        cubed = g.node("Mul", [g.scalar(f"{name}.c", 0.044715), g.node("Pow", [x, g.scalar(f"{name}.three", 3.0)], f"{name}.cube")], f"{name}.cubed")
        inner = g.node("Mul", [g.scalar(f"{name}.k", 0.7978845), g.node("Add", [x, cubed], f"{name}.sum")], f"{name}.inner")
        core = g.node("Tanh", [inner], f"{name}.tanh")
    else:
        core = g.node("Erf", [g.node("Div", [x, g.scalar(f"{name}.root2", 1.4142135)], f"{name}.scaled")], f"{name}.erf")
    product = g.node("Mul", [x, g.node("Add", [core, g.scalar(f"{name}.one", 1.0)], f"{name}.plus_one")], f"{name}.product")
    return g.node("Mul", [product, g.scalar(f"{name}.half", 0.5)], f"{name}.halved")


@pytest.mark.parametrize("tanh", [False, True], ids=["erf", "tanh"])
def test_norms_and_gelu_written_out_in_arithmetic(tanh: bool, tmp_path: Path) -> None:
    g = Graph([1, 4, 8], opset=14)
    y = written_out_layer_norm(g, "x", "ln", 8)
    y = g.dense(y, "fc1", 8, 16)
    y = written_out_gelu(g, y, "gelu", tanh)
    y = g.dense(y, "fc2", 16, 8)
    y = written_out_layer_norm(g, y, "rms", 8, rms=True)
    spec, report = read(g, y, tmp_path)
    assert [layer.kind for layer in spec.layers] == ["layernorm", "dense", "gelu", "dense", "rmsnorm"]
    assert [spec.layers[0].name, spec.layers[2].name, spec.layers[4].name] == ["ln.mean", "gelu.cube" if tanh else "gelu.scaled", "rms.square"]
    # norm 8 + 8; dense 8·16 + 16; dense 16·8 + 8; RMS norm 8; the literals (2, ε, √2, ½, 1) are not parameters
    assert report.total == Cost(weights=8 + 128 + 128 + 8, biases=8 + 16 + 8, macs=4 * 128 + 4 * 128)


def test_a_norm_without_a_learned_scale_is_counted(tmp_path: Path) -> None:
    """A layer norm scaled by a literal: archcalc's layernorm learns its scale, so the norm is counted
    with the file's figures (its shift alone)."""
    g = Graph([1, 4, 8], opset=14)
    y = written_out_layer_norm(g, "x", "ln", 8, learned_scale=False)
    spec, report = read(g, y, tmp_path)
    assert [type(layer) for layer in spec.layers] == [Counted] and report.total == Cost(biases=8)
