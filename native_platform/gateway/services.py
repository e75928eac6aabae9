"""The services mounted under the gateway, each built from the stack's settings.

Each is a whole application behind a path prefix, so production can swap one for the real
service (PostgREST, GoTrue, Supabase Realtime, the edge runtime) behind the same prefix.
"""

from __future__ import annotations

from starlette.routing import Mount

from functions.cms.main import create_app as create_cms_app
from functions.dice.main import create_app as create_dice_app
from functions.search.main import create_app as create_search_app
from native_platform import auth, realtime, rest
from native_platform.settings import StackSettings

__all__ = ["service_mounts"]


def service_mounts(settings: StackSettings) -> list[Mount]:
    return [
        Mount("/rest/v1", rest.create_app(rest.settings_for_stack(settings))),
        Mount("/auth/v1", auth.create_app(auth.AuthSettings.from_stack(settings))),
        Mount("/realtime/v1", realtime.create_app(realtime.RealtimeSettings.from_stack(settings))),
        Mount("/functions/v1/dice", create_dice_app(settings)),
        Mount("/functions/v1/cms", create_cms_app()),
        Mount("/functions/v1/search", create_search_app()),
    ]
