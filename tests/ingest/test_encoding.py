from __future__ import annotations

import gzip

import pytest

from storyline.ingest.encoding import DecodeError, decode_bytes

ENGLISH = "The two presidents met at the lakeside residence and talked for almost four hours."
RUSSIAN = "Президенты двух стран встретились в резиденции и беседовали почти четыре часа."


@pytest.mark.parametrize(
    "data, encoding",
    [
        (ENGLISH.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ENGLISH.encode("utf-8"), "utf-8"),
        (ENGLISH.encode("utf-16"), "utf-16"),  # with BOM
        (RUSSIAN.encode("utf-16"), "utf-16"),
        (ENGLISH.encode("utf-16-le"), "utf-16-le"),  # no BOM
    ],
)
def test_unicode_encodings(data: bytes, encoding: str) -> None:
    decoded = decode_bytes(data)
    assert decoded.text.lstrip("\ufeff") in (ENGLISH, RUSSIAN)
    assert decoded.encoding == encoding


def test_cp1251_russian_is_read_as_cyrillic() -> None:
    text = (RUSSIAN + " ") * 5
    decoded = decode_bytes(text.encode("cp1251"))
    assert decoded.text == text


def test_latin1_text() -> None:
    text = "Le président a déclaré que la réunion était très importante pour l'économie. " * 3
    decoded = decode_bytes(text.encode("latin-1"))
    assert decoded.text == text


@pytest.mark.parametrize(
    "data, name",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
        (gzip.compress(b"hello world"), "gzip"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "ELF"),
    ],
)
def test_binary_is_refused_with_its_kind(data: bytes, name: str) -> None:
    with pytest.raises(DecodeError, match=name):
        decode_bytes(data)


def test_control_characters_mean_binary() -> None:
    with pytest.raises(DecodeError, match="binary"):
        decode_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 100)
