"""Entry point for `python -m archcalc`."""

from archcalc.app import main

main()
