"""The `archcalc` command, and `python -m archcalc`: app.py's CLI, started with the garbage collector off.

An archcalc process lives for a few milliseconds and builds trees of values, with no reference
cycles to collect. Without the collector's passes over everything allocated while typer, yaml and
archcalc are imported, a cold start takes about 4 ms less (benchmarks/run.py measures both).

Ctrl-C and a closed pipe end the process as they end any Unix tool, by their signal, before anything
is imported: the shell reports 130 and 141, and no traceback is printed (Python would raise
KeyboardInterrupt, which Click reports as exit 1, archcalc's "over budget").
"""

import gc
import signal


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if hasattr(signal, "SIGPIPE"):  # not on Windows
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    gc.disable()
    from archcalc.app import main as run  # lazy: after gc.disable(): importing is most of a start

    run()


if __name__ == "__main__":
    main()
