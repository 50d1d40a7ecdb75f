"""The `monitor` command's entry point, light on purpose.

multiprocessing runs the program's main script again in every child it starts (each dropped file's
reader, the catalogue's parsing pool), and the installed `monitor` script imports its entry point at
its top: were that the CLI, every child would import the whole daemon first (about two seconds of
CPU each, most of a case feed's first cycle on a large catalogue). The CLI is imported when run.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from monitor.service.cli import main as run
    return run(argv)
