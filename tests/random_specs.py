"""Seeded random specs: every layer kind and argument, 1-D/2-D/3-D inputs, sequences of token ids
(an embedding, and sometimes a head tied to it), nested composites, and named layers that later
joins, branches and upsamplings read by name.

Used by the parity test (against torch) and the property tests. A candidate layer is kept only if
archcalc accepts it; whoever checks the result (PyTorch) judges independently.
"""

from __future__ import annotations

import random
from typing import Any

import yaml

from archcalc.engine import analyze
from archcalc.errors import ArchcalcError
from archcalc.formats import load_text

Item = Any  # one YAML layer item: a name, or {name: argument(s)}
ACTIVATIONS = ["relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "hardswish", "hardsigmoid", "softmax", "identity"]
EMBEDDING = "wte"  # the name a token-id spec gives its embedding, for a head to tie to
SQUEEZE_ACTIVATIONS = [activation for activation in ACTIVATIONS if activation != "softmax"]


def spec_text(input_shape: tuple[int, ...], layers: list[Item]) -> str:
    return yaml.safe_dump({"input": list(input_shape), "layers": layers}, sort_keys=False)


def shape_after(layers: list[Item], shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """archcalc's output shape for these layers, or None when it refuses them."""
    try:
        return analyze(load_text(spec_text(shape, layers), "<generated>", "generated")).output_shape
    except ArchcalcError:
        return None


def random_input(rng: random.Random) -> tuple[int, ...]:
    spatial_rank = rng.choice([0, 1, 1, 2, 2, 2, 3])
    if spatial_rank == 0:
        return (rng.randint(1, 40),)
    high = {1: 40, 2: 14, 3: 7}[spatial_rank]
    return (*(rng.randint(1, high) for _ in range(spatial_rank)), rng.randint(1, 8))


def per_axis(rng: random.Random, low: int, high: int, rank: int) -> int | list[int]:
    if rank > 1 and rng.random() < 0.3:
        return [rng.randint(low, high) for _ in range(rank)]
    return rng.randint(low, high)


def divisors(number: int) -> list[int]:
    return [d for d in range(1, number + 1) if number % d == 0]


def random_padding(rng: random.Random, rank: int, kernel_max: int) -> Any:
    return rng.choice(["same", "valid", per_axis(rng, 0, kernel_max // 2, rank), 0])


def candidate(rng: random.Random, shape: tuple[int, ...], depth: int) -> Item:
    """One random layer for an input of `shape`; it may still be refused (a kernel too large...)."""
    rank = len(shape) - 1
    channels = shape[-1]
    kinds = ["dense", "batchnorm", "layernorm", "activation", "dropout", "rmsnorm", "gated_mlp", "shuffle", "stochastic_depth", "groupnorm", "layer_scale"]
    if len(shape) <= 3:
        kinds += ["embedding"]
    if rank >= 1:
        kinds += ["conv", "conv", "conv", "depthwise", "pool", "pool", "global", "adaptive", "flatten", "se", "tokens"]
        kinds += ["conv_transpose", "conv_transpose", "upsample", "instancenorm"]
    if rank == 2:  # an image [H, W, C]
        kinds += ["window_attention", "window_attention", "patch_merging"]
    if rank == 1:  # a sequence [N, D]
        kinds += ["attention", "attention", "attention", "recurrent", "recurrent", "class_token", "position_embedding", "segment_embedding", "take"]
    if rank == 2:
        kinds += ["pixel_shuffle"]
    if depth < 2:
        kinds += ["residual", "concat", "repeat", "block", "split", "side_output"]
    kind = rng.choice(kinds)
    if kind == "dense":
        return (
            {rng.choice(["dense", "fc", "linear"]): rng.randint(1, 12)}
            if rng.random() < 0.7
            else {"dense": {"units": rng.randint(1, 12), "bias": rng.random() < 0.5}}
        )
    if kind in ("batchnorm", "rmsnorm", "flatten", "tokens", "class_token", "layer_scale"):
        return kind
    if kind == "layernorm":
        return "layernorm" if rng.random() < 0.7 else {"layernorm": {"bias": False}}
    if kind in ("attention", "recurrent", "gated_mlp", "embedding", "position_embedding", "segment_embedding", "take"):
        return sequence_candidate(rng, kind, shape)
    if kind == "window_attention":
        return window_attention_candidate(rng, shape)
    if kind == "patch_merging":
        return "patch_merging" if rng.random() < 0.6 else {"patch_merging": {"norm": rng.choice(["before", "after"])}}
    if kind == "activation":
        if rng.random() < 0.15:
            return "prelu" if rng.random() < 0.5 else {"prelu": {"per_channel": True}}
        return rng.choice(ACTIVATIONS)
    if kind == "dropout":
        return {"dropout": rng.choice([0.0, 0.1, 0.5])}
    if kind == "conv":
        groups = rng.choice(divisors(channels))
        arguments: dict[str, Any] = {"filters": groups * rng.randint(1, 4), "kernel": per_axis(rng, 1, 4, rank)}
        if rng.random() < 0.5:
            arguments["stride"] = per_axis(rng, 1, 3, rank)
        if rng.random() < 0.6:
            arguments["padding"] = random_padding(rng, rank, 4)
        if rng.random() < 0.3:
            arguments["dilation"] = per_axis(rng, 1, 2, rank)
        if groups > 1:
            arguments["groups"] = groups
        if rng.random() < 0.3:
            arguments["bias"] = False
        return {rng.choice(["conv", f"conv{rank}d"]): arguments}
    if kind == "depthwise":
        arguments = {"kernel": per_axis(rng, 1, 3, rank), "padding": random_padding(rng, rank, 3), "multiplier": rng.randint(1, 2)}
        if rng.random() < 0.4:
            arguments["stride"] = per_axis(rng, 1, 2, rank)
        if rng.random() < 0.3:
            arguments["bias"] = False
        return {"depthwise": arguments}
    if kind == "pool":
        name = rng.choice(["maxpool", "avgpool"])
        if rng.random() < 0.4:
            return {name: per_axis(rng, 1, 3, rank)}
        kernel = rng.randint(1, 4)
        arguments = {"kernel": kernel, "stride": per_axis(rng, 1, 3, rank), "padding": rng.randint(0, kernel // 2), "ceil_mode": rng.random() < 0.5}
        return {name: arguments}
    if kind == "global":
        return rng.choice(["global_avgpool", "global_maxpool"])
    if kind == "adaptive":
        return {rng.choice(["adaptive_avgpool", "adaptive_maxpool"]): per_axis(rng, 1, 4, rank)}
    if kind == "se":
        if rng.random() < 0.5:
            return {rng.choice(["se", "squeeze_excite"]): rng.randint(1, 4)}
        return {"se": {"channels": rng.randint(1, 4), "activation": rng.choice(SQUEEZE_ACTIVATIONS), "gate": rng.choice(["sigmoid", "hardsigmoid"])}}
    if kind == "shuffle":
        return {rng.choice(["shuffle", "channel_shuffle"]): rng.choice(divisors(channels))}
    if kind == "stochastic_depth":
        return {rng.choice(["stochastic_depth", "drop_path"]): rng.choice([0.0, 0.1, 0.5])}
    if kind == "split":
        return random_split(rng, shape, depth)
    if kind == "conv_transpose":
        return random_conv_transpose(rng, shape)
    if kind == "upsample":
        mode = rng.choice(["nearest", {1: "linear", 2: rng.choice(["bilinear", "bicubic"]), 3: "trilinear"}[rank]])
        if rng.random() < 0.5:
            return {"upsample": {"scale": per_axis(rng, 1, 3, rank), "mode": mode}}
        return {"upsample": {"size": per_axis(rng, 1, 12, rank), "mode": mode}}
    if kind == "pixel_shuffle":
        return {"pixel_shuffle": rng.choice([factor for factor in (1, 2, 3) if channels % (factor * factor) == 0])}
    if kind == "groupnorm":
        return {"groupnorm": {"groups": rng.choice(divisors(channels)), "affine": rng.random() < 0.7}}
    if kind == "instancenorm":
        return "instancenorm" if rng.random() < 0.5 else {"instancenorm": {"affine": True}}
    if kind == "residual":
        return random_residual(rng, shape, depth)
    if kind == "concat":
        return random_concat(rng, shape, depth)
    if kind == "repeat":
        return {"repeat": {"times": rng.randint(1, 3), "layers": random_layers(rng, shape, depth + 1, rng.randint(1, 2))}}
    if kind == "side_output":
        return {"branch": {"layers": random_layers(rng, shape, depth + 1, rng.randint(1, 3)), "training_only": rng.random() < 0.5}}
    return {"block": random_layers(rng, shape, depth + 1, rng.randint(1, 3))}


def random_conv_transpose(rng: random.Random, shape: tuple[int, ...]) -> Item:
    rank = len(shape) - 1
    groups = rng.choice(divisors(shape[-1]))
    arguments: dict[str, Any] = {"filters": groups * rng.randint(1, 3), "kernel": per_axis(rng, 1, 4, rank)}
    stride, dilation = rng.randint(1, 3), rng.choice([1, 1, 2])
    if stride > 1 or rng.random() < 0.3:
        arguments["stride"] = stride
    if dilation > 1:
        arguments["dilation"] = dilation
    if rng.random() < 0.5:
        arguments["padding"] = per_axis(rng, 0, 2, rank)
    if rng.random() < 0.4:
        arguments["output_padding"] = rng.randint(0, max(stride, dilation) - 1)
    if groups > 1:
        arguments["groups"] = groups
    if rng.random() < 0.3:
        arguments["bias"] = False
    return {rng.choice(["conv_transpose", f"conv_transpose{rank}d"]): arguments}


def sequence_candidate(rng: random.Random, kind: str, shape: tuple[int, ...]) -> Item:
    """A layer of the sequence kinds, for `shape` (a sequence [N, D] where the kind needs one)."""
    width = shape[-1]
    if kind == "attention":
        arguments: dict[str, Any] = {"heads": rng.choice(divisors(width))}
        if rng.random() < 0.3:  # a head width of its own, and any number of heads
            arguments = {"heads": rng.randint(1, 4), "head_dim": rng.randint(1, 6)}
        if rng.random() < 0.4:
            arguments["kv_heads"] = rng.choice(divisors(arguments["heads"]))
        for flag, chance in (("bias", 0.3), ("causal", 0.4)):
            if rng.random() < chance:
                arguments[flag] = flag == "causal"
        if rng.random() < 0.2:
            arguments["context"] = rng.randint(1, 12)
        return {"attention": arguments} if len(arguments) > 1 or rng.random() < 0.5 else {"attention": arguments["heads"]}
    if kind == "recurrent":
        arguments = {"hidden": rng.randint(1, 8)}
        if rng.random() < 0.4:
            arguments["layers"] = rng.randint(1, 3)
        for flag, chance in (("bidirectional", 0.4), ("bias", 0.2), ("sequences", 0.3)):
            if rng.random() < chance:
                arguments[flag] = flag == "bidirectional"
        return {rng.choice(["lstm", "gru", "rnn"]): arguments}
    if kind == "gated_mlp":
        if rng.random() < 0.5:
            return {"gated_mlp": rng.randint(1, 12)}
        return {
            "gated_mlp": {"hidden": rng.randint(1, 12), "activation": rng.choice(["silu", "gelu", "relu", "sigmoid", "identity"]), "bias": rng.random() < 0.5}
        }
    if kind == "embedding":
        return {"embedding": {"vocab": rng.randint(1, 50), "dim": rng.randint(1, 12)}}
    if kind == "position_embedding":
        return "position_embedding" if rng.random() < 0.5 else {"position_embedding": shape[0] + rng.randint(0, 5)}
    if kind == "segment_embedding":
        return "segment_embedding" if rng.random() < 0.5 else {"segment_embedding": rng.randint(1, 3)}
    return {"take": rng.choice([0, -1, rng.randint(-shape[0], shape[0] - 1)])}


def window_attention_candidate(rng: random.Random, shape: tuple[int, ...]) -> Item:
    """Attention within windows of an image [H, W, C] (padded to whole windows, shifted or not) or
    across a grid whose cells divide the map; with a position bias table or MLP, cosine or not."""
    height, width, channels = shape
    arguments: dict[str, Any] = {"heads": rng.choice(divisors(channels))}
    if rng.random() < 0.2:
        arguments = {"heads": rng.randint(1, 3), "head_dim": rng.randint(1, 4)}
    if rng.random() < 0.3:
        arguments["kv_heads"] = rng.choice(divisors(arguments["heads"]))
    if rng.random() < 0.7:
        arguments["window"] = per_axis(rng, 1, 4, 2)
        if rng.random() < 0.5:
            arguments["shifted"] = True
    else:
        arguments["grid"] = [rng.choice(divisors(height)), rng.choice(divisors(width))] if rng.random() < 0.5 else rng.choice(divisors(height))
    arguments["position_bias"] = rng.choice(["none", "table", "table", "mlp"])
    if rng.random() < 0.3:
        arguments["cosine"] = True
    if rng.random() < 0.2:
        arguments["bias"] = False
    return {"attention": arguments}


def random_residual(rng: random.Random, shape: tuple[int, ...], depth: int) -> Item:
    main = random_layers(rng, shape, depth + 1, rng.randint(1, 3))
    output = shape_after(main, shape)
    if output is None or output == shape:
        return {"residual": main}
    rank = len(shape) - 1
    if len(output) == len(shape) and rank >= 1:
        strides = [next((s for s in range(1, n + 1) if (n - 1) // s + 1 == m), 0) for n, m in zip(shape[:-1], output[:-1], strict=True)]
        if all(strides):  # a 1×1 projection with these strides reaches the main path's size
            return {"residual": {"layers": main, "shortcut": [{"conv": {"filters": output[-1], "kernel": 1, "stride": strides, "bias": False}}, "batchnorm"]}}
    if len(output) == len(shape) and output[:-1] == shape[:-1]:
        return {"residual": {"layers": main, "shortcut": [{"dense": output[-1]}]}}
    return {"residual": [{"dense": channels} for channels in [shape[-1]]]}


def random_concat(rng: random.Random, shape: tuple[int, ...], depth: int) -> Item:
    """Branches that keep every axis but the channels, so that they can be joined."""
    rank = len(shape) - 1
    options: list[list[Item]] = [[], [{"dense": rng.randint(1, 6)}]]
    if rank >= 1:
        options += [
            [{"conv": {"filters": rng.randint(1, 6), "kernel": 1}}],
            [{"conv": {"filters": rng.randint(1, 6), "kernel": 3, "padding": "same"}}, "relu"],
            [{"maxpool": {"kernel": 3, "stride": 1, "padding": 1}}, {"conv": {"filters": rng.randint(1, 4), "kernel": 1}}],
            [{"depthwise": {"kernel": 3, "padding": 1}}],
        ]
    branches = [rng.choice(options) for _ in range(rng.randint(1, 3))]
    return {"concat": branches}


def random_split(rng: random.Random, shape: tuple[int, ...], depth: int) -> Item:
    """Branches on equal shares of the channels, each keeping every axis but the channels (or random
    layers, which may not: archcalc then refuses the candidate, and another is drawn)."""
    parts = rng.choice([d for d in divisors(shape[-1]) if d <= 3])
    share = (*shape[:-1], shape[-1] // parts)
    rank = len(shape) - 1
    options: list[list[Item]] = [[], [{"dense": rng.randint(1, 6)}], random_layers(rng, share, depth + 1, rng.randint(1, 2))]
    if rank >= 1:
        options += [
            [{"conv": {"filters": rng.randint(1, 6), "kernel": 1}}, "batchnorm", "relu"],
            [{"depthwise": {"kernel": 3, "padding": 1}}, "batchnorm"],
        ]
    return {"split": [rng.choice(options) for _ in range(parts)]}


def random_layers(rng: random.Random, shape: tuple[int, ...], depth: int, count: int) -> list[Item]:
    """Up to `count` layers that archcalc accepts in a row, starting from `shape`."""
    layers: list[Item] = []
    for _ in range(count):
        for _attempt in range(8):
            item = candidate(rng, shape, depth)
            output = shape_after([item], shape)
            if output is not None and _small(output):
                layers.append(item)
                shape = output
                break
    return layers or ["identity"]


def _small(shape: tuple[int, ...]) -> bool:
    size = 1
    for axis in shape:
        size *= axis
    return size <= 50_000


def outputs_after(layers: list[Item], shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """archcalc's output shape for these layers and that of the last one (a branch's own output), or
    None when it refuses them."""
    try:
        report = analyze(load_text(spec_text(shape, layers), "<generated>", "generated"))
    except ArchcalcError:
        return None
    return report.output_shape, report.layers[-1].output_shape


def named_item(item: Item, name: str) -> Item | None:
    """The item written with `name:`, or None where its arguments are a single value (`dense: 8`)."""
    if isinstance(item, str):
        return {item: {"name": name}}
    ((kind, arguments),) = item.items()
    return {kind: {**arguments, "name": name}} if isinstance(arguments, dict) else None


def graph_candidate(rng: random.Random, shape: tuple[int, ...], named: dict[str, tuple[int, ...]]) -> Item:
    """A layer that reads earlier named outputs: a join of shapes that fit, a branch, an upsampling like one."""
    kind = rng.choice(["add", "multiply", "concat", "branch", "branch", "upsample"])
    if kind == "branch":
        start = rng.choice([None, *named])
        arguments: dict[str, Any] = {"layers": random_layers(rng, shape if start is None else named[start], 1, rng.randint(1, 2))}
        return {"branch": arguments if start is None else {"from": start, **arguments}}
    same_rank = [name for name, other in named.items() if len(other) == len(shape)]
    if kind == "upsample":
        fits = [name for name in same_rank if len(shape) >= 2]
        return {"upsample": {"like": rng.choice(fits)}} if fits else "identity"
    croppable = [name for name in same_rank if len(shape) >= 2 and all(a >= b for a, b in zip(named[name][:-1], shape[:-1], strict=True))]
    crop = bool(croppable) and rng.random() < 0.3
    candidates = croppable if crop else same_rank
    joined = {name: (*shape[:-1], named[name][-1]) if crop else named[name] for name in candidates}
    if kind == "add":
        fits = [name for name, other in joined.items() if other == shape]
    elif kind == "multiply":
        fits = [name for name, other in joined.items() if all(a == b or 1 in (a, b) for a, b in zip(other, shape, strict=True))]
    else:
        fits = [name for name, other in joined.items() if other[:-1] == shape[:-1]]
    if not fits:
        return "identity"
    chosen = rng.sample(fits, k=rng.randint(1, min(2, len(fits))))
    arguments = {"with": chosen if len(chosen) > 1 else chosen[0]}
    return {kind: {**arguments, "crop": True} if crop else arguments}


def random_spec(seed: int) -> str:
    """A whole valid spec as YAML text, reproducible from its seed. One in five reads token ids; in the
    others some layers are named, and later layers read them: joins, branches and upsamplings (each
    checked against the whole spec so far, which holds the names it reads)."""
    rng = random.Random(seed)
    if rng.random() < 0.2:
        return random_token_spec(rng)
    shape = random_input(rng)
    layers: list[Item] = []
    named: dict[str, tuple[int, ...]] = {}
    current = shape
    for index in range(1, rng.randint(1, 6) + 1):
        for _attempt in range(8):
            item = graph_candidate(rng, current, named) if named and rng.random() < 0.4 else candidate(rng, current, 0)
            name = f"n{index}" if rng.random() < 0.4 else None
            with_name = named_item(item, name) if name is not None else None
            outputs = outputs_after([*layers, with_name or item], shape)
            if outputs is not None and _small(outputs[0]) and _small(outputs[1]):
                layers.append(with_name or item)
                current = outputs[0]
                if name is not None and with_name is not None:
                    named[name] = outputs[1]
                break
    return spec_text(shape, layers or ["identity"])


def random_token_spec(rng: random.Random) -> str:
    """Token ids into a named embedding, layers on the sequence, and now and then a head tied to the
    embedding (where the last width is still the embedding's)."""
    vocab, dim = rng.randint(2, 40), rng.randint(1, 12)
    tokens = rng.randint(1, 24)
    layers: list[Item] = [{"embedding": {"vocab": vocab, "dim": dim, "name": EMBEDDING}}]
    shape = shape_after(layers, (tokens,))
    assert shape is not None
    layers += random_layers(rng, shape, 0, rng.randint(1, 5))
    final = shape_after(layers, (tokens,))
    if final is not None and final[-1] == dim and rng.random() < 0.6:
        layers.append({"dense": {"units": vocab, "tie": EMBEDDING, "bias": rng.random() < 0.5}})
    return spec_text((tokens,), layers)


def random_candidate(seed: int) -> tuple[tuple[int, ...], Item]:
    """One input shape and one windowed layer with wild arguments (kernels past the input, padding
    past half the kernel, groups that do not divide): often refused, which is the point."""
    rng = random.Random(seed)
    shape = random_input(rng)
    rank = max(len(shape) - 1, 1)
    kernel = per_axis(rng, 1, 8, rank)
    padding = per_axis(rng, 0, 4, rank)
    kinds = ["conv", "depthwise", "maxpool", "avgpool", "adaptive", "se", "residual", "concat", "attention", "take", "position_embedding", "lstm"]
    kind = rng.choice([*kinds, "split", "shuffle", "conv_transpose", "norm", "upsample", "window_attention", "patch_merging"])
    if kind == "conv":
        return shape, {"conv": {"filters": rng.randint(1, 6), "kernel": kernel, "padding": padding, "groups": rng.randint(1, 3), "dilation": rng.randint(1, 3)}}
    if kind == "depthwise":
        return shape, {"depthwise": {"kernel": kernel, "padding": padding, "stride": rng.randint(1, 4)}}
    if kind in ("maxpool", "avgpool"):
        return shape, {kind: {"kernel": kernel, "padding": padding, "stride": rng.randint(1, 4), "ceil_mode": rng.random() < 0.5}}
    if kind == "adaptive":
        return shape, {"adaptive_avgpool": per_axis(rng, 1, 4, rank)}
    if kind == "se":
        return shape, {"se": rng.randint(1, 4)}
    if kind == "residual":
        return shape, {"residual": [{"conv": {"filters": rng.randint(1, 4), "kernel": kernel, "padding": padding}}]}
    if kind == "attention":  # heads that may not divide the width; any input rank
        return shape, {"attention": rng.randint(1, 5)}
    if kind == "take":  # an index that may be past the end
        return shape, {"take": rng.randint(-45, 44)}
    if kind == "position_embedding":  # a table that may be too short
        return shape, {"position_embedding": rng.randint(1, 40)}
    if kind == "lstm":
        return shape, {"lstm": rng.randint(1, 4)}
    if kind == "split":  # shares that may not divide the channels, a branch that may not keep the size
        return shape, {"split": [[], *([[{"conv": {"filters": 2, "kernel": kernel}}]] * rng.randint(0, 3))]}
    if kind == "shuffle":
        return shape, {"shuffle": rng.randint(1, 5)}
    if kind == "conv_transpose":
        arguments = {"kernel": kernel, "padding": padding, "stride": rng.randint(1, 3), "output_padding": rng.randint(0, 2), "dilation": rng.randint(1, 2)}
        return shape, {"conv_transpose": {"filters": rng.randint(1, 6), "groups": rng.randint(1, 3), **arguments}}
    if kind == "norm":
        return shape, rng.choice([{"groupnorm": rng.randint(1, 4)}, "instancenorm", {"pixel_shuffle": rng.randint(1, 3)}])
    if kind == "upsample":
        return shape, {"upsample": {"scale": rng.randint(1, 3), "mode": rng.choice(["nearest", "linear", "bilinear", "bicubic", "trilinear"])}}
    if kind == "window_attention":  # any input rank; a grid that may not divide the map; heads that may not divide
        cell = "window" if rng.random() < 0.5 else "grid"
        return shape, {"attention": {"heads": rng.randint(1, 5), cell: per_axis(rng, 1, 8, 2), "position_bias": rng.choice(["table", "mlp"])}}
    if kind == "patch_merging":  # any input rank
        return shape, "patch_merging"
    return shape, {"concat": [[{"conv": {"filters": 2, "kernel": kernel}}], []]}
