"""A broken [keys] remap is refused at start with the file, the line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch.cli import cli
from dispatch.domain.errors import InvalidInputError
from dispatch.ui.keymap import binding_ids, check_keymap, is_key


def run_console(tmp_path: Path, keys: str) -> tuple[int, str, Path]:
    config = tmp_path / "dispatch.toml"
    config.write_text("# the team's settings\n\n[keys]\n" + keys)
    db = tmp_path / "console.db"
    result = CliRunner().invoke(
        cli, ["--db", f"sqlite:///{db}"], env={"DISPATCH_CONFIG": str(config)}
    )
    return result.exit_code, result.output, db


def test_an_unknown_binding_id_is_named_with_its_line(tmp_path: Path) -> None:
    code, output, db = run_console(tmp_path, 'take-ticket = "ctrl+t"\ntake-tiket = "ctrl+k"\n')
    assert code == 1, output
    config = tmp_path / "dispatch.toml"
    assert f"{config}:5: [keys] take-tiket: no such binding (did you mean take-ticket?)" in output
    assert "Traceback" not in output
    assert output.splitlines()[0] == "dispatch: error: the console's keymap is broken:"
    assert not db.exists()  # refused before the database was touched


def test_a_bad_key_name_and_a_clash_are_each_named(tmp_path: Path) -> None:
    code, output, _ = run_console(tmp_path, 'filter-queue = "ctrl+shiftt"\n')
    assert code == 1
    assert ":4: [keys] filter-queue: 'ctrl+shiftt' is not a key name" in output
    code, output, _ = run_console(tmp_path, "\n'take-ticket' = \"j\"\n")
    assert code == 1
    assert ":5: [keys] take-ticket: j is also queue.down on the dispatcher's screen" in output


@pytest.mark.parametrize(
    ("keymap", "fault"),
    [
        ({"take-ticket": "a"}, "a is also assign-technician on the dispatcher's screen"),
        ({"status.p": "w"}, "w is also status.w on the status dialog"),
        ({"quit": "x"}, "x is also dismiss-toasts"),
        ({"alerts.ack": "u"}, "u is also alerts.unacked on the alert log"),
    ],
)
def test_clashes_on_every_screen(keymap: dict[str, str], fault: str) -> None:
    with pytest.raises(InvalidInputError, match=fault):
        check_keymap(keymap)


def test_good_remaps_pass() -> None:
    check_keymap({"take-ticket": "ctrl+t", "filter-queue": "slash,f", "help": "f2,question_mark"})
    assert {"take-ticket", "undo", "change-severity", "dismiss-toasts", "list.first"} <= (
        binding_ids()
    )
    assert all(is_key(k) for k in ("ctrl+t", "f5", "slash", "question_mark", "G", "?", "pageup"))
    assert not any(is_key(k) for k in ("ctrl+", "hyperx+a", "f99", "", " ", "enterr"))
