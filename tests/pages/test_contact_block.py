"""Someone to contact: the agency and commitment pages name the monitoring office and the agency's
own person (from targets.yaml), and say 未登记联系人 where targets.yaml names no one."""

from __future__ import annotations

import dataclasses

from monitor.service.web import build_app
from monitor.spec.alerting import OfficeContact
from monitor.spec.catalogue import AgencyContact
from tests.pages.conftest import Client, FakeBackend
from tests.pages.test_pages import text_of


def with_contacts(catalogue):
    agencies = dict(catalogue.agencies)
    agencies["town.market"] = agencies["town.market"].model_copy(
        update={"contact": AgencyContact(person="王科长", phone="023-22222222")})
    commitments = {cid: dataclasses.replace(c, agency=agencies[c.agency.id]) if c.agency else c
                   for cid, c in catalogue.commitments.items()}
    alerting = catalogue.alerting.model_copy(update={"contact": OfficeContact(name="区营商环境监测办公室",
                                                                             phone="023-00000000")})
    return dataclasses.replace(catalogue, agencies=agencies, commitments=commitments, alerting=alerting)


def test_pages_say_no_contact_is_registered_when_targets_yaml_names_none(client):
    for path in ("/agencies/town.market", "/commitments/town2021.new_firms"):
        text = text_of(client.get(path).text)
        assert "联系方式" in text and "监测办公室：未登记联系人" in text and "区市场监管局联系人：未登记联系人" in text


def test_agency_and_commitment_pages_show_the_contacts_of_targets_yaml(catalogue, board):
    client = Client(build_app(FakeBackend(with_contacts(catalogue), board)))
    for path in ("/agencies/town.market", "/commitments/town2021.new_firms"):
        text = text_of(client.get(path).text)
        assert "监测办公室：区营商环境监测办公室，电话 023-00000000" in text
        assert "区市场监管局联系人：王科长，电话 023-22222222" in text
    other = text_of(client.get("/agencies/town.property").text)
    assert "区不动产登记中心联系人：未登记联系人" in other
