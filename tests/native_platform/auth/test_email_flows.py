"""Email flows end to end (issue 20): supabase-py drives the auth server, which mails through a
real maildev; the tests read the mails from maildev's REST API and follow links and codes.

Bad input: replayed and expired links and codes, a code for another address, unknown addresses
(same answer, no mail), open redirects (site_url instead), too many mails per address (429).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from supabase_auth import SyncGoTrueAdminAPI, SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from native_platform.auth import AuthSettings
from native_platform.settings import StackSettings
from tests.native_platform.auth.conftest import serve_auth
from tests.native_platform.auth.mailbox import Mailbox
from tests.native_platform.auth.support import PASSWORD, bearer, sign_in, sign_up

SITE = "http://127.0.0.1:3000"
JS = Path(__file__).resolve().parent / "js"


def address() -> str:
    return f"mail-{uuid.uuid4().hex[:10]}@example.com"


def client_for(url: str, key: str, http: httpx.Client) -> SyncGoTrueClient:
    return SyncGoTrueClient(
        url=url,
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
        auto_refresh_token=False,
        persist_session=False,
        http_client=http,
    )


@contextmanager
def gotrue_at(url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    with httpx.Client(timeout=30) as http:
        yield client_for(url, stack_settings.anon_key.get_secret_value(), http)


def raw_at(url: str, stack_settings: StackSettings) -> httpx.Client:
    key = stack_settings.anon_key.get_secret_value()
    return httpx.Client(base_url=url, headers={"apikey": key}, timeout=30)


@pytest.fixture
def gotrue(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    with gotrue_at(auth_url, stack_settings) as client:
        yield client


@pytest.fixture
def admin(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueAdminAPI]:
    key = stack_settings.service_role_key.get_secret_value()
    with httpx.Client(timeout=30) as http:
        yield SyncGoTrueAdminAPI(
            url=auth_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            http_client=http,
        )


def follow(link: str, **params: str) -> tuple[str, dict[str, str]]:
    """GET a mail's link (optionally with other query values): the 303's target and fragment."""
    parts = urlsplit(link)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | params
    response = httpx.get(link.split("?", 1)[0], params=query, timeout=30)
    assert response.status_code == 303, response.text
    target = response.headers["location"]
    base, _, fragment = target.partition("#")
    return base, {key: values[0] for key, values in parse_qs(fragment).items()}


def test_recovery_link_signs_in_once_and_the_password_changes(
    gotrue: SyncGoTrueClient, anon: httpx.Client, mailbox: Mailbox
) -> None:
    email = address()
    sign_up(anon, email)
    gotrue.reset_password_for_email(email, {"redirect_to": f"{SITE}/reset"})
    mail = mailbox.last(email)
    assert mail["subject"] == "Reset your password"
    link = mailbox.link(email)
    base, values = follow(link)
    assert base == f"{SITE}/reset"
    assert values["type"] == "recovery" and values["token_type"] == "bearer"
    session = {"access_token": values["access_token"]}
    changed = anon.put("/user", json={"password": "a brand new one"}, headers=bearer(session))
    assert changed.status_code == 200, changed.text
    assert sign_in(anon, email, "a brand new one").status_code == 200
    # Replayed: refused, with GoTrue's fragment, and nothing else changes.
    base, values = follow(link)
    assert base == f"{SITE}/reset"
    assert values["error"] == "access_denied" and values["error_code"] == "otp_expired"
    assert "access_token" not in values


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    anon: httpx.Client, mailbox: Mailbox
) -> None:
    known, unknown = address(), address()
    sign_up(anon, known)
    answers = [anon.post("/recover", json={"email": email}) for email in (known, unknown)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json() == {}
    mailbox.wait_for(known)
    assert mailbox.messages(unknown) == []
    # The per-address limit applies to both alike: no enumeration through 429s either.
    again = [anon.post("/recover", json={"email": email}) for email in (known, unknown)]
    assert [a.status_code for a in again] == [429, 429]
    assert {a.json()["error_code"] for a in again} == {"over_email_send_rate_limit"}
    assert len(mailbox.messages(known)) == 1


def test_otp_code_signs_up_a_new_address_and_is_bound_to_it(
    gotrue: SyncGoTrueClient, mailbox: Mailbox
) -> None:
    email, other = address(), address()
    gotrue.sign_in_with_otp({"email": email, "options": {"data": {"native_locale": "pt-BR"}}})
    mail = mailbox.last(email)
    assert mail["subject"] == "Confirme o seu email"  # pt-BR falls back to pt
    code = mailbox.code(email)
    with pytest.raises(AuthApiError) as refused:
        gotrue.verify_otp({"email": other, "token": code, "type": "email"})
    assert refused.value.code == "otp_expired"
    answer = gotrue.verify_otp({"email": email, "token": code, "type": "email"})
    assert answer.session is not None and answer.user is not None
    assert answer.user.email == email and answer.user.email_confirmed_at is not None
    with pytest.raises(AuthApiError) as replayed:
        gotrue.verify_otp({"email": email, "token": code, "type": "email"})
    assert replayed.value.code == "otp_expired"


def test_magic_link_of_a_registered_user_by_token_hash(
    gotrue: SyncGoTrueClient, anon: httpx.Client, mailbox: Mailbox
) -> None:
    email = address()
    sign_up(anon, email)
    gotrue.sign_in_with_otp({"email": email, "options": {"should_create_user": False}})
    assert mailbox.last(email)["subject"] == "Your sign-in link"
    token = parse_qs(urlsplit(mailbox.link(email)).query)["token"][0]
    answer = gotrue.verify_otp({"token_hash": token, "type": "magiclink"})
    assert answer.session is not None and answer.user is not None and answer.user.email == email


def test_otp_without_sign_up_refuses_an_unknown_address(gotrue: SyncGoTrueClient) -> None:
    with pytest.raises(AuthApiError) as refused:
        gotrue.sign_in_with_otp({"email": address(), "options": {"should_create_user": False}})
    assert refused.value.code == "otp_disabled"


def test_expired_code_is_refused_and_spent(
    gotrue: SyncGoTrueClient, anon: httpx.Client, mailbox: Mailbox, db_dsn: str
) -> None:
    email = address()
    sign_up(anon, email)
    gotrue.sign_in_with_otp({"email": email})
    code = mailbox.code(email)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "update auth.one_time_tokens set expires_at = now() - interval '1 second'"
            " where email = %s",
            (email,),
        )
    with pytest.raises(AuthApiError) as refused:
        gotrue.verify_otp({"email": email, "token": code, "type": "email"})
    assert refused.value.code == "otp_expired"
    with psycopg.connect(db_dsn) as conn:
        left = conn.execute("select count(*) from auth.one_time_tokens").fetchone()
    assert left == (0,)


def test_tokens_and_codes_are_stored_hashed(
    gotrue: SyncGoTrueClient, mailbox: Mailbox, db_dsn: str
) -> None:
    email = address()
    gotrue.sign_in_with_otp({"email": email})
    code, link = mailbox.code(email), mailbox.link(email)
    token = parse_qs(urlsplit(link).query)["token"][0]
    with psycopg.connect(db_dsn) as conn:
        row = conn.execute("select t::text from auth.one_time_tokens as t").fetchone()
    assert row is not None
    assert code not in row[0] and token not in row[0]


def test_open_redirects_fall_back_to_the_site_url(
    gotrue: SyncGoTrueClient, anon: httpx.Client, mailbox: Mailbox
) -> None:
    email = address()
    sign_up(anon, email)
    gotrue.reset_password_for_email(email, {"redirect_to": "https://evil.example/steal"})
    link = mailbox.link(email)
    assert parse_qs(urlsplit(link).query)["redirect_to"] == [SITE]
    # A link edited to send the session elsewhere still lands on the site.
    for target in ("https://evil.example/", "https://127.0.0.1:3000.evil.example/", "//evil"):
        base, values = follow(link, redirect_to=target)
        assert base == SITE
    assert values["error_code"] == "otp_expired"  # the first follow spent it


def test_an_allow_listed_redirect_is_kept(
    gotrue: SyncGoTrueClient, anon: httpx.Client, mailbox: Mailbox
) -> None:
    email = address()
    sign_up(anon, email)
    gotrue.reset_password_for_email(email, {"redirect_to": "http://localhost:3000/a/b"})
    base, values = follow(mailbox.link(email))
    assert base == "http://localhost:3000/a/b" and "access_token" in values


def test_invite_and_generated_links(
    admin: SyncGoTrueAdminAPI, gotrue: SyncGoTrueClient, mailbox: Mailbox
) -> None:
    invited = address()
    user = admin.invite_user_by_email(invited).user
    assert user.email == invited and user.email_confirmed_at is None
    assert mailbox.last(invited)["subject"] == "You have been invited"
    base, values = follow(mailbox.link(invited))
    assert base == SITE and values["type"] == "invite"
    with pytest.raises(AuthApiError) as taken:
        admin.invite_user_by_email(invited)
    assert taken.value.code == "email_exists"

    # generate_link mails nothing; its code and hashed token each verify once.
    generated = admin.generate_link({"type": "magiclink", "email": invited})
    assert generated.properties.verification_type == "magiclink"
    assert generated.properties.action_link.startswith("http")
    assert len(mailbox.messages(invited)) == 1
    answer = gotrue.verify_otp(
        {"email": invited, "token": generated.properties.email_otp, "type": "magiclink"}
    )
    assert answer.session is not None
    with pytest.raises(AuthApiError):
        gotrue.verify_otp({"token_hash": generated.properties.hashed_token, "type": "magiclink"})


def test_anon_cannot_invite_or_generate_links(anon: httpx.Client) -> None:
    for path, body in (
        ("/invite", {"email": address()}),
        ("/admin/generate_link", {"type": "recovery", "email": address()}),
    ):
        response = anon.post(path, json=body)
        assert response.status_code == 403
        assert response.json()["error_code"] == "not_admin"


@pytest.fixture
def confirming(auth_settings: AuthSettings) -> Iterator[str]:
    with serve_auth(auth_settings.model_copy(update={"enable_confirmations": True})) as url:
        yield url


def test_sign_up_with_confirmations_mails_a_confirmation_link(
    confirming: str, stack_settings: StackSettings, mailbox: Mailbox
) -> None:
    email = address()
    with gotrue_at(confirming, stack_settings) as client:
        signed_up = client.sign_up({"email": email, "password": PASSWORD})
        assert signed_up.session is None
        first = mailbox.link(email)
        with pytest.raises(AuthApiError) as unconfirmed:
            client.sign_in_with_password({"email": email, "password": PASSWORD})
        assert unconfirmed.value.code == "email_not_confirmed"
        base, values = follow(first)
        assert values["type"] == "signup" and "access_token" in values
        session: dict[str, Any] = client.sign_in_with_password(
            {"email": email, "password": PASSWORD}
        ).model_dump()
        assert session["session"] is not None
        # A confirmed address: the sign-up answer is a stand-in and no mail goes out.
        client.sign_up({"email": email, "password": PASSWORD})
        assert len(mailbox.messages(email)) == 1


def test_resend_mails_a_new_link_that_replaces_the_first(
    confirming: str, stack_settings: StackSettings, mailbox: Mailbox, db_dsn: str
) -> None:
    email = address()
    with gotrue_at(confirming, stack_settings) as client:
        client.sign_up({"email": email, "password": PASSWORD})
        first = mailbox.link(email)
        with pytest.raises(AuthApiError) as early:
            client.resend({"type": "signup", "email": email})
        assert early.value.code == "over_email_send_rate_limit"
        with psycopg.connect(db_dsn, autocommit=True) as conn:  # a minute later
            conn.execute("delete from rate_limit.buckets where subject = %s", (email,))
        client.resend({"type": "signup", "email": email})
        second = mailbox.link(email, count=2)
        assert second != first
        assert follow(first)[1]["error_code"] == "otp_expired"
        assert "access_token" in follow(second)[1]


def test_supabase_js_signs_in_with_an_emailed_code(
    platform_url: str, stack_settings: StackSettings, mailbox: Mailbox
) -> None:
    """supabase-js under Node: signInWithOtp, a wrong code refused, the mailed one accepted."""
    email = address()
    key = stack_settings.anon_key.get_secret_value()
    results = []
    with subprocess.Popen(
        ["node", str(JS / "email_otp.mjs"), platform_url, key, email],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        try:
            assert process.stdout.readline().strip() == "SENT"
            code = mailbox.code(email)
            for attempt in (f"{(int(code) + 1) % 1_000_000:06d}", code, code):
                process.stdin.write(attempt + "\n")
                process.stdin.flush()
                line = process.stdout.readline().strip()
                assert line.startswith("RESULT "), line
                results.append(json.loads(line.removeprefix("RESULT ")))
        finally:
            process.kill()
    assert results == [
        {"error": "otp_expired"},
        {"email": email, "session": True},
        {"error": "otp_expired"},
    ]


@pytest.fixture
def secure(auth_settings: AuthSettings) -> Iterator[str]:
    with serve_auth(auth_settings.model_copy(update={"secure_password_change": True})) as url:
        yield url


def test_password_change_needs_the_mailed_reauthentication_nonce(
    secure: str, stack_settings: StackSettings, mailbox: Mailbox
) -> None:
    email = address()
    with gotrue_at(secure, stack_settings) as client:
        client.sign_up({"email": email, "password": PASSWORD})
        with pytest.raises(AuthApiError) as needed:
            client.update_user({"password": "another password"})
        assert needed.value.code == "reauthentication_needed"
        client.reauthenticate()
        assert mailbox.last(email)["subject"] == "Confirm reauthentication"
        nonce = mailbox.code(email)
        with pytest.raises(AuthApiError) as wrong:
            client.update_user(
                {"password": "another password", "nonce": f"{(int(nonce) + 1) % 10**6:06d}"}
            )
        assert wrong.value.code == "reauthentication_not_valid"
        client.update_user({"password": "another password", "nonce": nonce})
        with pytest.raises(AuthApiError) as replayed:
            client.update_user({"password": "a third password", "nonce": nonce})
        assert replayed.value.code == "reauthentication_not_valid"
        # Metadata needs no nonce.
        assert client.update_user({"data": {"theme": "dark"}}).user.user_metadata["theme"] == "dark"
    with raw_at(secure, stack_settings) as raw:
        assert sign_in(raw, email, "another password").status_code == 200


def test_email_change_needs_both_links_with_confirmations_on(
    confirming: str, stack_settings: StackSettings, mailbox: Mailbox, db_dsn: str
) -> None:
    old, new = address(), address()
    with gotrue_at(confirming, stack_settings) as client:
        client.sign_up({"email": old, "password": PASSWORD})
        follow(mailbox.link(old))  # confirmed
        with psycopg.connect(db_dsn, autocommit=True) as conn:  # a minute later
            conn.execute("delete from rate_limit.buckets where subject = %s", (old,))
        client.sign_in_with_password({"email": old, "password": PASSWORD})
        user = client.update_user({"email": new}).user
        assert user.email == old and user.new_email == new
        to_old, to_new = mailbox.last(old, count=2), mailbox.last(new)
        assert to_old["subject"] == to_new["subject"] == "Confirm your email change"
        # A code for the other address is refused; the first right one is half the change.
        with pytest.raises(AuthApiError) as foreign:
            client.verify_otp({"email": old, "token": mailbox.code(new), "type": "email_change"})
        assert foreign.value.code == "otp_expired"
    with raw_at(confirming, stack_settings) as raw:
        half = raw.post(
            "/verify",
            json={"type": "email_change", "email": old, "token": mailbox.code(old, count=2)},
        )
        assert half.status_code == 200 and half.json()["code"] == "200", half.text
        assert sign_in(raw, old).status_code == 200  # not changed yet
        base, values = follow(mailbox.link(new))
        assert values["type"] == "email_change" and "access_token" in values
        assert sign_in(raw, new).status_code == 200
        assert sign_in(raw, old).status_code == 400
