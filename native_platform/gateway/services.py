"""The services mounted under the gateway, each built from the stack's settings."""

from __future__ import annotations

from starlette.routing import Mount

from native_platform.settings import StackSettings

__all__ = ["service_mounts"]


def service_mounts(settings: StackSettings) -> list[Mount]:  # noqa: ARG001 - filled as services land
    return []
