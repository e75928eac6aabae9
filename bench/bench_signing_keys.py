"""Asymmetric access tokens (ADR 0028): what ES256 costs against HS256, per token.

Run: `.venv/bin/python bench/bench_signing_keys.py` (no stack needed). In one process it times,
on the same claims, (1) the first verification of distinct tokens by the stack's verifier
(`native_platform.caller.JwtVerifier`, cache missed on purpose: a repeated token is a cache hit
either way) for HS256 and ES256, and (2) the auth server's re-signing of a session's token
(`TokenSigner.resign_token`: HS256 decode + sign) with and without a signing key. Each figure
is the median of ROUNDS rounds; the ratio is ES256 over HS256, with the machine load printed.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid

import jwt
import orjson

from native_platform.auth.tokens import TokenSigner
from native_platform.caller import JwtVerifier
from native_platform.signing_keys import generate_jwk, parse_keys

ROUNDS = 5
TOKENS = 300
SECRET = "s" * 48
ISSUER = "http://127.0.0.1:54321/auth/v1"


def claims(n: int) -> dict[str, object]:
    now = int(time.time())
    return {
        "aud": "authenticated",
        "role": "authenticated",
        "sub": str(uuid.uuid4()),
        "exp": now + 3600,
        "iat": now,
        "iss": ISSUER,
        "session_id": str(uuid.uuid4()),
        "n": n,
    }


def per_token_us(action: list[str], run: object) -> float:
    assert callable(run)
    started = time.perf_counter()
    for token in action:
        run(token)
    return (time.perf_counter() - started) / len(action) * 1e6


def main() -> None:
    jwk = generate_jwk("ES256")
    keys = parse_keys(orjson.dumps([jwk]).decode())
    assert keys.signing is not None
    es_signer = TokenSigner(SECRET, keys, ISSUER)
    hs_signer = TokenSigner(SECRET, parse_keys(""), ISSUER)
    figures: dict[str, list[float]] = {name: [] for name in ("verify", "resign")}
    for _ in range(ROUNDS):
        hs_tokens = [jwt.encode(claims(n), SECRET, "HS256") for n in range(TOKENS)]
        es_tokens = [es_signer.sign(claims(n)) for n in range(TOKENS)]
        verifier = JwtVerifier(SECRET, public_keys=keys.public, issuer=ISSUER)
        hs = per_token_us(hs_tokens, verifier.verify)
        es = per_token_us(es_tokens, verifier.verify)
        figures["verify"].append(es / hs)
        resign_hs = per_token_us(hs_tokens, hs_signer.resign_token)
        resign_es = per_token_us(hs_tokens, es_signer.resign_token)
        figures["resign"].append(resign_es / resign_hs)
        print(
            f"round: verify HS256 {hs:.1f} us, ES256 {es:.1f} us; "
            f"re-sign to HS256 {resign_hs:.1f} us, to ES256 {resign_es:.1f} us"
        )
    for name, ratios in figures.items():
        print(
            f"{name}: ES256 / HS256 median ratio {statistics.median(ratios):.2f} ({ROUNDS} rounds)"
        )
    verify = statistics.median(figures["verify"])
    print(
        f"verdict: ES256 verification {verify:.2f}x HS256's, paid once per token (the verifier"
        " caches; issue 14 sets no numeric aim: informational)"
    )
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
