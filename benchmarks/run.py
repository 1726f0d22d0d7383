"""archcalc's benchmarks: every figure a ratio measured in this one run, so a noisy machine cancels out.

    .venv/bin/python benchmarks/run.py [--repeats 15] [--torch-python /path/to/python-with-torchinfo]

Process times are the best of --repeats runs of a fresh process (the least disturbed run; the median
is printed too). The cold starts run in rounds, each command once a round, so a command and its floor
meet the same load. Peak memory is each child process's maximum resident set (os.wait4). Bytecode is
compiled first, as `pip install` does, so no run pays for compiling archcalc's sources.

Output goes to /dev/null, as in a pipe or CI, except for the row that gives archcalc a terminal (a
pseudo-terminal 200 columns wide), where tables are in colour and Rich would wrap one wider than that.

Section 8 times issue 27's long ONNX graphs (benchmarks/long_graphs.py, which runs alone too).
Section 6 holds archcalc to bounds on what large and hostile input may cost: 100,000 layers,
specs of a few KB whose aliases multiply, diffs of long specs and of repeats. A bound in seconds is judged on the process's CPU time (user + system, from
os.wait4): on a machine shared by several sessions that is what the process cost, where wall time
also counts the time it waited for a core. Wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import json
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmarks/checkpoints.py, imported as benchmarks.checkpoints
PYTHON = sys.executable
ARCHCALC = [PYTHON, "-m", "archcalc"]
RESNET50 = str(ROOT / "archspecs" / "zoo" / "torchvision" / "resnet50.yaml")
LLAMA_70B = str(ROOT / "archspecs" / "zoo" / "hf" / "llama-3.1-70b.json")  # a HuggingFace config.json
LLAMA3 = str(ROOT / "archspecs" / "zoo" / "language" / "llama3_8b.yaml")
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Run:
    best: float  # seconds
    median: float
    peak_rss: int  # bytes
    cpu: float = 0.0  # the least CPU time (user + system) of the runs, in seconds


@dataclass(frozen=True)
class Command:
    arguments: list[str]
    terminal: bool = False  # output to a 200-column pseudo-terminal instead of /dev/null
    expect: int = 0  # the exit status it must end with


def measure(command: list[str], repeats: int, terminal: bool = False, expect: int = 0) -> Run:
    """Start `command` `repeats` times; its wall time, CPU time and the largest peak RSS seen."""
    return measure_in_rounds({"": Command(command, terminal, expect)}, repeats)[""]


def measure_in_rounds(commands: dict[str, Command], repeats: int) -> dict[str, Run]:
    """Each command started once a round, `repeats` rounds: a command and the floor it is divided by
    run seconds apart, so a load that comes and goes during the benchmark slows both alike."""
    samples: dict[str, list[tuple[float, int, float]]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            samples[name].append(run_once(command))
    runs = {}
    for name, sampled in samples.items():
        times, peaks, cpus = zip(*sampled, strict=True)
        runs[name] = Run(min(times), statistics.median(times), max(peaks), min(cpus))
    return runs


def run_once(command: Command) -> tuple[float, int, float]:
    """One fresh process: its wall time, peak RSS and CPU time. Its output goes to /dev/null, or to a
    pseudo-terminal that is read as it writes."""
    reader, stdout = pty.openpty() if command.terminal else (None, subprocess.DEVNULL)
    if reader is not None:
        fcntl.ioctl(stdout, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))  # 50 rows, 200 columns
        drain = threading.Thread(target=_read_until_closed, args=(reader,))
        drain.start()
    start = time.perf_counter()
    process = subprocess.Popen(command.arguments, stdout=stdout, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if reader is not None:
        os.close(stdout)
        drain.join()
    if os.waitstatus_to_exitcode(status) != command.expect:
        raise SystemExit(f"{' '.join(command.arguments)} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss is in kilobytes on Linux


def _read_until_closed(descriptor: int) -> None:
    try:
        while os.read(descriptor, 65536):
            pass
    except OSError:  # EIO: the other end is closed
        pass
    os.close(descriptor)


def child_python(code: str, repeats: int = 1) -> Run:
    return measure([PYTHON, "-c", code], repeats)


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(holds: bool) -> str:
    return "holds" if holds else "DOES NOT HOLD"


ENGINE = """
import json, sys, time
from archcalc.engine import analyze
from archcalc.errors import Origin
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation
from archcalc.model import Spec
count = {count}
origin = Origin("<generated>")
layers = []
for index in range(count // 2):
    layers.append(Dense(units=64, origin=origin, position=str(2 * index + 1)))
    layers.append(Activation(function="relu", origin=origin, position=str(2 * index + 2)))
spec = Spec("generated", (64,), tuple(layers), origin)
start = time.perf_counter()
report = analyze(spec)
print(json.dumps({{"seconds": time.perf_counter() - start, "params": report.total.params}}))
"""

SWEEP = """
import json, time
from archcalc.engine.sweep import sweep
from archcalc.formats import load_spec
spec = load_spec({path!r})
start = time.perf_counter()
result = sweep(spec, range(32, 1032))
print(json.dumps({{"seconds": time.perf_counter() - start, "sizes": len(result.points)}}))
"""

IMPORTED_RICH = """
import contextlib, io, sys
from archcalc.app import app
with contextlib.redirect_stdout(io.StringIO()):
    try:
        app(["show", {path!r}, "--format", "{fmt}"])
    except SystemExit:
        pass
print(sorted(name for name in sys.modules if name == "rich" or name.startswith("rich.")))
"""

TOP_LEVEL_MODULES = """
import contextlib, io, sys
{work}
outside = {{name.split(".")[0] for name in sys.modules}} - set(sys.stdlib_module_names)
print(" ".join(sorted(name for name in outside if not name.startswith("_"))))
"""
JSON_SHOW = """
from archcalc.app import app
with contextlib.redirect_stdout(io.StringIO()):
    try:
        app(["show", {path!r}, "--format", "json"])
    except SystemExit:
        pass
"""


def imported_outside_the_json_floor(path: str) -> tuple[list[str], list[str]]:
    """The top-level packages `show --format json` imports that `import typer, yaml` does not (what
    typer and yaml import themselves is theirs), archcalc aside; and the floor's own, for the record."""
    floor = set(output_of(TOP_LEVEL_MODULES.format(work="import typer, yaml")).split())
    shown = set(output_of(TOP_LEVEL_MODULES.format(work=JSON_SHOW.format(path=path))).split())
    return sorted(shown - floor - {"archcalc"}), sorted(floor)


DATACLASS_VALUES = """
import dataclasses, gc, inspect, runpy, sys
gc.disable()
import archcalc.values as values


def as_dataclass(cls=None, /, *, kw_only=False):
    # archcalc's @value seam, with dataclass(frozen=True, slots=True) behind it: what values.py was measured against
    def decorate(cls):
        keyword_only = kw_only or getattr(cls, "__value_kw_only__", False)
        names = list(getattr(cls, "__value_names__", ()))
        defaults = dict(getattr(cls, "__value_defaults__", {{}}))
        for name, annotation in inspect.get_annotations(cls).items():
            if name in names or str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            written = cls.__dict__.get(name, dataclasses.MISSING)
            if isinstance(written, values.FieldOptions):
                default = dataclasses.MISSING if written.default is values.MISSING else written.default
                setattr(cls, name, dataclasses.field(default=default, compare=written.compare))
                written = default
            if written is not dataclasses.MISSING:
                defaults[name] = written
            names.append(name)
        built = dataclasses.dataclass(frozen=True, slots=True, kw_only=keyword_only, repr="__repr__" not in cls.__dict__)(cls)
        for attribute in vars(built).values():  # zero-argument super(): its cell names the class before slots
            for cell in getattr(getattr(attribute, "__func__", attribute), "__closure__", None) or ():
                if cell.cell_contents is cls:
                    cell.cell_contents = built
        for key, setting in (("__value_names__", tuple(names)), ("__value_defaults__", defaults), ("__value_kw_only__", keyword_only)):
            type.__setattr__(built, key, setting)
        return built

    return decorate if cls is None else decorate(cls)


values.value = as_dataclass
values.replace = dataclasses.replace
sys.argv = ["archcalc", *{arguments!r}]
runpy.run_module("archcalc", run_name="__main__")
"""

BARE_TYPER_APP = """
import json, sys
import typer, rich, yaml
app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None)
@app.command()
def show(spec: str, output_format: str = typer.Option("table", "--format")) -> None:
    with open(spec, encoding="utf-8") as file:
        sys.stdout.write(json.dumps(yaml.load(file, Loader=yaml.CSafeLoader), indent=2))
@app.command()
def check(spec: str) -> None:
    pass
app()
"""

TORCHINFO = """
import sys, time
sys.path[:0] = [{root!r}, {root!r} + "/cli"]  # archcalc and tests.torch_reference from this checkout
import torchinfo
from archcalc.formats import load_spec
from tests.torch_reference import build_sequence, channels_first
import torch
spec = load_spec({path!r})
model, _ = build_sequence(spec.layers, torch.zeros(1, *channels_first(spec.input_shape)))
torchinfo.summary(model, input_size=(1, *channels_first(spec.input_shape)), verbose=0)
"""


def generated_conv_stack(count: int) -> Path:
    """A YAML spec of `count` 3×3 convolutions on 32x32x16, written once into benchmarks/specs/ (not committed)."""
    path = ROOT / "benchmarks" / "specs" / f"generated_conv_{count}.yaml"
    if not path.exists():
        lines = ["input: 32x32x16", "layers:", *["  - conv: {filters: 16, kernel: 3, padding: 1}"] * count]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def output_of(code: str) -> str:
    return subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True, env=ENV, cwd=ROOT).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--torch-python", help="a Python with torch and torchinfo, for torchinfo's summary of the same ResNet-50")
    arguments = parser.parse_args()
    repeats = arguments.repeats
    import archcalc

    compileall.compile_dir(str(Path(archcalc.__file__).parent), quiet=1)
    print(f"archcalc {archcalc.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores; best of {repeats} fresh processes, started in rounds\n")

    ten_thousand = generated_conv_stack(10_000)
    cold = measure_in_rounds(
        {
            "bare": Command([PYTHON, "-c", "pass"]),
            "floor": Command([PYTHON, "-c", "import typer, rich.console, rich.table, yaml"]),  # what a Rich table needs
            "floor_json": Command([PYTHON, "-c", "import typer, yaml"]),  # what JSON needs
            "floor_no_gc": Command([PYTHON, "-c", "import gc; gc.disable(); import typer, rich.console, rich.table, yaml"]),  # as archcalc starts
            "bare_app": Command([PYTHON, "-c", BARE_TYPER_APP, "show", RESNET50, "--format", "json"]),
            "show resnet50 (table)": Command([*ARCHCALC, "show", RESNET50]),
            "show resnet50 (table, in a terminal)": Command([*ARCHCALC, "show", RESNET50], terminal=True),
            "show resnet50 --format json": Command([*ARCHCALC, "show", RESNET50, "--format", "json"]),
            "show resnet50 --format json, dataclasses behind @value": Command(
                [PYTHON, "-c", DATACLASS_VALUES.format(arguments=["show", RESNET50, "--format", "json"])]
            ),
            "show resnet50 --format csv": Command([*ARCHCALC, "show", RESNET50, "--format", "csv"]),
            "show Llama-3.1-70B config.json --format json": Command([*ARCHCALC, "show", LLAMA_70B, "--format", "json"]),
            "show resnet50 --depth 0 (table)": Command([*ARCHCALC, "show", RESNET50, "--depth", "0"]),
            "check archspecs/": Command([*ARCHCALC, "check", str(ROOT / "archspecs")]),
            "show llama3_8b --format json": Command([*ARCHCALC, "show", LLAMA3, "--format", "json"]),
            "train llama3_8b --format json": Command([*ARCHCALC, "train", LLAMA3, "--format", "json"]),
        },
        repeats,
    )
    bare, floor, floor_json, floor_no_gc, bare_app = (cold.pop(name) for name in ("bare", "floor", "floor_json", "floor_no_gc", "bare_app"))
    runs = {**cold, "show 10,000-layer YAML --format json": measure([*ARCHCALC, "show", str(ten_thousand), "--format", "json"], max(3, repeats // 5))}
    print("1. Cold start, whole process")
    print(f"   python -c pass                              {milliseconds(bare.best):>9}  (median {milliseconds(bare.median)}), {megabytes(bare.peak_rss)}")
    print(f"   floor: typer, rich.console, rich.table, yaml {milliseconds(floor.best):>9}  (median {milliseconds(floor.median)})")
    print(f"   JSON floor: typer, yaml                      {milliseconds(floor_json.best):>9}  (median {milliseconds(floor_json.median)})")
    print(
        f"   floor, garbage collector off                {milliseconds(floor_no_gc.best):>9}  (median {milliseconds(floor_no_gc.median)}; "
        "archcalc starts with it off)"
    )
    print(
        f"   a bare Typer app: YAML in, JSON out         {milliseconds(bare_app.best):>9}  = {bare_app.best / floor.best:.2f}× the floor "
        "(what any Typer CLI pays for this file)"
    )
    for name, run in runs.items():
        machine = "json" in name or "csv" in name  # formats that import no Rich: against the floor without it
        against = f"{run.best / floor_json.best:.2f}× the JSON floor" if machine else f"{run.best / floor.best:.2f}× the floor"
        ratios = f"{against}, {run.best / bare.best:.1f}× bare python"
        print(f"   archcalc {name:<36} {milliseconds(run.best):>9}  = {ratios}; {megabytes(run.peak_rss)}")
    if arguments.torch_python:
        code = TORCHINFO.format(root=str(ROOT), path=RESNET50)
        torch_run = measure([arguments.torch_python, "-c", code], max(3, repeats // 5))
        ratio = torch_run.best / runs["show resnet50 (table)"].best
        print(
            f"   torchinfo.summary of the same ResNet-50     {milliseconds(torch_run.best):>9}  = {ratio:.1f}× archcalc's table; "
            f"{megabytes(torch_run.peak_rss)}"
        )

    print("\n2. Engine, generated dense/relu stacks (in one process each; spec built in memory, no YAML)")
    engine = {}
    for count in (1_000, 10_000, 100_000):
        result = json.loads(output_of(ENGINE.format(count=count)))
        peak = child_python(ENGINE.format(count=count)).peak_rss
        engine[count] = result["seconds"]
        print(f"   {count:>7,} layers  {milliseconds(result['seconds']):>9}  {result['seconds'] / count * 1e6:6.2f} µs a layer  {megabytes(peak)}")
    linear = engine[100_000] / engine[1_000] / 100
    print(f"   time per layer at 100,000 over time per layer at 1,000: {linear:.2f} (1.00 is linear)")

    print("\n3. Sweep of the seed CNN over 1,000 input sizes (32 to 1,031)")
    sweep_code = SWEEP.format(path=str(ROOT / "archspecs" / "seed" / "cnn.yaml"))
    sweep_result = json.loads(output_of(sweep_code))
    sweep_peak = child_python(sweep_code).peak_rss
    print(f"   {sweep_result['sizes']:,} sizes  {milliseconds(sweep_result['seconds'])}  {megabytes(sweep_peak)}")

    print("\n4. Peak memory of `archcalc show --format json`, every archspec and a 175-billion-parameter dense stack")
    specs = [*sorted((ROOT / "archspecs").rglob("*.yaml")), ROOT / "benchmarks" / "specs" / "dense_175b.yaml"]
    peaks = {path.relative_to(ROOT): measure([*ARCHCALC, "show", str(path), "--format", "json"], 1).peak_rss for path in specs}
    for path, peak in peaks.items():
        print(f"   {path!s:<48} {megabytes(peak)}")

    print("\n5. What the machine formats import of rich")
    imported = {fmt: output_of(IMPORTED_RICH.format(path=RESNET50, fmt=fmt)) for fmt in ("json", "csv", "table")}
    for fmt, modules in imported.items():
        print(f"   --format {fmt:<6} {modules}")
    outside, floor_packages = imported_outside_the_json_floor(RESNET50)
    print(f"   show --format json, packages beyond archcalc, the standard library and what `import typer, yaml` loads ({' '.join(floor_packages)}): {outside}")

    hostile = hostile_input(max(3, repeats // 3))
    hostile += checkpoint_headers(max(3, repeats // 5))
    hostile += long_graphs()

    table, as_json = runs["show resnet50 (table)"], runs["show resnet50 --format json"]
    table_ratio, json_ratio = table.best / floor.best, as_json.best / floor_json.best
    large = runs["show 10,000-layer YAML --format json"].best
    fast_engine = linear < 1.5 and engine[10_000] < 0.5
    largest = max(peaks.values())
    lean = all("rich.console" not in imported[fmt] and "rich.table" not in imported[fmt] for fmt in ("json", "csv"))
    print("\nTargets")
    terminal_ratio = runs["show resnet50 (table, in a terminal)"].best / floor.best
    print(
        f"   cold show of resnet50, table within 2.0× its floor (typer, rich.console, rich.table, yaml): {table_ratio:.2f}× {verdict(table_ratio <= 2.0)}; "
        f"in a terminal {terminal_ratio:.2f}× {verdict(terminal_ratio <= 2.0)}"
    )
    print(f"   cold show of resnet50 --format json within 1.3× its floor (typer, yaml): {json_ratio:.2f}× {verdict(json_ratio <= 1.3)}")
    as_dataclasses = runs["show resnet50 --format json, dataclasses behind @value"]
    print(
        f"   values.py's own methods, not dataclasses, while dataclass(frozen=True, slots=True) adds more than 30 ms to the JSON floor: "
        f"{milliseconds(as_dataclasses.best - floor_json.best)} wall, {milliseconds(as_dataclasses.cpu - floor_json.cpu)} CPU above it "
        f"(values.py's own: {milliseconds(as_json.best - floor_json.best)}, {milliseconds(as_json.cpu - floor_json.cpu)} CPU) "
        f"{verdict(as_dataclasses.cpu - floor_json.cpu > 0.030)}"
    )
    print(f"   a 10,000-layer YAML spec, whole process with --format json, under 1 s: {milliseconds(large)} {verdict(large < 1.0)}")
    config_over = runs["show Llama-3.1-70B config.json --format json"].best - floor_json.best
    within = verdict(config_over <= 0.030)
    print(f"   cold show of Llama-3.1-70B's config.json --format json within 30 ms of the JSON floor: +{milliseconds(config_over)} {within}")
    print(f"     (the table against the floor with the collector off, as archcalc runs: {table.best / floor_no_gc.best:.2f}×)")
    print(f"   engine linear in layers ({linear:.2f}) and 10,000 layers under 0.5 s ({milliseconds(engine[10_000])}): {verdict(fast_engine)}")
    print(f"   peak memory under 60 MB for every spec (largest {megabytes(largest)}): {verdict(largest < 60e6)}")
    print(f"   JSON and CSV do not import rich's console or table: {verdict(lean)}")
    print(f"   show --format json imports nothing outside archcalc, typer, yaml and the standard library (no matplotlib, no rich): {verdict(not outside)}")
    train_ratio = runs["train llama3_8b --format json"].best / runs["show llama3_8b --format json"].best
    print(f"   train --format json of llama3_8b within 1.2× show --format json of it: {train_ratio:.2f}× {verdict(train_ratio <= 1.2)}")
    for target, holds in hostile:
        print(f"   {target}: {verdict(holds)}")
    return 0


CONV = "  - conv: {filters: 16, kernel: 3, padding: 1}\n"


def spec_files(folder: Path) -> dict[str, Path]:
    """The large and hostile specs of section 6, written into `folder`."""
    block = "[" + ", ".join(["relu"] * 400) + "]"
    repeat = "  - repeat: {times: 9999, layers: [{conv: {filters: 4, kernel: 1, padding: 1%s}}]}\n"
    texts = {
        "conv10k": "input: 32x32x16\nlayers:\n" + CONV * 10_000,
        "conv10k_changed": "input: 32x32x16\nlayers:\n" + CONV * 5_000 + CONV.replace("}", ", bias: false}") + CONV * 4_999,
        "conv100k": "input: 32x32x16\nlayers:\n" + CONV * 100_000,
        "relu100k": "input: 32x32x16\nlayers:\n" + "  - relu\n" * 100_000,
        "relu400k": "input: 32x32x16\nlayers:\n" + "  - relu\n" * 400_000,
        # 470 aliases of a 400-layer block in 10 KB (issue 17's, refused), and the most aliases of it accepted
        "aliases_bomb": "input: 32x32x16\nlayers:\n  - block: &b " + block + "\n" + "  - block: *b\n" * 470,
        "aliases_most": "input: 32x32x16\nlayers:\n  - block: &b " + block + "\n" + "  - block: *b\n" * 62,
        "five_repeats": "input: 4x4x4\nlayers:\n" + (repeat % "") * 5,
        "five_repeats_changed": "input: 4x4x4\nlayers:\n" + (repeat % "") * 2 + (repeat % ", bias: false") + (repeat % "") * 2,
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(text)
    return paths


def hostile_input(repeats: int) -> list[tuple[str, bool]]:
    """Section 6: whole processes on large and hostile specs, against issue 17's bounds."""
    print(f"\n6. Large and hostile input, whole process (best of {repeats}; CPU time judged, wall time beside it)")
    with tempfile.TemporaryDirectory() as folder:
        paths = spec_files(Path(folder))
        size = {name: path.stat().st_size for name, path in paths.items()}

        def run(label: str, arguments: list[str], expect: int = 0) -> Run:
            result = measure([*ARCHCALC, *arguments], repeats, expect=expect)
            print(f"   {label:<62} cpu {result.cpu:5.2f} s  wall {result.best:5.2f} s  {megabytes(result.peak_rss):>9}")
            return result

        hundred = run("check 100,000 convs (4.7 MB of YAML)", ["check", str(paths["conv100k"]), "--max-params", "1G"])
        relus = run("check 100,000 relu", ["check", str(paths["relu100k"]), "--max-params", "1G"])
        hundred_json = run("show 100,000 convs --format json (every layer written out)", ["show", str(paths["conv100k"]), "--format", "json"])
        hundred_table = run("show 100,000 convs as a table (identical rows folded)", ["show", str(paths["conv100k"])])
        relus_json = run("show 100,000 relu --format json", ["show", str(paths["relu100k"]), "--format", "json"])
        refused = run("show 400,000 relu (refused: more than 100,000 layers)", ["show", str(paths["relu400k"])], expect=2)
        bomb = run(f"show {size['aliases_bomb'] / 1000:.1f} KB of 470 aliases (refused)", ["show", str(paths["aliases_bomb"]), "-f", "json"], expect=2)
        most = run(f"show {size['aliases_most'] / 1000:.1f} KB of 62 aliases (24,862 values copied)", ["show", str(paths["aliases_most"]), "-f", "json"])
        diff = run("diff of two 10,000-conv specs", ["diff", str(paths["conv10k"]), str(paths["conv10k_changed"])])
        five, changed = str(paths["five_repeats"]), str(paths["five_repeats_changed"])
        repeats_table = run(f"diff of five repeat: {{times: 9999}} ({size['five_repeats']} B) --depth 5", ["diff", five, changed, "--depth", "5"])
        repeats_json = run("the same, --all --format json", ["diff", five, changed, "-d", "5", "-a", "-f", "json"])
        print(f"   peak RSS per layer at 100,000 (check): convs {hundred.peak_rss / 100_000:,.0f} bytes, relu {relus.peak_rss / 100_000:,.0f} bytes")
        print(
            f"   with every layer written out as JSON (json.dumps, indented): convs {hundred_json.cpu:.2f} s, {megabytes(hundred_json.peak_rss)}; "
            f"relu {relus_json.cpu:.2f} s, {megabytes(relus_json.peak_rss)} (the document itself is tens of MB)"
        )
        small_cpu, small_rss = max(bomb.cpu, most.cpu), max(bomb.peak_rss, most.peak_rss)
        repeats_cpu = max(repeats_table.cpu, repeats_json.cpu)
        return [
            (f"100,000 convs within 3 s and 300 MB ({hundred.cpu:.2f} s, {megabytes(hundred.peak_rss)})", hundred.cpu <= 3 and hundred.peak_rss <= 300e6),
            (f"100,000 relu within 3 s and 300 MB ({relus.cpu:.2f} s, {megabytes(relus.peak_rss)})", relus.cpu <= 3 and relus.peak_rss <= 300e6),
            (f"show of 100,000 convs as JSON within 300 MB ({megabytes(hundred_json.peak_rss)})", hundred_json.peak_rss <= 300e6),
            (f"show of 100,000 convs as a table within 3 s ({hundred_table.cpu:.2f} s, {megabytes(hundred_table.peak_rss)})", hundred_table.cpu <= 3),
            (f"a 10 KB spec within 1 s and 200 MB whatever its aliases ({small_cpu:.2f} s, {megabytes(small_rss)})", small_cpu <= 1 and small_rss <= 200e6),
            (f"400,000 layers refused within 3 s ({refused.cpu:.2f} s)", refused.cpu <= 3),
            (f"diff of two 10,000-layer specs within 2 s ({diff.cpu:.2f} s)", diff.cpu <= 2),
            (f"diff --depth 5 of the five-repeat spec within 5 s ({repeats_cpu:.2f} s)", repeats_cpu <= 5),
        ]


def checkpoint_headers(repeats: int) -> list[tuple[str, bool]]:
    """Section 7: `show` of the header sets of published checkpoints (benchmarks/checkpoints.py), as
    sparse files: only headers are read, so the weights' hundreds of GB cost nothing."""
    from benchmarks.checkpoints import deepseek_v3, llama_405b, write_shards

    print(f"\n7. safetensors checkpoints, headers only, whole process --format json (best of {repeats}; CPU time judged)")
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        for label, tensors, shards, bound in (
            ("Llama-3.1-405B: 191 shards, 1,137 tensors", llama_405b(), 191, 1.0),
            ("DeepSeek-V3: 163 shards, 91,991 tensors, an 8.8 MB index", deepseek_v3(), 163, 5.0),
        ):
            path = write_shards(Path(folder) / label.split(":")[0], tensors, shards)
            result = measure([*ARCHCALC, "show", str(path), "--format", "json"], repeats)
            print(f"   {label:<62} cpu {result.cpu:5.2f} s  wall {result.best:5.2f} s  {megabytes(result.peak_rss):>9}")
            targets.append((f"show of {label.split(':')[0]}'s checkpoint within {bound:.0f} s ({result.cpu:.2f} s)", result.cpu <= bound))
    return targets


def long_graphs() -> list[tuple[str, bool]]:
    """Section 8: issue 27's long ONNX graphs at 10,000 and 100,000 nodes (benchmarks/long_graphs.py),
    once each: a run at 100,000 nodes takes seconds."""
    from benchmarks.long_graphs import section

    return section(1)


if __name__ == "__main__":
    sys.exit(main())
