"""TOTP multi-factor authentication (/factors, /admin/users/{id}/factors) through supabase-py
and over HTTP, codes computed with pyotp as an authenticator app would."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import pyotp
import pytest
from supabase_auth import SyncGoTrueAdminAPI, SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from native_platform.auth import AuthSettings
from native_platform.settings import StackSettings
from tests.native_platform.auth.conftest import serve_auth
from tests.native_platform.auth.support import PASSWORD, bearer, gotrue_client, sign_in, sign_up

JS = Path(__file__).resolve().parent / "js"


def claims(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    decoded: dict[str, Any] = orjson.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def methods(access_token: str) -> list[str]:
    return [entry["method"] for entry in claims(access_token)["amr"]]


def later_code(secret: str) -> str:
    """The code of the next time step: accepted (one step of skew, as GoTrue) and later than
    any code used so far, so a test never waits for the next 30-second window."""
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture
def client(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    with httpx.Client(timeout=30) as http:
        yield gotrue_client(auth_url, stack_settings, http)


def enroll_and_verify(anon: httpx.Client, session: dict[str, Any]) -> tuple[str, str, Any]:
    """Enroll a TOTP factor over HTTP and verify it: (factor id, secret, aal2 session)."""
    enrolled = anon.post("/factors", json={"factor_type": "totp"}, headers=bearer(session))
    assert enrolled.status_code == 200, enrolled.text
    factor_id, secret = enrolled.json()["id"], enrolled.json()["totp"]["secret"]
    challenge = anon.post(f"/factors/{factor_id}/challenge", json={}, headers=bearer(session))
    code = pyotp.TOTP(secret).now()
    verified = anon.post(
        f"/factors/{factor_id}/verify",
        json={"challenge_id": challenge.json()["id"], "code": code},
        headers=bearer(session),
    )
    assert verified.status_code == 200, verified.text
    return factor_id, secret, verified.json()


def test_totp_enroll_challenge_verify_with_supabase_py(
    anon: httpx.Client, client: SyncGoTrueClient
) -> None:
    """mfa.enroll / challenge / verify: the session becomes aal2 with amr totp, a refresh keeps
    it, and the user's factors list the verified one."""
    sign_up(anon, "mia@example.com")
    client.sign_in_with_password({"email": "mia@example.com", "password": PASSWORD})
    enrolled = client.mfa.enroll(
        {"factor_type": "totp", "friendly_name": "phone", "issuer": "Roll for Language"}
    )
    assert enrolled.type == "totp" and enrolled.friendly_name == "phone"
    assert enrolled.totp is not None
    assert enrolled.totp.qr_code.startswith("data:image/svg+xml;utf-8,<svg")
    assert enrolled.totp.uri.startswith("otpauth://totp/Roll%20for%20Language:mia@example.com?")
    assert f"secret={enrolled.totp.secret}" in enrolled.totp.uri
    listed = client.mfa.list_factors()
    assert [f.status for f in listed.all] == ["unverified"] and listed.totp == []
    level = client.mfa.get_authenticator_assurance_level()
    assert (level.current_level, level.next_level) == ("aal1", "aal1")

    challenge = client.mfa.challenge({"factor_id": enrolled.id})
    assert challenge.expires_at > time.time()
    code = pyotp.TOTP(enrolled.totp.secret).now()
    verified = client.mfa.verify(
        {"factor_id": enrolled.id, "challenge_id": challenge.id, "code": code}
    )
    token = claims(verified.access_token)
    assert token["aal"] == "aal2"
    assert methods(verified.access_token) == ["totp", "password"]
    level = client.mfa.get_authenticator_assurance_level()
    assert (level.current_level, level.next_level) == ("aal2", "aal2")
    assert [f.id for f in client.mfa.list_factors().totp] == [enrolled.id]

    refreshed = client.refresh_session()
    assert refreshed.session is not None
    assert claims(refreshed.session.access_token)["aal"] == "aal2"
    assert methods(refreshed.session.access_token) == ["totp", "password"]
    assert claims(refreshed.session.access_token)["session_id"] == token["session_id"]


def test_totp_code_replay_is_refused(anon: httpx.Client) -> None:
    """A code of an already used time step fails (422 mfa_verification_failed), even with a new
    challenge; so do a wrong code and a spent challenge."""
    session = sign_up(anon, "ned@example.com")
    factor_id, secret, upgraded = enroll_and_verify(anon, session)
    used = pyotp.TOTP(secret).now()
    challenge = anon.post(f"/factors/{factor_id}/challenge", headers=bearer(upgraded)).json()
    verify = f"/factors/{factor_id}/verify"
    replay = anon.post(
        verify, json={"challenge_id": challenge["id"], "code": used}, headers=bearer(upgraded)
    )
    assert replay.status_code == 422
    assert replay.json()["error_code"] == "mfa_verification_failed"
    wrong = anon.post(
        verify, json={"challenge_id": challenge["id"], "code": "12345x"}, headers=bearer(upgraded)
    )
    assert wrong.json()["error_code"] == "mfa_verification_failed"
    fresh = later_code(secret)
    accepted = anon.post(
        verify, json={"challenge_id": challenge["id"], "code": fresh}, headers=bearer(upgraded)
    )
    assert accepted.status_code == 200, accepted.text
    spent = anon.post(
        verify, json={"challenge_id": challenge["id"], "code": fresh}, headers=bearer(upgraded)
    )
    assert spent.status_code == 422
    assert spent.json()["error_code"] == "mfa_factor_not_found"


def test_aal1_session_cannot_enroll_or_unenroll_a_verified_factor(anon: httpx.Client) -> None:
    """Once a factor is verified, an aal1 session gets 403 insufficient_aal for a new factor,
    422 for unenrolling and 401 for a password change (metadata still changes); after its own
    verification it may do all three. The first verification ended the other aal1 sessions."""
    first = sign_up(anon, "oli@example.com")
    factor_id, secret, _ = enroll_and_verify(anon, sign_in(anon, "oli@example.com").json())
    assert anon.get("/user", headers=bearer(first)).json()["error_code"] == "session_not_found"
    aal1 = sign_in(anon, "oli@example.com").json()
    assert claims(aal1["access_token"])["aal"] == "aal1"
    again = anon.post("/factors", json={"factor_type": "totp"}, headers=bearer(aal1))
    assert again.status_code == 403
    assert again.json()["error_code"] == "insufficient_aal"
    refused = anon.delete(f"/factors/{factor_id}", headers=bearer(aal1))
    assert refused.status_code == 422
    assert refused.json()["error_code"] == "insufficient_aal"
    challenge = anon.post(f"/factors/{factor_id}/challenge", headers=bearer(aal1)).json()
    code = later_code(secret)
    aal2 = anon.post(
        f"/factors/{factor_id}/verify",
        json={"challenge_id": challenge["id"], "code": code},
        headers=bearer(aal1),
    ).json()
    change = {"password": "a new password 1"}
    locked = anon.put("/user", json=change, headers=bearer(aal1))
    assert (locked.status_code, locked.json()["error_code"]) == (401, "insufficient_aal")
    assert anon.put("/user", json={"data": {"nick": "o"}}, headers=bearer(aal1)).status_code == 200
    assert anon.put("/user", json=change, headers=bearer(aal2)).status_code == 200
    removed = anon.delete(f"/factors/{factor_id}", headers=bearer(aal2))
    assert removed.json() == {"id": factor_id}
    assert "factors" not in anon.get("/user", headers=bearer(aal2)).json()


def test_factor_bad_input(anon: httpx.Client) -> None:
    """GoTrue's errors: phone factors disabled, unknown types, name conflicts, unknown factors
    and challenges, no user token, guests."""
    session = sign_up(anon, "pia@example.com")
    auth = bearer(session)
    phone = anon.post(
        "/factors", json={"factor_type": "phone", "phone": "+15555550100"}, headers=auth
    )
    assert (phone.status_code, phone.json()["error_code"]) == (422, "mfa_phone_enroll_not_enabled")
    unknown = anon.post("/factors", json={"factor_type": "sms"}, headers=auth)
    assert (unknown.status_code, unknown.json()["error_code"]) == (400, "validation_failed")
    named = {"factor_type": "totp", "friendly_name": "laptop"}
    factor_id = anon.post("/factors", json=named, headers=auth).json()["id"]
    clash = anon.post("/factors", json=named, headers=auth)
    assert (clash.status_code, clash.json()["error_code"]) == (422, "mfa_factor_name_conflict")
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/factors/{missing}/challenge", "/factors/not-a-uuid/challenge"):
        response = anon.post(path, headers=auth)
        assert (response.status_code, response.json()["error_code"]) == (
            404,
            "mfa_factor_not_found",
        )
    verify = f"/factors/{factor_id}/verify"
    bad_id = anon.post(verify, json={"challenge_id": "x", "code": "123456"}, headers=auth)
    assert (bad_id.status_code, bad_id.json()["error_code"]) == (400, "validation_failed")
    no_challenge = anon.post(verify, json={"challenge_id": missing, "code": "1"}, headers=auth)
    assert no_challenge.json()["error_code"] == "mfa_factor_not_found"
    assert anon.post("/factors", json={"factor_type": "totp"}).status_code == 403
    not_json = anon.post("/factors", content=b"{nope", headers=auth)
    assert (not_json.status_code, not_json.json()["error_code"]) == (400, "bad_json")
    number = anon.post(verify, json={"challenge_id": missing, "code": 123456}, headers=auth)
    assert (number.status_code, number.json()["error_code"]) == (400, "validation_failed")
    long_name = {"factor_type": "totp", "friendly_name": "n" * 256}
    too_long = anon.post("/factors", json=long_name, headers=auth)
    assert (too_long.status_code, too_long.json()["error_code"]) == (400, "validation_failed")
    guest = anon.post("/signup", json={"data": {}}).json()
    refused = anon.post("/factors", json={"factor_type": "totp"}, headers=bearer(guest))
    assert (refused.status_code, refused.json()["error_code"]) == (403, "no_authorization")
    assert "factors" not in anon.get("/user", headers=bearer(guest)).json()


def test_expired_challenge_and_other_address_are_refused(
    auth_settings: AuthSettings, db_dsn: str, stack_settings: StackSettings
) -> None:
    """A challenge older than mfa_challenge_expiry is 422 mfa_challenge_expired; one verified
    from another client address is 422 mfa_ip_address_mismatch."""
    key = stack_settings.anon_key.get_secret_value()
    proxied = auth_settings.model_copy(update={"trust_forwarded_for": True})
    with (
        serve_auth(proxied) as url,
        httpx.Client(
            base_url=url, headers={"apikey": key, "Authorization": f"Bearer {key}"}, timeout=30
        ) as anon,
    ):
        session = sign_up(anon, "quin@example.com")
        here = {**bearer(session), "X-Forwarded-For": "203.0.113.7"}
        factor = anon.post("/factors", json={"factor_type": "totp"}, headers=here).json()
        secret = factor["totp"]["secret"]
        challenge = anon.post(f"/factors/{factor['id']}/challenge", headers=here).json()
        body = {"challenge_id": challenge["id"], "code": pyotp.TOTP(secret).now()}
        verify = f"/factors/{factor['id']}/verify"
        elsewhere = {**bearer(session), "X-Forwarded-For": "198.51.100.9"}
        moved = anon.post(verify, json=body, headers=elsewhere)
        assert (moved.status_code, moved.json()["error_code"]) == (422, "mfa_ip_address_mismatch")
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute(
                "update auth.mfa_challenges set created_at = now() - interval '301 seconds'"
            )
        expired = anon.post(verify, json=body, headers=here)
        assert (expired.status_code, expired.json()["error_code"]) == (422, "mfa_challenge_expired")
        assert anon.get("/user", headers=here).json()["factors"][0]["status"] == "unverified"


def test_admin_lists_renames_and_deletes_factors(
    anon: httpx.Client, service: httpx.Client, auth_url: str, stack_settings: StackSettings
) -> None:
    """GET /admin/users/{id}/factors, PUT and DELETE /admin/users/{id}/factors/{factor_id},
    also through supabase-py's admin.mfa; unknown users and factors are 404."""
    session = sign_up(anon, "rex@example.com")
    user_id = session["user"]["id"]
    factor_id, _, _ = enroll_and_verify(anon, session)
    listed = service.get(f"/admin/users/{user_id}/factors")
    assert [(f["id"], f["status"]) for f in listed.json()] == [(factor_id, "verified")]
    renamed = service.put(
        f"/admin/users/{user_id}/factors/{factor_id}", json={"friendly_name": "old phone"}
    )
    assert renamed.json()["friendly_name"] == "old phone"
    key = stack_settings.service_role_key.get_secret_value()
    with httpx.Client(timeout=30) as http:
        admin = SyncGoTrueAdminAPI(
            url=auth_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            http_client=http,
        )
        assert [f.id for f in admin.mfa.list_factors({"user_id": user_id})] == [factor_id]
        admin.mfa.delete_factor({"user_id": user_id, "id": factor_id})
        with pytest.raises(AuthApiError) as missing:
            admin.mfa.delete_factor({"user_id": user_id, "id": factor_id})
        assert missing.value.code == "mfa_factor_not_found"
    assert service.get(f"/admin/users/{user_id}/factors").json() == []
    unknown = service.get("/admin/users/00000000-0000-4000-8000-000000000000/factors")
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "user_not_found")
    assert anon.get(f"/admin/users/{user_id}/factors", headers=bearer(session)).status_code == 403


def test_totp_with_supabase_js(platform_url: str, stack_settings: StackSettings) -> None:
    """supabase-js under Node: mfa.enroll, challengeAndVerify with the authenticator's code,
    getAuthenticatorAssuranceLevel aal2/aal2, listFactors, unenroll."""
    key = stack_settings.anon_key.get_secret_value()
    email = "sue@example.com"
    with httpx.Client(
        base_url=f"{platform_url}/auth/v1", headers={"apikey": key}, timeout=30
    ) as anon:
        sign_up(anon, email)
    with subprocess.Popen(
        ["node", str(JS / "mfa_totp.mjs"), platform_url, key, email, PASSWORD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        try:
            line = process.stdout.readline().strip()
            assert line.startswith("ENROLLED "), line
            enrolled = json.loads(line.removeprefix("ENROLLED "))
            process.stdin.write(pyotp.TOTP(enrolled["secret"]).now() + "\n")
            process.stdin.flush()
            result, unenrolled = process.stdout.readline(), process.stdout.readline()
        finally:
            process.kill()
    assert enrolled["qr"] is True
    assert json.loads(result.removeprefix("RESULT ")) == {
        "current": "aal2",
        "next": "aal2",
        "totp": [enrolled["id"]],
        "amr": ["totp", "password"],
    }
    assert json.loads(unenrolled.removeprefix("UNENROLLED ")) == {"all": 0}
