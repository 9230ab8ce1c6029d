"""The SQLAlchemy storage adapter: it implements the ports of ``dispatch.domain.ports``.

Mapped rows never leave this package; everything it returns is a domain object.
"""
