"""Article metadata: outlet, language, and the publication date with its provenance."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlparse

STAGE = "metadata"
STAGE_VERSION = "1"


@dataclass
class Language:
    code: str
    confidence: float


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> Language:
    """Language of `text` (ISO 639-1) with a normalized confidence; offline (py3langid)."""
    sample = text[:5000]
    if not sample.strip():
        return Language("und", 0.0)
    code, prob = _identifier().classify(sample)
    return Language(code, round(float(prob), 4))


def outlet_from_url(url: str | None) -> str | None:
    """A readable outlet name from a URL's host: https://www.daily-courier.example/x → daily-courier.example."""
    if not url:
        return None
    host = urlparse(url).hostname or ""
    host = host.lower()
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return host or None


def choose_outlet(*candidates: str | None) -> str | None:
    """The first non-empty candidate, in order of trust."""
    for c in candidates:
        if c and c.strip():
            return c.strip()
    return None
