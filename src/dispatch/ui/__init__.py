"""The Textual console. It sees domain objects and services, never the store."""
