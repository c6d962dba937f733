"""Chinese numerals as they appear in clause labels (一 … 九十九)."""

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}

CHINESE_NUMERAL_CHARS = "零一二两三四五六七八九十"


def chinese_to_int(text: str) -> int:
    """Convert a Chinese numeral below 100 to an int.

    >>> chinese_to_int("十七"), chinese_to_int("八"), chinese_to_int("二十")
    (17, 8, 20)
    """
    if not text or any(ch not in CHINESE_NUMERAL_CHARS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if "十" not in text:
        return _DIGITS[text]
    tens, _, units = text.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)

