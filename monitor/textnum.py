"""Find and read the numbers written in Chinese policy text.

Used by the completeness test of targets.yaml (every number in a seed is either a commitment or
excluded with a reason) and by `monitor extract`.

A number is:
- a run of Arabic or full-width digits, with an optional decimal part (`1.3`, `２０`);
- a run of Chinese numerals followed by a unit or classifier (`两万家`, `三个月`, `十五天`);
- a fraction or percentage in words (`百分之九十`, `三分之一`, `一半`, `减半`).
Ordinals (a number right after 第) are not quantities and are skipped.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")

CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}

CLASSIFIERS = (
    "个工作日|个工作小时|工作日|工作小时|小时|分钟|个月|周|年|月|天|日|个|家|项|次|件|人次|人|户|名|倍|类|所|"
    "座|场|处|环节|份|张|条|轮|级|位|套|台|辆|元|万元|亿元|亩|平方米|公里|米|"
    # the same in traditional characters
    "個工作日|個工作小時|工作小時|小時|分鐘|個月|個|項|場|處|環節|張|條|輪|級|臺|輛|萬元|億元|畝|戶|類"
)
_CN = "〇零一二两兩三四五六七八九十百千"
_DIGITS_RE = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9０-９]+)(?:[.．][0-9０-９]+)?"
_CN_DECIMAL = rf"[{_CN}]+(?:点[{_CN}]+)?"
NUMBER_RE = re.compile(
    rf"(?P<pct>百分之{_CN_DECIMAL})"
    rf"|(?P<frac>(?:{_DIGITS_RE}|[{_CN}]+)分之(?:{_DIGITS_RE}|[{_CN}]+))"
    rf"|(?P<slash>{_DIGITS_RE}/{_DIGITS_RE})"
    rf"|(?P<half>一半|减半|減半)"
    rf"|(?P<arabic>{_DIGITS_RE}(?:[万亿萬億](?![元]))?)"
    rf"|(?P<cn>{_CN_DECIMAL}[万亿萬億]?)(?=(?:{CLASSIFIERS}))"
)


@dataclass(frozen=True)
class NumberMention:
    start: int
    end: int
    text: str
    value: float | None


def cn_to_number(text: str) -> float | None:
    """Read a Chinese numeral such as 两万, 一百二十, 十五, 三千五百万. None when it is not one."""
    if not text:
        return None
    total = 0
    section = 0
    digit: int | None = None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch] if digit is None else digit * 10 + CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * CN_SMALL_UNITS[ch]
            digit = None
        elif ch in CN_BIG_UNITS:
            section += digit or 0
            total += (section or 1) * CN_BIG_UNITS[ch]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def read_number(text: str) -> float | None:
    """The value of one number as written (Arabic, full-width or Chinese), or None."""
    plain = text.translate(_FULLWIDTH).replace(",", "")
    try:
        return float(plain)
    except ValueError:
        pass
    if plain in ("一半", "减半", "減半"):
        return 50.0
    if plain.startswith("百分之"):
        return read_number(plain[3:])
    if "/" in plain:
        num, den = (read_number(part) for part in plain.split("/", 1))
        return None if not den or num is None else num / den * 100
    if "点" in plain:
        whole, fraction = plain.split("点", 1)
        digits = [CN_DIGITS.get(ch) for ch in fraction]
        integral = cn_to_number(whole)
        if None in digits or integral is None:
            return None
        return integral + float("0." + "".join(str(d) for d in digits))
    if "分之" in plain:
        denominator, numerator = plain.split("分之", 1)
        d, n = read_number(denominator), read_number(numerator)
        return None if not d or n is None else n / d * 100
    multiplier = 1
    if plain[-1:] in CN_BIG_UNITS and plain[:-1] and plain[0] in "0123456789":
        multiplier, plain = CN_BIG_UNITS[plain[-1]], plain[:-1]
        try:
            return float(plain) * multiplier
        except ValueError:
            return None
    return cn_to_number(plain)


def find_numbers(text: str) -> list[NumberMention]:
    """Every number mention in `text`, in order, ordinals excluded."""
    found: list[NumberMention] = []
    for match in NUMBER_RE.finditer(text):
        start = match.start()
        if start > 0 and text[start - 1] == "第":
            continue
        found.append(NumberMention(start, match.end(), match.group(), read_number(match.group())))
    return found


def main(argv: list[str]) -> int:
    for path in argv:
        text = open(path, encoding="utf-8-sig").read()
        for mention in find_numbers(text):
            line = text.count("\n", 0, mention.start) + 1
            context = text[max(0, mention.start - 12):mention.end + 12].replace("\n", " ")
            print(f"{path}:{line}:{mention.start}: {mention.text!r} = {mention.value}  …{context}…")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
