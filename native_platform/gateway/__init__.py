"""The API gateway: one base URL in front of every service of the stack."""

from native_platform.gateway.app import create_app

__all__ = ["create_app"]
