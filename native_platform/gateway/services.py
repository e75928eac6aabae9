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
from native_platform.settings import SettingsError, StackSettings

__all__ = ["function_mounts", "key_auth_prefixes", "mounted_services", "service_mounts"]

FUNCTIONS_PREFIX = "/functions/v1"
# What GATEWAY_SERVICES may name besides each [services.X] block.
PLATFORM_SERVICES = ("rest", "auth", "realtime", "functions")


def mounted_services(settings: StackSettings, config: ProjectConfig) -> frozenset[str]:
    """The names GATEWAY_SERVICES lists (every service when empty); SettingsError for a name
    that is neither a platform service nor a `[services.X]` block."""
    known = {*PLATFORM_SERVICES, *config.services}
    listed = {name.strip() for name in settings.gateway_services.split(",") if name.strip()}
    unknown = sorted(listed - known)
    if unknown:
        raise SettingsError(
            f"setting GATEWAY_SERVICES is invalid: unknown {', '.join(unknown)}"
            f" (known: {', '.join(sorted(known))})"
        )
    return frozenset(listed or known)


def service_mounts(settings: StackSettings, config: ProjectConfig) -> list[Mount]:
    """The services GATEWAY_SERVICES selects, each also enabled in config.toml."""
    selected = mounted_services(settings, config)
    mounts = []
    if "rest" in selected:
        mounts.append(Mount("/rest/v1", rest.create_app(rest.settings_for_stack(settings))))
    if config.auth.enabled and "auth" in selected:
        mounts.append(Mount("/auth/v1", auth.create_app(auth.AuthSettings.from_stack(settings))))
    # Not mounted, the realtime app is never built: no lifespan, so no WAL reader nor backplane.
    if config.realtime.enabled and "realtime" in selected:
        realtime_settings = realtime.RealtimeSettings.from_stack(settings)
        mounts.append(Mount("/realtime/v1", realtime.create_app(realtime_settings)))
    for name, block in config.enabled_services().items():
        if name in selected:
            app = load_entrypoint(f"services.{name}", block.entrypoint)()
            mounts.append(Mount(block.path, app))
    if "functions" in selected:
        mounts += function_mounts(settings, config)
    return mounts


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
