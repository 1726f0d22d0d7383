"""The ONNX reader: file safety, shape folding, recognised blocks, operators -> kinds."""
