"""The alert pipeline the daemon drives: evaluations -> state transitions -> outbox -> notifiers.

    migrations.upgrade(engine)                          # once, where the database is opened
    pipeline = AlertPipeline(engine, AlertSettings())
    pipeline.process(catalogue, evaluations, now)      # after store.save_evaluations, every cycle
    await pipeline.deliver_due(now)                     # every few seconds
    pipeline.stats()                                    # for the exporter

`process` writes transitions, alert states and outbox rows in one transaction, which starts with an
UPDATE of a lock row: SQLite takes its write lock there and PostgreSQL a row lock, so two daemons
on one database take turns instead of both announcing the same change.

An alert state is written only when something in it changed; what every cycle moves (when its
verdict was evaluated, when its condition last held, how late its open late cases are by now) is
kept in memory and written at most every CURRENT_REFRESH (alerts.seen).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import httpx
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts import messages
from alerts.calendar_notice import first_provisional_day, provisional_years
from alerts.engine import ALERT_KINDS, COLLECTION, DATA, FEED_PREFIX, TARGET, Rules, condition, needs_announcement, step
from alerts.grouping import DIGEST, OPERATORS, Batch, digest_due, due_batches, may_be_due, resend_due, state_group
from alerts.metrics import AlertMetrics
from alerts.notifiers import Notifier
from alerts.notifiers.alertmanager import AlertmanagerNotifier
from alerts.notifiers.email import SmtpNotifier
from alerts.notifiers.maildir import MaildirNotifier
from alerts.notifiers.webhook import WebhookNotifier
from alerts.onboarding import Onboarding
from alerts.outbox import Outbox, outbox_stats
from alerts.render import Rendered, Renderer
from alerts.seen import LastSeen, Moving
from alerts.settings import AlertSettings
from alerts.silences import muter
from alerts.startup import Line, mail_report
from alerts.tables import FAILED, PENDING, SENDING, SENT, AlertGroup, AlertState, AlertTransition, Notification
from monitor.disputes import open_commitments as disputed
from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.store import CollectionRun, Store, in_pages

log = logging.getLogger("monitor.alerts")
LOCK_KEY = "__lock__"


class AlertPipeline:
    def __init__(self, engine: Engine, settings: AlertSettings | None = None,
                 dispute_token: Callable[[str, str], str] | None = None):
        self.engine = engine
        self.dispute_token = dispute_token   # (commitment, agency) -> signed token of the mails' dispute links
        self.store = Store(engine)   # the verdicts and collection runs, read through the store's API
        self.settings = settings or AlertSettings()
        self.renderer: Renderer | None = None   # made for the catalogue's time zone on first use
        self.outbox = Outbox(engine, self.settings)
        self._catalogue: Catalogue | None = None
        self._lock = threading.Lock()
        self._flushed_catalogue: Catalogue | None = None   # what the last flush read every group under
        self._flushed_mutes: object = None
        self._http: httpx.AsyncClient | None = None
        self.onboarding = Onboarding()
        self.seen = LastSeen()   # what every cycle moves in a state, written at most hourly

    def process(self, catalogue: Catalogue, evaluations: Sequence[Evaluation], now: datetime) -> None:
        """Apply one cycle's evaluations; write transitions and the notifications now due, in one transaction.
        Only the alerts of these evaluations are read, so a feed's cycle costs its own commitments."""
        rules = Rules.from_spec(catalogue.alerting)
        feeds = {catalogue.commitments[e.commitment].measure.feed for e in evaluations
                 if e.commitment in catalogue.commitments}
        runs = self.store.latest_runs(feeds)
        with self._lock, Session(self.engine) as session, self._forgetting_on_failure():
            self._take_turn(session, now)
            states = _states_of(session, sorted({e.commitment for e in evaluations})
                                + [FEED_PREFIX + feed for feed in sorted(runs)])
            stored = self.seen.stored(states.values())
            for loaded in states.values():
                self.seen.overlay(loaded)
            self.seen.watch(session)   # states loaded from here on (other feeds', to announce) get theirs too
            history = self.onboarding.settled_at_start(session, catalogue, evaluations, now)
            transitions = 0
            for evaluation in evaluations:
                commitment = catalogue.commitments.get(evaluation.commitment)
                if commitment is None or not commitment.evaluated:
                    continue
                for alert in ALERT_KINDS:
                    if alert == TARGET and commitment.id in history:
                        continue   # settled before the monitor first judged it: the onboarding summary tells it
                    state = states.get((commitment.id, alert))
                    if state is None:
                        if not condition(alert, evaluation.status):
                            continue
                        state = states[(commitment.id, alert)] = AlertState(commitment=commitment.id, alert=alert)
                    transition = step(state, evaluation, rules, now)
                    if transition is not None:
                        session.add(transition)
                        transitions += 1
                    self.seen.settle(state, stored.get((commitment.id, alert)))
                    session.add(state)
            transitions += self._feed_alerts(session, runs, states, stored, rules, now)
            session.flush()
            queued = self._flush(session, catalogue, now, changed=states.values())
            queued += self._calendar_notice(session, catalogue, evaluations, now)
            given_up = _given_up(session)
            session.commit()
        self._count_given_up(given_up)
        self._catalogue = catalogue
        if transitions or queued:
            log.info("alerts_processed", extra={"evaluations": len(evaluations), "transitions": transitions,
                                                 "notifications": queued})

    @contextmanager
    def _forgetting_on_failure(self) -> Iterator[None]:
        """A transaction that fails leaves the onboarding cache unsure of what was written."""
        try:
            yield
        except BaseException:
            self.onboarding.forget()
            raise

    def _feed_alerts(self, session: Session, runs: dict[str, CollectionRun], states: dict[tuple[str, str], AlertState],
                     stored: dict[tuple[str, str], Moving], rules: Rules, now: datetime) -> int:
        """A failed collection is an operators' alert on its feed, whatever the stored data still say."""
        transitions = 0
        for feed, run in sorted(runs.items()):
            key = (FEED_PREFIX + feed, COLLECTION)
            if run.ok and key not in states:
                continue
            state = states.setdefault(key, AlertState(commitment=key[0], alert=COLLECTION))
            status = "met" if run.ok else "error"
            reason = "" if run.ok else f"{run.error_category}: {run.error}"
            transition = step(state, Evaluation(commitment=key[0], evaluated_at=run.fetched_at, status=status,
                                                reason=reason), rules, now)
            if transition is not None:
                session.add(transition)
                transitions += 1
            self.seen.settle(state, stored.get(key))
            session.add(state)
        return transitions

    def startup_report(self, catalogue: Catalogue) -> list[Line]:
        """Where mail goes and what its links point to, said once at start-up (see alerts.startup)."""
        return mail_report(self.settings, catalogue.alerting.route)

    def flush(self, now: datetime) -> int:
        """Queue what group_wait/group_interval/repeat_interval made due since the last cycle."""
        catalogue = self._catalogue
        if catalogue is None:
            return 0
        with self._lock, self.seen.session(self.engine) as session, self._forgetting_on_failure():
            self._take_turn(session, now)
            queued = self._flush(session, catalogue, now)
            given_up = _given_up(session)
            session.commit()
        self._count_given_up(given_up)
        return queued

    def _count_given_up(self, given_up: Counter[str]) -> None:
        for channel, count in given_up.items():
            self.outbox.tally.add(FAILED, channel, count)

    async def deliver_due(self, now: datetime) -> int:
        """Queue due groups, then claim and send due notifications. Returns how many were sent."""
        await asyncio.to_thread(self.flush, now)
        return await self.outbox.deliver(now, self.notifiers())

    def notifiers(self) -> dict[str, Notifier]:
        if self._http is None:
            self._http = httpx.AsyncClient()
        email: Notifier = SmtpNotifier(self.settings) if self.settings.smtp_host else MaildirNotifier(self.settings)
        return {"email": email, "webhook": WebhookNotifier(self._http),
                "alertmanager": AlertmanagerNotifier(self._http)}

    async def aclose(self) -> None:
        """At a clean stop: write the kept times (a restart then resumes keep_firing_for exactly)."""
        try:
            await asyncio.to_thread(self._save_seen)
        except Exception:  # noqa: BLE001 - the stored times lag by at most an hour
            log.warning("alert_times_not_saved", exc_info=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _save_seen(self) -> None:
        with self._lock:
            self.seen.save(self.engine)

    def metrics_collector(self) -> AlertMetrics:
        """The outbox and firing-alert metrics, for the daemon's registry."""
        return AlertMetrics(self)

    def stats(self) -> dict[str, dict[str, int]]:
        """backlog and silenced per channel from the outbox, sent and failed per channel by this process,
        and firing alerts per severity (for the exporter)."""
        by_state = outbox_stats(self.engine)
        backlog: dict[str, int] = {}
        for state in (PENDING, SENDING):
            for channel, count in by_state.get(state, {}).items():
                backlog[channel] = backlog.get(channel, 0) + count
        with Session(self.engine) as session:
            firing = {severity: count for severity, count in session.exec(
                select(AlertState.severity, func.count()).where(AlertState.state == "firing")
                .group_by(AlertState.severity)).all() if severity is not None}
        # sent and failed are this process's own tallies: the table's counts fall when retention prunes
        return {"backlog": backlog, "sent": self.outbox.tally.counts(SENT), "failed": self.outbox.tally.counts(FAILED),
                "silenced": by_state.get("silenced", {}), "firing": firing}

    async def send_test(self, catalogue: Catalogue, agency_id: str, now: datetime) -> Notification:
        """Queue a test message to the agency and deliver it now; returns the row as it ended."""
        with Session(self.engine) as session:
            notification = messages.queue_test(session, self._renderer(catalogue), catalogue, agency_id, now)
        await self.outbox.deliver(now, self.notifiers(), only=notification.id)
        with Session(self.engine) as session:
            row = session.get(Notification, notification.id)
            assert row is not None
            return row

    def preview(self, catalogue: Catalogue, commitment_id: str, now: datetime) -> tuple[Batch, Rendered]:
        """Render the commitment's message for its current evaluation; nothing is stored or sent."""
        return messages.preview(self.store, self._renderer(catalogue), catalogue, commitment_id, now, self.settings.trend_points)

    def _calendar_notice(self, session: Session, catalogue: Catalogue, evaluations: Sequence[Evaluation],
                         now: datetime) -> int:
        """One message per year to the operators when verdicts rest on a year with no published notice."""
        provisional = sorted(e.commitment for e in evaluations if e.provisional)
        if not provisional or not catalogue.alerting.operators.emails:
            return 0
        years = provisional_years(catalogue.calendar, now.astimezone(catalogue.calendar_zone))
        key = f"calendar-notice:{years[0]}"   # once per first provisional year: asked again only when it moves on
        if session.get(AlertGroup, key) is not None:
            return 0
        session.add(AlertGroup(key=key, last_sent_at=now))
        return messages.queue_calendar_notice(session, self._renderer(catalogue), catalogue, years,
                                              first_provisional_day(catalogue.calendar), provisional, now)

    def _renderer(self, catalogue: Catalogue) -> Renderer:
        self.renderer = Renderer.for_catalogue(self.settings, catalogue, self.renderer)
        self.renderer.dispute_token = self.dispute_token
        return self.renderer

    def _take_turn(self, session: Session, now: datetime) -> None:
        """Take the write lock with an UPDATE that changes nothing: SQLite takes its write lock (and
        PostgreSQL a row lock) for it all the same, but SQLite writes no page for a row rewritten
        identical, so a flush every few seconds with nothing to send writes nothing to disk."""
        take = update(AlertGroup).where(col(AlertGroup.key) == LOCK_KEY).values(cursor=AlertGroup.cursor)
        result = session.exec(take)
        if result.rowcount == 0:
            session.rollback()
            try:
                with Session(self.engine) as other:
                    other.add(AlertGroup(key=LOCK_KEY, last_sent_at=now))
                    other.commit()
            except sa_exc.IntegrityError:
                pass   # another daemon made it first
            session.exec(take)

    def _flush(self, session: Session, catalogue: Catalogue, now: datetime,
               changed: Iterable[AlertState] = ()) -> int:
        """Queue the notifications due now. The groups of `changed` states that need telling start
        their group_wait; then only groups that may be due are read (every group when what mutes,
        or the catalogue, changed since the last flush)."""
        groups = {g.key: g for g in session.exec(select(AlertGroup)).all() if g.key != LOCK_KEY}
        for state in changed:
            key = state_group(catalogue, state) if needs_announcement(state) else None
            if key is not None:
                group = groups.setdefault(key, AlertGroup(key=key))
                group.first_change_at = group.first_change_at or now
        mute = muter(session, catalogue.alerting.maintenance, now)
        queued = 0
        batches: list[Batch] = []
        if catalogue.alerting.daemon_notifies:   # otherwise Alertmanager tells people (forwarded below, or from rules)
            mutes = mute.fingerprint()
            keys = None if catalogue is not self._flushed_catalogue or mutes != self._flushed_mutes else \
                {key for key, g in groups.items() if may_be_due(g, catalogue.alerting, now)}
            if keys is None or keys:
                batches = due_batches(catalogue, _announceable(session, catalogue, keys), groups, mute, now, keys,
                                      paused=disputed(session))   # an open dispute pauses repeats
            self._flushed_catalogue, self._flushed_mutes = catalogue, mutes
        trend = messages.trends(self.store, batches, self.settings.trend_points) if batches else {}
        for batch in batches:
            queued += messages.queue_batch(session, self._renderer(catalogue), catalogue, batch, now, trend)
            group = groups[batch.key]
            group.first_change_at = None
            if batch.changed or batch.repeat:
                group.last_sent_at = now
        for summary in self.onboarding.due(session, catalogue.alerting, now):
            if catalogue.alerting.daemon_notifies:
                queued += messages.queue_onboarding(session, self._renderer(catalogue), catalogue, summary, now)
            for row in summary.rows:
                row.summarised_at = now
                session.add(row)
        digest = groups.setdefault(DIGEST, AlertGroup(key=DIGEST))
        if digest_due(catalogue.alerting, digest, now):
            queued += messages.queue_digest(session, self._renderer(catalogue), catalogue, digest, now)
        newest = (session.exec(select(func.max(AlertTransition.id))).one() or 0) if catalogue.alerting.alertmanager else 0
        for receiver in catalogue.alerting.alertmanager:
            group = groups.setdefault(f"alertmanager:{receiver.url}", AlertGroup(key=f"alertmanager:{receiver.url}"))
            if newest > group.cursor or resend_due(group.last_sent_at, receiver.resend_interval, now):
                queued += messages.queue_alertmanager(session, self._renderer(catalogue), catalogue, receiver, group,
                                                      mute, newest, now)
        for group in groups.values():
            session.add(group)
        return queued


def _states_of(session: Session, commitments: Sequence[str]) -> dict[tuple[str, str], AlertState]:
    """The alert states of these commitments (and feed pseudo-commitments), read a page at a time."""
    states: dict[tuple[str, str], AlertState] = {}
    for page in in_pages(commitments):
        states.update(((s.commitment, s.alert), s)
                      for s in session.exec(select(AlertState).where(col(AlertState.commitment).in_(page))).all())
    return states


def _announceable(session: Session, catalogue: Catalogue, keys: set[str] | None) -> list[AlertState]:
    """The states that can put something in a message (firing, or firing once told and not yet
    resolved to the receivers), of the groups in `keys` or of every group."""
    told = or_(col(AlertState.state) == "firing", col(AlertState.announced).like("firing%"),
               col(AlertState.announced).like("final%"))
    if keys is None:
        return list(session.exec(select(AlertState).where(told)).all())
    found: list[AlertState] = []
    if OPERATORS in keys:
        found += session.exec(select(AlertState).where(told, col(AlertState.alert).in_((DATA, COLLECTION)))).all()
    agencies = {key.split(":", 1)[1] for key in keys if key.startswith("agency:")}
    members = sorted(c.id for c in catalogue.commitments.values() if c.agency is not None and c.agency.id in agencies)
    for page in in_pages(members):
        found += session.exec(select(AlertState).where(
            told, col(AlertState.alert) == TARGET, col(AlertState.commitment).in_(page))).all()
    return found


def _given_up(session: Session) -> Counter[str]:
    """Notifications this transaction writes as failed at once (a template that would not render)."""
    rows = [*session.new, *session.identity_map.values()]
    return Counter(row.channel for row in rows if isinstance(row, Notification) and row.state == FAILED)
