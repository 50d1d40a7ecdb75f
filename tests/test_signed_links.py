"""Signed agency links: a link works for its own purpose and agency only, and not once expired or altered."""

from __future__ import annotations

import os
import stat
import time
from datetime import timedelta

import pytest

from monitor.service.signed_links import LinkRefused, LinkSigner, load_secret

SECRET = "s" * 32


def test_a_link_grants_its_purpose_agency_and_subject():
    signer = LinkSigner(SECRET)
    grant = signer.verify(signer.token("dispute", "haidian_zwfw", "c1"), "dispute")
    assert (grant.agency, grant.subject) == ("haidian_zwfw", "c1")


def test_a_link_for_another_purpose_is_refused():
    signer = LinkSigner(SECRET)
    with pytest.raises(LinkRefused, match="dispute"):
        signer.verify(signer.token("dispute", "a", "c1"), "upload")


def test_an_altered_or_foreign_link_is_refused():
    token = LinkSigner(SECRET).token("dispute", "a", "c1")
    with pytest.raises(LinkRefused) as foreign:
        LinkSigner("t" * 32).verify(token, "dispute")
    assert not foreign.value.expired
    with pytest.raises(LinkRefused):
        LinkSigner(SECRET).verify(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], "dispute")


def test_an_expired_link_is_refused_as_expired():
    signer = LinkSigner(SECRET, validity=timedelta(seconds=1))
    token = signer.token("upload", "a", "2026-05")
    time.sleep(2.1)     # itsdangerous stamps whole seconds: the link must be older than its validity
    with pytest.raises(LinkRefused) as refused:
        signer.verify(token, "upload")
    assert refused.value.expired


def test_a_generated_secret_is_kept_private_beside_the_database_and_reused(tmp_path):
    url = f"sqlite:///{tmp_path / 'db' / 'monitor.db'}"
    first = load_secret(None, None, url)
    assert load_secret(None, None, url) == first and len(first) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "db" / "link-secret").st_mode) == 0o600


def test_an_explicit_or_file_secret_wins(tmp_path):
    path = tmp_path / "secret"
    path.write_text("from-a-file-0123456789\n", encoding="utf-8")
    assert load_secret(None, path, "sqlite:///:memory:") == "from-a-file-0123456789"
    assert load_secret("explicit-0123456789", path, "sqlite:///:memory:") == "explicit-0123456789"
