"""Run the dice service alone (the gateway normally mounts it): `python -m functions.dice`."""

from __future__ import annotations

import argparse

import uvicorn

from functions.dice.main import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="The dice service, on the stack in force")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
