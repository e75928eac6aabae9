"""`python -m native_platform.realtime`: serve one node, configured from `REALTIME_*` variables
or, when those are absent, from the stack's env file."""

from __future__ import annotations

import uvicorn
from pydantic import ValidationError

from native_platform.observability.logging import configure_logging
from native_platform.observability.tracing import configure_tracing
from native_platform.realtime import RealtimeSettings, create_app
from native_platform.realtime.wire import DirectWriteProtocol
from native_platform.settings import load_settings


def settings() -> RealtimeSettings:
    try:
        return RealtimeSettings()  # type: ignore[call-arg]
    except ValidationError:
        return RealtimeSettings.from_stack(load_settings())


def main() -> None:
    configure_logging("realtime")
    configure_tracing("realtime")
    config = settings()
    uvicorn.run(
        create_app(config),
        log_config=None,  # JSON lines (configure_logging); no access line with the apikey
        host=config.host,
        port=config.port,
        log_level="info",
        ws=DirectWriteProtocol,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
