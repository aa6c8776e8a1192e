"""The embeddable player (issue 31) in a real browser: `briefing serve --api` in its own process
renders an article; a page of another origin (a news site's article, served on another port of
127.0.0.1) holds `<briefing-player src=".../v1/episodes/ID">` and one script tag for
/v1/embed.js. Debian's headless Chromium, axe-core, the keyboard alone."""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest
from browser import SIZES, console_errors, emulated, run_axe, wait_for
from helpers import ROOT, ApiServer

from briefing.api.store import Store

ARTICLE = (ROOT / "examples" / "orage-bretagne.txt").read_text(encoding="utf-8")
PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>Tempête en Bretagne - Le Quotidien</title></head>
<body><main><h1>Tempête en Bretagne</h1>
<briefing-player src="{api}/v1/episodes/{id}"></briefing-player>
{paragraphs}
</main><script src="{api}/v1/embed.js"></script></body></html>
"""

# The component's parts, reached through its shadow root.
SHADOW = "return document.querySelector('briefing-player').shadowRoot"
AUDIO = SHADOW + ".querySelector('audio')"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL of the article site, its origin's API, the job's id, the key)."""
    root = tmp_path_factory.mktemp("embed")
    pages = root / "site"
    pages.mkdir()
    handler = functools.partial(Quiet, directory=str(pages))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    folder = root / "api"
    folder.mkdir()
    key = Store(folder).add_key("site")
    api = ApiServer(folder, root / "cache")  # no --cors-origin: the episode's files are public to any site
    try:
        job_id = api.post(key, {"text": ARTICLE})
        assert api.finish(key, [job_id])[0]["status"] == "done"
        text = "\n".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:] * 4)  # a page taller than the window
        (pages / "article.html").write_text(PAGE.format(api=api.base, id=job_id, paragraphs=text), encoding="utf-8")
        (pages / "pas-pret.html").write_text(
            PAGE.format(api=api.base, id="0123456789abcdef", paragraphs=text), encoding="utf-8"
        )
        yield origin, api.base, job_id, folder
    finally:
        api.stop()
        httpd.shutdown()


def open_article(driver, url):
    driver.get(url)
    wait_for(driver, SHADOW + " && " + SHADOW[7:] + ".querySelector('.transcript p')")
    wait_for(driver, "var a = " + AUDIO[7:] + "; return a && a.readyState >= 1")
    driver.execute_script("var a = " + AUDIO[7:] + "; a.muted = true;")


def shadow(driver, selector):
    return driver.execute_script(SHADOW + ".querySelector(arguments[0])", selector)


def audio(driver, prop):
    return driver.execute_script(AUDIO + f".{prop}")


def vtt_cues(folder, job_id):
    return re.findall(r"^\d\d:\d\d:\d\d\.\d+ --> ", (folder / f"{job_id}.vtt").read_text(encoding="utf-8"), re.M)


def test_the_script_is_public_and_the_player_shows_the_whole_episode(browser, site):
    origin, _api, job_id, folder = site
    browser.get_log("browser")
    open_article(browser, origin + "/article.html")
    paragraphs = browser.execute_script(SHADOW + ".querySelectorAll('.transcript p, .transcript h3').length")
    assert paragraphs == len(vtt_cues(folder, job_id))  # every cue, nothing else
    headings = browser.execute_script(SHADOW + ".querySelectorAll('.transcript h3').length")
    chapters = browser.execute_script(SHADOW + ".querySelectorAll('ol.chapters button').length")
    assert headings == chapters == 2  # the title and "Trains supprimés"
    who = browser.execute_script(SHADOW + ".querySelector('.transcript .who').textContent")
    assert who == "Yann Le Gall : "  # a quotation says whose it is
    assert browser.execute_script("return window.scrollY") == 0
    assert console_errors(browser) == []


def test_buttons_slider_chapters_and_speed_move_the_audio(browser, site):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    origin, _api, _job, _folder = site
    open_article(browser, origin + "/article.html")
    play = shadow(browser, "button.play")
    play.click()
    wait_for(browser, AUDIO + ".currentTime > 0.3")
    wait_for(browser, "return arguments[0].textContent === 'Pause'", play)
    wait_for(browser, SHADOW + ".querySelector('.transcript [aria-current]')")
    play.click()
    # the page's answers come with the audio's events (pause, seeked, timeupdate): waited for
    wait_for(browser, "return arguments[0].textContent === 'Lire'", play)
    assert audio(browser, "paused")
    buttons = browser.execute_script(SHADOW + ".querySelectorAll('button')")
    by_text = {b.get_attribute("textContent").split(" (")[0]: b for b in buttons}
    by_text["Chapitre suivant"].click()
    wait_for(browser, AUDIO + ".currentTime > 27 && " + AUDIO[7:] + ".currentTime < 28")  # "Trains supprimés"
    wait_for(browser, SHADOW + ".querySelector('ol.chapters li:nth-child(2) button[aria-current=true]')")
    by_text["+ 15 s"].click()
    wait_for(browser, AUDIO + ".currentTime > 42")
    by_text["− 15 s"].click()
    by_text["− 15 s"].click()
    wait_for(browser, AUDIO + ".currentTime < 14")
    slider = shadow(browser, "input[type=range]")
    before = audio(browser, "currentTime")
    slider.send_keys(Keys.ARROW_RIGHT)  # the slider by keyboard: 5 s a step, 30 s a page
    wait_for(browser, AUDIO + ".currentTime >= arguments[0] + 4.9", before)
    slider.send_keys(Keys.PAGE_UP)
    wait_for(browser, AUDIO + ".currentTime >= arguments[0] + 34.9", before)
    slider.send_keys(Keys.HOME)
    wait_for(browser, AUDIO + ".currentTime === 0")
    # a time in words, out of the total
    wait_for(browser, "return arguments[0].getAttribute('aria-valuetext') === '0 seconde sur 50 secondes'", slider)
    Select(shadow(browser, "select")).select_by_value("1.5")
    assert audio(browser, "playbackRate") == 1.5 and audio(browser, "preservesPitch") is True
    open_article(browser, origin + "/article.html")  # the speed is kept, like the listening page's
    assert Select(shadow(browser, "select")).first_selected_option.text == "1,5×"
    assert audio(browser, "playbackRate") == 1.5
    Select(shadow(browser, "select")).select_by_value("1")


def test_following_scrolls_its_own_box_never_the_article_and_yields_to_the_reader(browser, site):
    origin, _api, _job, _folder = site
    open_article(browser, origin + "/article.html")
    box = SHADOW + ".querySelector('.transcript')"
    browser.execute_script("window.scrollTo(0, 40)")
    browser.execute_script(AUDIO + ".currentTime = 45")
    wait_for(browser, box + ".scrollTop > 0")
    assert browser.execute_script("return window.scrollY") == 40  # the article stays where it was
    browser.execute_script(box + ".dispatchEvent(new WheelEvent('wheel', {deltaY: -100}))")
    wait_for(
        browser,
        "return Array.from("
        + SHADOW[7:]
        + ".querySelectorAll('button')).some(b => b.textContent === 'Reprendre le suivi' && !b.hidden)",
    )
    browser.execute_script(box + ".scrollTop = 0")
    marked = browser.execute_script(SHADOW + ".querySelector('.transcript [aria-current]')")
    browser.execute_script(AUDIO + ".currentTime = 30")
    wait_for(
        browser,
        "var m = " + SHADOW[7:] + ".querySelector('.transcript [aria-current]'); return m && m !== arguments[0]",
        marked,
    )
    assert browser.execute_script(box + ".scrollTop") == 0  # not taken back while the reader reads
    resume = browser.execute_script(
        "return Array.from("
        + SHADOW[7:]
        + ".querySelectorAll('button')).find(b => b.textContent === 'Reprendre le suivi')"
    )
    resume.click()
    wait_for(browser, box + ".scrollTop > 0")
    assert browser.execute_script("return window.scrollY") == 40


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_wcag_22_aa_by_axe(browser, site, scheme, size):
    """No violation at all, inside the component's shadow root too, with a sentence marked."""
    origin, _api, _job, _folder = site
    with emulated(browser, SIZES[size], scheme):
        open_article(browser, origin + "/article.html")
        browser.execute_script(AUDIO + ".currentTime = 20")
        wait_for(browser, SHADOW + ".querySelector('.transcript [aria-current]')")
        assert run_axe(browser) == []
        wide = browser.execute_script("return document.documentElement.scrollWidth <= innerWidth")
        assert wide  # nothing wider than a 320 px window
    assert console_errors(browser) == []


FOCUSED = """
var e = document.activeElement;
while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
var r = e.getBoundingClientRect(), s = getComputedStyle(e);
return {what: e.tagName + ' ' + (e.getAttribute('aria-label') || e.textContent.trim().slice(0, 30)),
        inPlayer: e.getRootNode() !== document, body: e === document.body, width: r.width, height: r.height,
        visible: r.top >= 0 && r.bottom <= innerHeight && r.width > 0,
        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2};
"""


@pytest.mark.parametrize("size", SIZES)
def test_the_keyboard_alone_reaches_and_works_every_control(browser, site, size):
    """Tab through the page: every stop in the player is at least 24 x 24 px by its own size, on
    screen, with a visible focus ring; Enter on the play button plays; Tab itself plays nothing."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    origin, _api, _job, _folder = site
    with emulated(browser, SIZES[size]):
        open_article(browser, origin + "/article.html")
        browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        stops, problems = [], []
        for _ in range(40):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            now = browser.execute_script(FOCUSED)
            if now["body"] or not now["inPlayer"]:
                if stops:
                    break
                continue
            stops.append(now["what"])
            small = now["width"] < 24 or now["height"] < 24
            if small or not now["visible"] or not now["outline"]:
                problems.append(now)
        assert problems == []
        assert len(stops) >= 10, stops  # play, -15, +15, slider, speed, follow, 2 chapter steps, chapters, transcript
        assert any(s.startswith("INPUT Position") for s in stops) and any("Chapitre suivant" in s for s in stops)
        assert audio(browser, "paused")
        shadow(browser, "button.play").send_keys(Keys.ENTER)
        wait_for(browser, "return !" + AUDIO[7:] + ".paused")
        shadow(browser, "button.play").send_keys(Keys.SPACE)
        wait_for(browser, AUDIO + ".paused")


def test_an_episode_not_made_yet_is_said_so(browser, site):
    origin, _api, _job, _folder = site
    browser.get(origin + "/pas-pret.html")
    wait_for(
        browser,
        SHADOW + " && " + SHADOW[7:] + ".querySelector('[role=status]').textContent.includes('pas encore prêt')",
    )
    assert browser.execute_script(SHADOW + ".querySelector('audio')") is None
    # the 404s of the files looked for are the browser's own notes, not the component's errors
    assert [e for e in console_errors(browser) if "404" not in e["message"]] == []
