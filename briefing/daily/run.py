"""One run of `briefing publish CONFIG.toml`: today's briefing of what is new, the feed updated,
old episodes retired; all of it or nothing.

0. Check the state database before anything is written: an empty file, a file that is not
   SQLite, another program's database, or a damaged one is refused (exit 2), nothing changed.
1. Lock the show's folder (one run at a time) and finish what a killed run left: a pending
   episode's files and row go, the feed is written again from the state (byte-identical when
   nothing changed), a retired episode's files go. A state row that does not name an episode of
   this show (a path: `../x`, `/x`, `a/b`) is dropped with a warning; nothing it names is touched.
2. Read every source; keep the items never read, and those whose text changed by at least
   `[episode] changed` since they were (a typo fixed is not news; a rewritten article is).
   A source that cannot be read is a warning; all of them failing is an error.
3. Nothing new: nothing is rendered; say so (exit 0). Retention still applies.
4. Record the episode as pending, render it in a private folder beside the episodes, move its
   files into place under a name never used before, then, in one transaction, publish it, mark
   its items read and retire the episodes past retention: the commit point. Then write the feed
   and delete the retired episodes' files.

Retention orders the episodes by date, then edition number (-2 before -10), and keeps the newest
`[retention] episodes`, the new one among them, and those of the last `days` days (counted from
the newest date published). It never retires the episode the run has just published: one
backdated past retention (`--date` of an earlier day) stays in the feed, and the run says so; the
next run retires it. So every episode reaches the feed, and its items are read by listeners, before
it goes. A name once published is never used again, even once its episode is gone: its GUID is
unique for good.

Files are only ever deleted inside the show's folder, under names checked first (an episode name:
a date, a label, a number; no `/`, no `..`).

A run killed before the commit point leaves the previous feed and episodes as they were (the
next run removes the pending files); after it, the next run finishes the feed and the removals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from briefing.daily.config import ShowConfig
from briefing.daily.state import STATE_FILE, EpisodeRow, State, article_key, article_text, change, digest
from briefing.errors import BriefingError, InputError, RenderError
from briefing.inputs.sources import load_source
from briefing.model import Article
from briefing.pipeline import Options, Result, make_episode
from briefing.publish.episode import atomic_path, remove_stale_parts
from briefing.publish.feed import FeedOptions, write_feed
from briefing.publish.files import AUDIO, episode_paths
from briefing.text.dates import clock
from briefing.text.script import written_date

log = logging.getLogger(__name__)

LOCK_FILE = ".briefing-publish.lock"
# What an episode's name can be: its date, then the schedule label and the edition number, if any.
_EPISODE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}(?:-[a-z0-9][a-z0-9-]{0,60})?")


@dataclass(frozen=True)
class Item:
    """An article a source offers, and what the state says of it."""

    source: str
    key: str
    article: Article
    status: str  # "new", "changed" (read before, changed since), "read" (nothing to do)


@dataclass
class Report:
    """What a run did (or, with --dry-run, would do)."""

    date: dt.date
    items: list[Item] = field(default_factory=list)  # every item the sources offered
    chosen: list[Item] = field(default_factory=list)  # those the episode reads
    failed: dict[str, str] = field(default_factory=dict)  # source -> why it could not be read
    retired: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # past retention, but just published: kept until the next run
    episode: Path | None = None
    result: Result | None = None
    feed: Path | None = None
    feed_items: int = 0


def publish(config: ShowConfig, date: dt.date | None = None, dry_run: bool = False) -> Report:
    date = date or dt.date.today()
    folder = config.output_dir
    report = Report(date)
    state_path = folder / STATE_FILE
    # The state is checked before anything is written (read only, every page read): a file that is
    # not this show's, or damaged, is refused with nothing changed, not even the lock file made.
    state = State(state_path, readonly=True, thorough=True) if state_path.exists() else None
    if dry_run:
        try:
            _read_sources(config, state, report)
            if state is not None:
                published = [r for r in state.episodes("published") if _episode_name(r.name)]
                new = None
                if report.chosen:
                    name, edition = _name(config, date, state)
                    new = EpisodeRow(name, date.isoformat(), "pending", edition, "~")
                report.retired, report.kept = _past_retention(config, published, date, new)
        finally:
            if state is not None:
                state.close()
        return report
    if state is not None:
        state.close()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write in {folder}: {exc.strerror}") from None
    with _locked(folder):
        state = State(state_path)
        try:
            _recover(config, state)
            _read_sources(config, state, report)
            if report.chosen:
                _render_and_commit(config, state, report)
            else:
                report.retired, report.kept = _past_retention(config, state.episodes("published"), date)
                if report.retired:
                    state.retire(report.retired)
            report.feed, report.feed_items = _write_feed(config, state)
            _remove_retired(config, state)
        finally:
            state.close()
    return report


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One run at a time per show: a second one fails at once instead of racing the first."""
    with open(folder / LOCK_FILE, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RenderError(f"another `briefing publish` is running on {folder}; try again when it ends") from None
        yield


def _recover(config: ShowConfig, state: State) -> None:
    """Undo what a killed run left before its commit point; finish what it left after: the
    episodes it published are in the feed before this run may retire any of them."""
    remove_stale_parts(config.output_dir)  # its private work folder, its temporary files
    for row in state.episodes():
        if not _episode_name(row.name):
            log.warning(
                "state row %r is not an episode of this show (%s); dropped, nothing it names was touched",
                row.name,
                row.state,
            )
            state.forget(row.name)
    for row in state.episodes("pending"):
        _delete_files(config, row.name)
        state.forget(row.name)
        log.warning("%s: removed the unfinished episode of an interrupted run", row.name)
    if state.episodes("published") or state.episodes("retired"):
        _write_feed(config, state)
        _remove_retired(config, state)


def _read_sources(config: ShowConfig, state: State | None, report: Report) -> None:
    """Every source's newest items, each with its status; the episode's choice in report.chosen."""
    per_source: list[list[Item]] = []
    seen_keys, seen_digests = set(), set()
    for source in config.sources:
        try:
            articles = load_source(source.input, source.max_items)[: source.max_items]
        except BriefingError as exc:
            report.failed[source.input] = str(exc)
            log.warning("%s: skipped: %s", source.input, exc)
            per_source.append([])
            continue
        items = []
        for article in articles:
            key, text = article_key(article), article_text(article)
            hashed = digest(text)
            if key in seen_keys or hashed in seen_digests:  # the same item from two sources
                continue
            seen_keys.add(key)
            seen_digests.add(hashed)
            status = _status(config, state, key, text, hashed)
            item = Item(source.input, key, article, status)
            report.items.append(item)
            items.append(item)
        per_source.append([i for i in items if i.status != "read"])
    if len(report.failed) == len(config.sources):
        raise RenderError(f"no source could be read ({len(config.sources)} configured); nothing published")
    # In turn from each source, in the configuration's order, up to the episode's size.
    chosen: list[Item] = []
    while len(chosen) < config.max_items and any(per_source):
        for items in per_source:
            if items and len(chosen) < config.max_items:
                chosen.append(items.pop(0))
    report.chosen = chosen


def _status(config: ShowConfig, state: State | None, key: str, text: str, hashed: str) -> str:
    """new, changed or read: what the state says of the item `key` whose text (digest `hashed`) is `text`."""
    if state is None:
        return "new"
    known = state.known(key)
    if known is None:
        return "read" if state.seen_digest(hashed) else "new"
    if known.digest == hashed:
        return "read"
    return "changed" if change(known.text, text) >= config.changed else "read"


def _name(config: ShowConfig, date: dt.date, state: State) -> tuple[str, int]:
    """A name never used by this show, and the day's edition number: 2026-12-06-matin (1), then
    2026-12-06-matin-2 (2), ..."""
    base = date.isoformat() + (f"-{config.schedule}" if config.schedule else "")
    taken = state.used_names()  # retired ones included: a name, and its GUID, serve once
    name, n = base, 1
    while name in taken or any(p.exists() for p in episode_paths(config.output_dir / f"{name}.mp3").values()):
        n += 1
        name = f"{base}-{n}"
    return name, n


def _title(config: ShowConfig, date: dt.date, edition: int) -> str:
    """ "Briefing du samedi 6 décembre (matin)", "(matin, 2e édition)" for a second run that day."""
    extras = [config.schedule.replace("-", " ")] if config.schedule else []
    if edition > 1:
        extras.append(f"{edition}e édition")
    title = f"Briefing du {written_date(date)}"
    return f"{title} ({', '.join(extras)})" if extras else title


def _render_and_commit(config: ShowConfig, state: State, report: Report) -> None:
    folder, date = config.output_dir, report.date
    name, edition = _name(config, date, state)
    speak = config.speak.updated(
        {
            "title": _title(config, date, edition),
            "date": date,
            "briefing": True,
            "podcast": config.title,
            "cover": config.cover,
            "disclosure": config.spoken_disclosure,
            "disclosure_text": config.disclosure_text,
            "c2pa_key": config.c2pa_key,
            "c2pa_cert": config.c2pa_cert,
        }
    )
    state.begin_episode(name, date, edition)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".briefing-work-{os.getpid()}-publish-", dir=folder))
    except OSError as exc:
        with contextlib.suppress(BriefingError):
            state.forget(name)
        raise RenderError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        articles = [item.article for item in report.chosen]
        # Published now; a run for another day (--date) at this time of that day.
        now = dt.datetime.now().astimezone().replace(microsecond=0)
        published = now if date == now.date() else dt.datetime.combine(date, now.timetz())
        options = dataclasses.replace(Options.from_speak(speak), published=published)
        result = make_episode(
            [item.source for item in report.chosen], staging / f"{name}.mp3", options, articles=articles
        )
        target = folder / f"{name}.mp3"
        # Into place, the MP3 last: the feed and the state do not name it yet.
        staged = episode_paths(result.path)
        try:
            for kind, path in sorted(staged.items(), key=lambda kv: kv[0] is AUDIO):
                if path.exists():
                    os.replace(path, episode_paths(target)[kind])
        except OSError as exc:
            raise RenderError(
                f"cannot move episode {name} into {folder}: {exc.strerror}; nothing was published"
            ) from None
        published = [row for row in state.episodes("published") if _episode_name(row.name)]
        new = next(row for row in state.episodes("pending") if row.name == name)
        retire, kept = _past_retention(config, published, date, new)
        state.publish(name, date, [(i.key, i.source, i.article) for i in report.chosen], retire)
    except BaseException:
        # Its files, and its row if this process still can (else the next run removes them).
        with contextlib.suppress(BriefingError):
            _delete_files(config, name)
        with contextlib.suppress(BriefingError):
            state.forget(name)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.episode, report.result, report.retired, report.kept = target, result, retire, kept


def _past_retention(
    config: ShowConfig, published: list[EpisodeRow], today: dt.date, new: EpisodeRow | None = None
) -> tuple[list[str], list[str]]:
    """Of the `published` episodes and the `new` one being published, those retention removes,
    oldest first, and the new one if it is past retention: it is kept (never retired by the run
    that made it) until the next run. Ordered by date, then edition number."""
    ordered = sorted([*published, *([new] if new else [])], key=lambda r: r.order, reverse=True)  # newest first
    retire: set[str] = set()
    if config.keep_days is not None and ordered:
        # Counted from the newest day: a backdated run (--date) does not spare newer ones by age.
        latest = max(today, dt.date.fromisoformat(ordered[0].date))
        oldest = (latest - dt.timedelta(days=config.keep_days)).isoformat()
        retire |= {r.name for r in ordered if r.date < oldest}
    if config.keep_episodes is not None:
        retire |= {r.name for r in ordered[config.keep_episodes :]}
    kept = []
    if new is not None and new.name in retire:
        retire.discard(new.name)
        kept.append(new.name)
    return [r.name for r in reversed(ordered) if r.name in retire], kept


def _feed_options(config: ShowConfig) -> FeedOptions:
    image = None
    if config.cover is not None:
        image = config.base_url.rstrip("/") + "/" + "cover" + config.cover.suffix.lower()
    return FeedOptions(
        base_url=config.base_url,
        title=config.title,
        description=config.description,
        author=config.author,
        image=image,
        language=config.language,
    )


def _write_feed(config: ShowConfig, state: State) -> tuple[Path, int]:
    """The feed of the published episodes (written again on every run: byte-identical when
    nothing changed); the cover beside it, under the name the feed gives it."""
    folder = config.output_dir
    if config.cover is not None:
        cover = folder / ("cover" + config.cover.suffix.lower())
        data = config.cover.read_bytes()
        if not (cover.exists() and cover.read_bytes() == data):
            with atomic_path(cover) as tmp:
                tmp.write_bytes(data)
    paths = [folder / f"{row.name}.mp3" for row in state.episodes("published") if _episode_name(row.name)]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        raise RenderError(f"{folder}: published episode(s) missing: {', '.join(missing)}; the feed was left as it was")
    try:
        return write_feed(folder, _feed_options(config), paths)
    except OSError as exc:
        raise RenderError(f"cannot write the feed in {folder}: {exc.strerror}; the next run writes it") from None


def _remove_retired(config: ShowConfig, state: State) -> None:
    for row in state.episodes("retired"):
        _delete_files(config, row.name)
        state.forget(row.name)


def _episode_name(name: str) -> bool:
    """Whether `name` (from the state) can be an episode of a show: a date, a label, a number;
    never a path (`/`, `..`)."""
    return isinstance(name, str) and _EPISODE_NAME.fullmatch(name) is not None


def _episode_files(config: ShowConfig, name: str) -> list[Path]:
    """The files of the episode `name`, each checked to be directly inside the show's folder;
    none when the name is not an episode's (a state row is never followed out of the folder)."""
    if not _episode_name(name):
        log.warning("state row %r is not an episode of this show; nothing deleted for it", name)
        return []
    folder = config.output_dir.resolve()
    paths = [folder / p.name for p in episode_paths(folder / f"{name}.mp3").values()]
    # The folder itself is resolved (it may be a link); the files are never followed: a link among
    # them is removed, not what it points to.
    return [p for p in paths if p.parent == folder and p.name.startswith(name) and ".." not in p.name]


def _delete_files(config: ShowConfig, name: str) -> None:
    for path in _episode_files(config, name):
        try:
            if path.is_dir() and not path.is_symlink():
                log.warning("%s is a folder, not an episode's file; left in place", path)
                continue
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise RenderError(f"cannot remove {path}: {exc.strerror}") from None


def summary(report: Report, dry_run: bool = False) -> str:
    """What the run did (or would do), a few lines for people."""
    lines = []
    offered = len(report.items)
    fresh = [i for i in report.items if i.status != "read"]
    if dry_run:
        lines.append(f"dry run for {report.date.isoformat()}: the sources were read; nothing is rendered or changed")
        for item in report.chosen:
            lines.append(f"  would read ({item.status}): {item.article.title} [{item.source}]")
        left = len(fresh) - len(report.chosen)
        if left:
            lines.append(f"  {left} more new item(s) over the episode's max_items")
    if report.failed:
        lines.append(f"{len(report.failed)} source(s) could not be read: " + "; ".join(report.failed))
    if not report.chosen:
        lines.append(f"nothing new: {offered} item(s) offered, all published before; nothing rendered")
    elif report.result is not None:
        r = report.result
        changed = sum(i.status == "changed" for i in report.chosen)
        lines.append(
            f"published {report.episode.name}: {len(report.chosen)} article(s) ({changed} updated), "
            f"{offered - len(fresh)} already published; audio {clock(r.duration_ms / 1000)}, wall {r.wall_s:.1f} s"
        )
    if report.retired:
        verb = "would remove" if dry_run else "removed"
        lines.append(f"{verb} past retention: {', '.join(report.retired)}")
    if report.kept:
        verb = "would keep" if dry_run else "kept"
        lines.append(
            f"{verb} {', '.join(report.kept)} although past retention: just published, it stays in the feed "
            "until the next run"
        )
    if report.feed is not None:
        lines.append(f"feed: {report.feed} ({report.feed_items} episode{'s' if report.feed_items != 1 else ''})")
    return "\n".join(lines)
