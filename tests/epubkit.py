"""Building EPUB test books: the sample builder (``samples/build_epub.py``) plus the odd cases."""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from pathlib import Path

__all__ = [
    "Doc",
    "Resource",
    "TocEntry",
    "build_epub",
    "png_bytes",
    "xhtml_page",
    "FIXTURES",
    "fixture",
    "rezip",
    "ENCRYPTION_XML",
    "matter_page",
]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "epub"


def _load_builder():  # type: ignore[no-untyped-def]
    # samples/ is not a package: load the script by path so tests and the sample share one builder.
    name = "audiobook_samples_build_epub"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "samples" / "build_epub.py")
    if spec is None or spec.loader is None:
        raise ImportError("samples/build_epub.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_builder = _load_builder()
Doc = _builder.Doc
Resource = _builder.Resource
TocEntry = _builder.TocEntry
build_epub = _builder.build_epub
png_bytes = _builder.png_bytes
xhtml_page = _builder.xhtml_page


def fixture(name: str) -> str:
    """The text of ``tests/fixtures/epub/<name>``."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def rezip(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """A copy of the zip ``data`` with members replaced, added, or (``None``) removed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in changes:
                dst.writestr(info, src.read(info))
        for name, payload in changes.items():
            if payload is not None:
                dst.writestr(name, payload)
    return out.getvalue()


ENCRYPTION_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
            xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
    <enc:CipherData><enc:CipherReference URI="OEBPS/ch1.xhtml"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>
"""
"""An ``encryption.xml`` that lists a content document as encrypted, as DRM schemes do."""


def matter_page(name: str, kind: str, body: str, title: str = "", part: str = "bodymatter") -> Doc:
    """A page laid out as Standard Ebooks lays out theirs: ``<body epub:type="frontmatter">`` around
    one ``<section epub:type="titlepage">`` (``kind``) holding ``body``."""
    ident = name.rsplit(".", 1)[0]
    page = xhtml_page(f'<section id="{ident}" epub:type="{kind}">{body}</section>', title or ident)
    return Doc(name, "", title, raw=page.replace("<body>", f'<body epub:type="{part}">', 1))
