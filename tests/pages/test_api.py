"""The JSON API under /api/v1 and the endpoints the daemon had before the pages."""

from __future__ import annotations

from monitor.service.web import build_app
from tests.pages.conftest import Client


def test_api_lists_commitments_with_filters(client):
    data = client.get("/api/v1/commitments", params={"document": "town2021", "status": "missed"}).json()
    assert {c["id"] for c in data["commitments"]} == {"town2021.new_firms", "town2021.property_days"}
    assert data["counts"]["missed"] == 2 and data["counts"]["unmonitored"] == 1


def test_api_commitment_carries_quote_verdict_marks_and_history(client):
    data = client.get("/api/v1/commitments/town2021.property_days").json()
    assert data["quote"] == {"text": "不动产登记办理时间不超过5个工作日", "before": "（四）7.", "after": "。",
                             "found_in_seed": True, "shown": "（四）7.不动产登记办理时间不超过5个工作日。", "changed": False,
                             "shown_parts": ["（四）7.", "不动产登记办理时间不超过5个工作日", "。"]}
    v = data["verdict"]
    assert v["status"] == "missed" and v["actual"] == 80 and v["provisional"] is True
    assert v["overdue_open"] == 3 and v["overdue_case_ids"] == ["BDC-0001", "BDC-0017", "BDC-0203"]
    assert v["duration_quantiles"][-1] == {"quantile": 1.0, "duration": 9.0}
    assert client.get("/api/v1/commitments/town2021.new_firms").json()["settled_on"] == "2021-12-31"
    history = client.get("/api/v1/commitments/town2021.online_share").json()["history"]
    assert [h["status"] for h in history][-3:] == ["at_risk"] * 3
    assert history[0]["evaluated_at"] < history[-1]["evaluated_at"]   # oldest first


def test_api_verdict_without_marks_says_so(client):
    v = client.get("/api/v1/commitments/town2021.setup_days").json()["verdict"]
    assert v["settled_on"] is None and v["provisional"] is False and v["overdue_open"] is None


def test_api_agencies_and_documents(client):
    agencies = {a["id"]: a for a in client.get("/api/v1/agencies").json()["agencies"]}
    assert agencies["town.market"]["counts"]["missed"] == 2
    document = client.get("/api/v1/documents/town2021").json()
    assert document["excluded"][0]["reason"] == "项目名称，不是目标"
    assert client.get("/api/v1/documents").json()["documents"][0]["total"] == 5


def test_api_unknown_id_is_a_json_404(client):
    reply = client.get("/api/v1/commitments/nope")
    assert reply.status_code == 404 and reply.json() == {"error": "unknown commitment 'nope'"}


def test_status_metrics_health_and_reload_answer_as_before(client, backend):
    assert client.get("/status").json() == {"commitments": list(backend.board)}
    assert client.get("/status/town2021.setup_days").json() == {"commitment": "town2021.setup_days"}
    assert client.get("/status", params={"commitment": "town2021.setup_days"}).json()["commitment"] == "town2021.setup_days"
    assert client.get("/status/nope").status_code == 404
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert client.post("/-/reload").status_code == 403 and backend.reloads == 0   # no token: closed
    with_token = Client(build_app(backend, admin_token="t0ken-for-tests"))
    reply = with_token.post("/-/reload", headers={"Authorization": "Bearer t0ken-for-tests"})
    assert reply.json() == {"reloaded": True, "problems": []} and backend.reloads == 1
    assert client.get("/-/reload").status_code == 405
