"""The README's command table and the CLI agree: every `monitor X` the README names exists, with the
subcommands and options it shows, and every command of the CLI has a row; every `make X` is a target."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from monitor.service.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options(parser: argparse.ArgumentParser) -> set[str]:
    """The options of a command and of its subcommands."""
    found = {flag for action in parser._actions for flag in action.option_strings}
    for child in subcommands(parser).values():
        found |= options(child)
    return found


COMMANDS = subcommands(build_parser())


def table_rows(text: str) -> list[str]:
    """The first cell of each row of the command table (the rows that name `monitor …`)."""
    return [line.split(" | ", 1)[0] for line in text.splitlines() if line.startswith("| `monitor ")]


def named_commands(text: str) -> set[str]:
    """Every `monitor X` in a code span, and every `monitor X` line of a fenced code block."""
    spans = re.findall(r"`monitor ([a-z][\w-]*)", text)
    blocks = re.findall(r"^\$? ?monitor ([a-z][\w-]*)", "\n".join(re.findall(r"```.*?\n(.*?)```", text, re.S)), re.M)
    return set(spans) | set(blocks)


def row_problems(cell: str) -> list[str]:
    """What one table cell names that the CLI does not have (its commands, subcommands, options)."""
    problems = []
    for usage in re.findall(r"`(monitor [^`]*)`", cell):
        words = usage.split()
        command = COMMANDS.get(words[1])
        if command is None:
            problems.append(f"{usage}: no command {words[1]!r}")
            continue
        children = subcommands(command)
        if children:
            named = set(words[2].split("/")) if len(words) > 2 else set()
            written = {part for word in words[2:] for part in word.split("/")}
            problems += [f"{usage}: no subcommand {name!r}" for name in sorted(named - set(children))]
            problems += [f"{usage}: subcommand {name!r} not shown" for name in sorted(set(children) - written)]
        flags = {flag.strip("[]") for flag in words if flag.lstrip("[").startswith("--")}
        problems += [f"{usage}: no option {flag}" for flag in sorted(flags - options(command))]
    return problems


def test_every_command_the_readme_names_exists():
    unknown = named_commands(README) - set(COMMANDS)
    assert not unknown, f"the README names commands the CLI does not have: {sorted(unknown)}"


def test_every_command_of_the_cli_has_a_row_in_the_command_table():
    in_table = {name for cell in table_rows(README) for name in re.findall(r"`monitor ([a-z][\w-]*)", cell)}
    missing = set(COMMANDS) - in_table
    assert not missing, f"commands missing from the README's command table: {sorted(missing)}"


def test_the_table_shows_only_subcommands_and_options_the_cli_has():
    problems = [problem for cell in table_rows(README) for problem in row_problems(cell)]
    assert not problems, "\n".join(problems)


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    named = set(re.findall(r"`make ([\w-]+)`", README)) | set(re.findall(r"^make ([\w-]+)", README, re.M))
    assert named, "the README names no make target: the pattern is wrong"
    assert named <= targets, f"the README names make targets the Makefile lacks: {sorted(named - targets)}"


def test_the_checks_catch_a_stale_table():
    """The README as the previous review found it: a command that does not exist, two missing."""
    stale = README.replace("| `monitor collect FEED --dry-run` |", "| `monitor feed collect FEED --dry-run` |")
    stale = "\n".join(line for line in stale.splitlines()
                      if not line.startswith(("| `monitor prune", "| `monitor demo-server")))
    assert "feed" in named_commands(stale) - set(COMMANDS)
    in_table = {name for cell in table_rows(stale) for name in re.findall(r"`monitor ([a-z][\w-]*)", cell)}
    assert set(COMMANDS) - in_table == {"prune", "demo-server", "collect"}
    assert row_problems("`monitor prune [--dry-run] [--force]`") == ["monitor prune [--dry-run] [--force]: no option --force"]
    assert row_problems("`monitor silence add/mute`") == ["monitor silence add/mute: no subcommand 'mute'",
                                                          "monitor silence add/mute: subcommand 'expire' not shown",
                                                          "monitor silence add/mute: subcommand 'list' not shown"]
