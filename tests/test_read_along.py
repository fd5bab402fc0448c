"""Read-along EPUB 3: text, chapter audio and media overlays that tie each sentence to its audio."""

from __future__ import annotations

import difflib
import random
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from tone_engine import synthesizer, unit

from audiobook.config import ReadChoices
from audiobook.convert import ConvertOptions, _write_read_along
from audiobook.errors import InputError
from audiobook.model import Metadata
from audiobook.output.assemble import OutputOptions, check_output_options
from audiobook.plan import ChapterPlan, Pause

ROOT = Path(__file__).resolve().parent.parent
SMIL = "{http://www.w3.org/ns/SMIL}"
XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"


def seconds(clock: str) -> float:
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def overlay(path: Path) -> dict:
    """What a reading system reads of the book: pars (text, span, audio, begin, end), metadata, files."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        container = etree.fromstring(z.read("META-INF/container.xml"))
        opf_path = container.find(".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile").get("full-path")
        folder = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
        opf = etree.fromstring(z.read(opf_path))
        metas = [(m.get("property"), m.get("refines"), m.text) for m in opf.iter(f"{OPF}meta") if m.get("property")]
        items = {i.get("id"): i.attrib for i in opf.iter(f"{OPF}item")}
        pars = []
        for item in items.values():
            if item["media-type"] != "application/smil+xml":
                continue
            smil_path = folder + item["href"]
            base = smil_path.rsplit("/", 1)[0] + "/" if "/" in smil_path else ""
            smil = etree.fromstring(z.read(smil_path))
            for par in smil.iter(f"{SMIL}par"):
                doc, span = par.find(f"{SMIL}text").get("src").split("#")
                audio = par.find(f"{SMIL}audio")
                page = etree.fromstring(z.read(base + doc))
                (element,) = page.xpath("//*[@id=$id]", id=span)
                pars.append({
                    "doc": doc, "span": span, "text": "".join(element.itertext()),
                    "audio": base + audio.get("src"), "begin": seconds(audio.get("clipBegin")), "end": seconds(audio.get("clipEnd")),
                })
        return {"names": names, "metas": metas, "items": items, "pars": pars, "first": z.infolist()[0]}


def test_the_book_ties_every_sentence_to_its_place_in_the_chapter_audio(tmp_path):
    synth = synthesizer(tmp_path / "clips")
    plans = [
        ChapterPlan("One", (unit("One."), Pause(900, "heading"), unit("The keeper & the lamp."), Pause(400, "sentence"),
                            unit("He climbed."), Pause(800, "paragraph"), unit("Night fell."))),
        ChapterPlan("Two", (unit("Morning came."),)),
    ]
    out = tmp_path / "book.epub"
    written = _write_read_along(out, Metadata(title="Lamp", narrator="tone"), plans, synth, ConvertOptions(output=OutputOptions(normalize=False)))
    book = overlay(out)
    # The mimetype comes first, stored, as every reading system expects.
    assert book["first"].filename == "mimetype" and book["first"].compress_type == zipfile.ZIP_STORED
    assert [p["text"] for p in book["pars"]] == ["One.", "The keeper & the lamp.", "He climbed.", "Night fell.", "Morning came."]
    assert [p["audio"] for p in book["pars"]] == ["EPUB/audio/chapter001.mp3"] * 4 + ["EPUB/audio/chapter002.mp3"]
    # Each par is where the writer put the sentence in its chapter file, to the millisecond.
    placed = [(s.start - s.offset, s.end - s.offset) for s in written.sentences]
    assert [(round(p["begin"] * 24000 / 24), round(p["end"] * 24000 / 24)) for p in book["pars"]] == [
        (round(a / 24), round(b / 24)) for a, b in placed
    ]
    assert all(a["end"] <= b["begin"] for a, b in zip(book["pars"][:4], book["pars"][1:4]))
    props = {(p, r): t for p, r, t in book["metas"]}
    assert props[("media:active-class", None)] == "-epub-media-overlay-active"
    assert props[("media:narrator", None)] == "tone"
    each = [seconds(t) for (p, r), t in props.items() if p == "media:duration" and r]
    assert len(each) == 2 and sum(each) == pytest.approx(seconds(props[("media:duration", None)]), abs=0.002)
    assert {i.get("media-overlay") for i in book["items"].values() if i["media-type"] == "application/xhtml+xml"} >= {
        "chapter001_overlay", "chapter002_overlay"
    }
    with zipfile.ZipFile(out) as z:
        page = z.read("EPUB/chapter001.xhtml").decode()
    # The heading and the two paragraphs keep their shape.
    assert re.search(r"<h2><span id=\"s1\">One\.</span></h2>", page)
    assert re.search(r"<p><span id=\"s2\">The keeper &amp; the lamp\.</span> <span id=\"s3\">He climbed\.</span></p>", page)


def test_read_along_refuses_options_of_audio_files():
    with pytest.raises(InputError, match="media overlays"):
        check_output_options(OutputOptions(read_along=True, subtitles="srt"))


def epubcheck(path: Path) -> subprocess.CompletedProcess:
    found = shutil.which("epubcheck")
    if found is None:
        pytest.skip("epubcheck is not installed (apt-get install epubcheck)")
    # Debian's epubcheck is the jar itself, run through binfmt where it is set up; java runs it anywhere.
    with open(found, "rb") as f:
        jar = f.read(2) == b"PK"
    command = ["java", "-jar", found, str(path)] if jar else [found, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def _key(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


@pytest.mark.slow
def test_a_real_book_validates_and_its_pars_speak_their_sentences(tmp_path, whisper_words):
    from imageio_ffmpeg import get_ffmpeg_exe

    from audiobook.convert import convert

    out = tmp_path / "tide-clock.epub"
    # One of its three chapters (the one with a note reference in a sentence): every part of the
    # package at a third of the synthesis; the other chapters stay as text.
    options = ConvertOptions(voice="af_heart", cache_dir=tmp_path / "clips", reading=ReadChoices(chapters="2"))
    result = convert(ROOT / "samples" / "tide-clock.epub", out, options)
    assert result.output == out
    check = epubcheck(out)
    assert check.returncode == 0 and "No errors or warnings detected" in check.stdout, check.stdout + check.stderr
    book = overlay(out)
    assert len(book["pars"]) == len(result.timings) == 5
    # The source's own documents: what was not read (the copyright page, chapter three) is there
    # unchanged, without audio; what was read keeps its text, now in spans.
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(ROOT / "samples" / "tide-clock.epub") as source:
        for name in ("OEBPS/copyright.xhtml", "OEBPS/chapter1.xhtml", "OEBPS/chapter3.xhtml", "OEBPS/cover.png"):
            assert z.read(name) == source.read(name), name
        read = etree.fromstring(z.read("OEBPS/chapter2.xhtml"))
        assert "".join(read.find(f"{XHTML}body").itertext()) == "".join(
            etree.fromstring(source.read("OEBPS/chapter2.xhtml")).find(f"{XHTML}body").itertext()
        )
    assert {p["doc"] for p in book["pars"]} == {"chapter2.xhtml"}
    ffmpeg = get_ffmpeg_exe()
    for k, par in enumerate(random.Random(17).sample(book["pars"], 3)):
        with zipfile.ZipFile(out) as z:
            (tmp_path / "chapter.mp3").write_bytes(z.read(par["audio"]))
        cut = tmp_path / f"par{k}.wav"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(tmp_path / "chapter.mp3"), "-ss", f"{par['begin']:.3f}",
                        "-to", f"{par['end']:.3f}", "-ar", "16000", "-ac", "1", str(cut)], check=True)
        heard = whisper_words(cut)
        assert heard, par["text"]
        said = [_key(w) for w in par["text"].split() if _key(w)]
        got = [_key(w) for w, _, _ in heard if _key(w)]
        ratio = difflib.SequenceMatcher(None, said, got).ratio()
        assert ratio >= 0.7, (par["text"], " ".join(w for w, _, _ in heard))
        # The sentence starts with the clip, not a breath later.
        assert heard[0][1] <= 0.15, (par["text"], heard[0])


PAGE = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>
<h2>Stave <span>I</span></h2>
<p><em>Well,</em> he said, “<a href="#n1">she</a> left.” Then <i>nothing</i>. And <b>one more. And</b> the end.</p>
</body></html>"""


def test_sentences_are_wrapped_where_they_stand_and_the_markup_is_kept():
    from audiobook.output.readalong_epub import Located, wrap_sentences

    sentences = [
        Located("s1", "Stave one"),  # the reader renamed this heading: not in the page
        Located("s2", "Well, he said, 'she left.'"),  # quotes as the normalize stage wrote them
        Located("s3", "Then nothing."),
        Located("s4", "And one more."),
        Located("s5", "And the end."),
    ]
    page, wrapped, body = wrap_sentences(PAGE.encode(), sentences)
    root = etree.fromstring(page)
    assert body == "ab-body" and root.find(f"{XHTML}body").get("id") == "ab-body"
    assert wrapped == {"s2", "s3", "s4", "s5"}

    def text(span: str) -> str:
        (el,) = root.xpath("//*[@id=$id]", id=span)
        return "".join(el.itertext())

    # Inline markup at a sentence's edges goes inside its span, whole.
    assert text("s2") == "Well, he said, “she left.”" and text("s3") == "Then nothing."
    # A sentence whose ends sit in different elements, one holding other text: its first stretch.
    assert text("s4") == "And"  # "And <b>one more.</b>" — the <b> also holds the next sentence
    assert text("s5") == "And"  # "<b>… And</b> the end."
    # Nothing else changed: the same text in the same elements.
    assert "".join(root.itertext()) == "".join(etree.fromstring(PAGE.encode()).itertext())
    ours = {el for el in root.iter(f"{XHTML}span") if el.get("id") in wrapped}
    assert [el.tag for el in root.iter() if el not in ours] == [
        el.tag for el in etree.fromstring(PAGE.encode()).iter()
    ]
