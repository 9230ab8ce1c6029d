"""The layers' promises, checked at run time (import-linter checks them statically)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("dispatch", {"textual", "sqlalchemy", "click"}),
        ("dispatch.domain.model", {"textual", "sqlalchemy", "apscheduler", "click"}),
        ("dispatch.domain.queue", {"textual", "sqlalchemy", "apscheduler", "click"}),
        ("dispatch.services", {"textual", "sqlalchemy", "apscheduler", "click"}),
        ("dispatch.scheduler", {"textual", "sqlalchemy", "click"}),
        ("dispatch.domain.alerts", {"textual", "sqlalchemy", "apscheduler", "click"}),
        ("dispatch.store.repository", {"textual", "apscheduler", "click"}),
        ("dispatch.cli", {"textual", "sqlalchemy"}),
    ],
)
def test_importing_a_layer_leaves_the_others_out(module: str, forbidden: set[str]) -> None:
    assert not (_loaded_after(module) & forbidden)


def test_every_service_module_leaves_frameworks_and_the_store_out() -> None:
    import pkgutil

    import dispatch.services

    names = [
        f"dispatch.services.{m.name}" for m in pkgutil.iter_modules(dispatch.services.__path__)
    ]
    assert "dispatch.services.tickets" in names
    code = f"import sys, {', '.join(names)}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = set(out.stdout.split())
    assert not {n.split(".")[0] for n in loaded} & {"textual", "sqlalchemy", "apscheduler", "click"}
    assert not {n for n in loaded if n.startswith("dispatch.store")}
