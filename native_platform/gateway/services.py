"""The services mounted under the gateway: the platform's own, then the configured functions.

Each is a whole application behind a path prefix, so production can swap one for the real
service (PostgREST, GoTrue, Supabase Realtime, the edge runtime) behind the same prefix.
Functions come from `[functions.<name>]` blocks of config.toml, never from imports here.
"""

from __future__ import annotations

from starlette.routing import Mount
from starlette.types import ASGIApp

from native_platform import auth, realtime, rest
from native_platform.gateway.function_jwt import RequireJwt
from native_platform.project_config import ProjectConfig, load_entrypoint
from native_platform.settings import StackSettings

__all__ = ["function_mounts", "key_auth_prefixes", "service_mounts"]

FUNCTIONS_PREFIX = "/functions/v1"


def service_mounts(settings: StackSettings, config: ProjectConfig) -> list[Mount]:
    mounts = [Mount("/rest/v1", rest.create_app(rest.settings_for_stack(settings)))]
    if config.auth.enabled:
        mounts.append(Mount("/auth/v1", auth.create_app(auth.AuthSettings.from_stack(settings))))
    if config.realtime.enabled:
        realtime_settings = realtime.RealtimeSettings.from_stack(settings)
        mounts.append(Mount("/realtime/v1", realtime.create_app(realtime_settings)))
    for name, block in config.enabled_services().items():
        app = load_entrypoint(f"services.{name}", block.entrypoint)()
        mounts.append(Mount(block.path, app))
    return [*mounts, *function_mounts(settings, config)]


def function_mounts(settings: StackSettings, config: ProjectConfig) -> list[Mount]:
    """One mount per enabled function, behind the JWT check when its block asks for it."""
    mounts = []
    for name, block in config.enabled_functions().items():
        factory = load_entrypoint(f"functions.{name}", block.entrypoint)
        app: ASGIApp = factory()
        if block.verify_jwt:
            app = RequireJwt(app, rest.settings_for_stack(settings))
        mounts.append(Mount(f"{FUNCTIONS_PREFIX}/{name}", app))
    return mounts


def key_auth_prefixes(config: ProjectConfig) -> tuple[str, ...]:
    """The paths Kong's key-auth guards: the platform's APIs and the services that ask for it.
    Functions verify JWTs themselves (or through `verify_jwt`), as Supabase's edge runtime does."""
    configured = (b.path for b in config.enabled_services().values() if b.key_auth)
    return ("/rest/v1", "/auth/v1", "/realtime/v1", *configured)
