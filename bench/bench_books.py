"""How a shelf of real books is read: right/total per class of reading mistake, per book and in all.

    python bench/bench_books.py                        # every EPUB in ../shared/books
    python bench/bench_books.py --books DIR --show money
    python bench/bench_books.py book.epub alice.txt    # named files (EPUB, text, HTML)

Each book goes through the reader and the text passes up to the sentence stage (no model), in
this process. Candidates are found in the source itself (the XHTML inside the EPUB) with this
file's own patterns, independent of the code under test; each is then judged on what the
pipeline produced (the sentences and the normalized, spoken text), so the figures count what a
listener would hear:

- dialogue: a quotation ending in ! or ? followed by a speech tag ("said Holmes", "she asked")
  is one sentence with its tag;
- saint/doctor: "St." and "Dr." before a capitalized name are read "Saint" and "Doctor";
- money: pounds, shillings and pence ("£12 10s. 6d.", "2s. 6d.", "6d.") are read with pounds,
  shillings and pence words, no "s."/"d." or ordinal left;
- references: chapter and verse ("John 3:16", "Gen. xliii. 31") are neither a clock time nor
  "colon";
- ranges: number–number ("1659–60", "12–19") is read with "to";
- matter: sections marked titlepage, halftitlepage, imprint, copyright-page, colophon, toc, loi,
  endnotes or uncopyright are not spoken; dedication, epigraph, preface and foreword are;
- titles: no chapter is titled with a bare number or Roman numeral, and a nameless part of a
  story ("I" under "A Scandal in Bohemia") carries its parent's name. For text and HTML files
  (Project Gutenberg downloads) only this class is counted, on the chapters produced.

Books are read with convert's default choices: notes are not read, so what stands in them is not
counted. A candidate that cannot be found again in the output counts as wrong; ``--show CLASS``
lists the wrong ones with the text heard.
"""

from __future__ import annotations

import argparse
import posixpath
import re
import sys
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag

from lxml import etree

from audiobook.convert import ConvertOptions, load_book, run_stages
from audiobook.diagnostics import Reporter
from audiobook.errors import AudiobookError
from audiobook.model import Book, Break, Phonemes, Speech

CLASSES = ("dialogue", "saint/doctor", "money", "references", "ranges", "matter", "titles")
"""The classes counted, in the order of the table."""

SKIPPED_MATTER = frozenset(
    "titlepage halftitlepage imprint copyright-page colophon toc loi endnotes uncopyright".split()
)
KEPT_MATTER = frozenset("dedication epigraph preface foreword".split())
_NOTES = frozenset("endnote footnote rearnote note endnotes footnotes rearnotes".split())

_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
_BLOCKS = frozenset("p h1 h2 h3 h4 h5 h6 li dt dd td th figcaption blockquote div header footer section".split())
_LEAVES = frozenset("p h1 h2 h3 h4 h5 h6 li dt dd td th figcaption".split())
_UNSPOKEN = frozenset("script style head title img".split())
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'"})
_BREAK = "\u00a6"  # marks a sentence break in the spoken text
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_ROMAN = re.compile(r"^[IVXLCDM]+$", re.IGNORECASE)

# Words that, written with a period, are abbreviations the normalizer may rewrite: never anchors.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st no messrs esq rev capt col gen lieut sgt prof jun sen jr sr vol ch chap p pp viz cf "
    "etc ibid mt ft bros co ltd ver deut exod lev num josh judg sam chron neh esth ps prov eccl isa jer "
    "lam ezek dan hos obad mic nah hab zeph hag zech mal matt rom cor gal eph phil col thess tim tit "
    "heb jas pet rev inst ult".split()
)
_SPEECH_VERBS = frozenset(
    "said says say asked asks ask cried cries replied replies answered answers exclaimed shouted whispered "
    "muttered murmured continued added returned observed remarked repeated inquired enquired demanded called "
    "roared screamed sobbed gasped growled thundered interrupted urged pleaded begged declared protested "
    "retorted rejoined explained suggested thought laughed groaned sighed resumed went began cried "
    "responded persisted insisted moaned yelled stammered faltered panted snapped sneered ejaculated "
    "echoed argued admitted agreed warned whimpered wailed shrieked bellowed hissed".split()
)
_STARTERS = frozenset(
    "A An The This That These Those It He She We They You I His Her Their Our My Your There Then But And "
    "Or So If When While After Before As At In On Of For From To By With Now Here Yes No What Where Who "
    "How Which".split()
)
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth "
    "fiftieth".split()
)
_ORDINAL = re.compile(r"\b(?:first|second|third|\w+th|\w+ieth)\b", re.IGNORECASE)
_BIBLE = (
    "Genesis|Gen|Exodus|Exod|Ex|Leviticus|Lev|Numbers|Num|Deuteronomy|Deut|Joshua|Josh|Judges|Judg|Ruth|"
    "Samuel|Sam|Kings|Kgs|Chronicles|Chron|Ezra|Nehemiah|Neh|Esther|Esth|Job|Psalms|Psalm|Ps|Proverbs|Prov|"
    "Ecclesiastes|Eccles|Eccl|Song of Solomon|Song|Canticles|Isaiah|Isa|Jeremiah|Jer|Lamentations|Lam|"
    "Ezekiel|Ezek|Daniel|Dan|Hosea|Hos|Joel|Amos|Obadiah|Obad|Jonah|Micah|Mic|Nahum|Nah|Habakkuk|Hab|"
    "Zephaniah|Zeph|Haggai|Hag|Zechariah|Zech|Malachi|Mal|Matthew|Matt|Mark|Luke|John|Acts|Romans|Rom|"
    "Corinthians|Cor|Galatians|Gal|Ephesians|Eph|Philippians|Phil|Colossians|Col|Thessalonians|Thess|"
    "Timothy|Tim|Titus|Philemon|Philem|Hebrews|Heb|James|Jas|Peter|Pet|Jude|Revelation|Rev"
)
_REFERENCE = re.compile(
    rf"(?<![\w.])(?:(?:[123]|I{{1,3}})\s)?(?:{_BIBLE})\.?\s(?:\d{{1,3}}|[ivxlc]{{1,8}}\.?)[:.]\s?\d{{1,3}}"
    r"(?:[\u2013-]\d{1,3})?(?![\d:])"
)
_RANGE = re.compile(r"(?<![\w.,:/\u2013-])(\d{1,4})\s?([\u2013-])\s?(\d{1,4})(?![\w:/\u2013]|[.,]\d|-\d)")
_PENCE = r"(?:\d{1,2}[\u00bd\u00bc\u00be]?|[\u00bd\u00bc\u00be])\s?d"
_MONEY_D = _PENCE + r"\."
_MONEY = re.compile(
    r"(?<![\w\u00a3'.,])(?:"
    rf"(?:\u00a3\s?\d[\d,]*(?:\.\d\d)?|\d[\d,]*\s?l\.)(?:\s+\d{{1,3}}\s?s\.?)?(?:\s+{_PENCE}\.?)?"
    rf"|\d{{1,3}}\s?s\.(?:\s+{_MONEY_D})?"
    rf"|{_MONEY_D}"
    r"|l\.\s?s\.\s?d\."
    r")(?![A-Za-z])"
)
_SAINT_DOCTOR = re.compile(r"(?<![\w.])(St|Dr)\.\s+(?=([A-Z][a-z]+))")
_DIALOGUE = re.compile(r"[!?][\u201d\u2019'\"]\s+(?=(?:[a-z]|I\b))")
_MONTHS = "January February March April May June July August September October November December".split()


@dataclass
class Tally:
    """Right and total of one class, with what was heard where it went wrong."""

    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        """Count one candidate."""
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(what)


@dataclass
class SourceBlock:
    """One leaf block of the source: its file, its text, and whether a listener hears it."""

    path: str
    text: str
    heard: bool


@dataclass
class Section:
    """A part of the book marked as front or back matter (``epub:type``)."""

    path: str
    kind: str
    probes: list[str]


@dataclass
class TocEntry:
    """One entry of the book's table of contents."""

    label: str
    path: str
    fragment: str | None
    parent: TocEntry | None


@dataclass
class Source:
    """What the bench reads from a book's own files."""

    title: str = ""
    blocks: list[SourceBlock] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    matter_files: dict[str, str] = field(default_factory=dict)


def clean(text: str) -> str:
    """Text as both sides are compared: NFC, no invisible characters, straight apostrophes."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_QUOTES).split())


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _types(el: etree._Element) -> set[str]:
    return set((el.get(_EPUB_TYPE) or "").split()) | {
        r[4:] for r in (el.get("role") or "").split() if r.startswith("doc-")
    }


def _spoken_text(el: etree._Element) -> str:
    """The text of ``el`` a reader would speak: no note references, images or scripts."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        name = _local(node)
        if name in _UNSPOKEN or "noteref" in _types(node):
            return
        if name == "br":
            parts.append(" ")
        elif node.text and name:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return clean("".join(parts))


def _probes(texts: list[str]) -> list[str]:
    """Runs of plain words (up to eight) that normalization leaves as written."""
    out = []
    for text in texts:
        best: list[str] = []
        run: list[str] = []
        for token in text.split():
            bare = token.strip("\"'()[]\u201c\u201d,;:!?")
            if re.fullmatch(r"[A-Za-z]+(?:'[A-Za-z]+)*", bare) and not token.endswith("."):
                run.append(bare.lower())
                if len(run) > len(best):
                    best = run[:8]
            else:
                run = []
        if len(best) >= 2:
            out.append(" ".join(best))
    return out


def _read_epub(path: Path) -> Source:
    zf = zipfile.ZipFile(path)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)

    def xml(name: str) -> etree._Element:
        return etree.fromstring(zf.read(name), parser)

    container = xml("META-INF/container.xml")
    opf_path = next(el.get("full-path") for el in container.iter() if _local(el) == "rootfile")
    opf = xml(opf_path)
    base = posixpath.dirname(opf_path)
    manifest = {
        el.get("id"): (posixpath.normpath(posixpath.join(base, unquote(el.get("href", "")))), el.get("properties") or "")
        for el in opf.iter()
        if _local(el) == "item"
    }
    src = Source()
    title = next((el for el in opf.iter() if _local(el) == "title"), None)
    src.title = clean(title.text or "") if title is not None else ""
    spine = [manifest[el.get("idref")][0] for el in opf.iter() if _local(el) == "itemref" and el.get("idref") in manifest]
    for name in spine:
        root = xml(name)
        body = next((el for el in root.iter() if _local(el) == "body"), root)
        for el in body.iter():
            name_ = _local(el)
            if name_ not in _BLOCKS:
                continue
            chain = [el, *el.iterancestors()]
            kinds = [t for node in chain for t in _types(node) if t in SKIPPED_MATTER | KEPT_MATTER]
            note = any(_types(node) & _NOTES or _local(node) == "aside" for node in chain)
            types = _types(el) & (SKIPPED_MATTER | KEPT_MATTER)
            outer = [t for node in el.iterancestors() for t in _types(node) if t in SKIPPED_MATTER | KEPT_MATTER]
            if types and not outer:
                leaves = [n for n in el.iter() if _local(n) in _LEAVES and not any(_local(d) in _LEAVES for d in n.iterdescendants())]
                kind = sorted(types)[0]
                src.sections.append(Section(name, kind, _probes([_spoken_text(n) for n in leaves])))
                src.matter_files.setdefault(name, kind)
            if name_ in _LEAVES and not any(_local(d) in _LEAVES for d in el.iterdescendants()):
                heard = not note and not (kinds and kinds[0] in SKIPPED_MATTER)
                src.blocks.append(SourceBlock(name, _spoken_text(el), heard))
    src.toc = _toc(zf, xml, manifest, opf)
    return src


def _toc(zf: zipfile.ZipFile, xml, manifest: dict[str, tuple[str, str]], opf: etree._Element) -> list[TocEntry]:
    out: list[TocEntry] = []
    nav = next((p for p, props in manifest.values() if "nav" in props.split()), None)
    if nav is not None:
        root = xml(nav)
        toc = next((el for el in root.iter() if _local(el) == "nav" and "toc" in _types(el)), None)

        def walk_ol(ol: etree._Element, parent: TocEntry | None) -> None:
            for li in ol:
                if _local(li) != "li":
                    continue
                a = next((c for c in li if _local(c) in ("a", "span")), None)
                entry = parent
                if a is not None and a.get("href"):
                    href, frag = urldefrag(a.get("href"))
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(nav), unquote(href)))
                    entry = TocEntry(clean("".join(a.itertext())), target, frag or None, parent)
                    out.append(entry)
                for sub in li:
                    if _local(sub) == "ol":
                        walk_ol(sub, entry)

        if toc is not None:
            for ol in toc:
                if _local(ol) == "ol":
                    walk_ol(ol, None)
        return out
    spine = next((el for el in opf.iter() if _local(el) == "spine"), None)
    ncx_id = spine.get("toc") if spine is not None else None
    if ncx_id in manifest:
        ncx_path = manifest[ncx_id][0]
        root = xml(ncx_path)

        def walk_points(node: etree._Element, parent: TocEntry | None) -> None:
            for point in node:
                if _local(point) != "navPoint":
                    continue
                label = next((el for el in point.iter() if _local(el) == "text"), None)
                content = next((el for el in point if _local(el) == "content"), None)
                href, frag = urldefrag(content.get("src", "") if content is not None else "")
                target = posixpath.normpath(posixpath.join(posixpath.dirname(ncx_path), unquote(href)))
                entry = TocEntry(clean(label.text or "" if label is not None else ""), target, frag or None, parent)
                out.append(entry)
                walk_points(point, entry)

        nav_map = next((el for el in root.iter() if _local(el) == "navMap"), None)
        if nav_map is not None:
            walk_points(nav_map, None)
    return out


# --- what the pipeline produced ---


@dataclass
class Heard:
    """The pipeline's output: spoken text by source file, and the chapters' titles and places."""

    by_file: dict[str, str]
    chapters: list[tuple[str, str, str | None]]

    def text(self, path: str) -> str:
        """The spoken text of one source file (all of it where the output does not say)."""
        if path in self.by_file:
            return self.by_file[path]
        return "" if len(self.by_file) > 1 else next(iter(self.by_file.values()), "")


def _file_key(source: str | None) -> tuple[str, str | None]:
    if not source:
        return "", None
    inner = source.split("!/", 1)[-1]
    inner, frag = urldefrag(inner)
    return re.sub(r"(?::\d+)+$", "", inner), frag or None


def heard(book: Book) -> Heard:
    """Spoken text per source file, with a mark at each sentence break and a line per block."""
    files: dict[str, list[str]] = {}
    chapters = []
    for ch in book.chapters:
        chapters.append((ch.title, *_file_key(ch.source)))
        for block in ch.blocks:
            pieces: dict[str, list[str]] = {}
            key = None
            for seg in block.segments:
                if isinstance(seg, (Speech, Phonemes)):
                    key = _file_key(seg.source)[0] if seg.source else (key or "")
                    pieces.setdefault(key, []).append(seg.text)
                elif isinstance(seg, Break) and seg.kind == "sentence" and key is not None:
                    pieces.setdefault(key, []).append(_BREAK)
            for k, words in pieces.items():
                files.setdefault(k, []).append(clean(" ".join(words)))
    return Heard({k: "\n".join(v) for k, v in files.items()}, chapters)


# --- finding a candidate again in what is heard ---


def _anchor_before(text: str, start: int) -> list[str]:
    words: list[str] = []
    head = text[:start]
    while len(words) < 2:
        m = re.search(r"([A-Za-z]+(?:'[A-Za-z]+)*)(\.?)([^\w]*)$", head)
        if not m or any(ch.isdigit() for ch in m.group(3)):
            break
        word, dot = m.group(1), m.group(2)
        if (dot and (word.lower() in _ABBREVIATIONS or len(word) == 1)) or (_ROMAN.match(word) and word != "I"):
            break
        words.insert(0, word)
        head = head[: m.start()]
    return words


def _anchor_after(text: str, end: int) -> list[str]:
    words: list[str] = []
    tail = text[end:]
    while len(words) < 2:
        m = re.match(r"([^\w]*)([A-Za-z]+(?:'[A-Za-z]+)*)(\.?)", tail)
        if not m or any(ch.isdigit() for ch in m.group(1)):
            break
        word, dot = m.group(2), m.group(3)
        if (dot and (word.lower() in _ABBREVIATIONS or len(word) == 1)) or (_ROMAN.match(word) and word != "I"):
            break
        words.append(word)
        tail = tail[m.end() :]
    return words


class Finder:
    """Finds candidates of one file again in its spoken text, moving forward through it."""

    def __init__(self, spoken: str) -> None:
        self.spoken = spoken
        self.cursor = 0

    def mid(self, block: str, start: int, end: int, gap: int = 200, keeps: str = "") -> str | None:
        """What is heard in place of ``block[start:end]``, between the words around it.

        ``keeps``: characters the spoken form must still hold (the "!" of a quotation), so that
        the same words elsewhere ("Good afternoon," said Scrooge) are not taken for it.
        """
        before, after = _anchor_before(block, start), _anchor_after(block, end)
        if not before and block[:start].strip(" \"'(\u201c\u201d"):
            before_re = None
        elif before:
            before_re = r"(?<![A-Za-z])" + r"[^A-Za-z\n]+".join(map(re.escape, before))
        else:
            before_re = r"(?:^|\n)"
        if not after and block[end:].strip(" \"')\u201c\u201d.,;:!?"):
            after_re = None
        elif after:
            after_re = r"[^A-Za-z\n]+".join(map(re.escape, after)) + r"(?![A-Za-z])"
        else:
            after_re = r"(?=\n|$)"
        if before_re is None and after_re is None:
            return None
        if before_re is None:
            # Something unanchorable (a number) stands before: take at most a few words of it.
            pattern = rf"(?P<mid>[^\n]{{0,40}}?){after_re}"
        elif after_re is None:
            pattern = rf"{before_re}(?P<mid>[^\n{_BREAK}]{{0,80}})"
        else:
            pattern = rf"{before_re}(?P<mid>[^\n]{{0,{gap}}}?){after_re}"
        regex = re.compile(pattern, re.MULTILINE)

        def first(at: int) -> re.Match[str] | None:
            return next((m for m in regex.finditer(self.spoken, at) if all(c in m.group("mid") for c in keeps)), None)

        match = first(self.cursor) or first(0)
        if match is None:
            return None
        self.cursor = match.start("mid")
        return match.group("mid")


# --- the classes ---


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def judge_dialogue(block: str, finder: Finder, tally: Tally) -> None:
    """A quotation ending in ! or ? and its speech tag are one sentence."""
    for m in _DIALOGUE.finditer(block):
        tag = block[m.end() :].split()[:4]
        if not any(w.strip(",.;:!?").lower() in _SPEECH_VERBS for w in tag):
            continue
        mid = finder.mid(block, m.start(), m.end(), gap=40, keeps=block[m.start()])
        context = block[max(0, m.start() - 30) : m.end() + 25]
        tally.add(mid is not None and _BREAK not in mid, f"{context!r} -> {mid!r}")


def judge_saint_doctor(block: str, finder: Finder, tally: Tally) -> None:
    """"St." and "Dr." before a name are Saint and Doctor."""
    for m in _SAINT_DOCTOR.finditer(block):
        if m.group(2) in _STARTERS:
            continue
        mid = finder.mid(block, m.start(), m.start() + len(m.group(1)) + 1, gap=30)
        want = "saint" if m.group(1) == "St" else "doctor"
        context = block[max(0, m.start() - 25) : m.end() + 20]
        # Without a word to anchor on before it ("Rev. Dr. Grantly"), more is heard: its last word counts.
        tally.add(mid is not None and _words(mid)[-1:] == [want], f"{context!r} -> {mid!r}")


def judge_money(block: str, finder: Finder, tally: Tally) -> None:
    """Pounds, shillings and pence are read with their words."""
    for m in _MONEY.finditer(block):
        written = m.group(0)
        before = _anchor_before(block, m.start())
        if re.fullmatch(r"\d{1,3}\s?s\.", written) and before and before[-1].lower() in (
            "the", "his", "her", "their", "my", "our", "your", "its", "early", "late", "mid"
        ):
            continue  # "in her 20s.": an age or a decade
        if re.fullmatch(_MONEY_D, written) and re.match(rf"\s+(?:of|inst|ult|{'|'.join(_MONTHS)})\b", block[m.end() :]):
            continue  # "the 2d. of May": an old ordinal
        mid = finder.mid(block, m.start(), m.end(), gap=120)
        ok = mid is not None and not re.search(r"\d|\u00a3|\b[lsd]\b", mid) and not _ORDINAL.search(mid)
        words = set(_words(mid or ""))
        if ok and re.match(r"\u00a3|\d[\d,]*\s?l\.|l\.", written):
            ok = bool(words & {"pound", "pounds"})
        if ok and re.search(r"\d\s?s\b|\bs\.", written) and not re.search(r"\b0\s?s", written):
            ok = bool(words & {"shilling", "shillings"})
        if ok and re.search(r"(?:[1-9]|[\u00bd\u00bc\u00be])\s?d\b|\bd\.", written):
            ok = any(re.search(r"pence|penny|ha'penny|farthing", w) for w in words)
        tally.add(ok, f"{written!r} -> {mid!r}")


def judge_references(block: str, finder: Finder, tally: Tally) -> None:
    """Chapter and verse are neither a clock time nor "colon"."""
    for m in _REFERENCE.finditer(block):
        mid = finder.mid(block, m.start(), m.end(), gap=160)
        ok = (
            mid is not None
            and not re.search(r"\d|\bcolon\b|o'clock|\boh\b|\bhours?\b|\bminutes?\b|\b[ap]-?m\b", mid)
            and not re.search(r"\b[ivxlc]{2,}\b|\b[ivxlc](?:-[ivxlc])+\b", mid)
            and sum(any(w.startswith(n) for n in _NUMBER_WORDS) for w in re.split(r"[\s-]+", mid.lower())) >= 2
        )
        tally.add(ok, f"{m.group(0)!r} -> {mid!r}")


def judge_ranges(block: str, finder: Finder, tally: Tally) -> None:
    """Number–number is a range, read with "to"."""
    taken = [(m.start(), m.end()) for m in _REFERENCE.finditer(block)]
    for m in _RANGE.finditer(block):
        a, dash, b = m.group(1), m.group(2), m.group(3)
        if any(s <= m.start() < e for s, e in taken):
            continue  # a verse range inside a reference
        if dash == "-" and not (int(b) > int(a) or (len(a) == 4 and len(b) == 2 and int(b) > int(a[2:]))):
            continue  # "2-1", a score; "555-0142" has four digits after a three
        mid = finder.mid(block, m.start(), m.end(), gap=120)
        words = _words(mid or "")
        ok = mid is not None and not re.search(r"\d|\u2013|minus", mid) and bool({"to", "and", "through"} & set(words))
        tally.add(ok, f"{m.group(0)!r} -> {mid!r}")


def judge_matter(src: Source, spoken: Heard, tally: Tally) -> None:
    """Front and back matter is not spoken; dedication, epigraph, preface and foreword are."""
    for section in src.sections:
        if not section.probes:
            continue
        text = " ".join(_words(spoken.by_file.get(section.path, "")))
        found = sum(p in text for p in section.probes)
        if section.kind in SKIPPED_MATTER:
            ok = found == 0
        else:
            ok = found * 2 >= len(section.probes)
        tally.add(ok, f"{section.kind} ({section.path}): {found} of {len(section.probes)} passages spoken")


def _bare(title: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:\d+|[IVXLCDM]+|[ivxlcdm]+)\s*\.?\s*", title))


def _nameless(label: str) -> bool:
    words = re.sub(r"[^\w\s]", " ", label).split()
    rest = [w for w in words if w.lower() not in ("chapter", "part", "book", "section", "stave", "canto", "no")]
    return not rest or all(w.isdigit() or _ROMAN.match(w) or w.lower() in _NUMBER_WORDS for w in rest)


def _key(text: str) -> str:
    return " ".join(_words(text))


def judge_titles(src: Source | None, spoken: Heard, tally: Tally) -> None:
    """No bare-numeral chapter titles; nameless parts carry their parent's name."""
    if src is None or not src.toc:
        for title, _, _ in spoken.chapters:
            tally.add(not _bare(title), f"chapter titled {title!r}")
        return
    by_place = {(path, frag): title for title, path, frag in spoken.chapters}
    for entry in src.toc:
        if src.matter_files.get(entry.path) in SKIPPED_MATTER:
            continue
        title = by_place.get((entry.path, entry.fragment))
        if title is None and entry.fragment is None:
            continue
        if title is None:
            continue  # not a chapter of its own (merged, or a level not chosen)
        ok = not _bare(title)
        parent = entry.parent
        if (
            ok
            and parent is not None
            and _nameless(entry.label)
            and src.matter_files.get(parent.path) not in SKIPPED_MATTER
            and _key(parent.label) != _key(src.title)
        ):
            ok = _key(parent.label) in _key(title)
        tally.add(ok, f"{entry.label!r} (under {parent.label if parent else None!r}) titled {title!r}")


# --- running a book ---


def _read(path: Path) -> Book:
    # The choices convert makes by default: notes skipped, front matter skipped.
    reporter = Reporter()
    options = ConvertOptions()
    out = run_stages(load_book(path, options, reporter), options, reporter, stop_after="sentences")
    if not isinstance(out, Book):
        raise TypeError("the sentence stage returns a Book")
    return out


def bench_book(path: Path) -> dict[str, Tally]:
    """Every class counted on one book."""
    tallies = {name: Tally() for name in CLASSES}
    spoken = heard(_read(path))
    if path.suffix.lower() != ".epub":
        judge_titles(None, spoken, tallies["titles"])
        return tallies
    src = _read_epub(path)
    finders: dict[str, Finder] = {}
    for block in src.blocks:
        if not block.heard:
            continue
        finder = finders.setdefault(block.path, Finder(spoken.text(block.path)))
        text = block.text
        judge_dialogue(text, finder, tallies["dialogue"])
        judge_saint_doctor(text, finder, tallies["saint/doctor"])
        judge_money(text, finder, tallies["money"])
        judge_references(text, finder, tallies["references"])
        judge_ranges(text, finder, tallies["ranges"])
    judge_matter(src, spoken, tallies["matter"])
    judge_titles(src, spoken, tallies["titles"])
    return tallies


def _cell(t: Tally) -> str:
    return f"{t.right}/{t.total}" if t.total else "-"


def _files(args: argparse.Namespace) -> Iterator[Path]:
    if args.files:
        yield from args.files
        return
    folder = args.books or Path(__file__).resolve().parent.parent.parent / "shared" / "books"
    yield from sorted(folder.glob("*.epub"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="books to read (default: every EPUB in --books)")
    parser.add_argument("--books", type=Path, help="folder of EPUBs (default: ../shared/books from the repository root)")
    parser.add_argument("--show", action="append", default=[], choices=CLASSES, metavar="CLASS",
                        help=f"list the wrong ones of a class ({', '.join(CLASSES)}); repeatable")
    args = parser.parse_args(argv)
    books = list(_files(args))
    if not books:
        print("no books found; name files or a folder with --books", file=sys.stderr)
        return 2
    totals = {name: Tally() for name in CLASSES}
    names = [p.stem if p.suffix.lower() == ".epub" else p.name for p in books]
    width = min(max(5, *map(len, names)), 48)
    print(f"{'book':{width}}  " + "  ".join(f"{c:>12}" for c in CLASSES) + f"  {'seconds':>7}")
    started = time.perf_counter()
    for path, name in zip(books, names):
        t0 = time.perf_counter()
        try:
            tallies = bench_book(path)
        except AudiobookError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            continue
        print(f"{name[:width]:{width}}  " + "  ".join(f"{_cell(tallies[c]):>12}" for c in CLASSES)
              + f"  {time.perf_counter() - t0:7.1f}")
        for c in CLASSES:
            totals[c].right += tallies[c].right
            totals[c].total += tallies[c].total
            if c in args.show:
                totals[c].misses.extend(f"{name}: {m}" for m in tallies[c].misses)
    right = sum(t.right for t in totals.values())
    total = sum(t.total for t in totals.values())
    print(f"{'all':{width}}  " + "  ".join(f"{_cell(totals[c]):>12}" for c in CLASSES)
          + f"  {time.perf_counter() - started:7.1f}")
    print(f"TOTAL {right}/{total} = {100 * right / total if total else 0:.1f} %")
    for c in args.show:
        print(f"\n{c}: {len(totals[c].misses)} wrong")
        for miss in totals[c].misses:
            print(f"  {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
