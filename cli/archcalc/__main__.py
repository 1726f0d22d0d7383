"""The `archcalc` command, and `python -m archcalc`: app.py's CLI, started with the garbage collector off.

An archcalc process lives for a few milliseconds and builds trees of values, with no reference
cycles to collect. Without the collector's passes over everything allocated while typer, yaml and
archcalc are imported, a cold start takes about 4 ms less (benchmarks/run.py measures both).
"""

import gc


def main() -> None:
    gc.disable()
    from archcalc.app import main as run  # after gc.disable(): importing is most of a start

    run()


if __name__ == "__main__":
    main()
