import hmac
from collections import Counter

import pytest

from py_rules.errors import VerificationError
from py_rules.fair.fair_rng import FairRNG, ServerSeed

SEED = ServerSeed(bytes(range(32)))


def _stream(client: str, nonce: int, blocks: int) -> bytes:
    messages = [f"{client}:{nonce}"] + [f"{client}:{nonce}:{i}" for i in range(1, blocks)]
    return b"".join(hmac.digest(SEED.secret, m.encode(), "sha256") for m in messages)


def test_server_seed_hmac_matches_stdlib() -> None:
    long_key = ServerSeed(b"k" * 100)
    assert long_key.hmac(b"m") == hmac.digest(b"k" * 100, b"m", "sha256")
    assert SEED.hmac(b"x:1") == hmac.digest(SEED.secret, b"x:1", "sha256")


def test_commitment_is_sha256_of_secret() -> None:
    assert SEED.commitment == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    assert bytes.fromhex(SEED.reveal()) == SEED.secret


def test_randrange_follows_documented_byte_derivation() -> None:
    stream = _stream("alice", 3, 4)
    expected = [byte % 6 for byte in stream if byte < 252][:60]
    rng = FairRNG(SEED, "alice", 3)
    assert [rng.randrange(6) for _ in range(60)] == expected


def test_randrange_many_equals_successive_randrange() -> None:
    single = FairRNG(SEED, "bob", 9)
    batch = FairRNG(SEED, "bob", 9)
    assert batch.randrange_many(20, 50) == [single.randrange(20) for _ in range(50)]


def test_randrange_wide_takes_two_bytes_big_endian() -> None:
    stream = _stream("carol", 0, 1)
    values = [int.from_bytes(stream[i : i + 2], "big") for i in range(0, 32, 2)]
    expected = next(v % 1000 for v in values if v < 65000)
    assert FairRNG(SEED, "carol", 0).randrange(1000) == expected


def test_faces_are_roughly_uniform() -> None:
    rng = FairRNG(SEED, "dave", 1)
    counts = Counter(rng.randrange_many(6, 6000))
    assert all(900 < count < 1100 for count in counts.values())


def test_generate_makes_distinct_seeds() -> None:
    assert ServerSeed.generate().secret != ServerSeed.generate().secret


def test_from_hex_round_trips_reveal() -> None:
    assert ServerSeed.from_hex(SEED.reveal()).secret == SEED.secret


def test_from_hex_rejects_non_hex() -> None:
    with pytest.raises(VerificationError):
        ServerSeed.from_hex("zz")
