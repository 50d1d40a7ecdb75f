"""targets.yaml edits that used to pass or crash: bad cron, misspelt seed, GB18030, alias bombs,
huge files, recipient entries holding two addresses or a line break."""

from __future__ import annotations

import subprocess
import sys

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import limits
from monitor.loader import ConfigError, load_catalogue
from monitor.spec.cron import check_cron
from tests.test_loader import VALID, problems_of, write


def test_an_invalid_cron_is_a_located_problem(tmp_path):
    text = VALID.replace("    kind: demo\n", "    kind: demo\n    schedule: {cron: \"61 * * * *\"}\n")
    [problem] = problems_of(write(tmp_path, text))
    assert ":17:" in problem and "feeds[0].schedule" in problem and "61 is outside 0-59" in problem


@pytest.mark.parametrize("expression", ["* * * *", "*/0 * * * *", "0 0 * * 7", "0 9-5 * * *", "0 0 * * fri-mon",
                                        "0 0 * foo *", "0 0 ? * *", "0 0 L * *"])
def test_cron_expressions_apscheduler_would_refuse_are_refused(expression):
    with pytest.raises(ValueError):
        check_cron(expression)


@pytest.mark.parametrize("expression", ["*/15 * * * *", "5/15 * * * *", "0 9-17/2 * jan-mar mon-fri",
                                        "30 8 1,15 * *", "0 0 31 12 sun"])
def test_ordinary_cron_expressions_pass(expression):
    assert check_cron(expression) == expression
    CronTrigger.from_crontab(expression)


CRON_ITEM = st.one_of(st.just("*"), st.integers(0, 70).map(str),
                      st.sampled_from(["mon", "jan", "fri", "x", "L", "mon-fri", "jan-mar", "fri-mon", "1-mar", "0-0"]),
                      st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda t: f"{t[0]}-{t[1]}"))
CRON_FIELD = st.tuples(CRON_ITEM, st.one_of(st.just(""), st.integers(0, 9).map(lambda n: f"/{n}"))).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(CRON_FIELD, min_size=4, max_size=6))
def test_whatever_validation_accepts_the_scheduler_accepts(fields):
    expression = " ".join(fields)
    try:
        check_cron(expression)
    except ValueError:
        return
    CronTrigger.from_crontab(expression)   # must not raise


def test_a_misspelt_document_source_is_an_error_not_quote_checking_off(tmp_path):
    [problem] = problems_of(write(tmp_path, VALID.replace("source: seed.txt", "source: sede.txt")))
    assert "documents[0].source: seed file 'sede.txt' not found" in problem


def test_a_gb18030_file_gets_a_clear_located_error(tmp_path):
    path = write(tmp_path, VALID)
    path.write_bytes(VALID.encode("gb18030"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:5:") and ": (file): not UTF-8" in problem
    assert "GB18030" in problem and "save the file as UTF-8" in problem


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path):
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [*{previous},*{previous},*{previous},*{previous},*{previous},"
                    f"*{previous},*{previous},*{previous},*{previous}]")
    [problem] = problems_of(write(tmp_path, "\n".join(bomb) + "\n"))
    assert "alias bomb" in problem


def test_a_recursive_alias_is_refused(tmp_path):
    [problem] = problems_of(write(tmp_path, "a: &a [1, *a]\n"))
    assert "refers to a node that contains it" in problem


def test_a_huge_file_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_TARGETS_BYTES", 4096)
    path = write(tmp_path, VALID + "# padding\n" * 1000)
    [problem] = problems_of(path)
    assert ": (file): larger than" in problem


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path):
    [problem] = problems_of(write(tmp_path, "a: " + "[" * 50_000 + "]" * 50_000 + "\n"))
    assert "(syntax)" in problem


@pytest.mark.parametrize("entry, fragment", [
    ("a@x.example>, b@y.example", "not exactly one e-mail address"),
    ("a@x.example\r\nBcc: evil@y.example", "control characters"),
    ("a@x.example, b@y.example", "not exactly one e-mail address"),
    ("not-an-address", "not a valid e-mail address"),
])
def test_recipient_entries_must_be_exactly_one_address(tmp_path, entry, fragment):
    text = VALID.replace("emails: [market@demo.agencies.example]", f"emails: [{entry!r}]".replace("'", '"')
                         .replace("\r", "\\r").replace("\n", "\\n"))
    found = problems_of(write(tmp_path, text))
    assert any("agencies[0].emails" in p and fragment in p for p in found), found


def test_a_named_recipient_is_still_one_address(tmp_path):
    text = VALID.replace("emails: [market@demo.agencies.example]", 'emails: ["市场监管局 <market@demo.example>"]')
    assert load_catalogue(write(tmp_path, text)).agencies


def test_the_loader_raises_only_config_errors_for_unreadable_files(tmp_path):
    with pytest.raises(ConfigError):
        load_catalogue(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError):
        load_catalogue(tmp_path)   # a directory


@pytest.mark.parametrize("interval", ["86400000000000", ".inf", "99999999999999w"])
def test_an_absurd_duration_is_a_located_problem_not_an_overflow(tmp_path, interval):
    text = VALID.replace("    kind: demo\n", f"    kind: demo\n    schedule: {{interval: {interval}}}\n")
    [problem] = problems_of(write(tmp_path, text))
    assert "feeds[0].schedule.interval" in problem and "too large" in problem


@pytest.mark.parametrize("entry", [
    "market@demo\u2028.example",          # the parser turned it into a space inside the domain
    "market@b\u2028c@demo.example",       # the parser raised HeaderParseError (no ValueError)
    "市场监管局\u2028 <market@demo.example>",
    "market\u200b@demo.example",           # a zero-width space copied from a web page
])
def test_an_invisible_character_in_an_address_is_a_located_problem(tmp_path, entry):
    text = VALID.replace("emails: [market@demo.agencies.example]", f'emails: ["{entry}"]')
    path = write(tmp_path, text)
    found = problems_of(path)
    line = text.split("\n").index(f'    emails: ["{entry}"]') + 1
    assert any(p.startswith(f"{path}:{line}:") and "agencies[0].emails[0]" in p
               and f"U+{ord(next(ch for ch in entry if ch in chr(0x2028) + chr(0x200b))):04X}" in p
               for p in found), found


@pytest.mark.parametrize("entry", ["a@b c@demo.example", "a@b@demo.example"])
def test_an_address_the_mail_parser_chokes_on_is_a_located_problem(tmp_path, entry):
    text = VALID.replace("emails: [market@demo.agencies.example]", f'emails: ["{entry}"]')
    found = problems_of(write(tmp_path, text))
    assert any("agencies[0].emails[0]" in p and "not a valid e-mail address" in p for p in found), found


def test_validate_reports_a_line_separator_in_an_address_with_its_location_not_a_traceback(tmp_path):
    text = VALID.replace("emails: [market@demo.agencies.example]", 'emails: ["market@b\\u2028c@demo.example"]')
    path = write(tmp_path, text)
    run = subprocess.run([sys.executable, "-m", "monitor", "validate", str(path)], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "HeaderParseError" not in run.stderr
    assert f"{path}:13:14: agencies[0].emails[0]:" in run.stderr and "agencies[0].emails[0]" in run.stderr and "U+2028" in run.stderr
