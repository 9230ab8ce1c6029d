"""dispatch: a keyboard-only console for technical-support dispatchers.

The package root holds the version only and imports nothing else, so that
``import dispatch`` never pulls in Textual or SQLAlchemy.
"""

__version__ = "0.1.0"
