"""The listening page written beside each episode (OUT.html), and the index `briefing serve` shows.

One self-contained HTML file: inline CSS and JavaScript, no external resource, the audio named
relatively by the MP3's file name. Everything that came from an article (titles, text, speaker
names, sources) is HTML-escaped here and only here; the script holds no data and reads the times
from the page's own `data-` attributes, and a Content-Security-Policy with the hashes of the one
style and the one script forbids any other script to run, should escaping ever be missed.

Without JavaScript the page is still whole: the <audio> player, the chapters as media-fragment
links (`OUT.mp3#t=SECONDS`) and the full transcript. With it, chapter and time links seek the
player, the cue being spoken is highlighted and kept in view, and buttons, a speed choice and
keyboard shortcuts appear. Nothing is announced while the audio plays (no live region).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote, urlsplit

SPEEDS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
SKIP_S = 10  # what the -10 s / +10 s buttons and the J / L keys move by

# (keys, what they do): shown on the page, and the same list is in README.md.
SHORTCUTS = (
    ("Espace", "lecture ou pause, quand le lecteur audio a le focus (commande du navigateur)"),
    ("K", "lecture ou pause"),
    ("J", f"reculer de {SKIP_S} secondes"),
    ("L", f"avancer de {SKIP_S} secondes"),
    ("P", "chapitre précédent (ou début du chapitre en cours)"),
    ("S", "chapitre suivant"),
)

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class PageCue:
    """One transcript line: who says what, and when (ms from the start of the episode)."""

    start_ms: int
    end_ms: int
    speaker: str
    text: str


@dataclass(frozen=True)
class PageChapter:
    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Page:
    """Everything the listening page shows; plain text, escaped when written."""

    title: str
    audio: str  # the MP3's file name: the page sits beside it
    duration_ms: int
    chapters: tuple[PageChapter, ...]
    cues: tuple[PageCue, ...]
    date: str = ""  # ISO 8601
    podcast: str = ""
    sources: tuple[str, ...] = ()  # what the episode was made from: URLs or file paths
    files: tuple[tuple[str, str], ...] = ()  # (label, file name) of the other files to offer


@dataclass(frozen=True)
class IndexEntry:
    """One episode in the index of a folder."""

    title: str
    href: str  # file name of its page (or of its MP3 when it has no page)
    audio: str  # file name of its MP3
    published: dt.datetime
    duration_s: float


@dataclass(frozen=True)
class FeedLink:
    """The folder's podcast feed, which the index links to."""

    href: str  # its file name
    media_type: str


STYLE = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1b1b;--muted:#4a4a4a;--link:#0b4fa8;--line:#bdbdbd;
--now-bg:#fff1a8;--now-fg:#1b1b1b;--focus:#b3006b;--panel:#f3f3f3}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#ededed;--muted:#c8c8c8;--link:#9cc7ff;
--line:#5a5a5a;--now-bg:#4d3f00;--now-fg:#fff;--focus:#ff8fcf;--panel:#1f1f1f}}
*{box-sizing:border-box}
html{scroll-padding-top:1rem}
body{margin:0;background:var(--bg);color:var(--fg);font:1.125rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
.wrap{max-width:48rem;margin:0 auto;padding:0 1.25rem}
header.site{padding:1.5rem 0 .5rem}
h1{font-size:1.9rem;line-height:1.25;margin:.25rem 0 .5rem}
h2{font-size:1.35rem;margin:2rem 0 .75rem}
h3{font-size:1.15rem;margin:1.75rem 0 .5rem;padding-top:.5rem;border-top:1px solid var(--line)}
a{color:var(--link);text-underline-offset:.15em}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.meta{color:var(--muted);margin:0}
.meta span+span::before{content:" · "}
.skip{position:absolute;left:.5rem;top:-20rem;z-index:10;background:var(--bg);color:var(--link);padding:.5rem 1rem;border:2px solid var(--focus)}
.skip:focus{top:.5rem}
.vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.player{background:var(--panel);border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
@media (min-height:40rem){.player{position:sticky;top:0;z-index:5}}
.player h2{margin:0 0 .5rem;font-size:1.1rem}
audio{width:100%;display:block}
.tools{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin-top:.5rem}
.tools[hidden]{display:none}
button,select{font:inherit;font-size:1rem;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:.35rem;padding:.3rem .7rem;min-height:2.25rem}
button:hover{background:var(--panel)}
label,.speed{white-space:nowrap}
nav ol{padding-left:1.5rem;margin:0}
nav li{margin:.2rem 0}
nav a[aria-current]{font-weight:700}
.time{color:var(--muted);font-variant-numeric:tabular-nums}
.cue{margin:.15rem 0;padding:.25rem .5rem;border-radius:.25rem;border-left:4px solid transparent}
.cue .at{font-size:.9rem;font-variant-numeric:tabular-nums;margin-right:.4rem}
.who{display:block;font-weight:700;margin-top:.75rem}
.cue.now{background:var(--now-bg);color:var(--now-fg);border-left-color:var(--focus)}
kbd{font:inherit;font-size:.95rem;border:1px solid var(--muted);border-radius:.25rem;padding:0 .35rem;background:var(--panel)}
dl.keys{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.keys dd{margin:0}
footer.site{margin:3rem 0 2rem;padding-top:1rem;border-top:1px solid var(--line);color:var(--muted)}
ol.episodes{list-style:none;padding:0}
ol.episodes li{padding:.75rem 0;border-bottom:1px solid var(--line)}
ol.episodes .title{font-size:1.2rem;font-weight:700}
""".strip()

SCRIPT = """
(function () {
  "use strict";
  var audio = document.getElementById("audio");
  if (!audio) return;
  var cues = Array.prototype.slice.call(document.querySelectorAll(".cue[data-start]"));
  var cueStarts = cues.map(function (c) { return +c.dataset.start; });
  var chapterLinks = Array.prototype.slice.call(document.querySelectorAll("#chapitres a[data-start]"));
  var chapterStarts = chapterLinks.map(function (a) { return +a.dataset.start; });
  var follow = document.getElementById("suivre");
  var speed = document.getElementById("vitesse");
  var current = null, currentChapter = null, userMovedAt = -1e9, seeking = false;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Array.prototype.forEach.call(document.querySelectorAll("[data-js-only]"), function (el) { el.hidden = false; });

  function lastAtOrBefore(starts, t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.001) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function seek(t, play) {
    seeking = true;  // the listener moved: show where, even while paused
    var end = isFinite(audio.duration) ? audio.duration : Infinity;
    audio.currentTime = Math.max(0, Math.min(t, end));
    if (play && audio.paused) {
      var p = audio.play();
      if (p && p.catch) p.catch(function () {});
    }
  }
  function toggle() {
    if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); } else { audio.pause(); }
  }
  function chapter(step) {
    var t = audio.currentTime, i = lastAtOrBefore(chapterStarts, t);
    if (step < 0 && i >= 0 && t - chapterStarts[i] > 3) step = 0;  // first back to this chapter's start
    var j = Math.max(0, Math.min(chapterStarts.length - 1, i + step));
    if (chapterStarts.length) seek(chapterStarts[j], false);
  }
  function inView(el) {
    var r = el.getBoundingClientRect(), player = document.querySelector(".player");
    var top = player && getComputedStyle(player).position === "sticky" ? player.getBoundingClientRect().bottom : 0;
    return r.top >= top && r.bottom <= window.innerHeight;
  }
  function update() {
    var i = lastAtOrBefore(cueStarts, audio.currentTime);
    var cue = i >= 0 ? cues[i] : null;
    if (cue !== current) {
      if (current) { current.classList.remove("now"); current.removeAttribute("aria-current"); }
      current = cue;
      if (cue) {
        cue.classList.add("now");
        cue.setAttribute("aria-current", "true");
        // Kept in view while playing or after a seek, unless turned off or the listener
        // scrolled in the last 5 s; never on load, which would jump past the page's top.
        if ((seeking || !audio.paused) && follow && follow.checked && performance.now() - userMovedAt > 5000 && !inView(cue)) {
          cue.scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
        }
      }
    }
    if (audio.seeking === false) seeking = false;
    var c = lastAtOrBefore(chapterStarts, audio.currentTime), link = c >= 0 ? chapterLinks[c] : null;
    if (link !== currentChapter) {
      if (currentChapter) currentChapter.removeAttribute("aria-current");
      currentChapter = link;
      if (link) link.setAttribute("aria-current", "true");
    }
  }
  ["timeupdate", "seeked", "loadedmetadata"].forEach(function (n) { audio.addEventListener(n, update); });
  ["wheel", "touchmove"].forEach(function (n) {
    window.addEventListener(n, function () { userMovedAt = performance.now(); }, { passive: true });
  });

  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-start]");
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    seek(+a.dataset.start, true);
  });
  var actions = {
    "recul": function () { seek(audio.currentTime - SKIP, false); },
    "avance": function () { seek(audio.currentTime + SKIP, false); },
    "precedent": function () { chapter(-1); },
    "suivant": function () { chapter(1); }
  };
  var SKIP = +document.body.dataset.skip || 10;
  Array.prototype.forEach.call(document.querySelectorAll("button[data-action]"), function (b) {
    b.addEventListener("click", function () { actions[b.dataset.action](); });
  });

  function setRate(rate) {
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
  }
  if (speed) {
    try {
      var saved = localStorage.getItem("briefing.vitesse");
      if (saved && speed.querySelector('option[value="' + saved + '"]')) { speed.value = saved; setRate(+saved); }
    } catch (err) { /* storage may be off (private mode, file://): the default speed stays */ }
    speed.addEventListener("change", function () {
      setRate(+speed.value);
      try { localStorage.setItem("briefing.vitesse", speed.value); } catch (err) { /* not kept, still applied */ }
    });
  }

  // Shortcuts: never with Ctrl, Alt or Meta (those belong to the browser and screen readers),
  // never while typing in a field. Space is left alone: the browser's own player already plays
  // and pauses with it when it has the focus, and everywhere else it scrolls or activates.
  var keys = { "k": toggle, "j": actions.recul, "l": actions.avance, "p": actions.precedent, "s": actions.suivant };
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
    var el = e.target;
    if (el && el.closest && el.closest("input, select, textarea, [contenteditable]")) return;
    var run = keys[(e.key || "").toLowerCase()];
    if (run && !e.shiftKey) { e.preventDefault(); run(); }
    else if (["ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"].indexOf(e.key) >= 0) { userMovedAt = performance.now(); }
  });
  update();
})();
""".strip()


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# media-src 'self': the MP3 beside the page; img-src data: only for the empty favicon.
CSP = (
    f"default-src 'none'; media-src 'self'; img-src data:; style-src {_csp_hash(STYLE)}; "
    f"script-src {_csp_hash(SCRIPT)}; base-uri 'none'; form-action 'none'"
)
INDEX_CSP = f"default-src 'none'; img-src data:; style-src {_csp_hash(STYLE)}; base-uri 'none'; form-action 'none'"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _href(name: str, seconds: float | None = None) -> str:
    """A relative URL to a file beside the page (escaped for an attribute), with a media fragment."""
    url = quote(name)
    if seconds is not None:
        url += f"#t={_secs(seconds)}"
    return _e(url)


def _secs(seconds: float) -> str:
    return f"{seconds:.3f}".rstrip("0").rstrip(".") or "0"


def clock(ms: int) -> str:
    """2:05 or 1:02:05: how a player shows a time."""
    total = max(0, round(ms / 1000))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def spoken_duration(ms: int) -> str:
    """'3 min 12 s', '1 h 02 min', '45 s': a duration as French text."""
    total = max(0, round(ms / 1000))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


def french_date(value: str | dt.date) -> str:
    """'mardi 24 novembre 2026' from an ISO date or a date; the input as is when unparsable."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {first} {_MONTHS[day.month - 1]} {day.year}"


def _source(source: str) -> str:
    """A source as HTML: a link for http(s) URLs, the file's name for a local file."""
    if source == "-":
        return "entrée standard"
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f'<a href="{_e(source)}" rel="noreferrer noopener">{_e(source)}</a>'
    return _e(PurePath(source).name or source)


def _head(title: str, csp: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<link rel="icon" href="data:,">\n'  # no request for /favicon.ico
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n"
    )


def to_html(page: Page) -> str:
    """The listening page of one episode, as a complete HTML document."""
    out: list[str] = [_head(f"{page.title} – écouter", CSP), "</head>\n"]
    out.append(f'<body data-skip="{SKIP_S}">\n')
    out.append('<a class="skip" href="#transcription">Aller à la transcription</a>\n')
    out.append('<header class="site"><div class="wrap">\n')
    if page.podcast:
        out.append(f'<p class="meta">{_e(page.podcast)}</p>\n')
    out.append(f"<h1>{_e(page.title)}</h1>\n<p class=\"meta\">")
    if page.date:
        out.append(f'<span>Publié le <time datetime="{_e(page.date)}">{_e(french_date(page.date))}</time></span>')
    out.append(f'<span>Durée : {_e(spoken_duration(page.duration_ms))}</span></p>\n')
    if page.sources:
        label = "Source" if len(page.sources) == 1 else "Sources"
        out.append(f'<p class="meta">{label} : ' + ", ".join(_source(s) for s in page.sources) + "</p>\n")
    out.append("</div></header>\n")

    out.append('<main id="contenu"><div class="wrap">\n')
    out.append('<section class="player" aria-labelledby="lecteur-titre">\n<h2 id="lecteur-titre">Lecteur</h2>\n')
    out.append(
        f'<audio id="audio" controls preload="metadata" src="{_href(page.audio)}" aria-label="Épisode : {_e(page.title)}">'
        f'<a href="{_href(page.audio)}">Télécharger le MP3</a></audio>\n'
    )
    out.append('<div class="tools" role="group" aria-label="Commandes de lecture" data-js-only hidden>\n')
    out.append(f'<button type="button" data-action="recul" aria-keyshortcuts="J">− {SKIP_S} s<span class="vh"> (reculer)</span></button>\n')
    out.append(f'<button type="button" data-action="avance" aria-keyshortcuts="L">+ {SKIP_S} s<span class="vh"> (avancer)</span></button>\n')
    out.append('<button type="button" data-action="precedent" aria-keyshortcuts="P">Chapitre précédent</button>\n')
    out.append('<button type="button" data-action="suivant" aria-keyshortcuts="S">Chapitre suivant</button>\n')
    out.append('<span class="speed"><label for="vitesse">Vitesse</label> <select id="vitesse">')
    for rate in SPEEDS:
        selected = " selected" if rate == 1.0 else ""
        out.append(f'<option value="{rate:g}"{selected}>{str(rate).replace(".", ",").rstrip("0").rstrip(",")}×</option>')
    out.append("</select></span>\n")
    out.append('<label><input type="checkbox" id="suivre" checked> Suivre la lecture</label>\n')
    out.append("</div>\n</section>\n")

    out.append('<nav id="chapitres" aria-labelledby="chapitres-titre">\n<h2 id="chapitres-titre">Chapitres</h2>\n<ol>\n')
    for chapter in page.chapters:
        out.append(
            f'<li><a href="{_href(page.audio, chapter.start_ms / 1000)}" data-start="{_secs(chapter.start_ms / 1000)}">'
            f'{_e(chapter.title)}</a> <span class="time">({_e(clock(chapter.start_ms))})</span></li>\n'
        )
    out.append("</ol>\n</nav>\n")
    out.append("<noscript><p>Sans JavaScript, un lien de chapitre ou d'horaire ouvre l'audio à ce moment-là.</p></noscript>\n")

    out.append('<section id="transcription" aria-labelledby="transcription-titre" tabindex="-1">\n')
    out.append('<h2 id="transcription-titre">Transcription</h2>\n')
    out.extend(_transcript(page))
    out.append("</section>\n")

    out.append('<section aria-labelledby="raccourcis-titre" data-js-only hidden>\n<h2 id="raccourcis-titre">Raccourcis clavier</h2>\n')
    out.append(
        "<p>Ils ne servent que lorsque le focus n'est pas dans un champ, et jamais avec Ctrl, Alt ou Cmd. "
        "Avec un lecteur d'écran en mode navigation, passez en mode formulaire (ou utilisez les boutons du lecteur).</p>\n"
        '<dl class="keys">\n'
    )
    for key, what in SHORTCUTS:
        out.append(f"<dt><kbd>{_e(key)}</kbd></dt><dd>{_e(what)}</dd>\n")
    out.append("</dl>\n</section>\n</div></main>\n")

    out.append('<footer class="site"><div class="wrap">\n<p>Fichiers : ')
    links = [("MP3", page.audio), *page.files]
    out.append(", ".join(f'<a href="{_href(name)}">{_e(label)}</a>' for label, name in links))
    out.append("</p>\n</div></footer>\n")
    out.append(f"<script>{SCRIPT}</script>\n</body>\n</html>\n")
    return "".join(out)


def _transcript(page: Page) -> list[str]:
    """The cues under one h3 per chapter; a speaker's name is shown when the speaker changes."""
    out: list[str] = []
    starts = [c.start_ms for c in page.chapters]
    chapter_now: int | None = None
    speaker_now = None
    for n, cue in enumerate(page.cues):
        chapter = max((i for i, s in enumerate(starts) if s <= cue.start_ms), default=-1)
        if chapter != chapter_now:
            if chapter_now is not None:
                out.append("</div>\n")
            title = page.chapters[chapter].title if chapter >= 0 else page.title
            out.append(f'<h3 id="chapitre-{chapter + 1}">{_e(title)}</h3>\n<div class="chapter">\n')
            chapter_now, speaker_now = chapter, None
        if cue.speaker != speaker_now:
            out.append(f'<p class="who">{_e(cue.speaker)}</p>\n')
            speaker_now = cue.speaker
        start = cue.start_ms / 1000
        out.append(
            f'<p class="cue" id="cue-{n + 1}" data-start="{_secs(start)}" data-end="{_secs(cue.end_ms / 1000)}">'
            f'<a class="at" href="{_href(page.audio, start)}" data-start="{_secs(start)}">'
            f'<span class="vh">Écouter depuis </span>{_e(clock(cue.start_ms))}</a> {_e(cue.text)}</p>\n'
        )
    if page.cues:
        out.append("</div>\n")
    return out


def index_html(entries: list[IndexEntry], title: str = "Épisodes", feed: FeedLink | None = None) -> str:
    """The list of a folder's episodes, newest first as given, for `briefing serve`."""
    out = [_head(title, INDEX_CSP)]
    if feed:
        out.append(f'<link rel="alternate" type="{_e(feed.media_type)}" title="Flux du podcast" href="{_href(feed.href)}">\n')
    out.append("</head>\n<body>\n")
    out.append(f'<header class="site"><div class="wrap"><h1>{_e(title)}</h1>\n')
    count = len(entries)
    out.append(f'<p class="meta">{count} épisode{"s" if count != 1 else ""}, du plus récent au plus ancien</p>')
    out.append("</div></header>\n<main><div class=\"wrap\">\n")
    if entries:
        out.append('<ol class="episodes">\n')
        for entry in entries:
            out.append(
                f'<li><a class="title" href="{_href(entry.href)}">{_e(entry.title)}</a>\n'
                f'<p class="meta"><span><time datetime="{_e(entry.published.isoformat())}">{_e(french_date(entry.published))}</time></span>'
                f'<span>Durée : {_e(spoken_duration(round(entry.duration_s * 1000)))}</span>'
                f'<span><a href="{_href(entry.audio)}">MP3<span class="vh"> de « {_e(entry.title)} »</span></a></span></p></li>\n'
            )
        out.append("</ol>\n")
    else:
        out.append("<p>Aucun épisode dans ce dossier pour l'instant.</p>\n")
    out.append("</div></main>\n")
    if feed:
        out.append(f'<footer class="site"><div class="wrap"><p><a href="{_href(feed.href)}">Flux RSS du podcast</a></p></div></footer>\n')
    out.append("</body>\n</html>\n")
    return "".join(out)
