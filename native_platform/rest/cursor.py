"""A character cursor with PostgREST's lexical rules for names, JSON paths and quoted values."""

from __future__ import annotations

from native_platform.digits import is_ascii_digits
from native_platform.rest.errors import ApiError
from native_platform.rest.query_ast import Field, JsonStep

__all__ = ["MAX_DEPTH", "Cursor"]

MAX_DEPTH = 16


class Cursor:
    """Reads one query-string value; errors are 400 PGRST100 naming the position."""

    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.what = what
        self.pos = 0

    def eof(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self, size: int = 1) -> str:
        return self.text[self.pos : self.pos + size]

    def take(self, token: str) -> bool:
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise self.error(f'"{token}"')

    def expect_eof(self) -> None:
        if not self.eof():
            raise self.error("end of input")

    def error(self, expecting: str) -> ApiError:
        found = f'"{self.text[self.pos]}"' if not self.eof() else "end of input"
        return ApiError(
            400,
            "PGRST100",
            f'"failed to parse {self.what} ({self.text})" (line 1, column {self.pos + 1})',
            f"unexpected {found} expecting {expecting}",
        )

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t", "\n") and not self.eof():
            self.pos += 1

    def quoted(self) -> str:
        """A double-quoted token with `\\"` and `\\\\` escapes (the opening quote is next)."""
        self.expect('"')
        out: list[str] = []
        while not self.eof():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and not self.eof():
                out.append(self.text[self.pos])
                self.pos += 1
            elif char == '"':
                return "".join(out)
            else:
                out.append(char)
        raise self.error('closing "\\""')

    def name(self) -> str:
        """A quoted or bare identifier: letters, digits, `_`, `$`, space, `-` not before `>`."""
        self.skip_spaces()
        if self.peek() == '"':
            return self.quoted()
        start = self.pos
        while not self.eof():
            char = self.text[self.pos]
            if char.isalnum() or char in "_$ " or (char == "-" and self.peek(2) != "->"):
                self.pos += 1
            else:
                break
        value = self.text[start : self.pos].strip()
        if not value:
            raise self.error("field name (* or [a..z0..9_$])")
        return value

    def json_path(self) -> tuple[JsonStep, ...]:
        steps: list[JsonStep] = []
        while self.take("->"):
            as_text = self.take(">")
            steps.append(JsonStep(as_text, self._json_key()))
        return tuple(steps)

    def _json_key(self) -> str | int:
        if self.peek() == '"':
            return self.quoted()
        start = self.pos
        self.take("-")
        while is_ascii_digits(self.peek()):
            self.pos += 1
        digits = self.text[start : self.pos]
        if digits and digits != "-" and self.peek() in ("", ".", ",", ")", ":", "-"):
            return int(digits)
        self.pos = start
        return self.name()

    def field(self) -> Field:
        name = self.name()
        return Field(name, self.json_path())

    def word(self) -> str:
        start = self.pos
        while self.peek().isalpha() or self.peek() == "_":
            self.pos += 1
        return self.text[start : self.pos]
