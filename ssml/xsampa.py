"""X-SAMPA → IPA, for ``<phoneme alphabet="x-sampa">``."""

from __future__ import annotations

__all__ = ["XSAMPA", "xsampa_to_ipa"]

# fmt: off
XSAMPA: dict[str, str] = {
    # Lower-case letters that change, with retroflex (`), implosive (_<) and other variants.
    "b_<": "ɓ", "d`": "ɖ", "d_<": "ɗ", "g": "ɡ", "g_<": "ɠ", "h\\": "ɦ", "j\\": "ʝ", "l`": "ɭ",
    "l\\": "ɺ", "n`": "ɳ", "p\\": "ɸ", "r`": "ɽ", "r\\": "ɹ", "r\\`": "ɻ", "s`": "ʂ", "s\\": "ɕ",
    "t`": "ʈ", "v\\": "ʋ", "x\\": "ɧ", "z`": "ʐ", "z\\": "ʑ",
    # Upper-case letters.
    "A": "ɑ", "B": "β", "B\\": "ʙ", "C": "ç", "D": "ð", "E": "ɛ", "F": "ɱ", "G": "ɣ", "G\\": "ɢ",
    "G\\_<": "ʛ", "H": "ɥ", "H\\": "ʜ", "I": "ɪ", "I\\": "ᵻ", "J": "ɲ", "J\\": "ɟ", "J\\_<": "ʄ",
    "K": "ɬ", "K\\": "ɮ", "L": "ʎ", "L\\": "ʟ", "M": "ɯ", "M\\": "ɰ", "N": "ŋ", "N\\": "ɴ", "O": "ɔ",
    "O\\": "ʘ", "P": "ʋ", "Q": "ɒ", "R": "ʁ", "R\\": "ʀ", "S": "ʃ", "T": "θ", "U": "ʊ", "U\\": "ᵿ",
    "V": "ʌ", "W": "ʍ", "X": "χ", "X\\": "ħ", "Y": "ʏ", "Z": "ʒ",
    # Digits and symbols.
    "1": "ɨ", "2": "ø", "3": "ɜ", "3\\": "ɞ", "4": "ɾ", "5": "ɫ", "6": "ɐ", "7": "ɤ", "8": "ɵ",
    "9": "œ", "&": "ɶ", "?": "ʔ", "?\\": "ʕ", "<\\": "ʢ", ">\\": "ʡ", "@": "ə", "@\\": "ɘ", "@`": "ɚ",
    "{": "æ", "}": "ʉ", "\"": "ˈ", "%": "ˌ", ":": "ː", ":\\": "ˑ", "'": "ʲ", "`": "˞", "~": "\u0303",
    "=": "\u0329", "^": "ꜛ", "!": "ꜜ", "!\\": "ǃ", "|\\": "ǀ", "||": "‖", "|\\|\\": "ǁ", "=\\": "ǂ",
    "-\\": "‿",
    # Diacritics written with an underscore.
    "_\"": "\u0308", "_+": "\u031f", "_-": "\u0320", "_0": "\u0325", "_=": "\u0329", "_>": "ʼ",
    "_?\\": "ˤ", "_^": "\u032f", "_}": "\u031a", "_~": "\u0303", "_A": "\u0318", "_a": "\u033a",
    "_c": "\u031c", "_d": "\u032a", "_e": "\u0334", "_G": "ˠ", "_h": "ʰ", "_j": "ʲ", "_k": "\u0330",
    "_l": "ˡ", "_m": "\u033b", "_N": "\u033c", "_n": "ⁿ", "_O": "\u0339", "_o": "\u031e",
    "_q": "\u0319", "_r": "\u031d", "_t": "\u0324", "_v": "\u032c", "_w": "ʷ", "_X": "\u0306",
    "_x": "\u033d", "_T": "\u030b", "_H": "\u0301", "_M": "\u0304", "_L": "\u0300", "_B": "\u030f",
}
# fmt: on
"""X-SAMPA symbol → IPA; symbols not listed (a, b, d, ...) are the same in both."""

_LONGEST = max(len(k) for k in XSAMPA)


def xsampa_to_ipa(text: str) -> str:
    """Convert X-SAMPA to IPA, longest symbol first; characters without a mapping pass through."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for size in range(min(_LONGEST, len(text) - i), 0, -1):
            ipa = XSAMPA.get(text[i : i + size])
            if ipa is not None:
                out.append(ipa)
                i += size
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
