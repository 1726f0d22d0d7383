"""archcalc: exact shapes, parameters and MACs of neural-network architectures, without running them."""

__version__ = "0.1.0"
