"""`python -m monitor.extract FILE ...`: the extract command on its own."""

import argparse
import sys

from monitor.extract import add_extract_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="monitor")
    add_extract_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["extract", *(sys.argv[1:] if argv is None else argv)])
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
