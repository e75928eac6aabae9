"""GoTrue-compatible auth API (`/auth/v1`) over the SQL auth functions of schema `auth`.

The HTTP layer only parses, verifies bearer tokens and maps errors (and checks TOTP codes with
pyotp, ADR 0027); the rules live in SQL (`sql/migrations/*_auth_*`), called per request as
`authenticator` switched to the caller's role with PostgREST's request settings plus the
server's own auth settings (ADR 0026). Deliberate differences from GoTrue (docs/auth.md): within
the refresh reuse interval a rotated token gets a new token of the session, not the child it
already got; the ban is revealed only to a caller who knows the password; a replayed TOTP code
is refused; phone sign-ins and phone factors are disabled.
"""

from native_platform.auth.app import create_app
from native_platform.auth.settings import AuthSettings

__all__ = ["AuthSettings", "create_app"]
