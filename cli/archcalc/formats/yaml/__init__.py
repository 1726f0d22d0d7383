"""The YAML spec format: located YAML, the document, its layers and arguments, shapes, arrow chains, the schema and the writer."""
