"""What a user's console remembers: one file per login, replaced whole, never a crash."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from dispatch.prefs import FilePreferences


def test_saved_values_come_back_and_logins_keep_their_own_file(tmp_path: Path) -> None:
    ana = FilePreferences(tmp_path, "ana")
    ana.save("view", "mine")
    ana.save("theme", "nord")
    assert FilePreferences(tmp_path, "ana").load() == {"view": "mine", "theme": "nord"}
    odd = FilePreferences(tmp_path, "../etc/passwd")  # a login is never a path
    odd.save("view", "x")
    assert odd.path.parent == tmp_path
    assert FilePreferences(tmp_path, "ana").load()["view"] == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["..%2Fetc%2Fpasswd.json", "ana.json"]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"view": 3}'])
def test_an_unreadable_file_means_the_defaults(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    prefs = FilePreferences(tmp_path, "ana")
    prefs.path.write_text(content)
    assert prefs.load() == {}
    prefs.save("view", "mine")  # and the next save writes a good file
    assert prefs.load() == {"view": "mine"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_folder_that_cannot_be_written_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path.chmod(0o500)
    try:
        with caplog.at_level(logging.WARNING, logger="dispatch.prefs"):
            FilePreferences(tmp_path, "ana").save("view", "mine")
    finally:
        tmp_path.chmod(0o700)
    assert "not saved" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    prefs = FilePreferences(tmp_path, "ana")
    prefs.save("view", "mine")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    prefs.save("view", "other")
    assert prefs.load() == {"view": "mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["ana.json"]
    assert "No space left" in caplog.text
