"""Whether a client's text is a plain non-negative integer."""

from __future__ import annotations

__all__ = ["is_ascii_digits"]


def is_ascii_digits(text: str) -> bool:
    """One or more ASCII digits: text `int()` always takes.

    `str.isdigit()` alone also accepts superscripts ("¹") and other scripts' digits, some of
    which `int()` refuses: a limit, page or length written with them answered 500 where the
    client's mistake deserves a 4xx.
    """
    return text.isascii() and text.isdigit()
