"""Text encodings of Chinese GIS and CAD files: detect, name, decode.

Shapefiles exported by Chinese software usually hold GBK/GB18030 text in the
DBF and often come without a ``.cpg``; GDAL then reads them as Latin-1 and
garbles both values and column names. Zip archives made on Chinese Windows
store GBK entry names without the UTF-8 flag. This module decides the
encoding from the raw bytes, before any parser sees them:

1. the user's choice (``--encoding``), when given;
2. a ``.cpg`` file, or the DBF language-driver byte;
3. the bytes themselves: ASCII, else valid UTF-8, else valid GB18030 that
   reads as Chinese, else Latin-1 with a warning.

Encoding names handed to GDAL are the iconv spellings (``UTF-8``,
``GB18030``, ``CP1252``…); GB2312, GBK and CP936 are read as GB18030, their
superset.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from geo.io.errors import SourceEncodingError

UTF8 = "UTF-8"
GB18030 = "GB18030"
LATIN1 = "ISO-8859-1"

_ALIASES: dict[str, str] = {
    "utf8": UTF8,
    "utf-8": UTF8,
    "65001": UTF8,
    "utf-8-sig": UTF8,
    "gbk": GB18030,
    "gb2312": GB18030,
    "gb-2312": GB18030,
    "cp936": GB18030,
    "936": GB18030,
    "ansi936": GB18030,
    "gb18030": GB18030,
    "54936": GB18030,
    "big5": "BIG5",
    "950": "BIG5",
    "cp950": "BIG5",
    "1252": "CP1252",
    "cp1252": "CP1252",
    "ansi1252": "CP1252",
    "88591": LATIN1,
    "iso88591": LATIN1,
    "latin1": LATIN1,
    "latin-1": LATIN1,
}

_DBF_LDID: dict[int, str] = {
    0x4D: GB18030,
    0x7A: GB18030,
    0x4F: "BIG5",
    0x78: "BIG5",
    0x03: "CP1252",
}
"""DBF language-driver ids that name a code page (byte 29 of the header)."""


@dataclass(frozen=True)
class EncodingGuess:
    """An encoding and why it was chosen.

    ``confident`` is False when nothing fitted and the text may be garbled.
    """

    encoding: str
    reason: str
    confident: bool = True


def normalize_encoding(name: str) -> str:
    """The iconv spelling of an encoding name; GBK-family names become GB18030.

    Raises
    ------
    SourceEncodingError
        When Python does not know the encoding.

    Examples
    --------
    >>> normalize_encoding("gbk"), normalize_encoding("cp936"), normalize_encoding("utf8")
    ('GB18030', 'GB18030', 'UTF-8')
    >>> normalize_encoding("latin-1")
    'ISO-8859-1'
    """
    key = re.sub(r"[\s_]", "", str(name).strip().lower())
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        py = codecs.lookup(str(name).strip()).name
    except LookupError:
        raise SourceEncodingError(
            f"unknown encoding {name!r}; use e.g. GBK (GB18030), UTF-8 or BIG5"
        ) from None
    return _ALIASES.get(py.replace("_", "-"), py.upper().replace("_", "-"))


def python_codec(encoding: str) -> str:
    """The Python codec name for an encoding accepted by :func:`normalize_encoding`.

    Examples
    --------
    >>> python_codec("GB18030"), python_codec("ISO-8859-1")
    ('gb18030', 'iso8859-1')
    """
    return codecs.lookup(normalize_encoding(encoding)).name


def cpg_encoding(text: str) -> str | None:
    """The encoding named by a shapefile ``.cpg`` file, or None when unknown.

    Examples
    --------
    >>> cpg_encoding("UTF-8\\n"), cpg_encoding("936"), cpg_encoding("ANSI 936")
    ('UTF-8', 'GB18030', 'GB18030')
    >>> cpg_encoding("no such code page") is None
    True
    """
    key = text.strip().split("\n")[0].strip()
    if not key:
        return None
    try:
        return normalize_encoding(key)
    except SourceEncodingError:
        return None


def _cjk_share(text: str) -> float:
    """Share of the non-ASCII characters that are CJK ideographs, punctuation or full-width."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 1.0
    cjk = sum(
        1
        for c in wide
        if 0x4E00 <= ord(c) <= 0x9FFF
        or 0x3400 <= ord(c) <= 0x4DBF
        or 0x3000 <= ord(c) <= 0x303F
        or 0xFF00 <= ord(c) <= 0xFFEF
        or c in "·—…“”‘’№℃㎡"
    )
    return cjk / len(wide)


def _decodes(values: list[bytes], codec: str) -> str | None:
    """Decode every value strictly, allowing a cut multi-byte character at its end."""
    out: list[str] = []
    for v in values:
        dec = codecs.getincrementaldecoder(codec)(errors="strict")
        try:
            out.append(dec.decode(v, final=False))
        except UnicodeDecodeError:
            return None
    return "".join(out)


def detect_encoding(values: Iterable[bytes]) -> EncodingGuess:
    """Guess the encoding of text values from their bytes.

    ASCII or valid UTF-8 wins; else GB18030 when it decodes and reads as
    Chinese; else Latin-1, flagged as not confident.

    Examples
    --------
    >>> detect_encoding(["地块".encode("gbk")]).encoding
    'GB18030'
    >>> detect_encoding(["地块".encode("utf-8")]).encoding
    'UTF-8'
    >>> detect_encoding([b"P1", b"plain"]).reason
    'ASCII only'
    """
    vals = [v.rstrip(b" \x00") for v in values if v]
    vals = [v for v in vals if v]
    if all(v.isascii() for v in vals):
        return EncodingGuess(UTF8, "ASCII only")
    if _decodes(vals, "utf-8") is not None:
        return EncodingGuess(UTF8, "valid UTF-8")
    text = _decodes(vals, "gb18030")
    if text is not None and _cjk_share(text) >= 0.6:
        return EncodingGuess(GB18030, "not UTF-8; decodes as GB18030 (GBK) Chinese text")
    return EncodingGuess(
        LATIN1,
        "neither UTF-8 nor GB18030 Chinese; read as Latin-1, values may be garbled: "
        "choose the encoding (--encoding)",
        confident=False,
    )


def dbf_text_values(dbf: bytes, *, max_bytes: int = 1 << 20) -> list[bytes]:
    """Field names and text (``C``) values of a DBF file, up to ``max_bytes`` of values.

    Tolerates truncated or damaged files: whatever can be read is returned.
    """
    out: list[bytes] = []
    if len(dbf) < 32:
        return out
    n_records, header_len, record_len = struct.unpack("<IHH", dbf[4:12])
    fields: list[tuple[int, int]] = []  # (offset in record, length) of C fields
    offset = 1  # the deletion flag
    pos = 32
    while pos + 32 <= min(len(dbf), max(header_len, 33)) and dbf[pos] != 0x0D:
        desc = dbf[pos : pos + 32]
        out.append(desc[:11].split(b"\x00", 1)[0])
        ftype, flen = desc[11:12], desc[16]
        if ftype == b"C":
            fields.append((offset, flen))
        offset += flen
        pos += 32
    if not fields or record_len <= 0:
        return out
    taken = 0
    start = header_len
    for _ in range(n_records):
        rec = dbf[start : start + record_len]
        if len(rec) < record_len or taken > max_bytes:
            break
        for off, flen in fields:
            value = rec[off : off + flen]
            out.append(value)
            taken += len(value)
        start += record_len
    return out


def _pending(value: bytes, codec: str) -> int:
    """Bytes at the end of ``value`` that start a character cut short (0 when none)."""
    dec = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        dec.decode(value, final=False)
    except UnicodeDecodeError:
        return 0
    return len(dec.getstate()[0])


def repair_dbf_truncation(dbf: bytes, encoding: str) -> tuple[bytes, int]:
    """Trim multi-byte characters cut by the DBF size limits (10-byte names, field widths).

    Shapefile writers cut UTF-8/GBK text at a byte count, often in the middle of
    a Chinese character, which no decoder accepts. The partial character is
    replaced by padding (NUL in names, spaces in values).

    Returns the repaired bytes and how many names/values were trimmed.
    """
    codec = python_codec(encoding)
    if codec in ("latin-1", "iso8859-1", "ascii", "cp1252") or len(dbf) < 32:
        return dbf, 0
    out = bytearray(dbf)
    n_records, header_len, record_len = struct.unpack("<IHH", dbf[4:12])
    trimmed = 0
    fields: list[tuple[int, int]] = []
    offset, pos = 1, 32
    while pos + 32 <= min(len(dbf), max(header_len, 33)) and dbf[pos] != 0x0D:
        raw = dbf[pos : pos + 11].split(b"\x00", 1)[0]
        cut = _pending(raw, codec)
        if cut:
            keep = len(raw) - cut
            out[pos : pos + 11] = raw[:keep] + bytes(11 - keep)
            trimmed += 1
        if dbf[pos + 11 : pos + 12] == b"C":
            fields.append((offset, dbf[pos + 16]))
        offset += dbf[pos + 16]
        pos += 32
    start = header_len
    for _ in range(n_records if record_len > 0 else 0):
        if start + record_len > len(dbf):
            break
        for off, flen in fields:
            a = start + off
            value = bytes(out[a : a + flen]).rstrip(b" \x00")
            cut = _pending(value, codec)
            if cut:
                out[a + len(value) - cut : a + len(value)] = b" " * cut
                trimmed += 1
        start += record_len
    return bytes(out), trimmed


def dbf_encoding(
    dbf: bytes, *, cpg: str | None = None, override: str | None = None
) -> EncodingGuess:
    """The encoding of a shapefile's DBF: the override, the ``.cpg``, the LDID, or the bytes.

    A ``.cpg`` or language-driver id is trusted only when the bytes decode with
    it; a UTF-8 ``.cpg`` over GBK bytes (a common export bug) falls through to
    detection.
    """
    if override:
        enc = normalize_encoding(override)
        return EncodingGuess(enc, f"chosen by the user ({override})")
    values = dbf_text_values(dbf)
    declared: list[tuple[str, str]] = []
    if cpg is not None:
        enc = cpg_encoding(cpg)
        if enc:
            declared.append((enc, f".cpg says {cpg.strip()!r}"))
    if len(dbf) > 29 and dbf[29] in _DBF_LDID:
        declared.append((_DBF_LDID[dbf[29]], f"DBF language driver 0x{dbf[29]:02X}"))
    for enc, why in declared:
        if _decodes([v.rstrip(b" \x00") for v in values], python_codec(enc)) is not None:
            return EncodingGuess(enc, why)
    guess = detect_encoding(values)
    if declared:
        return EncodingGuess(
            guess.encoding,
            f"{declared[0][1]} but the text does not decode with it; {guess.reason}",
            guess.confident,
        )
    return EncodingGuess(guess.encoding, f"no .cpg; {guess.reason}", guess.confident)


def decode_zip_name(info: zipfile.ZipInfo, *, encoding: str | None = None) -> str:
    """The entry name of a zip member, decoding GBK names stored without the UTF-8 flag.

    Python decodes names without flag bit 11 as CP437; their raw bytes are
    recovered and decoded as ``encoding``, else UTF-8, else GB18030.

    Examples
    --------
    >>> info = zipfile.ZipInfo("地块.shp".encode("gbk").decode("cp437"))
    >>> decode_zip_name(info)
    '地块.shp'
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    if raw.isascii():
        return info.filename
    codecs_to_try = [python_codec(encoding)] if encoding else ["utf-8", "gb18030"]
    for codec in codecs_to_try:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes, *, override: str | None = None) -> tuple[str, EncodingGuess]:
    """Decode a whole text file (CSV, GeoJSON): BOM, override, else detection.

    Raises
    ------
    SourceEncodingError
        When the chosen encoding cannot decode the bytes.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom) and not override:
            try:
                return data[len(bom) :].decode(codec), EncodingGuess(
                    normalize_encoding(codec), "byte-order mark"
                )
            except UnicodeDecodeError as err:
                raise SourceEncodingError(
                    f"the file starts with a {codec} byte-order mark but does not decode "
                    f"as {codec} ({err.reason} at byte {err.start}); save it again as UTF-8"
                ) from None
    if override:
        enc = normalize_encoding(override)
        guess = EncodingGuess(enc, f"chosen by the user ({override})")
    else:
        # Judge from a bounded sample; decode the whole file with the result.
        guess = detect_encoding([data[: 4 << 20]])
    try:
        text = data.decode(python_codec(guess.encoding))
    except UnicodeDecodeError as err:
        raise SourceEncodingError(
            f"the file does not decode as {guess.encoding} ({err.reason} at byte {err.start}); "
            f"choose another encoding (--encoding GBK or UTF-8)"
        ) from None
    return text.removeprefix("\ufeff"), guess


_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.S)


def xml_to_utf8(data: bytes, *, override: str | None = None) -> tuple[bytes, EncodingGuess]:
    """Re-encode an XML document (KML) as UTF-8 with a matching declaration.

    GDAL's XML parser knows few encodings; KML saved as GBK (declared or not)
    is decoded here instead.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom) and not override:
            try:
                text = data[len(bom) :].decode(codec, errors="strict")
            except UnicodeDecodeError as err:
                raise SourceEncodingError(
                    f"the XML starts with a {codec} byte-order mark but does not decode as "
                    f"{codec} ({err.reason} at byte {err.start}); save it again as UTF-8"
                ) from None
            guess = EncodingGuess(normalize_encoding(codec), "byte-order mark")
            return _xml_with_utf8_decl(text), guess
    m = _XML_DECL.match(data[:512])
    declared = m.group(1).decode("ascii") if m else None
    if override:
        enc = normalize_encoding(override)
        guess = EncodingGuess(enc, f"chosen by the user ({override})")
    elif declared and normalize_encoding_or_none(declared) not in (None, UTF8):
        enc = normalize_encoding(declared)
        guess = EncodingGuess(enc, f"declared in the XML ({declared})")
    else:
        guess = detect_encoding([data[: 4 << 20]])
        if declared:
            guess = EncodingGuess(
                guess.encoding, f"declared {declared}; {guess.reason}", guess.confident
            )
    if guess.encoding == UTF8:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise SourceEncodingError(
                f"the XML is not valid UTF-8 ({err.reason} at byte {err.start}); "
                f"choose its encoding (--encoding GBK)"
            ) from None
        return data, guess
    try:
        text = data.decode(python_codec(guess.encoding))
    except UnicodeDecodeError as err:
        raise SourceEncodingError(
            f"the XML does not decode as {guess.encoding} ({err.reason} at byte {err.start}); "
            f"choose its encoding (--encoding GBK or UTF-8)"
        ) from None
    return _xml_with_utf8_decl(text), guess


def normalize_encoding_or_none(name: str) -> str | None:
    """:func:`normalize_encoding`, or None for an unknown name."""
    try:
        return normalize_encoding(name)
    except SourceEncodingError:
        return None


def _xml_with_utf8_decl(text: str) -> bytes:
    text = text.removeprefix("\ufeff")
    text = re.sub(
        r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])[A-Za-z0-9._:-]+([\"'])",
        r"\g<1>UTF-8\g<2>",
        text,
        count=1,
        flags=re.S,
    )
    return text.encode("utf-8")


def text_encoding(data: bytes, *, override: str | None = None) -> EncodingGuess:
    """The encoding of a text format GDAL decodes itself (DXF): override, else detection."""
    if override:
        enc = normalize_encoding(override)
        return EncodingGuess(enc, f"chosen by the user ({override})")
    return detect_encoding(data[: 4 << 20].splitlines())
