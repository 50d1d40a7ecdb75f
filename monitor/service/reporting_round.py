"""The reporting round of each `reports` feed, run by the daemon every few minutes.

- `remind_working_days` working days before the due day (work calendar), each agency gets its
  template (attached) and its upload link for the period;
- on the due day, the agencies that have not reported get a reminder;
- after it, the operators get the list of agencies past due (催报), once per period; each agency's
  page shows its overdue reports, and its commitments read no_data with the reason
  未按期填报（应于…前填报）: late is not missed, and no agency hears of it but by the reminder.

Each mail goes once: its key (`reports:<what>:<feed>:<agency>:<period>`) is kept in the alert
groups' table, as the calendar notice's is, so a restart or a second replica sends nothing twice.
Only an agency asked (its template mailed) can be late: a feed added today does not find every
agency overdue for last month.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from alerts.outbox import new_notification
from alerts.tables import AlertGroup, Notification
from collectors.reporting import write_template
from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.reporting import (
    Period,
    agencies_due,
    due_commitments,
    due_date,
    is_reported_period,
    last_due_period,
    late_reason,
    period_due_around,
    reports_feeds,
    send_date,
)
from monitor.service import report_tables
from monitor.service.reports_view import asked_key, overdue_reports
from monitor.service.signed_links import LinkSigner
from monitor.service.uploads import upload_link
from monitor.spec.feeds import ReportsFeed
from monitor.vocabulary import PRODUCT_NAME

log = logging.getLogger("monitor.reports.round")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mark_late(engine: Engine, catalogue: Catalogue, feed_id: str, evaluations: Sequence[Evaluation],
              today: date) -> list[Evaluation]:
    """The verdicts of commitments whose agency's report is past due, as no_data 未按期填报（应于…前填报）."""
    late = {o.agency: o for o in overdue_reports(engine, catalogue, today) if o.feed == feed_id}
    if not late:
        return list(evaluations)
    out = []
    for e in evaluations:
        c = catalogue.commitments.get(e.commitment)
        overdue = late.get(c.agency.id) if c is not None and c.agency is not None else None
        settled_before = c is not None and c.deadline is not None and overdue is not None \
            and c.deadline < Period.parse(overdue.period).first_day   # the late report is not about it
        due = overdue.due if overdue is not None and not settled_before else None
        if due is None:
            out.append(e)
        else:
            out.append(replace(e, status="no_data", actual=None, margin=None, expected=None, settled_on=None,
                               reason=late_reason(due)))
    return out


def _once(session: Session, key: str, now: datetime) -> bool:
    """Claim `key` for this mail; False when it was sent already (by this daemon or another)."""
    if session.get(AlertGroup, key) is not None:
        return False
    session.add(AlertGroup(key=key, last_sent_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


class ReportingRound:
    def __init__(self, engine: Engine, signer: LinkSigner, public_url: str):
        self.engine, self.signer, self.public_url = engine, signer, public_url

    def run(self, catalogue: Catalogue, calendar: WorkCalendar, now: datetime) -> int:
        """Queue what is due today; the number of mails queued."""
        today = now.astimezone(catalogue.calendar_zone).date()
        queued = 0
        with Session(self.engine) as session:
            for feed in reports_feeds(catalogue):
                if not feed.upload and not feed.path:
                    continue
                period = period_due_around(feed, today)
                due = due_date(feed, period)
                done = report_tables.reported(self.engine, feed.id, str(period))
                for agency in agencies_due(catalogue, feed.id, period):
                    if today >= send_date(feed, period, calendar) and agency not in done \
                            and _once(session, asked_key(feed.id, agency, period), now):
                        session.add(self._template_mail(catalogue, feed.id, agency, period, due, now))
                        queued += 1
                    if today == due and agency not in done \
                            and _once(session, f"reports:reminder:{feed.id}:{agency}:{period}", now):
                        session.add(self._reminder(catalogue, feed.id, agency, period, due, now))
                        queued += 1
                past = last_due_period(feed, today)
                if past is not None and is_reported_period(feed, past):
                    missing = [o for o in overdue_reports(self.engine, catalogue, today) if o.feed == feed.id]
                    if missing and catalogue.alerting.operators.emails \
                            and _once(session, f"reports:overdue:{feed.id}:{past}", now):
                        session.add(self._overdue_list(catalogue, feed.id, past, [o.agency for o in missing],
                                                       due_date(feed, past), now))
                        queued += 1
            session.commit()
        if queued:
            log.info("reporting_round", extra={"queued": queued})
        return queued

    def ask(self, catalogue: Catalogue, feed: ReportsFeed, agency: str, period: Period, now: datetime) -> bool:
        """Mail the agency its template for `period` now, unless it was mailed already (the demo asks for
        the period just past)."""
        with Session(self.engine) as session:
            if not _once(session, asked_key(feed.id, agency, period), now):
                return False
            session.add(self._template_mail(catalogue, feed.id, agency, period, due_date(feed, period), now))
            session.commit()
        return True

    def _link(self, agency: str, period: Period) -> str:
        return upload_link(self.signer, self.public_url, agency, period)

    def _template_mail(self, catalogue: Catalogue, feed_id: str, agency_id: str, period: Period, due: date,
                       now: datetime) -> Notification:
        agency = catalogue.agencies[agency_id]
        commitments = due_commitments(catalogue, feed_id, agency_id, period)
        data = write_template(agency, commitments, period, due)
        text = "\n".join([
            f"{agency.name}：", "",
            f"请于{due.isoformat()}前报送{period.zh}各项承诺的进展（共{len(commitments)}项）。",
            "本期填报表见附件，只需填写黄色单元格：本期数值、数据截至日期、完成情况说明、佐证材料。", "",
            f"填好后请通过贵单位的专用上传链接提交（链接{int(self.signer.validity.days)}天内有效，请勿转发）：",
            self._link(agency_id, period), "",
            "提交后系统会回复回执：全部通过则列出各项最新结论；有问题则一次列出全部问题，改正后重新提交即可。",
            "", "本期包含的承诺：",
            *[f"· {c.measured_zh}（{c.id}）" for c in commitments],
            "", f"—— {PRODUCT_NAME}（本邮件自动发送）"]) + "\n"
        attachment = {"filename": f"{agency_id}-{period}.xlsx", "content_type": XLSX,
                      "base64": base64.b64encode(data).decode()}
        row = new_notification(now, group_key=f"reports:{agency_id}", kind="report_request", channel="email",
                               to_addrs=list(agency.emails), cc_addrs=[],
                               subject=f"【进展填报】{agency.name}：请于{due.isoformat()}前报送{period.zh}进展",
                               body_text=text, commitments=" ".join(c.id for c in commitments))
        row.attachments = json.dumps([attachment])
        return row

    def _reminder(self, catalogue: Catalogue, feed_id: str, agency_id: str, period: Period, due: date,
                  now: datetime) -> Notification:
        agency = catalogue.agencies[agency_id]
        text = "\n".join([
            f"{agency.name}：", "",
            f"今天（{due.isoformat()}）是报送{period.zh}承诺进展的截止日，系统尚未收到贵单位通过核验的填报表。",
            "请今天内通过专用上传链接提交（填报表已于此前发送；也可从该链接页面下载）：",
            self._link(agency_id, period), "",
            f"逾期未报的，相关承诺将显示为“暂无数据”（未按期填报，应于{due.isoformat()}前填报），并列入运维人员的催报名单。",
            "", f"—— {PRODUCT_NAME}（本邮件自动发送）"]) + "\n"
        return new_notification(now, group_key=f"reports:{agency_id}", kind="report_reminder", channel="email",
                                to_addrs=list(agency.emails), cc_addrs=[],
                                subject=f"【提醒】{agency.name}：今天截止报送{period.zh}进展", body_text=text)

    def _overdue_list(self, catalogue: Catalogue, feed_id: str, period: Period, agencies: list[str], due: date,
                      now: datetime) -> Notification:
        lines = ["运维人员：", "", f"以下{len(agencies)}个单位未在{due.isoformat()}前报送{period.zh}进展（催报名单）：", ""]
        for agency_id in agencies:
            agency = catalogue.agencies.get(agency_id)
            count = len(due_commitments(catalogue, feed_id, agency_id, period))
            lines.append(f"· {agency.name if agency else agency_id}（{agency_id}）：{count}项承诺，"
                         f"上传链接 {self._link(agency_id, period)}")
        lines += ["", "这些承诺目前显示为“暂无数据”（未按期填报），不按未兑现计；单位收到过模板和截止日提醒。",
                  "请联系上述单位尽快报送。", "", f"—— {PRODUCT_NAME}（本邮件自动发送）"]
        return new_notification(now, group_key="reports:operators", kind="operators", channel="email",
                                to_addrs=list(catalogue.alerting.operators.emails), cc_addrs=[],
                                subject=f"【催报】{len(agencies)}个单位逾期未报{period.zh}进展", body_text="\n".join(lines) + "\n")
