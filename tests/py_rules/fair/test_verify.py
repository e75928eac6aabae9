import pytest

from py_rules.dice.evaluator import roll
from py_rules.dice.json_render import to_json
from py_rules.errors import VerificationError
from py_rules.fair.fair_rng import FairRNG, ServerSeed
from py_rules.fair.verify import verify_commitment, verify_roll

SEED = ServerSeed(b"campaign-secret-0123456789abcdef")
EXPRESSIONS = ["1d20+5 [initiative]", "4d6kh3", "8d6!", "(1d4, 1d6)kh1", "10d6>4", "1d1000"]


def test_verify_recomputes_thousand_rolls() -> None:
    records = []
    for nonce in range(1000):
        expression = EXPRESSIONS[nonce % len(EXPRESSIONS)]
        records.append((nonce, expression, to_json(roll(expression, FairRNG(SEED, "c", nonce)))))
    for nonce, expression, recorded in records:
        assert verify_roll(
            revealed_seed=SEED.reveal(),
            commitment=SEED.commitment,
            client_seed="c",
            nonce=nonce,
            expression=expression,
            recorded=recorded,
        )


def test_verify_rejects_tampered_total() -> None:
    recorded = to_json(roll("1d20", FairRNG(SEED, "c", 1)))
    total = recorded["total"]
    assert isinstance(total, int)
    tampered = {"total": total % 20 + 1}
    kwargs = {"revealed_seed": SEED.reveal(), "commitment": SEED.commitment, "client_seed": "c"}
    assert not verify_roll(**kwargs, nonce=1, expression="1d20", recorded=tampered)
    assert verify_roll(**kwargs, nonce=1, expression="1d20", recorded={"total": recorded["total"]})


def test_verify_rejects_wrong_commitment() -> None:
    recorded = to_json(roll("1d20", FairRNG(SEED, "c", 1)))
    other = ServerSeed(b"other")
    assert not verify_roll(
        revealed_seed=SEED.reveal(), commitment=other.commitment, client_seed="c",
        nonce=1, expression="1d20", recorded=recorded,
    )  # fmt: skip


def test_verify_commitment_rejects_non_hex_seed() -> None:
    with pytest.raises(VerificationError):
        verify_commitment("not hex", SEED.commitment)


def test_verify_commitment_rejects_non_ascii_commitment() -> None:
    assert not verify_commitment(SEED.reveal(), "é" * 64)
