"""Chinese numbering and dates as official documents write them.

Dates use Arabic numerals without leading zeros (2023年6月29日); a period drops
the year of its end when it is the year of its start (2023年6月29日至8月31日).
Numbering follows GB/T 9704-2012: 一、 → （一） → 1. → （1）.
"""

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
