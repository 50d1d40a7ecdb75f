"""`monitor run --demo`: agencies that send what the catalogue's file and reports feeds read.

Nothing here is read by a daemon without `--demo`. Before each collection of a drop-folder feed
the demo agencies put files where the real ones would, built from the demo generator's data
(monitor/service/demo/generate.py, each commitment aimed at an intended verdict):

- case feeds (`kind: file`): a day's 办件明细 export (CSV) per feed, once a day;
- progress reports (`kind: reports`): each agency is asked for the last period now due (its
  template mailed) and sends its filled template through its drop folder: figures of open
  commitments as of that period's last day, settled ones in the report of their deadline's month.
  One agency (chosen by the seed) first sends a report with mistakes, rejected with a receipt,
  and its corrected report on the next collection; one agency never sends the period's report,
  so the board shows it 未按期填报 and the operators get the 催报 list.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from collectors.reporting import write_template
from monitor.calendar import WorkCalendar
from monitor.model import Catalogue, Commitment
from monitor.reporting import Period, agencies_due, due_commitments, due_date, last_due_period, reporting_agencies
from monitor.service.demo.generate import demo_payload
from monitor.spec.feeds import FeedBase, FileFeed, ReportsFeed

log = logging.getLogger("monitor.demo.agencies")
CASE_HEADERS = ("办件编号", "事项编号", "受理时间", "办结时间")
Row = tuple[float, date]   # a reported figure and its 数据截至日期


class DemoAgencies:
    def __init__(self, catalogue: Callable[[], Catalogue], calendar: Callable[[], WorkCalendar], seed: int,
                 ask: Callable[[Catalogue, ReportsFeed, str, Period, datetime], object]):
        self.catalogue, self.calendar, self.seed, self.ask = catalogue, calendar, seed, ask
        self._cases_written: set[tuple[str, date]] = set()
        self._reports_written: set[tuple[str, str, str]] = set()
        self._corrections: dict[tuple[str, str], dict[str, Row]] = {}

    def before_collect(self, feed: FeedBase, now: datetime) -> None:
        try:
            if isinstance(feed, FileFeed):
                self._case_file(feed, now)
            elif isinstance(feed, ReportsFeed):
                self._reports(feed, now)
        except Exception:  # noqa: BLE001 - a demo agency's trouble must not stop the daemon
            log.exception("demo_agency_failed", extra={"feed": feed.id})

    # -- case spreadsheets ------------------------------------------------------------------------

    def _case_file(self, feed: FileFeed, now: datetime) -> None:
        calendar = self.calendar()
        today = calendar.local(now).date()
        if (feed.id, today) in self._cases_written:
            return
        payload = demo_payload(self.catalogue(), now, calendar, self.seed, feed.id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CASE_HEADERS)
        for series in payload["series"]:
            if series["type"] != "cases":
                continue
            for record in series["records"]:
                writer.writerow([record["id"], series["name"], _local_text(record["submitted"]),
                                 _local_text(record["completed"]) if record["completed"] else "未办结"])
        folder = Path(feed.path)
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / f"办件明细-{today.isoformat()}.csv", out.getvalue().encode("utf-8-sig"), now)
        self._cases_written.add((feed.id, today))

    # -- progress reports ---------------------------------------------------------------------------

    def _reports(self, feed: ReportsFeed, now: datetime) -> None:
        catalogue, calendar = self.catalogue(), self.calendar()
        today = calendar.local(now).date()
        period = last_due_period(feed, today)
        agencies = reporting_agencies(catalogue, feed.id)
        if period is None or not agencies:
            return
        figures = self._figures(catalogue, calendar, feed, now, period)
        # the late and the hurried agency are among those with something to report for the period
        current = [a for a in agencies if any(Period(d.year, d.month) == period for _, _, d in figures.get(a, []))]
        ranked = sorted(current or agencies, key=lambda a: hashlib.sha256(f"{self.seed}:{a}".encode()).hexdigest())
        late, mistaken = ranked[0], ranked[1] if len(ranked) > 1 else None
        asked = set(agencies_due(catalogue, feed.id, period))
        for agency in agencies:
            if agency in asked:
                self.ask(catalogue, feed, agency, period, now)   # the template for the period, mailed once
            key = (feed.id, agency)
            if key in self._corrections:   # the corrected report follows the rejected one
                self._send(catalogue, feed, agency, period, self._corrections.pop(key), now, "更正")
            by_period: dict[Period, dict[str, Row]] = {}
            for commitment, value, as_of in figures.get(agency, []):
                by_period.setdefault(Period(as_of.year, as_of.month), {})[commitment] = (value, as_of)
            for reported, rows in sorted(by_period.items()):
                if reported == period and agency == late:
                    continue                                    # never sends this period's report
                if (feed.id, agency, str(reported)) in self._reports_written:
                    continue
                if reported == period and agency == mistaken:
                    self._corrections[key] = rows
                    self._send(catalogue, feed, agency, reported, _with_mistakes(rows), now, "初稿")
                else:
                    self._send(catalogue, feed, agency, reported, rows, now, "")

    def _figures(self, catalogue: Catalogue, calendar: WorkCalendar, feed: ReportsFeed, now: datetime,
                 period: Period) -> dict[str, list[tuple[str, float, date]]]:
        """agency -> (commitment, value, as-of day): the newest generated figure of each commitment,
        dated no later than the period's last day (a settled one: on its deadline); for a reduction
        measured from the feed's own level, that level too, on its day."""
        payload = demo_payload(catalogue, now, calendar, self.seed, feed.id)
        figures: dict[str, list[tuple[str, float, date]]] = {}
        for series in payload["series"]:
            c = catalogue.commitments.get(series["name"])
            if c is None or c.agency is None or not series.get("points"):
                continue
            points = series["points"][-1:]
            if c.kind == "reduction" and c.baseline_value is None:
                points = [series["points"][0]] + points
            for point in points:
                day = calendar.local(datetime.fromisoformat(point["time"])).date()
                figures.setdefault(c.agency.id, []).append((c.id, _fit(c, float(point["value"])),
                                                            min(day, period.last_day)))
        return figures

    def _send(self, catalogue: Catalogue, feed: ReportsFeed, agency: str, period: Period, rows: dict[str, Row],
              now: datetime, label: str) -> None:
        commitments = due_commitments(catalogue, feed.id, agency, period)
        filled = {c: (value, as_of if isinstance(as_of, str) else datetime.combine(as_of, datetime.min.time()),
                      "（演示）按计划推进") for c, (value, as_of) in rows.items()}
        data = write_template(catalogue.agencies[agency], commitments, period, due_date(feed, period), filled=filled)
        folder = Path(feed.path) / agency
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / f"{period}进展填报{('-' + label) if label else ''}.xlsx", data, now)
        self._reports_written.add((feed.id, agency, str(period)))


def _fit(c: Commitment, value: float) -> float:
    """The demo's figure as a report can hold it (a report never carries a negative number)."""
    return round(max(0.0, value), 2)


def _with_mistakes(rows: dict[str, Row]) -> dict[str, Row]:
    """The same report as a hurried agency writes it: a figure in words and a date in words."""
    spoiled: dict[str, Row] = dict(rows)
    first = next(iter(spoiled))
    value, _ = spoiled[first]
    spoiled[first] = (f"约{value:g}", "上月底")  # type: ignore[assignment]
    return spoiled


def _local_text(moment: str) -> str:
    return moment.replace("T", " ")[:19]


def _write(path: Path, data: bytes, now: datetime) -> None:
    """Written whole, then dated a minute back: the drop folder takes it as settled at once."""
    temporary = path.with_name("." + path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    moment = now.timestamp() - 60
    os.utime(path, (moment, moment))
