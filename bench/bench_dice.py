"""Rolls/s of py_rules (with FairRNG) against d20, and cold exact-odds time against icepool.

Run from the repository root: `.venv/bin/python bench/bench_dice.py`. Roll timings are medians
of several `timeit` repetitions in this process; each odds timing runs in a fresh subprocess
(imports excluded, nothing cached), median of a few runs.
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

import d20

from py_rules import FairRNG, ServerSeed, render_roll, roll

ROOT = Path(__file__).resolve().parents[1]

ROLL_EXPRESSIONS = [
    "1d20",
    "1d20+5",
    "4d6kh3",
    "20d6mi2",
    "8d6e6",
    "2d20kh1+3",
    "(1d4,1d6)kh1",
    "1d20ro1+2",
    "3d6+2d4-1",
    "1d%",
]

# py_rules expression -> icepool expression (built inside the subprocess).
ODDS_EXPRESSIONS = {
    "1d20+5": "icepool.d20 + 5",
    "4d6kh3": "icepool.d6.pool(4).highest(3).sum()",
    "8d6kh3": "icepool.d6.pool(8).highest(3).sum()",
    "2d20kh1": "icepool.d20.pool(2).highest(1).sum()",
    "10d10kh5": "icepool.d10.pool(10).highest(5).sum()",
    "8d6!": "8 @ icepool.d6.explode(depth=10)",
    "4dF": "4 @ icepool.Die([-1, 0, 1])",
    "3d6+2d4-1": "3 @ icepool.d6 + 2 @ icepool.d4 - 1",
    "20d6mi2": "20 @ icepool.d6.clip(2, None)",
    "1d6ro1": "icepool.d6.reroll([1], depth=1)",
    "(1d4,1d6)kh1": "icepool.Pool([icepool.d4, icepool.d6]).highest(1).sum()",
}

REPEATS = 9
ODDS_RUNS = 3


def _paired_medians(
    ours: Callable[[], object], theirs: Callable[[], object]
) -> tuple[float, float]:
    """Median seconds per call of each, alternating repetitions so load hits both alike."""
    number_ours, number_theirs = _number_for(ours), _number_for(theirs)
    mine, other = [], []
    for _ in range(REPEATS):
        mine.append(timeit.timeit(ours, number=number_ours) / number_ours)
        other.append(timeit.timeit(theirs, number=number_theirs) / number_theirs)
    return statistics.median(mine), statistics.median(other)


def _number_for(call: Callable[[], object]) -> int:
    """Enough calls per repetition for about 0.05 s."""
    once = timeit.timeit(call, number=20) / 20
    return max(50, min(20_000, int(0.05 / max(once, 1e-7))))


def _roll_callables(expression: str, render: bool) -> tuple[Callable[[], object], ...]:
    seed, nonces = ServerSeed.generate(), itertools.count()

    def ours() -> object:
        result = roll(expression, FairRNG(seed, "bench-client", next(nonces)))
        return render_roll(result) if render else result.total

    def theirs() -> object:
        result = d20.roll(expression)
        return result.result if render else result.total

    return ours, theirs


def bench_rolls() -> list[float]:
    ratios = []
    for render in (False, True):
        title = "with breakdown rendering" if render else "total only"
        print(f"\nRolls/s, {title} (median of {REPEATS}); py_rules uses FairRNG")
        print(f"{'expression':16}{'py_rules':>12}{'d20':>12}{'ratio':>8}")
        for expression in ROLL_EXPRESSIONS:
            ours, theirs = _roll_callables(expression, render)
            mine, other = _paired_medians(ours, theirs)
            ratios.append(other / mine)
            print(f"{expression:16}{1 / mine:12,.0f}{1 / other:12,.0f}{other / mine:7.1f}x")
    return ratios


_OURS = "from py_rules import odds\nstart = perf_counter()\nodds({expression!r}).mean\n"
_ICEPOOL = "import icepool\nstart = perf_counter()\n({expression}).mean()\n"


def _cold_seconds(body: str) -> float:
    code = f"from time import perf_counter\n{body}print(perf_counter() - start)\n"
    runs = []
    for _ in range(ODDS_RUNS):
        output = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(float(output.stdout.strip()))
    return statistics.median(runs)


def bench_odds() -> list[float]:
    print(f"\nExact odds, cold (fresh process each, imports excluded, median of {ODDS_RUNS})")
    print(f"{'expression':16}{'py_rules ms':>13}{'icepool ms':>12}{'ratio':>8}")
    ratios = []
    for expression, icepool_expression in ODDS_EXPRESSIONS.items():
        mine = _cold_seconds(_OURS.format(expression=expression))
        other = _cold_seconds(_ICEPOOL.format(expression=icepool_expression))
        ratios.append(other / mine)
        print(f"{expression:16}{mine * 1e3:13.2f}{other * 1e3:12.2f}{other / mine:7.1f}x")
    return ratios


def main() -> None:
    roll_ratios = bench_rolls()
    odds_ratios = bench_odds()
    print(f"\nworst roll ratio {min(roll_ratios):.1f}x (aim >= 3x); ", end="")
    print(f"worst odds ratio {min(odds_ratios):.1f}x (aim >= 1x)")
    met = min(roll_ratios) >= 3 and min(odds_ratios) >= 1
    print(f"verdict: rolls >= 3x d20 and odds >= 1x icepool: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
