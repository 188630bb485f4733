"""JSON schemas of the streams, loaded with singer-sdk's SchemaDirectory."""
