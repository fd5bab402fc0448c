"""Web addresses, e-mail addresses, telephone numbers, IP addresses, ISBNs, typed codes, tags and
file names, read the way people say them.

"https://www.example.com/docs" → "w-w-w dot example dot com slash docs" (the scheme is not read),
"ada@example.org" → "ada at example dot org", "555-0142" → "five five five, zero one four two",
"ISBN 978-0-306-40615-7" → "I-S-B-N nine seven eight, zero, three zero six, ...",
"PIN 4821" → "PIN four eight two one", "401(k)" → "four oh one k", "#mytext" → "hashtag mytext".
"""

from __future__ import annotations

import re

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import cardinal, digits

__all__ = ["CODE_RULES", "RULES", "say_address", "say_code_number", "say_digit_groups"]

_SIGNS = {
    ".": "dot",
    "/": "slash",
    "-": "dash",
    "_": "underscore",
    "@": "at",
    ":": "colon",
    "?": "question mark",
    "=": "equals",
    "&": "and",
    "#": "hash",
    "~": "tilde",
    "+": "plus",
    "%": "percent",
}
_PIECE = re.compile(r"[A-Za-z]+|\d+|.")


def say_address(text: str) -> str:
    """A URL or e-mail address piece by piece: words as words, digits one by one, signs named."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE).rstrip("/")
    out = []
    for piece in _PIECE.findall(text):
        if piece.isdigit():
            out.append(digits(piece))
        elif piece.isalpha():
            lower = piece.lower()
            # "www" and other vowel-less runs are spelled; espeak-ng reads hyphenated letters one by one.
            out.append("-".join(lower.upper()) if not re.search(r"[aeiouy]", lower) else lower)
        elif piece in _SIGNS:
            out.append(_SIGNS[piece])
    return " ".join(out)


def say_digit_groups(text: str) -> str:
    """Digits one by one, groups (split at spaces, dots, dashes, parentheses) apart by commas."""
    groups = [g for g in re.split(r"[\s.\-()/]+", text) if g]
    spoken = []
    for group in groups:
        if group.startswith("+"):
            spoken.append("plus " + digits(group))
        else:
            spoken.append(" ".join(digits(ch) if ch.isdigit() else ch for ch in group))
    return ", ".join(spoken)


def _address(match: re.Match[str], opts: Options) -> str:
    return say_address(match.group(0))


def _phone(match: re.Match[str], opts: Options) -> str:
    number = match.group("tel")
    spoken = say_digit_groups(number)
    if match.group("ext"):
        spoken += ", extension " + digits(match.group("ext"))
    return spoken


def _code(match: re.Match[str], opts: Options) -> str:
    # A PIN, a card's last digits or a one-time code is read digit by digit, as it is typed.
    return match.group("key") + match.group("gap") + say_digit_groups(match.group("num"))


def _ip(match: re.Match[str], opts: Options) -> str:
    # "192.168.0.40": each group digit by digit, joined by "dot" as network people say it.
    return " dot ".join(digits(group) for group in match.group(0).split("."))


def _isbn(match: re.Match[str], opts: Options) -> str:
    return "I-S-B-N " + say_digit_groups(match.group("num"))


# Words after which a run of digits is a code typed digit by digit ("card ending in 8876",
# "PIN 4821", "SSN 111-11-1111"), never a quantity.
_CODE = re.compile(
    r"(?P<key>\b(?:(?:ending|ends) in|PIN|OTP|SSN|EIN|CVV|CVC|passcode|identification number|(?:verification|security|access|confirmation|zip|area|postal) code"
    r"|(?:account|card|routing|serial|tracking|order|reference|policy) (?:number|no\.)|code is))"
    r"(?P<gap>:?\s+(?:is\s+|was\s+|of\s+|number\s+|#\s?)?)"
    r"(?P<num>\d{2,}(?:[ -]\d{2,})+|\d{3,})(?![\w.,]\d|[\w-])"
)
def _pair(text: str) -> str:
    value = int(text)
    if value == 0:
        return "hundred"
    return f"oh {cardinal(value)}" if text.startswith("0") else cardinal(value)


def say_code_number(text: str) -> str:
    """Digits in a name or code the way they are said: "401" → "four oh one", "2490" → "twenty-four ninety"."""
    if len(text) <= 2 and not (len(text) == 2 and text.startswith("0")):
        return cardinal(int(text))
    if len(text) == 3:
        return f"{digits(text[0])} {_pair(text[1:])}"
    if len(text) == 4 and not text.startswith("0"):
        return f"{cardinal(int(text[:2]))} {_pair(text[2:])}"
    return digits(text)


def _plan(match: re.Match[str], opts: Options) -> str:
    # "401(k)", "501(c)(3)": a tax or law code, its number in pairs and each bracket said.
    inner = re.findall(r"\(([A-Za-z0-9]{1,3})\)", match.group("parts"))
    said = [say_code_number(match.group("n"))]
    said += [say_code_number(p) if p.isdigit() else "-".join(p.upper() if len(p) > 1 else p) for p in inner]
    return " ".join(said)


_CODE_PIECE = re.compile(r"[A-Z]+|\d+")


def _letters_digits(match: re.Match[str], opts: Options) -> str:
    # "B2A23C", "C24", "A380": capitals spelled, numbers said as in names ("A three eighty").
    out = []
    for piece in _CODE_PIECE.findall(match.group(0)):
        out.append(say_code_number(piece) if piece.isdigit() else "-".join(piece))
    return " ".join(out)


def _flight(match: re.Match[str], opts: Options) -> str:
    return f"{match.group('word')} {'-'.join(match.group('code'))} {say_code_number(match.group('num'))}"


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def _tag(match: re.Match[str], opts: Options) -> str:
    # "#ThrowBackThursday" → "hashtag Throw Back Thursday"; "@mypizza" → "at mypizza".
    words = _CAMEL.sub(" ", match.group("name")).replace("_", " ")
    return ("hashtag " if match.group("sign") == "#" else "at ") + words


# Words after a dot that mean a missing space between sentences ("it.and"), not an extension.
_NOT_EXTENSIONS = frozenset(
    "a an and as at but by for from had has he her him his i if in is it its not of on or our she so "
    "that the then they this to was we were when with you".split()
)


def _file_name(match: re.Match[str], opts: Options) -> str:
    # "intro.html", "test.abc": the dot is said; an extension without vowels is spelled ("H-T-M-L").
    if match.group(0).rsplit(".", 1)[1] in _NOT_EXTENSIONS:
        return match.group(0)
    return say_address(match.group(0))


CODE_RULES = [
    Rule("plan-code", re.compile(r"(?<![\w.])(?P<n>\d{3})(?P<parts>(?:\([A-Za-z0-9]{1,3}\))+)"), _plan),
    Rule("flight", re.compile(r"\b(?P<word>[Ff]light)\s+(?P<code>[A-Z]{2}|[A-Z]\d|\d[A-Z])\s?(?P<num>\d{1,4})\b"), _flight),
    Rule("letters-digits", re.compile(r"\b(?=[A-Z]{1,4}\d)[A-Z]+\d+(?:[A-Z]+\d*)*\b(?![.,]\d)"), _letters_digits),
    Rule("hashtag", re.compile(r"(?<![\w&#/])(?P<sign>[#@])(?P<name>[A-Za-z_][\w]*[A-Za-z0-9])"), _tag),
    Rule(
        "file-name",
        re.compile(r"(?<![\w.@/])[A-Za-z0-9_][\w-]+\.(?:[a-z][a-z0-9]{1,4})(?!\w|\.\w)"),
        _file_name,
    ),
]
"""Codes, tags and file names; they run after the abbreviations, whose dotted forms they must not take."""

_TLD = r"com|org|net|edu|gov|io|co|uk|de|fr|info|biz|us|ca|au|eu|ai|dev|app"

RULES = [
    Rule("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<![.-])"), _address),
    Rule(
        "url",
        re.compile(
            rf"(?<![\w@])(?:[a-z][a-z0-9+.-]*://[^\s<>\"]+|www\.[^\s<>\"]+|[\w-]+(?:\.[\w-]+)*\.(?:{_TLD})\b(?:/[^\s<>\"]*)?)"
            r"(?<![.,;:!?)\]'\"])",
            re.IGNORECASE,
        ),
        _address,
    ),
    Rule("isbn", re.compile(r"\bISBN(?:-1[03])?:?\s*(?P<num>(?:97[89][\s-]?)?\d[\d\s-]{7,14}[\dX])\b"), _isbn),
    Rule("ip-address", re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.]|\.\d)"), _ip),
    Rule("digit-code", _CODE, _code),
    Rule(
        "phone",
        re.compile(
            r"(?P<tel>(?<![\w+-])(?:\+\d{1,3}[\s.-]?|1[\s.-])?(?:\(\d{3}\)[\s.-]?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])"
            r"|(?<![\w+-])\+\d{1,3}(?:[\s.-]\(?\d{1,4}\)?){2,5}(?![\w-])"
            r"|(?<![\w+.,-])\d{3}-\d{4}(?![\w-]))"
            r"(?:,?\s*(?:ext\.?|x|extension)\s?(?P<ext>\d{1,5})\b)?"
        ),
        _phone,
    ),
]
"""Address, ISBN and telephone rules, applied before any other rule touches dots and digits."""
