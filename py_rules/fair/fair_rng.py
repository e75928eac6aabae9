"""Verifiable rolls: a committed server seed and an HMAC-SHA256 byte stream per roll.

Byte derivation, so that anyone can recompute a roll once the seed is revealed:

* `commitment = sha256(server_seed).hexdigest()`, published before any roll.
* For a roll with `client_seed` and `nonce`, block 0 is
  `HMAC-SHA256(key=server_seed, msg=f"{client_seed}:{nonce}".encode("utf-8"))` and block `i >= 1`
  is `HMAC-SHA256(server_seed, f"{client_seed}:{nonce}:{i}")`; the roll's byte stream is
  block 0 ‖ block 1 ‖ … , consumed in order and never reused.
* `randrange(n)` takes `k = max(1, ceil(bit_length(n - 1) / 8))` bytes as a big-endian integer
  `x`; if `x < 256**k - 256**k % n` it returns `x % n`, else it discards those bytes and tries
  again (rejection sampling, so no face is favoured).
* A die with faces `low..high` shows `low + randrange(high - low + 1)`, dice drawn left to right
  as the evaluator meets them (rerolls and explosions of a die right after its draw).
"""

from __future__ import annotations

import hashlib
import secrets

from py_rules.errors import VerificationError

__all__ = ["FairRNG", "ServerSeed"]

_BLOCK = 64  # SHA-256 block size: HMAC pads the key to it


class ServerSeed:
    """A campaign's secret seed, with HMAC's keyed hash states prepared once."""

    __slots__ = ("_inner", "_outer", "secret")

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    @classmethod
    def generate(cls) -> ServerSeed:
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_hex(cls, secret: str) -> ServerSeed:
        """The seed as stored or revealed (hex); `VerificationError` if it is not hex."""
        try:
            return cls(bytes.fromhex(secret))
        except ValueError:
            raise VerificationError("the seed is not hex") from None

    @property
    def commitment(self) -> str:
        """Published before rolling: the SHA-256 hex digest of the secret."""
        return hashlib.sha256(self.secret).hexdigest()

    def reveal(self) -> str:
        """The secret as hex, published when the campaign's seed is rotated."""
        return self.secret.hex()

    def hmac(self, message: bytes) -> bytes:
        """HMAC-SHA256(secret, message), equal to `hmac.digest(secret, message, "sha256")`."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class FairRNG:
    """The byte stream of one roll, usable wherever a `DiceRNG` is expected."""

    __slots__ = ("_buffer", "_position", "_blocks", "_seed", "_message")

    def __init__(self, seed: ServerSeed, client_seed: str, nonce: int) -> None:
        self._seed = seed
        self._message = f"{client_seed}:{nonce}".encode()
        self._buffer = b""
        self._position = 0
        self._blocks = 0

    def _refill(self) -> bytes:
        """Append the next HMAC block to the unread bytes; return the new buffer."""
        blocks = self._blocks
        message = self._message + b":%d" % blocks if blocks else self._message
        self._buffer = self._buffer[self._position :] + self._seed.hmac(message)
        self._position = 0
        self._blocks = blocks + 1
        return self._buffer

    def _take(self, count: int) -> bytes:
        while self._position + count > len(self._buffer):
            self._refill()
        start = self._position
        self._position = start + count
        return self._buffer[start : start + count]

    def randrange(self, stop: int, /) -> int:
        if stop > 256:
            return self._randrange_wide(stop)
        limit = 256 - 256 % stop
        buffer, position = self._buffer, self._position
        while True:
            if position >= len(buffer):
                self._position = position
                buffer, position = self._refill(), 0
            byte = buffer[position]
            position += 1
            if byte < limit:
                self._position = position
                return byte % stop

    def _randrange_wide(self, stop: int) -> int:
        size = ((stop - 1).bit_length() + 7) // 8
        span = 256**size
        limit = span - span % stop
        while True:
            value = int.from_bytes(self._take(size), "big")
            if value < limit:
                return value % stop

    def randrange_many(self, stop: int, count: int) -> list[int]:
        """`count` successive `randrange(stop)` results, taken a slice of bytes at a time."""
        if stop > 256:
            return [self._randrange_wide(stop) for _ in range(count)]
        limit = 256 - 256 % stop
        out: list[int] = []
        while len(out) < count:
            if self._position >= len(self._buffer):
                self._refill()
            start = self._position
            chunk = self._buffer[start : start + count - len(out)]
            self._position = start + len(chunk)
            out += [byte % stop for byte in chunk if byte < limit]
        return out
