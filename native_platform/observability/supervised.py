"""`python -m native_platform.observability.supervised <port> <module> <args…>`: how the supervisor
starts the gateway and every worker, so each serves its metrics on its own local-only port
without code of its own: serve `/metrics` on 127.0.0.1:<port>, then run `<module>` as
`python -m <module> <args…>` would, in this process (its metrics land in the same registry)."""

from __future__ import annotations

import runpy
import sys

from native_platform.observability.metrics import serve_metrics


def main(argv: list[str]) -> None:
    port, module, *args = argv
    serve_metrics(int(port))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
