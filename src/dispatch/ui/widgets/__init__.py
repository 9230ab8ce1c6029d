"""The console's widgets; each takes domain objects and posts past-tense messages."""
