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
    sample = data[:4096]
    if len(sample) < 4:
        return None
    # ASCII-heavy text in UTF-16 has a NUL in every other byte.
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    # Cyrillic, Greek, Hebrew or Arabic text in UTF-16 has few NULs (only spaces, digits and
    # punctuation), but its high bytes are all small (0x04 for Cyrillic), while its low bytes vary.
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 16:
        return None
    for encoding, high, low in (("utf-16-le", sample[1::2], sample[0::2]), ("utf-16-be", sample[0::2], sample[1::2])):
        small = sum(1 for b in high if b < 0x08)
        if small < 0.97 * len(high) or high.count(0) > 0.9 * len(high) or len(set(low)) < 8:
            continue
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        letters = sum(1 for ch in text if ch.isalpha())
        if letters >= 0.5 * len(text) and _control_ratio(text) < 0.01:
            return encoding
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
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed
    encoding = _guess_legacy(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DecodeError(f"unreadable encoding (guessed {encoding}, which fails: {exc})") from exc
    if _control_ratio(text) > 0.1:
        raise DecodeError("binary content (too many control characters), not text")
    return Decoded(text, encoding)


# Legacy code pages a news archive realistically holds (so that Cyrillic is not read as Greek).
_LEGACY = ["cp1251", "koi8_r", "cp1252", "latin_1", "iso8859_5", "mac_cyrillic"]


def _guess_legacy(data: bytes) -> str:
    """The legacy code page charset-normalizer finds most likely for `data`; DecodeError when none fits."""
    try:
        best = from_bytes(data[:200_000], cp_isolation=_LEGACY).best()
    except Exception as exc:  # charset-normalizer is a heuristic library: never let it crash a build
        raise DecodeError(f"unreadable encoding (detection failed: {type(exc).__name__})") from exc
    if best is None:
        raise DecodeError("unreadable encoding (not UTF-8, UTF-16 or a known 8-bit code page)")
    return best.encoding


def _decode_mixed(data: bytes) -> Decoded | None:
    """A file pasted together from UTF-8 and legacy-encoded lines: decode each line on its own.

    Used only when some non-ASCII lines are valid UTF-8 (evidence that the file is meant to
    be UTF-8) and others are not; the others are decoded with the code page guessed from them.
    """
    lines = data.splitlines(keepends=True)
    utf8_lines = 0
    bad: list[int] = []
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            bad.append(i)
    if not utf8_lines or not bad:
        return None
    encoding = _guess_legacy(b"".join(lines[i] for i in bad))
    bad_set = set(bad)
    parts: list[str] = []
    for i, line in enumerate(lines):
        if i in bad_set:
            try:
                parts.append(line.decode(encoding))
            except (UnicodeDecodeError, LookupError):
                parts.append(line.decode("latin-1"))  # never fails: one character per byte
        else:
            parts.append(line.decode("utf-8"))
    text = "".join(parts)
    if _control_ratio(text) > 0.1:
        raise DecodeError("binary content (too many control characters), not text")
    return Decoded(text, f"utf-8+{encoding}")
