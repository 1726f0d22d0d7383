"""One module per command, each thin: read arguments, ask the engine, hand the result to a renderer.
What they share (exit statuses, options, reading specs, writing output) is in shared.py."""
