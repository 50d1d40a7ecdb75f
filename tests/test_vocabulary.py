"""One product name and one status vocabulary (words and colours) on mails, pages, dashboards and rules."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from alerts.settings import AlertSettings
from monitor.generators import panels, rules
from monitor.service.pages.wording import STATUS_COLOUR as PAGE_COLOUR
from monitor.service.pages.wording import STATUS_WORDS as PAGE_WORDS
from monitor.vocabulary import PRODUCT_NAME, STATUS_COLOUR, STATUS_ZH

ROOT = Path(__file__).resolve().parents[1]
OLD_NAMES = ("承诺兑现监测", "承诺监测系统", "商务环境承诺监测", "【承诺监测】")


def test_the_product_has_one_name_in_every_file_a_reader_sees():
    files = subprocess.run(["git", "ls-files", "alerts", "monitor", "grafana", "deploy", "docs", "README.md"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix in (".py", ".j2", ".json", ".yml", ".md", ".css", ".html"):
            text = path.read_text(encoding="utf-8")
            found += [f"{name}: {old}" for old in OLD_NAMES
                      if old in text.replace(PRODUCT_NAME, "").replace(f"【{PRODUCT_NAME}】", "")]
    assert found == []
    assert AlertSettings(_env_file=None).mail_from.startswith(PRODUCT_NAME + " <")


def test_pages_use_the_status_words_and_colours_of_the_vocabulary():
    for status, word in STATUS_ZH.items():
        assert PAGE_WORDS[status] == word and PAGE_COLOUR[status] == STATUS_COLOUR[status]
    css = (ROOT / "monitor/service/pages/static/site.css").read_text(encoding="utf-8")
    for status, colour in STATUS_COLOUR.items():
        rule = re.search(rf"\.status-{status} {{ background: (#[0-9a-f]{{6}});", css)
        assert rule and rule.group(1) == colour, status


def test_dashboards_show_the_status_words_in_their_colours():
    overview = json.loads((ROOT / "grafana/dashboards/overview.json").read_text(encoding="utf-8"))
    mappings = [m for panel in overview["panels"] for m in panel.get("fieldConfig", {}).get("defaults", {})
                .get("mappings", [])]
    assert mappings, "the overview maps status codes to words"
    for mapping in mappings:
        for code, shown in mapping["options"].items():
            status = next(s for s, c in panels.STATUS_CODES.items() if str(c) == code)
            assert (shown["text"], shown["color"]) == (STATUS_ZH[status], STATUS_COLOUR[status])
    titles = [json.loads(p.read_text(encoding="utf-8"))["title"] for p in (ROOT / "grafana/dashboards").glob("*.json")]
    assert titles and all(t.startswith(PRODUCT_NAME) for t in titles)


def test_rule_annotations_are_chinese_with_the_status_word_the_quote_and_the_page(shipped_catalogue):
    import dataclasses
    alerting = shipped_catalogue.alerting.model_validate({**shipped_catalogue.alerting.model_dump(by_alias=True),
                                                          "route": "prometheus"})
    generated = rules.build_rules(dataclasses.replace(shipped_catalogue, alerting=alerting))
    commitment_rules = [r for g in generated["groups"] if g["name"].startswith("commitments-") for r in g["rules"]]
    assert commitment_rules
    for rule in commitment_rules:
        found = re.search(r'status="(\w+)"', rule["expr"])
        assert found is not None, rule["expr"]
        status = found.group(1)
        notes = rule["annotations"]
        assert notes["summary"].endswith("：" + STATUS_ZH[status])
        assert 'label "quote"' in notes["description"] and "/commitments/{{ $labels.commitment }}" in notes["page"]
        assert notes["page"] in notes["description"]
    every = yaml.safe_dump(generated, allow_unicode=True)
    for english in ("is broken", "is at risk", "has no usable data", "fails to collect", "cannot scrape"):
        assert english not in every
