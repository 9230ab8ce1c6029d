"""The domain: pure Python rules of technical-support dispatch, no I/O."""
