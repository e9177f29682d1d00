"""Generated corpora for the reliability tests: hostile inputs, and plenty of small articles.

Nothing here is committed as data: every file is written into a pytest tmp_path. The hostile
corpus returns, next to its folder, the list of inputs it created and what must become of each
(ingested, duplicate or rejected, and words the rejection reason must contain), so a test can
check the ledger against it input by input.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

INGESTED, DUPLICATE, REJECTED = "ingested", "duplicate", "rejected"

# Plain words (no junk triggers such as "subscribe", "cookie", "advertisement").
_VOCAB = """
minister council harbour bridge river valley village city border treaty agreement loan budget
talks summit delegation president governor mayor parliament committee court judge police army
farmers workers teachers doctors nurses students engineers pilots sailors fishermen miners traders
signed announced rejected approved delayed opened closed visited met discussed promised warned said
reported confirmed denied expected planned argued agreed refused asked answered offered raised cut
new old large small early late northern southern eastern western central local national regional
morning evening week month year season spring summer autumn winter Monday Tuesday Wednesday Thursday
Friday Saturday Sunday road railway port airport station market school hospital factory mine farm
water power gas oil grain fish timber steel copper cotton wool coffee tea sugar salt bread milk
price tax wage rent fee fund grant debt share stake deal plan report study survey vote poll count
after before during while since until because although when where which that with without about
first second third last next several many few most some every each other another same different
strong weak quiet loud calm angry happy careful quick slow open public private official formal
""".split()

_RU_VOCAB = """
президент министр губернатор мэр совет парламент суд полиция армия делегация комитет город село
река мост порт вокзал завод рынок школа больница дорога граница договор соглашение кредит бюджет
заявил сообщил подписал отклонил одобрил отложил открыл закрыл посетил обсудил обещал предупредил
новый старый большой малый ранний поздний северный южный восточный западный местный районный
утром вечером неделя месяц год весна лето осень зима понедельник вторник среда четверг пятница
вода газ нефть зерно рыба лес сталь медь хлопок чай сахар соль хлеб молоко цена налог зарплата
после перед во время пока потому что хотя когда где который вместе без около первый второй
""".split()
_EN_LATIN1 = ("The café owners of Saint-Étienne said on Tuesday that the new tax of £12 a week would hurt "
              "small businesses. The mayor's office answered that the fee was agreed by the council in "
              "March after a long public debate, and that the money would pay for the market square. "
              "Traders plan a meeting next week to discuss what to do.")


def sentence(rng: random.Random, n: int | None = None) -> str:
    words = [rng.choice(_VOCAB) for _ in range(n or rng.randint(9, 16))]
    return " ".join(words).capitalize() + "."


def ru_sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(_RU_VOCAB) for _ in range(n)).capitalize() + "."


def ru_article(rng: random.Random) -> str:
    title = " ".join(rng.choice(_RU_VOCAB) for _ in range(5)).capitalize()
    return title + "\n\n" + "\n\n".join(" ".join(ru_sentence(rng) for _ in range(3)) for _ in range(2)) + "\n"


def article(rng: random.Random, paragraphs: int = 3, title: bool = True) -> str:
    """A made-up article: an optional headline line, then paragraphs of sentences (≥ 40 words)."""
    parts = []
    if title:
        parts.append(" ".join(rng.choice(_VOCAB) for _ in range(6)).capitalize())
    for _ in range(paragraphs):
        parts.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 4))))
    return "\n\n".join(parts) + "\n"


@dataclass
class Expect:
    key: str  # the ledger's input key (absolute path, plus "#entry:N" / "#line:N")
    states: frozenset[str]  # acceptable final states
    reason: str | None = None  # words the reason must contain (case-insensitive) when rejected
    group: str | None = None  # inputs with the same text: one is ingested, the others its duplicates
    note: str = ""  # what this input is, for failure messages


@dataclass
class HostileCorpus:
    root: Path
    expected: list[Expect] = field(default_factory=list)
    huge_file: Path | None = None
    changing_file: Path | None = None  # an article the test edits between two builds
    checks: dict[str, list[str]] = field(default_factory=dict)  # input key → words its article text must hold
    skipped: list[str] = field(default_factory=list)  # parts that could not be made here, and why

    def expect(self, path: Path | str, state: str | set[str], reason: str | None = None, *, locator: str = "",
               group: str | None = None, note: str = "") -> None:
        key = str(path) + (f"#{locator}" if locator else "")
        states = frozenset({state} if isinstance(state, str) else state)
        self.expected.append(Expect(key, states, reason, group, note))


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


def _rss(items: str, title: str = "Harbour Herald") -> str:
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'


HUGE_BYTES = 50 * 1024 * 1024


def write_huge_text(path: Path, size: int = HUGE_BYTES) -> None:
    """A text file of exactly `size` bytes, written in 1 MiB pieces (cheap: no big string in memory)."""
    line = b"The harbour talks went on for another day and nobody said anything new about the bridge.\n"
    piece = (line * (1024 * 1024 // len(line) + 1))[: 1024 * 1024]
    with open(path, "wb") as fh:
        for _ in range(size // len(piece)):
            fh.write(piece)
        fh.write(piece[: size % len(piece)])


def make_jsonl(path: Path, rng: random.Random, corpus: HostileCorpus, lines: int = 10_000, pool_size: int = 300) -> None:
    """A wire file: `lines` lines, mostly reprints of a pool of articles, with broken lines mixed in."""
    pool = [article(rng, paragraphs=2, title=False).replace("\n\n", " ").strip() for _ in range(pool_size)]
    first_seen: set[int] = set()
    out: list[str] = []
    for i in range(lines):
        lineno = i + 1
        locator = f"line:{lineno}"
        if i % 50 == 49:
            out.append("   ")  # blank: layout, not an input
            continue
        if i == 776:
            out.append("[" * 100_000)
            corpus.expect(path, REJECTED, "nested too deeply", locator=locator, note="JSON nested 100,000 deep")
        elif i == 887:
            out.append(json.dumps({"text": "word " * 100_000}))
            corpus.expect(path, REJECTED, "too long", locator=locator, note="a 500,000-character line")
        elif i == 998:
            # JSON escapes for a lone surrogate: json.loads gives a str SQLite cannot store as is.
            out.append('{"text": "' + sentence(rng, 30)[:-1] + ' \\ud800 ' + sentence(rng, 20) + '", "source": "Wire"}')
            corpus.expect(path, INGESTED, locator=locator, note="text with an escaped lone surrogate")
        elif i == 1110:
            text = sentence(rng, 20) + "\u2028" + sentence(rng, 20) + "\u0085" + sentence(rng, 10)
            out.append(json.dumps({"text": text, "source": "Wire"}, ensure_ascii=False))
            corpus.expect(path, INGESTED, locator=locator, note="raw U+2028 and U+0085 inside a JSON string")
        elif i == 1221:
            out.append(json.dumps({"text": ru_article(rng), "source": "Провод", "published": "2024-02-30"},
                                  ensure_ascii=False))
            corpus.expect(path, INGESTED, locator=locator, note="Russian text, impossible date")
        elif i % 100 == 13:
            out.append('{"text": "The harbour talks ended without a deal, officials said", "title": ')
            corpus.expect(path, REJECTED, "invalid json", locator=locator, note="truncated JSON")
        elif i % 100 == 27:
            out.append(json.dumps([1, 2, "three"]))
            corpus.expect(path, REJECTED, "expected a json object", locator=locator, note="a JSON array")
        elif i % 100 == 41:
            out.append(json.dumps({"title": "No body", "url": "https://wire.example/x"}))
            corpus.expect(path, REJECTED, "no 'text' field", locator=locator, note="no text field")
        elif i % 100 == 55:
            out.append(json.dumps({"text": "Too short to be an article."}))
            corpus.expect(path, REJECTED, "no article text", locator=locator, note="five words")
        elif i % 100 == 69:
            out.append(json.dumps({"text": 42, "published": ["not", "a", "date"]}))
            corpus.expect(path, REJECTED, "no 'text' field", locator=locator, note="text is a number")
        else:
            k = (i * 7919) % pool_size
            state = DUPLICATE if k in first_seen else INGESTED
            first_seen.add(k)
            out.append(json.dumps({"text": pool[k], "title": f"Pool story {k}", "source": f"Wire {k % 7}",
                                   "published": f"2024-03-{k % 28 + 1:02d}T08:00:00Z"}))
            corpus.expect(path, state, locator=locator, group=f"jsonl-pool-{k}", note=f"pool article {k}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def make_hostile_corpus(root: Path, seed: int = 20240611) -> HostileCorpus:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    c = HostileCorpus(root)

    def write(rel: str | bytes, data: bytes | str, encoding: str = "utf-8") -> Path:
        raw_path = os.path.join(os.fsencode(root), os.fsencode(rel))
        os.makedirs(os.path.dirname(raw_path), exist_ok=True)
        with open(raw_path, "wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
        return Path(os.fsdecode(raw_path))

    # Ordinary articles, so the corpus has something to keep.
    for i in range(5):
        p = write(f"good/article_{i}.txt", article(rng))
        c.expect(p, INGESTED, note="plain article")
    html_body = "".join(f"<p>{sentence(rng)} {sentence(rng)}</p>" for _ in range(4))
    p = write("good/page.html", "<html><head><title>Harbour page</title></head><body><nav><a href='/'>Home</a></nav>"
              f"<article><h1>Harbour page</h1>{html_body}</article></body></html>")
    c.expect(p, INGESTED, note="an HTML article")

    # Empty, whitespace, binary.
    c.expect(write("empty.txt", b""), REJECTED, "empty file")
    c.expect(write("whitespace.txt", " \n\t \r\n   \n"), REJECTED, "only whitespace")
    c.expect(write("image.png", _png()), REJECTED, "binary file (png")
    c.expect(write("archive.txt.gz", gzip.compress(article(rng).encode())), REJECTED, "binary file (gzip")
    c.expect(write("report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), REJECTED,
             "binary file (pdf")
    c.expect(write("program", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4), REJECTED, "binary file (elf")
    c.expect(write("noise.dat", random.Random(7).randbytes(4096)), REJECTED, "unreadable encoding",
             note="random bytes without a magic number")
    c.expect(write("nuls.txt", b"\x00" * 3000), REJECTED, "not text", note="NUL bytes")

    # Encodings.
    p = write("enc/utf16le_en.txt", article(rng), "utf-16-le")
    c.expect(p, INGESTED, note="UTF-16-LE without BOM, English")
    for name, encoding in (("utf16le_ru.txt", "utf-16-le"), ("utf16be_ru.txt", "utf-16-be"), ("cp1251_ru.txt", "cp1251"),
                           ("koi8r_ru.txt", "koi8-r"), ("utf16_bom_ru.txt", "utf-16"), ("utf8_bom_ru.txt", "utf-8-sig")):
        text = ru_article(rng)
        p = write(f"enc/{name}", text, encoding)
        c.expect(p, INGESTED, note=f"Russian in {encoding}")
        c.checks[str(p)] = [text.split("\n")[2]]
    p = write("enc/latin1_en.txt", "Café tax\n\n" + _EN_LATIN1, "latin-1")
    c.expect(p, INGESTED, note="latin-1 English")
    c.checks[str(p)] = ["café owners of Saint-Étienne", "£12 a week"]
    part1, part2 = ru_article(rng), ru_article(rng)
    p = write("enc/mixed.txt", part1.encode("utf-8") + b"\n" + part2.encode("cp1251"))
    c.expect(p, INGESTED, note="UTF-8 then cp1251 in one file")
    c.checks[str(p)] = [part1.split("\n")[2], part2.split("\n")[2]]

    # Size.
    c.huge_file = root / "huge" / "fifty-megabytes.txt"
    c.huge_file.parent.mkdir()
    write_huge_text(c.huge_file)
    c.expect(c.huge_file, REJECTED, "file too large", note="50 MB")
    p = write("long-line.txt", " ".join(rng.choice(_VOCAB) for _ in range(40_000)))
    c.expect(p, REJECTED, "article too long", note="one line of 40,000 words")

    # JSONL.
    (root / "wire").mkdir()
    make_jsonl(root / "wire" / "wire.jsonl", rng, c)
    p = write("wire/empty-lines.jsonl", "\n\n   \n")
    c.expect(p, REJECTED, "only whitespace")

    # HTML.
    p = write("html/no-article.html", "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a> "
              "<a href='/about'>About</a></nav><footer>© Herald</footer></body></html>")
    c.expect(p, REJECTED, "no article text found in the html page")
    deep_text = " ".join(sentence(rng) for _ in range(8))
    p = write("html/deep.html", "<html><body>" + "<div>" * 5000 + f"<p>{deep_text}</p>" + "</div>" * 5000
              + "</body></html>")
    c.expect(p, REJECTED, "levels deep", note="5,000 nested divs")
    p = write("html/broken.html", "<html><body><article><p>" + " ".join(sentence(rng) for _ in range(6))
              + "<p><b><i>unclosed <div <<<>>> &bogus; &#0; &#xD800;</article")
    c.expect(p, INGESTED, note="broken markup around real text")

    # Feeds.
    items = "".join(f"<item><title>Feed story {i}</title><link>https://herald.example/{i}</link>"
                    f"<pubDate>Tue, 0{i} Apr 2024 08:00:00 GMT</pubDate><description>{article(rng, 2, False)}"
                    "</description></item>" for i in range(1, 4))
    p = write("feeds/good.xml", _rss(items))
    for i in range(1, 4):
        c.expect(p, INGESTED, locator=f"entry:{i}", note="feed entry with text")
    items = "".join(f"<item><title>Remote {i}</title><link>https://herald.example/remote/{i}</link></item>"
                    for i in range(1, 4))
    p = write("feeds/remote-only.rss", _rss(items))
    for i in range(1, 4):
        c.expect(p, REJECTED, "only a link to a remote page", locator=f"entry:{i}")
    entries = "".join(f"<entry><title>Atom {i}</title><id>urn:atom:{i}</id><updated>2024-04-0{i}T08:00:00Z</updated>"
                      f"<content type='html'>&lt;p&gt;{article(rng, 2, False)}&lt;/p&gt;</content></entry>"
                      for i in range(1, 3))
    p = write("feeds/news.atom", f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom '
              f'Herald</title>{entries}</feed>')
    for i in range(1, 3):
        c.expect(p, INGESTED, locator=f"entry:{i}", note="Atom entry")
    p = write("feeds/truncated.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
              f"<title>Cut</title><description>{article(rng, 2, False)}</description></item><item><title>B</title><descr")
    c.expect(p, INGESTED, locator="entry:1", note="malformed feed: the complete entry is recovered")
    c.expect(p, REJECTED, "no article text", locator="entry:2", note="malformed feed: the cut entry")
    c.expect(write("feeds/not-a-feed.rss", "this is not a feed at all, only a line of words"), REJECTED,
             "malformed feed")
    c.expect(write("feeds/no-items.xml", _rss("")), REJECTED, "feed has no entries")
    p = write("feeds/surrogate-ref.xml", _rss(f"<item><title>X</title><description>{sentence(rng, 30)} &#xD800;"
                                              "</description></item>"))
    c.expect(p, INGESTED, locator="entry:1", note="a character reference to a surrogate (crashed feedparser)")

    # Links, pipes, devices, folders.
    links = root / "links"
    links.mkdir()
    os.symlink("loop-b.txt", links / "loop-a.txt")
    os.symlink("loop-a.txt", links / "loop-b.txt")
    c.expect(links / "loop-a.txt", REJECTED, "symbolic link")
    c.expect(links / "loop-b.txt", REJECTED, "symbolic link")
    os.symlink("self.txt", links / "self.txt")
    c.expect(links / "self.txt", REJECTED, "symbolic link")
    os.symlink("does-not-exist.txt", links / "dangling.txt")
    c.expect(links / "dangling.txt", REJECTED, "broken")
    os.symlink("..", links / "up")  # a folder loop: walked once, not an input
    os.symlink("/dev/zero", links / "zero.txt")
    c.expect(links / "zero.txt", REJECTED, "not a regular file (a device)", note="endless /dev/zero")
    os.mkfifo(root / "pipe.txt")
    c.expect(root / "pipe.txt", REJECTED, "not a regular file (a named pipe)", note="a FIFO (would block)")
    p = write("folder.txt/inside.txt", article(rng))
    c.expect(p, INGESTED, note="a folder named like a file")
    if os.geteuid() != 0:
        p = write("locked.txt", article(rng))
        p.chmod(0)
        c.expect(p, REJECTED, "permission denied")
    else:
        c.skipped.append("chmod 000: running as root, which reads any file")

    # Names.
    for rel in ("names/name with spaces.txt", "names/new\nline.txt", "names/naïve статья ✓.txt",
                "names/ leading and trailing space .txt", "names/-starts-with-dash.txt"):
        c.expect(write(rel, article(rng)), INGESTED, note=f"file name {rel!r}")
    try:
        p = write(b"names/bad-\xff\xfe-bytes.txt", article(rng))
        c.expect(p, INGESTED, note="file name that is not valid UTF-8")
    except OSError as exc:  # a file system that insists on UTF-8 names
        c.skipped.append(f"non-UTF-8 file name: {exc}")
    c.expect(write("names/README.md", "# Notes\n\nNot an article."), REJECTED, "readme")

    # One article under three names (and a reprint with junk around it).
    same = article(rng)
    c.expect(write("same/original.txt", same), {INGESTED, DUPLICATE}, group="same")
    c.expect(write("same/Copy of original.txt", same), {INGESTED, DUPLICATE}, group="same")
    os.symlink("original.txt", root / "same" / "link to original.txt")
    c.expect(root / "same" / "link to original.txt", {INGESTED, DUPLICATE}, group="same")
    c.expect(write("same/reprint.txt", "[ad_1]\nSubscribe to our channel https://t.me/x\n" + same.replace("\n\n", "\n")
                   + "Share this article\n"), {INGESTED, DUPLICATE}, group="same", note="reprint with junk lines")
    c.expect(write("junk-only.txt", "Subscribe to our channel https://t.me/x\n[ad_1]\nFollow us on Facebook\n"),
             REJECTED, "no article text found")

    # An article the test changes between two builds.
    c.changing_file = write("changing.txt", article(rng))
    c.expect(c.changing_file, INGESTED, note="changes between builds")
    return c


def make_small_corpus(root: Path, n: int, seed: int = 1) -> list[Path]:
    """`n` distinct small articles (plus a few duplicates and rejects) for the crash tests."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = root / f"{i // 100:02d}" / f"article_{i:04d}.txt"
        p.parent.mkdir(exist_ok=True)
        text = article(rng, paragraphs=2)
        if i % 25 == 3:
            text = "POLITICS 18 March, 2023 09:30 am\n\n" + text
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    for i in range(0, n, 40):  # reprints and rejects, so every ledger state occurs
        (root / f"{i // 100:02d}" / f"zz_copy_{i:04d}.txt").write_text(paths[i].read_text(encoding="utf-8"))
        (root / f"{i // 100:02d}" / f"zz_empty_{i:04d}.txt").write_bytes(b"")
    return paths
