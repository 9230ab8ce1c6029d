from __future__ import annotations

import pytest

from dispatch.domain.text import printable

HOSTILE = [
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b]0;pwned\x07",  # OSC window title, BEL-terminated
    "\x1b]52;c;aGVsbG8=\x1b\\",  # OSC 52 clipboard write
    "\x9b31m",  # C1 CSI
    "\x9d0;title\x9c",  # C1 OSC ... ST
    "abc\u202egnp.exe",  # right-to-left override
    "\u2066isolate\u2069",
    "bell\x07 backspace\x08 vt\x0b ff\x0c cr\r",
    "del\x7f",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_control_or_bidi_character_survives(text: str) -> None:
    out = printable(text)
    assert all(ch.isprintable() for ch in out), repr(out)
    assert not any(0x80 <= ord(ch) <= 0x9F for ch in out)
    assert not any(ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" for ch in out)


def test_escape_shows_as_a_visible_symbol() -> None:
    assert printable("\x1b[31mred") == "\u241b[31mred"


def test_ordinary_text_is_unchanged() -> None:
    for text in ["Tipografia Dunărea SRL", "Витоша", "Müller & Partner", "🖨️ jam", "[bold]x[/]"]:
        assert printable(text) == text


def test_newlines_kept_only_when_asked() -> None:
    assert printable("a\nb") == "a\u240ab"
    assert printable("a\nb\tc", keep_newlines=True) == "a\nb    c"
