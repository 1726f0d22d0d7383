"""What the graph readers (ONNX, Keras) share: dependency order and nesting into composites."""
