"""The tables of release 32a820e, the last one without migrations.

A database that release made already has them: only the missing ones are created (see the
package's docstring). Every later change is a revision of its own.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _verdict() -> list[sa.Column[Any]]:
    """The verdict columns the history and the current state shared in that release."""
    return [sa.Column("status", sa.String(), nullable=False), sa.Column("actual", sa.Float()),
            sa.Column("target", sa.Float()), sa.Column("target_max", sa.Float()), sa.Column("op", sa.String()),
            sa.Column("unit", sa.String()), sa.Column("margin", sa.Float()), sa.Column("expected", sa.Float()),
            _time("data_time", nullable=True), sa.Column("cases", sa.Integer()),
            sa.Column("reason", sa.String(), nullable=False)]


def _text(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=False)


TABLES: dict[str, list[sa.Column[Any]]] = {
    "observation": [
        sa.Column("id", sa.Integer(), primary_key=True), sa.Column("feed", sa.String(), nullable=False),
        sa.Column("series", sa.String(), nullable=False), _time("fetched_at"), _time("data_time"),
        sa.Column("value", sa.Float()), sa.Column("n_cases", sa.Integer()), sa.Column("cases", sa.LargeBinary())],
    "evaluation": [
        *_verdict(), sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("commitment", sa.String(), nullable=False), _time("evaluated_at")],
    "current_state": [
        *_verdict(), sa.Column("commitment", sa.String(), primary_key=True), _time("evaluated_at"),
        _time("status_since")],
    "collection_run": [
        sa.Column("id", sa.Integer(), primary_key=True), sa.Column("feed", sa.String(), nullable=False),
        _time("fetched_at"), sa.Column("ok", sa.Boolean(), nullable=False), sa.Column("error_category", sa.String()),
        sa.Column("error", sa.String()), sa.Column("rows_accepted", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.String(), nullable=False), sa.Column("bytes_read", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False)],
    "alert_state": [
        sa.Column("commitment", sa.String(), primary_key=True), sa.Column("alert", sa.String(), primary_key=True),
        sa.Column("state", sa.String(), nullable=False), sa.Column("severity", sa.String()),
        sa.Column("status", sa.String(), nullable=False), sa.Column("actual", sa.Float()),
        sa.Column("target", sa.Float()), sa.Column("target_max", sa.Float()), sa.Column("op", sa.String()),
        sa.Column("unit", sa.String()), sa.Column("expected", sa.Float()),
        sa.Column("reason", sa.String(), nullable=False), _time("evaluated_at", True), _time("active_since", True),
        sa.Column("consecutive", sa.Integer(), nullable=False), _time("last_bad_at", True), _time("fired_at", True),
        _time("resolved_at", True), sa.Column("announced", sa.String(), nullable=False),
        _time("announced_at", True)],
    "alert_transition": [
        sa.Column("id", sa.Integer(), primary_key=True), sa.Column("commitment", sa.String(), nullable=False),
        sa.Column("alert", sa.String(), nullable=False), _time("at"), sa.Column("from_state", sa.String(), nullable=False),
        sa.Column("to_state", sa.String(), nullable=False), sa.Column("severity", sa.String()),
        sa.Column("status", sa.String(), nullable=False), sa.Column("actual", sa.Float()),
        sa.Column("reason", sa.String(), nullable=False)],
    "alert_group": [
        sa.Column("key", sa.String(), primary_key=True), _time("first_change_at", True), _time("last_sent_at", True),
        sa.Column("cursor", sa.Integer(), nullable=False)],
    "notification": [
        sa.Column("id", sa.Integer(), primary_key=True), _time("created_at"),
        sa.Column("group_key", sa.String(), nullable=False), sa.Column("kind", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False), sa.Column("target", sa.String(), nullable=False),
        _text("to_addrs"), _text("cc_addrs"), _text("bcc_addrs"), _text("subject"), _text("body_text"),
        _text("body_html"), _text("payload"), sa.Column("message_id", sa.String(), nullable=False),
        _text("commitments"), sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False), _time("due_at"), sa.Column("claim_token", sa.String()),
        sa.Column("claimed_by", sa.String()), _time("lease_until", True), _time("sent_at", True),
        sa.Column("last_error", sa.String())],
    "delivery_attempt": [
        sa.Column("id", sa.Integer(), primary_key=True), sa.Column("notification_id", sa.Integer(), nullable=False),
        _time("at"), sa.Column("worker", sa.String(), nullable=False),
        sa.Column("transport", sa.String(), nullable=False), sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("error", sa.String()), sa.Column("duration_seconds", sa.Float(), nullable=False)],
    "silence": [
        sa.Column("id", sa.Integer(), primary_key=True), sa.Column("commitment", sa.String()),
        sa.Column("agency", sa.String()), _time("starts_at"), _time("ends_at"),
        sa.Column("comment", sa.String(), nullable=False), sa.Column("created_by", sa.String(), nullable=False),
        _time("created_at")],
}

INDEXES = {
    "observation": [("ix_observation_series_time", ["feed", "series", "data_time"])],
    "evaluation": [("ix_evaluation_commitment_time", ["commitment", "evaluated_at"])],
    "collection_run": [("ix_collection_run_feed_time", ["feed", "fetched_at"])],
    "alert_transition": [("ix_alert_transition_commitment_at", ["commitment", "at"])],
    "notification": [("ix_notification_claim_token", ["claim_token"]), ("ix_notification_state_due", ["state", "due_at"])],
    "delivery_attempt": [("ix_delivery_attempt_notification_id", ["notification_id"])],
}


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table, columns in TABLES.items():
        if table in existing:
            continue
        op.create_table(table, *columns)
        for name, indexed in INDEXES.get(table, []):
            op.create_index(name, table, indexed)
