"""What each user's console remembers across restarts: one small JSON file per login.

The last view used and the theme live in the user's state directory
(``platformdirs``), one file per login, so that consoles of different users
served from one host (``dispatch serve``) never write each other's file. A
file is replaced whole (written beside it, then renamed), so a crash leaves
the old one or the new one, never half of either. Preferences are a
convenience: a file that cannot be read or written is logged and the console
carries on with its defaults.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import platformdirs

from dispatch.config import APP_NAME

log = logging.getLogger(__name__)


def prefs_dir() -> Path:
    """Where the preference files are kept."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / "console"


class FilePreferences:
    """The ``Preferences`` of one login, kept in ``folder/<login>.json``."""

    def __init__(self, folder: Path, login: str) -> None:
        self.path = folder / f"{quote(login, safe='')}.json"
        self._lock = threading.Lock()

    def load(self) -> Mapping[str, str]:
        """Everything remembered; empty if there is no file or it is not ours to read."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("preferences %s not read (%s): using the defaults", self.path, exc)
            return {}
        if not isinstance(raw, dict):
            log.warning("preferences %s hold no table: using the defaults", self.path)
            return {}
        return {str(k): v for k, v in raw.items() if isinstance(v, str)}

    def save(self, key: str, value: str) -> None:
        """Remember ``value`` under ``key``, replacing the file whole."""
        with self._lock:
            data = {**self.load(), key: value}
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd, temp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            except OSError as exc:
                log.warning("preferences %s not saved (%s)", self.path, exc)
                return
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=1, sort_keys=True)
                os.replace(temp, self.path)
            except OSError as exc:
                Path(temp).unlink(missing_ok=True)
                log.warning("preferences %s not saved (%s)", self.path, exc)
