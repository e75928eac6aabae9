"""`python -m native_platform.realtime`: serve one node, configured from `REALTIME_*` variables
or, when those are absent, from the stack's env file."""

from __future__ import annotations

import uvicorn
from pydantic import ValidationError

from native_platform.realtime import RealtimeSettings, create_app
from native_platform.realtime.wire import DirectWriteProtocol
from native_platform.settings import load_settings


def settings() -> RealtimeSettings:
    try:
        return RealtimeSettings()  # type: ignore[call-arg]
    except ValidationError:
        return RealtimeSettings.from_stack(load_settings())


def main() -> None:
    config = settings()
    uvicorn.run(
        create_app(config),
        host=config.host,
        port=config.port,
        log_level="info",
        ws=DirectWriteProtocol,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
