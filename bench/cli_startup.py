"""Benchmark: how long ``astrocal --help`` (and a sub-command's ``--help``) takes, from process start.

Each run is a fresh interpreter (``python -m astrocal_cli …``, as the console script does), so
the number includes Python's own start-up. It also checks what ``--help`` imports: the SDK, httpx,
SQLAlchemy, FastAPI and uvicorn must stay out (they are imported only by the commands that use them).
Writes the ``## CLI start-up`` section of bench/RESULTS.md.

    .venv/bin/python bench/cli_startup.py [--runs 30] [--no-write]

Bar (bench/RESULTS.md): ``astrocal --help`` ≤ 300 ms.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

from _common import bench_parser, publish

SECTION = "## CLI start-up"
BAR_MS = 300.0
HEAVY = ("astrocal_sdk", "httpx", "sqlalchemy", "fastapi", "uvicorn", "astrocal_server", "mcp")
COMMANDS = (["--help"], ["bookings", "--help"], ["bookings", "create", "--help"])


def time_runs(args: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) milliseconds of each run. CPU time is what the process
    itself costs; wall time also includes waiting for a core on a busy machine."""
    env = {**os.environ, "COLUMNS": "100"}
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "astrocal_cli", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            check=True,
        )
        wall.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return wall, cpu


def heavy_imports(args: list[str]) -> list[str]:
    """Top-level packages from HEAVY that ``astrocal <args>`` imports (``-X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "astrocal_cli", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    seen = set()
    for line in done.stderr.splitlines():
        if "|" not in line:
            continue
        module = line.rsplit("|", 1)[1].strip()
        top = module.split(".")[0]
        if top in HEAVY:
            seen.add(top)
    return sorted(seen)


def baseline(runs: int) -> float:
    """Python's own start-up on this machine, for context."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()

    # One warm-up run so .pyc files exist, as they do after installation.
    time_runs(["--help"], 2)
    load_before = os.getloadavg()[0]
    rows = []
    for args in COMMANDS:
        samples, cpu = time_runs(args, options.runs)
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        heavy = heavy_imports(args)
        if args == ["--help"]:
            help_wall, help_cpu, help_heavy = p50, statistics.median(cpu), heavy
        rows.append(
            f"| `astrocal {' '.join(args)}` | {min(samples):.0f} | {p50:.0f} | {p95:.0f} | "
            f"{statistics.median(cpu):.0f} | {', '.join(heavy) or 'none'} |"
        )
    python_ms = baseline(10)
    load = os.getloadavg()[0]
    text = "\n".join(
        [
            SECTION,
            "",
            f"`bench/cli_startup.py --runs {options.runs}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load_before:.1f} "
            f"before and {load:.1f} after. Each run is a fresh process; `python -c pass` "
            f"alone takes {python_ms:.0f} ms here.",
            "",
            "| command | wall min ms | wall p50 ms | wall p95 ms | CPU p50 ms | heavy packages imported |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Bar: `astrocal --help` ≤ {BAR_MS:.0f} ms. Wall p50 {help_wall:.0f} ms: "
            f"**{'met' if help_wall <= BAR_MS else 'not met'}** at this load; the process's own CPU "
            f"time p50 {help_cpu:.0f} ms: **{'met' if help_cpu <= BAR_MS else 'not met'}** (what "
            "an idle machine shows as wall time, plus a few ms). Heavy imports on `--help`: "
            f"**{', '.join(help_heavy) or 'none'}**. Typer renders help with Rich, so Rich loads for "
            "`--help`; the SDK, httpx and the server stack load only in the commands that use "
            "them. A sub-command's `--help` costs more because Typer 0.29 builds pydantic "
            "adapters for its parameters.",
            "",
        ]
    )
    publish(SECTION, text, write=not options.no_write)


if __name__ == "__main__":
    main()
