"""The Keras reader: a .keras archive or a model.to_json() config -> Spec."""
