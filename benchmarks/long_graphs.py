"""Issue 27's long ONNX graphs, whole process: `archcalc show --format json` of B (Shape→Reshape pairs
chained), C (residual blocks, x + Relu(x), chained) and E (Relus of the input summed one after
another) at 10,000 and 100,000 nodes, and at 10× the nodes the time taken over the time at 1×.

    .venv/bin/python benchmarks/long_graphs.py [--repeats 1]

benchmarks/run.py runs it as its section 8. Times are CPU seconds (user + system, from os.wait4, the
forked child that runs ONNX's inference included), the least of --repeats runs; wall time beside them.
The targets (issue 27, R2–R4): 100,000 nodes in under 10 s, and 10× the nodes in at most 12× the time.
A floor, the same command on a file of 3 nodes, says what starting Python, archcalc and onnx costs;
a loop of 10⁷ additions in pure Python says how fast the computer is just now.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SIZES = (10_000, 100_000)
SECONDS = 10.0
RATIO = 12.0
LOOP = "total = 0\nfor number in range(10**7):\n    total += number"


def cpu_seconds(arguments: list[str], repeats: int) -> tuple[float, float, int]:
    """The least CPU time and wall time of `repeats` runs of a fresh process, and its peak RSS."""
    best_cpu, best_wall, peak = float("inf"), float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(arguments)} failed: {process.stderr.read().decode() if process.stderr else ''}")
        best_cpu, best_wall, peak = min(best_cpu, usage.ru_utime + usage.ru_stime), min(best_wall, wall), max(peak, usage.ru_maxrss * 1024)
    return best_cpu, best_wall, peak


GRAPHS = {"B Shape→Reshape pairs": "shape_chain", "C residual blocks": "residual_chain", "E Relus summed": "fan"}
"""Each graph, and the function of tests/hostile_models.py that writes it."""


def written(function: str, folder: Path, pairs: int) -> Path:
    """The file tests/hostile_models.py's `function` writes into `folder`, written by another process:
    this one stays small, and the peak memory of the processes it starts (which counts what the parent
    held when it forked them) is theirs."""
    code = f"import sys; from pathlib import Path; from tests.hostile_models import {function}; print({function}(Path(sys.argv[1]), {pairs}))"
    return Path(subprocess.run([PYTHON, "-c", code, str(folder)], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip())


def section(repeats: int) -> list[tuple[str, bool]]:
    """Print each graph's times at 10,000 and 100,000 nodes; the targets and whether they hold."""
    show = [PYTHON, "-m", "archcalc", "show"]
    loop, _, _ = cpu_seconds([PYTHON, "-c", LOOP], repeats)
    print(f"\n8. Long ONNX graphs (issue 27), whole process, show --format json (least CPU of {repeats}; wall beside it)")
    print(f"   the computer now: 10⁷ additions in a Python loop take {loop:.2f} s of CPU")
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "floor"
        small.mkdir()
        floor, floor_wall, _ = cpu_seconds([*show, str(written("fan", small, 2)), "--format", "json"], repeats)
        print(f"   {'floor: 2 Relus summed (3 nodes)':<44} cpu {floor:6.2f} s  wall {floor_wall:6.2f} s")
        for label, function in GRAPHS.items():
            seconds = {}
            for nodes in SIZES:
                place = Path(folder) / f"{label[0]}{nodes}"
                place.mkdir()
                path = written(function, place, nodes // 2)  # each is made of pairs of nodes
                cpu, wall, peak = cpu_seconds([*show, str(path), "--format", "json"], repeats)
                seconds[nodes] = cpu
                print(f"   {label + f', {nodes:,} nodes':<44} cpu {cpu:6.2f} s  wall {wall:6.2f} s  {peak / 1e6:7.1f} MB")
            ratio = seconds[SIZES[1]] / seconds[SIZES[0]]
            above = (seconds[SIZES[1]] - floor) / max(seconds[SIZES[0]] - floor, 1e-9)
            print(f"   {label}: 10× the nodes in {ratio:.2f}× the time ({above:.2f}× above the floor)")
            targets.append((f"{label}: 100,000 nodes in under {SECONDS:.0f} s ({seconds[SIZES[1]]:.2f} s)", seconds[SIZES[1]] < SECONDS))
            targets.append((f"{label}: 10× the nodes in at most {RATIO:.0f}× the time ({ratio:.2f}×)", ratio <= RATIO))
    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1)
    targets = section(parser.parse_args().repeats)
    print("\nTargets")
    for target, holds in targets:
        print(f"   {target}: {'holds' if holds else 'DOES NOT HOLD'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
