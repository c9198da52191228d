"""Chinese numbering and dates as official documents write them.

Dates use Arabic numerals without leading zeros (2023年6月29日); a period drops
the year of its end when it is the year of its start (2023年6月29日至8月31日).
Numbering follows GB/T 9704-2012: 一、 → （一） → 1. → （1）.
"""

import math
import re

DIGITS = "〇一二三四五六七八九"


def chinese_numeral(n):
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九."""
    if not 0 < n < 100:
        raise ValueError(f"only 1 to 99 have a numeral here, not {n}")
    tens, units = divmod(n, 10)
    if tens == 0:
        return DIGITS[units]
    prefix = "" if tens == 1 else DIGITS[tens]
    return prefix + "十" + (DIGITS[units] if units else "")


def heading_label(level, n):
    """The label of the n-th heading at a level: 一、 （一） 1. （1）."""
    if level == 1:
        return f"{chinese_numeral(n)}、"
    if level == 2:
        return f"（{chinese_numeral(n)}）"
    if level == 3:
        return f"{n}."
    if level == 4:
        return f"（{n}）"
    raise ValueError(f"GB/T 9704 has four heading levels, not {level}")


def ordinal_lead(n):
    """一是, 二是, 三是 … (the lead of the n-th item in a run-in list)."""
    return f"{chinese_numeral(n)}是"


def chinese_date(d, *, with_year=True):
    """2023年6月29日 (or 6月29日 without the year)."""
    text = f"{d.month}月{d.day}日"
    return f"{d.year}年{text}" if with_year else text


def chinese_period(start, end):
    """2023年6月29日至8月31日; the end keeps its year when the year changes."""
    if start == end:
        return chinese_date(start)
    return f"{chinese_date(start)}至{chinese_date(end, with_year=end.year != start.year)}"


# A date or a number with its unit is one unit of reading: a line may not break inside
# "2023年12月29日", "7-9月", "2023年度", "196人次", "666.78小时" or "60多家".
_UNIT = (
    r"(?:多|余)?(?:万|亿)?"
    r"(?:人次|小时|分钟|平方米|公里|万元|亿元|[个人次项条件名家元天篇份本批起户处所台套位场期号届轮])"
)
_DAY = r"\d{1,2}(?:-\d{1,2})?日"
_MONTH = rf"\d{{1,2}}(?:-\d{{1,2}})?月(?:{_DAY})?"
KEPT_TOGETHER = re.compile(
    rf"\d{{4}}年(?:{_MONTH}|度)?|{_MONTH}|{_DAY}|\d+(?:[.,]\d+)*(?:%|‰|{_UNIT})"
)


def kept_together(text):
    """`text` cut into (part, keep) pairs: keep marks a date or a number with its unit.

    Only parts a line could otherwise break inside are marked: those holding a
    Chinese character (digits alone, or with %, never break).
    """
    parts, position = [], 0
    for match in KEPT_TOGETHER.finditer(text):
        if not re.search(r"[^\x00-\x7f]", match[0]) or match[0].endswith(("%", "‰")):
            continue
        if match.start() > position:
            parts.append((text[position : match.start()], False))
        parts.append((match[0], True))
        position = match.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts


# GB/T 9704 7.3.1: a title that needs more than one line is broken where the words
# allow and in lines of even length (梯形 or 菱形). Good places to break: after these
# characters (the last of an organisation's name among them), or before 关于.
_BREAK_AFTER = "的和与及、，于对会委局厅院处办部"
_NO_LINE_START = "，、。；：！？）》”’"


def _width(text):
    return sum(0.5 if ord(c) < 0x80 else 1 for c in text)


def balanced_lines(text, per_line):
    """`text` in as few lines of at most `per_line` characters as it needs, of even length.

    Among the ways to break it into that many lines, the one whose line lengths are
    the most even wins, a break between two characters that are not a good place to
    break counting as two characters of unevenness; no line starts with punctuation.
    """
    if _width(text) <= per_line:
        return [text]
    n = len(text)
    count = max(2, math.ceil(_width(text) / per_line))
    for lines in range(count, n + 1):
        ideal = _width(text) / lines
        # best[j][i]: (cost, breaks) of text[:i] in j lines.
        best = [{0: (0.0, ())}] + [{} for _ in range(lines)]
        for j in range(1, lines + 1):
            for start, (cost, breaks) in best[j - 1].items():
                for end in range(start + 1, n + 1):
                    line = text[start:end]
                    if _width(line) > per_line:
                        break
                    if (end == n) != (j == lines):
                        continue
                    if end < n and text[end] in _NO_LINE_START:
                        continue
                    good = (
                        end == n or text[end - 1] in _BREAK_AFTER or text[end:].startswith("关于")
                    )
                    total = cost + (_width(line) - ideal) ** 2 + (0 if good else 4)
                    if end not in best[j] or total < best[j][end][0]:
                        best[j][end] = (total, (*breaks, end))
        if n in best[lines]:
            cuts = (0, *best[lines][n][1])
            return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    return [text]
