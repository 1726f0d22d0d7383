"""HuggingFace model configs (config.json) -> a `Spec`, one module per model family (reader.py)."""
