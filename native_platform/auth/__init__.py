"""GoTrue-compatible auth API (`/auth/v1`) over the SQL auth functions of schema `auth`.

The HTTP layer only parses, verifies bearer tokens (PyJWT, HS256) and maps errors; every rule
lives in SQL (`sql/migrations/202611260010*`), called per request as `authenticator` switched
to the caller's role with PostgREST's request settings. Deliberate differences from GoTrue:
refresh tokens have no reuse interval (a replay ends the session at once, so two tabs
refreshing concurrently end theirs); sign-up needs no email confirmation (no mailer); the ban is
revealed only to a caller who knows the password; phone and anonymous sign-ins are disabled.
"""

from native_platform.auth.app import create_app
from native_platform.auth.settings import AuthSettings

__all__ = ["AuthSettings", "create_app"]
