"""Turn the bytes of an input into text, or say plainly why that is not possible."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

# Magic numbers of formats that are certainly not articles; checked before any decoding
# so that a PNG is reported as "binary (PNG image)" and not as an encoding problem.
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x7fELF", "ELF executable"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"SQLite format 3\x00", "SQLite database"),
]

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class DecodeError(ValueError):
    """The input cannot be read as text; the message is meant for the user."""


@dataclass
class Decoded:
    text: str
    encoding: str


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of `data`, or None when it may be text."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return None


def _looks_like_utf16_without_bom(data: bytes) -> str | None:
    # ASCII-heavy text in UTF-16 has a NUL in every other byte.
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return bad / min(len(text), 20000)


def decode_bytes(data: bytes) -> Decoded:
    """Decode `data` to text: BOM, then strict UTF-8, then UTF-16 sniffing, then detection.

    Raises DecodeError with a user-readable reason for binary or undecodable data.
    """
    binary = sniff_binary(data)
    if binary:
        raise DecodeError(f"binary file ({binary}), not text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {encoding} byte-order mark but does not decode: {exc.reason}") from exc
    utf16 = _looks_like_utf16_without_bom(data)
    if utf16:
        try:
            return Decoded(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if _control_ratio(text) > 0.1:
            raise DecodeError("binary content (too many control characters), not text")
        return Decoded(text, "utf-8")
    # Not UTF-8: let charset-normalizer choose among legacy code pages, restricted to the
    # ones a news archive realistically holds so that Cyrillic is not read as Greek.
    best = from_bytes(
        data[:200_000],
        cp_isolation=["cp1251", "koi8_r", "cp1252", "latin_1", "iso8859_5", "mac_cyrillic"],
    ).best()
    if best is None:
        raise DecodeError("unreadable encoding (not UTF-8, UTF-16 or a known 8-bit code page)")
    encoding = best.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DecodeError(f"unreadable encoding (guessed {encoding}, which fails: {exc})") from exc
    if _control_ratio(text) > 0.1:
        raise DecodeError("binary content (too many control characters), not text")
    return Decoded(text, encoding)
