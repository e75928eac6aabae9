"""Descriptions the API documentation site needs that no code carries itself.

The auth server is a set of Starlette routes shaped like GoTrue's, the storage service's routes
are named after Supabase Storage's endpoints without docstrings, and realtime topics live in SQL
policies and triggers. Each entry here is what `rfl docs build` prints for one of them; a route or
channel policy missing from these maps fails tests/native_platform/test_docs_site.py.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AUTH_ROUTES", "CHANNELS", "STORAGE_ROUTES", "Channel"]

AUTH_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/health"): "Liveness of the auth server (GoTrue's `/health`).",
    ("GET", "/settings"): "Which sign-in providers are on and whether sign-up is open.",
    ("POST", "/signup"): "Create a user with email and password; returns a session when "
    "confirmations are off (422 `signup_disabled` when `[auth] enable_signup = false`).",
    ("POST", "/token"): "Token grants: `grant_type=password` signs in with email and password, "
    "`grant_type=refresh_token` exchanges a refresh token (rotated, reuse revokes the family), "
    "`grant_type=pkce` trades an auth code and its verifier, `grant_type=id_token` signs in "
    "with a provider's ID token (signInWithIdToken).",
    ("GET", "/user"): "The signed-in user (the bearer token's `sub`).",
    ("PUT", "/user"): "Change the signed-in user's email, password or user metadata.",
    ("POST", "/logout"): "Revoke the session (`scope=local`), every session of the user "
    "(`global`) or the others (`others`); refused tokens of a revoked session everywhere.",
    ("POST", "/admin/users"): "Create a user (service_role only).",
    ("GET", "/admin/users"): "List users, paginated with `page` and `per_page`, narrowed by "
    "`filter` (part of the email or full name) and ordered by `sort` (`email desc`, ...); "
    "`X-Total-Count` and `Link` headers (service_role).",
    ("GET", "/admin/users/{user_id}"): "One user by id (service_role only).",
    ("PUT", "/admin/users/{user_id}"): "Change a user's email, password, metadata or ban "
    "(service_role only).",
    ("DELETE", "/admin/users/{user_id}"): "Delete a user and everything that cascades from it "
    "(service_role only).",
    ("POST", "/recover"): "Mail a password-recovery link and code (same answer for every "
    "address; limited per address and per client); with `code_challenge` the link lands with a "
    "`code` for `grant_type=pkce`.",
    ("POST", "/otp"): "Mail a magic link and a 6-digit code for password-less sign-in "
    "(`create_user` decides whether an unknown address signs up); with `code_challenge` the "
    "link lands with a `code` for `grant_type=pkce`.",
    ("POST", "/magiclink"): "GoTrue's older name of `/otp` for magic links.",
    ("POST", "/resend"): "Mail the sign-up confirmation (or email-change link) again.",
    ("GET", "/reauthenticate"): "Mail a nonce the signed-in user must give to change the "
    "password (`secure_password_change`).",
    ("POST", "/reauthenticate"): "Mail a nonce the signed-in user must give to change the "
    "password (`secure_password_change`).",
    ("POST", "/verify"): "Spend a mailed code or token hash (signup, recovery, magic link, "
    "invite, email change) for a session; each works once, until it expires.",
    ("GET", "/verify"): "The mailed link: spends its token and redirects (303) to `redirect_to` "
    "from the allow-list, with the session or GoTrue's error in the fragment.",
    ("POST", "/invite"): "Invite a user by email (service_role only).",
    ("GET", "/user/identities"): "The signed-in user's identities (an `email` identity per "
    "address), as GoTrue reports them.",
    ("DELETE", "/user/identities/{identity_id}"): "Unlink one of the signed-in user's "
    "identities (422 `single_identity_not_deletable` for the last one).",
    ("POST", "/admin/generate_link"): "A signup, invite, magic-link, recovery or email-change "
    "(`email_change_current`, `email_change_new`) link and code without mailing it "
    "(service_role only).",
    ("POST", "/factors"): "Enroll a TOTP factor: its secret, otpauth URI and QR code (SVG); "
    "aal2 needed once a factor is verified; phone factors are disabled.",
    ("POST", "/factors/{factor_id}/challenge"): "Open a challenge for one of the signed-in "
    "user's factors (valid 5 minutes, from the same client address).",
    ("POST", "/factors/{factor_id}/verify"): "Verify a challenge with the authenticator's code: "
    "the session becomes aal2 (amr `totp`); a code is accepted once.",
    ("DELETE", "/factors/{factor_id}"): "Unenroll a factor (a verified one needs aal2).",
    ("GET", "/admin/users/{user_id}/factors"): "A user's MFA factors (service_role only).",
    ("PUT", "/admin/users/{user_id}/factors/{factor_id}"): "Rename a user's factor "
    "(service_role only).",
    ("DELETE", "/admin/users/{user_id}/factors/{factor_id}"): "Delete a user's factor, e.g. a "
    "lost phone (service_role only).",
    ("GET", "/.well-known/jwks.json"): "The public keys of the access tokens' signatures "
    "(ES256/RS256 by `kid`); no apikey needed.",
    ("GET", "/authorize"): "Social sign-in: redirect (302) to the provider with state, PKCE and "
    "nonce (`provider`, `redirect_to`, `scopes`, `code_challenge` for the PKCE flow).",
    ("GET", "/callback"): "The provider's redirect: exchanges its code, validates the ID token "
    "and redirects (303) to `redirect_to` with the session in the fragment or a `code`.",
    ("GET", "/user/identities/authorize"): "Link a social provider to the signed-in user "
    "(`{url}` with `skip_http_redirect=true`); a guest becomes permanent.",
}

STORAGE_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/status"): "Liveness of the storage service.",
    ("GET", "/bucket"): "The buckets the caller may see.",
    ("POST", "/bucket"): "Create a bucket (permission `storage.manage`).",
    ("GET", "/bucket/{bucket_id}"): "One bucket: visibility, size limit, allowed MIME types.",
    ("PUT", "/bucket/{bucket_id}"): "Change a bucket's visibility or limits (`storage.manage`).",
    ("DELETE", "/bucket/{bucket_id}"): "Delete an empty bucket (`storage.manage`).",
    ("POST", "/bucket/{bucket_id}/empty"): "Delete every object of a bucket (`storage.manage`).",
    ("POST", "/object/sign/{bucket_id}/{key}"): "A signed download URL for one object, valid "
    "for `expiresIn` seconds (the caller must be allowed to read it).",
    ("HEAD", "/object/sign/{bucket_id}/{key}"): "Headers of an object through a signed URL.",
    ("GET", "/object/sign/{bucket_id}/{key}"): "Download an object through a signed URL "
    "(the `token` query parameter; no API key needed).",
    ("POST", "/object/sign/{bucket_id}"): "Signed download URLs for many objects at once.",
    ("POST", "/object/upload/sign/{bucket_id}/{key}"): "A signed upload URL for one key.",
    ("PUT", "/object/upload/sign/{bucket_id}/{key}"): "Upload through a signed upload URL.",
    ("POST", "/object/list/{bucket_id}"): "List objects under a prefix, with folders, "
    "paginated and sorted (the caller's RLS on storage.objects applies).",
    ("POST", "/object/move"): "Move (rename) an object within or across buckets.",
    ("POST", "/object/copy"): "Copy an object within or across buckets.",
    ("GET", "/object/info/public/{bucket_id}/{key}"): "Metadata of an object of a public bucket.",
    ("GET", "/object/info/authenticated/{bucket_id}/{key}"): "Metadata of an object the "
    "caller may read.",
    ("GET", "/object/info/{bucket_id}/{key}"): "Metadata of an object the caller may read.",
    ("HEAD", "/object/public/{bucket_id}/{key}"): "Headers of an object of a public bucket.",
    ("GET", "/object/public/{bucket_id}/{key}"): "Download from a public bucket (no token; "
    "range requests and ETags supported).",
    ("HEAD", "/object/authenticated/{bucket_id}/{key}"): "Headers of an object the caller may "
    "read.",
    ("GET", "/object/authenticated/{bucket_id}/{key}"): "Download an object the caller may read.",
    ("HEAD", "/object/{bucket_id}/{key}"): "Headers of an object the caller may read.",
    ("GET", "/object/{bucket_id}/{key}"): "Download an object the caller may read.",
    ("POST", "/object/{bucket_id}/{key}"): "Upload a new object (size, MIME type and quota "
    "checked; `x-upsert: true` replaces).",
    ("PUT", "/object/{bucket_id}/{key}"): "Replace an existing object.",
    ("DELETE", "/object/{bucket_id}/{key}"): "Delete one object.",
    ("DELETE", "/object/{bucket_id}"): "Delete the objects listed in `prefixes`.",
    ("OPTIONS", "/upload/resumable/{rest}"): "TUS discovery: versions and extensions.",
    ("POST", "/upload/resumable"): "Start a resumable (TUS) upload; metadata names bucket, "
    "object and content type.",
    ("OPTIONS", "/upload/resumable"): "TUS discovery: versions and extensions.",
    ("POST", "/upload/resumable/sign"): "Start a resumable upload through a signed upload URL.",
    ("PATCH", "/upload/resumable/sign/{upload_id}"): "Send a chunk of a signed resumable upload.",
    ("HEAD", "/upload/resumable/sign/{upload_id}"): "Offset reached by a signed resumable upload.",
    ("DELETE", "/upload/resumable/sign/{upload_id}"): "Abandon a signed resumable upload.",
    ("PATCH", "/upload/resumable/{upload_id}"): "Send the next chunk of a resumable upload.",
    ("HEAD", "/upload/resumable/{upload_id}"): "Offset reached by a resumable upload.",
    ("DELETE", "/upload/resumable/{upload_id}"): "Abandon a resumable upload.",
    ("GET", "/render/image/authenticated/{bucket_id}/{key}"): "A resized image the caller may "
    "read (`width`, `height`, `resize`, `quality`, `format`).",
    ("GET", "/render/image/public/{bucket_id}/{key}"): "A resized image of a public bucket.",
    ("GET", "/render/image/sign/{bucket_id}/{key}"): "A resized image through a signed URL.",
}


@dataclass(frozen=True)
class Channel:
    """A realtime topic: what it carries and the realtime.messages policies deciding who joins."""

    topic: str
    description: str
    receive: tuple[str, ...]
    send: tuple[str, ...]
    events: dict[str, str]


CAMPAIGN_MEMBERS = "Campaign members receive their campaign channels"
CAMPAIGN_SENDERS = "Players broadcast to their campaign, only game masters to its g"
SERVER_ONLY = "Only the database sends server events"

CHANNELS = (
    Channel(
        "campaign:{campaign_id}",
        "A campaign's table talk: public dice rolls as they are inserted, and the members' own "
        "broadcasts (private channel: join with `config.private = true`).",
        (CAMPAIGN_MEMBERS,),
        (CAMPAIGN_SENDERS, SERVER_ONLY),
        {
            "insert": "A public roll (broadcast_changes shape: `operation`, `table`, `schema`, "
            "`record` = the public.dice_rolls row); gm and private rolls never.",
            "*": "Any event a member broadcasts; the payload is the sender's JSON.",
        },
    ),
    Channel(
        "campaign:{campaign_id}:gm",
        "The game masters' side channel of a campaign: only game masters send, members receive.",
        (CAMPAIGN_MEMBERS,),
        (CAMPAIGN_SENDERS,),
        {"*": "Any event a game master broadcasts."},
    ),
    Channel(
        "learner:{user_id}",
        "A player's own learning stats (XP, streak, reviews due) after every recorded review.",
        ("Players receive their own learner channel",),
        (SERVER_ONLY,),
        {
            "insert": "The player's first review: `record` = the public.learner_stats row.",
            "update": "After a review: `record` and `old_record` of public.learner_stats.",
        },
    ),
    Channel(
        "readiness:{campaign_id}",
        "How ready each member is for the campaign's content, for its game masters only.",
        ("Game masters receive their campaign's readiness channel",),
        (SERVER_ONLY,),
        {"readiness": "One member's readiness for one CEFR level, with `campaign_id`."},
    ),
)
