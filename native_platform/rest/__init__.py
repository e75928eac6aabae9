"""A PostgREST-compatible REST server (`create_app`), configured like PostgREST (`RestSettings`)."""

from native_platform.rest.app import create_app
from native_platform.rest.settings import RestSettings, load_rest_settings
from native_platform.rest.stack_settings import settings_for_stack

__all__ = ["RestSettings", "create_app", "load_rest_settings", "settings_for_stack"]
