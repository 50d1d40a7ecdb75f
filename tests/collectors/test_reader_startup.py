"""A dropped file's read starts in a child forked from a server that already holds the program: the
modules the program's main script imports are imported once, in that server, not again in every
child that re-runs the script (for the `monitor` command that is every module of the daemon, about a
second of CPU a file)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

HEAVY = textwrap.dedent('''
    import os
    with open(os.environ["RUNS_FILE"], "a", encoding="utf-8") as runs:
        runs.write("imported\\n")

    def main() -> None:
        pass
''')
PROGRAM = textwrap.dedent('''
    from heavy import main

    if __name__ == "__main__":
        from datetime import datetime, timezone
        from zoneinfo import ZoneInfo

        from collectors.drop_report import Rejected
        from collectors.file_reader import FileReader
        from monitor.spec.feeds import FileFeed, SeriesSpec

        feed = FileFeed(kind="file", id="cases", path=".", columns={"编号": "id", "数值": "value", "日期": "day"},
                        series=[SeriesSpec(name="values", column="value", time_column="day")])
        content = "编号,数值,日期\\nA1,3,2026-11-30\\n".encode("utf-8")
        reader = FileReader()
        for n in range(3):
            try:
                reader.read(content, f"{n}.csv", feed, datetime(2026, 12, 1, tzinfo=timezone.utc),
                            ZoneInfo("Asia/Shanghai"))
            except Rejected:
                pass   # read and refused in a child all the same
        print("read", flush=True)
''')


def test_what_the_programs_main_script_imports_is_imported_once_in_the_read_server_not_once_a_read(tmp_path):
    program, runs = tmp_path / "program.py", tmp_path / "runs.txt"
    program.write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "heavy.py").write_text(HEAVY, encoding="utf-8")
    done = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "RUNS_FILE": str(runs), "PYTHONPATH": str(tmp_path)})
    # (installed, as the daemon's modules are: the server does not take the program's sys.path in 3.11)
    assert done.returncode == 0 and "read" in done.stdout, done.stderr
    assert runs.read_text(encoding="utf-8").split() == ["imported"] * 2   # the program's and the server's
