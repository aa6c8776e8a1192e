"""The listening page in a real browser: Debian's headless Chromium driven by selenium, on pages
served by `briefing serve` on 127.0.0.1. One browser for the whole module.

These tests fail (never skip) when Chromium, its driver or axe-core is missing: `make test`
installs them (apt: chromium, chromium-driver, npm; npm: axe-core into .tools/)."""

import dataclasses
import os
import re

import pytest
from browser import SIZES, console_errors, emulated, run_axe, wait_for
from helpers import hostile_page

from briefing.publish.page import to_html
from briefing.publish.serve import ServeOptions, serve_in_thread

EPISODE = "briefing-2026-11-24"


@pytest.fixture(scope="module")
def site(episode_folder):
    server, _ = serve_in_thread(ServeOptions(episode_folder, port=0))
    yield server.url
    server.shutdown()
    server.server_close()


# A folder of five episodes for the index's search: the fixture's briefing with its page, and
# copies of its MP3 under other titles and dates (what the index reads from the tags).
SHELF = [
    ("un-episode-plus-ancien", "Un épisode plus ancien", "2026-11-20"),
    ("briefing-2026-11-02", "Briefing du lundi 2 novembre", "2026-11-02"),
    ("maree", "La marée du siècle à Saint-Malo", "2026-10-03"),
    ("rentree", "École : la rentrée des classes", "2026-09-01"),
]


@pytest.fixture(scope="module")
def shelf(episode_folder, tmp_path_factory):
    import shutil

    from mutagen.id3 import ID3, TDRC, TIT2

    folder = tmp_path_factory.mktemp("shelf")
    for suffix in (".mp3", ".html"):
        os.link(episode_folder / f"{EPISODE}{suffix}", folder / f"{EPISODE}{suffix}")
    for name, title, date in SHELF:
        shutil.copyfile(episode_folder / f"{EPISODE}.mp3", folder / f"{name}.mp3")
        tags = ID3(folder / f"{name}.mp3")
        tags.setall("TIT2", [TIT2(encoding=3, text=title)])
        tags.setall("TDRC", [TDRC(encoding=3, text=date)])
        tags.save(folder / f"{name}.mp3")
    server, _ = serve_in_thread(ServeOptions(folder, port=0))
    yield server.url
    server.shutdown()
    server.server_close()


def seek_with(driver, action):
    """Do `action`, which makes the page seek the audio, and wait until that seek is done."""
    driver.execute_script(
        "window.__seeked = false;"
        "document.getElementById('audio').addEventListener('seeked', function () { window.__seeked = true; }, {once: true});"
    )
    action()
    wait_for(driver, "return window.__seeked")


def settled(driver):
    """Wait until the page has stopped scrolling (a smooth scroll is over); return where it is."""
    wait_for(driver, "var y = window.scrollY; return new Promise(r => setTimeout(() => r(window.scrollY === y), 200))")
    return driver.execute_script("return window.scrollY")


def open_page(driver, url):
    driver.get(url)
    wait_for(driver, "return document.readyState === 'complete' && document.getElementById('audio').readyState >= 1")
    driver.execute_script("var a = document.getElementById('audio'); a.pause(); a.muted = true;")


def audio(driver, prop):
    return driver.execute_script(f"return document.getElementById('audio').{prop}")


def test_page_loads_without_console_errors(browser, site):
    browser.get_log("browser")  # start clean
    open_page(browser, site + f"{EPISODE}.html")
    assert browser.execute_script("return document.documentElement.lang") == "fr"
    assert browser.title.startswith("Briefing du mardi 24 novembre")
    assert audio(browser, "duration") > 30  # the MP3 loaded through the server's range requests
    # With JavaScript, the buttons, the speed choice and the shortcuts appear.
    from selenium.webdriver.common.by import By

    assert browser.find_element(By.CSS_SELECTOR, ".tools").is_displayed()
    assert browser.find_element(By.ID, "raccourcis-titre").is_displayed()
    assert console_errors(browser) == []


def test_activating_a_chapter_seeks_there(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site + f"{EPISODE}.html")
    link = browser.find_elements(By.CSS_SELECTOR, "#chapitres a.article")[2]
    start = float(link.get_attribute("data-start"))
    assert start > 20
    seek_with(browser, link.click)
    now = audio(browser, "currentTime")
    assert start - 0.05 <= now <= start + 2, now
    assert not audio(browser, "paused")  # and it plays from there
    assert browser.current_url == site + f"{EPISODE}.html"  # no navigation away
    assert link.get_attribute("aria-current") == "true"
    # Keyboard: Enter on a focused chapter link does the same.
    first = browser.find_elements(By.CSS_SELECTOR, "#chapitres a.article")[1]
    browser.execute_script("arguments[0].focus()", first)
    from selenium.webdriver.common.keys import Keys

    seek_with(browser, lambda: first.send_keys(Keys.ENTER))
    assert abs(audio(browser, "currentTime") - float(first.get_attribute("data-start"))) < 2
    browser.execute_script("document.getElementById('audio').pause()")
    assert console_errors(browser) == []


def test_playback_highlights_the_cue_being_spoken(browser, site):
    open_page(browser, site + f"{EPISODE}.html")
    cues = browser.execute_script(
        "return Array.from(document.querySelectorAll('.cue')).map(c => [c.id, +c.dataset.start, +c.dataset.end])"
    )
    cue_id, start, end = cues[5]
    # Real playback (muted): from just before the cue until the browser is inside it.
    browser.execute_script(
        "var a = document.getElementById('audio'); a.currentTime = arguments[0]; a.play();", max(0, start - 0.3)
    )
    wait_for(browser, "return document.getElementById('audio').currentTime > arguments[0]", start + 0.25)
    wait_for(browser, "var c = document.querySelector('.cue.now'); return c && c.id === arguments[0]", cue_id)
    browser.execute_script("document.getElementById('audio').pause()")
    assert browser.execute_script("return document.querySelectorAll('.cue.now, .cue[aria-current]').length") == 1
    assert (
        browser.execute_script("return document.getElementById(arguments[0]).getAttribute('aria-current')", cue_id)
        == "true"
    )

    # On load the page stays at its top; once playback reaches a cue far down the transcript,
    # that cue is brought into view.
    open_page(browser, site + f"{EPISODE}.html")
    assert browser.execute_script("return window.scrollY") == 0
    last_id, last_start, _ = cues[-1]
    browser.execute_script(
        "var a = document.getElementById('audio'); a.currentTime = arguments[0]; a.play();", last_start - 0.3
    )
    wait_for(browser, "var c = document.querySelector('.cue.now'); return c && c.id === arguments[0]", last_id)
    browser.execute_script("document.getElementById('audio').pause()")
    assert browser.execute_script("return window.scrollY") > 0
    wait_for(
        browser,
        "var r = document.getElementById(arguments[0]).getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight",
        last_id,
    )
    assert console_errors(browser) == []


def test_speed_control(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, site + f"{EPISODE}.html")
    select = Select(browser.find_element(By.ID, "vitesse"))
    assert [o.text for o in select.options] == ["0,75×", "1×", "1,25×", "1,5×", "1,75×", "2×"]
    select.select_by_value("1.5")
    assert audio(browser, "playbackRate") == 1.5
    open_page(browser, site + f"{EPISODE}.html")  # kept for the next page
    assert audio(browser, "playbackRate") == 1.5
    Select(browser.find_element(By.ID, "vitesse")).select_by_value("1")
    assert audio(browser, "playbackRate") == 1


def test_keyboard_skip_link_focus_and_shortcuts(browser, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(browser, site + f"{EPISODE}.html")
    keys = ActionChains(browser)
    keys.send_keys(Keys.TAB).perform()
    skip = browser.switch_to.active_element
    assert skip.text == "Aller à la transcription" and skip.is_displayed()
    outline = browser.execute_script(
        "var s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]"
    )
    assert outline[0] == "solid" and outline[1] >= 2  # visible focus
    keys.send_keys(Keys.ENTER).perform()
    assert browser.execute_script("return document.activeElement.id") == "transcription"

    chapters = browser.execute_script(
        "return Array.from(document.querySelectorAll('#chapitres a.article')).map(a => +a.dataset.start)"
    )
    ActionChains(browser).send_keys("l").perform()
    assert abs(audio(browser, "currentTime") - 10) < 0.5
    ActionChains(browser).send_keys("j").perform()
    assert audio(browser, "currentTime") < 0.5
    ActionChains(browser).send_keys("s").perform()
    assert abs(audio(browser, "currentTime") - chapters[1]) < 0.05
    ActionChains(browser).send_keys("s").perform()
    assert abs(audio(browser, "currentTime") - chapters[2]) < 0.05
    ActionChains(browser).send_keys("p").perform()
    assert abs(audio(browser, "currentTime") - chapters[1]) < 0.05
    # Not with a modifier (the browser's and screen readers' own), not while in a form field.
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("l").key_up(Keys.CONTROL).perform()
    assert abs(audio(browser, "currentTime") - chapters[1]) < 0.05
    browser.execute_script("document.getElementById('suivre').focus()")
    ActionChains(browser).send_keys("l").perform()
    assert abs(audio(browser, "currentTime") - chapters[1]) < 0.05
    # K plays and pauses from anywhere but a field; Space is the browser's, on the player.
    browser.execute_script("document.getElementById('transcription').focus()")
    ActionChains(browser).send_keys("k").perform()
    assert not audio(browser, "paused")
    ActionChains(browser).send_keys("k").perform()
    assert audio(browser, "paused")
    browser.execute_script("document.getElementById('audio').focus()")
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    wait_for(browser, "return !document.getElementById('audio').paused")
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    wait_for(browser, "return document.getElementById('audio').paused")
    assert console_errors(browser) == []


def test_keyboard_moves_by_paragraph_and_heading_and_says_where_on_request(browser, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(browser, site + f"{EPISODE}.html")
    starts = browser.execute_script(
        "return [Array.from(document.querySelectorAll('.block[data-start]')).map(b => [b.id, +b.dataset.start]),"
        " Array.from(document.querySelectorAll('h3.article[data-start], h4.block[data-start]')).map(h => [h.id, +h.dataset.start])]"
    )
    blocks, headings = starts
    assert len(blocks) > 6 and len(headings) >= 4  # 3 articles (the intro one) and sub-headings

    def now():
        return audio(browser, "currentTime"), browser.execute_script("return document.activeElement.id")

    browser.execute_script("document.getElementById('transcription').focus()")
    ActionChains(browser).send_keys("n").perform()  # from the start: the first paragraph
    t, focused = now()
    assert focused == blocks[0][0] and abs(t - blocks[0][1]) < 0.05
    ActionChains(browser).send_keys("n").send_keys("n").perform()
    t, focused = now()
    assert focused == blocks[2][0] and abs(t - blocks[2][1]) < 0.05
    ActionChains(browser).key_down(Keys.SHIFT).send_keys("n").key_up(Keys.SHIFT).perform()
    t, focused = now()
    assert focused == blocks[1][0] and abs(t - blocks[1][1]) < 0.05  # back: the paragraph before
    ActionChains(browser).send_keys("t").perform()  # the next heading after that paragraph
    t, focused = now()
    following = next(h for h in headings if h[1] > blocks[1][1] + 0.001)
    assert focused == following[0] and abs(t - following[1]) < 0.05
    ActionChains(browser).send_keys("t").perform()
    ActionChains(browser).key_down(Keys.SHIFT).send_keys("t").key_up(Keys.SHIFT).perform()
    t, focused = now()
    assert focused == following[0]  # back to it
    # Nothing is said until asked; I says the article, who speaks and the time.
    assert browser.execute_script("return document.getElementById('annonce').textContent") == ""
    ActionChains(browser).send_keys("i").perform()
    said = wait_for(browser, "return document.getElementById('annonce').textContent")
    assert "En pause à" in said and said.split(". ")[0] in [
        a.text for a in browser.find_elements("css selector", "#chapitres a.article")
    ]
    assert audio(browser, "paused")
    assert console_errors(browser) == []


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [f"{EPISODE}.html", "", "recherche"])
def test_wcag_22_aa_by_axe(browser, site, shelf, path, scheme, size):
    """No violation at all (target size included), light and dark, wide and 320 px narrow: the
    page, the index, and the index of five episodes with its search in use (a filtered list, the
    count in its status region)."""
    with emulated(browser, SIZES[size], scheme):
        browser.get(shelf if path == "recherche" else site + path)
        wait_for(browser, "return document.readyState === 'complete'")
        if path == "recherche":
            search(browser, "novembre", "3 épisodes sur 5 correspondent à la recherche.")
        elif path:  # with a cue highlighted too, for its contrast
            browser.execute_script(
                "var a = document.getElementById('audio'); a.currentTime = +document.querySelectorAll('.cue')[3].dataset.start + 0.1;"
                "a.dispatchEvent(new Event('timeupdate'));"
            )
            wait_for(browser, "return document.querySelector('.cue.now')")
        assert run_axe(browser) == []
    assert console_errors(browser) == []


# Where the focused element is, and whether the player (when stuck at the top) covers any of it.
FOCUS_PROBE = """
var e = document.activeElement, r = e.getBoundingClientRect(), p = document.querySelector('.player');
var q = p.getBoundingClientRect(), stuck = getComputedStyle(p).position === 'sticky' && q.top <= 1;
return {what: e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ' + e.textContent.trim().slice(0, 30),
        body: e === document.body, element: e,
        inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.width > 0,
        under: stuck && !p.contains(e) && r.top < q.bottom && r.bottom > q.top};
"""
TABBABLE = """return Array.from(document.querySelectorAll('a[href], button, select, input, audio[controls]'))
  .filter(e => e.getClientRects().length && !e.closest('[hidden]'))"""


@pytest.mark.parametrize("size", SIZES)
def test_keyboard_walk_never_hides_the_focus(browser, site, size):
    """WCAG 2.4.11: Tab through every control and link and Shift+Tab back; each one focused is
    wholly on screen and never under the sticky player. 2.5.8: each is at least 24 x 24 px."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    with emulated(browser, SIZES[size]):
        open_page(browser, site + f"{EPISODE}.html")
        tabbable = browser.execute_script(TABBABLE)
        small = browser.execute_script(
            "return arguments[0].map(e => [e.getBoundingClientRect(), e.outerHTML.slice(0, 80)])"
            ".filter(([r]) => r.width < 24 || r.height < 24).map(([r, h]) => [r.width, r.height, h])",
            tabbable,
        )
        assert small == []  # by their own size, not by the space around them
        player = browser.execute_script(
            "var p = document.querySelector('.player'); return [getComputedStyle(p).position, p.getBoundingClientRect().height,"
            " parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop), innerHeight]"
        )
        if size == "1280x900":  # sticky, and the page scrolls by its real height
            assert player[0] == "sticky" and player[2] == pytest.approx(player[1] + 8, abs=1.5)
        else:  # compact, and in the flow: it covers nothing; and nothing is wider than the window
            assert player[0] == "static"
            assert browser.execute_script("return document.documentElement.scrollWidth <= innerWidth")
        browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        seen, problems = [], []
        for shift in (False, True):
            for _ in range(4 * len(tabbable) + 20):  # the <audio> element has several stops of its own
                step = ActionChains(browser)
                if shift:
                    step.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
                else:
                    step.send_keys(Keys.TAB)
                step.perform()
                now = browser.execute_script(FOCUS_PROBE)
                if now["body"] or (seen and not shift and now["element"] == seen[0]):
                    break  # round: back to the start
                seen.append(now["element"])
                if not now["inside"] or now["under"]:
                    problems.append((shift, now["what"], now["inside"], now["under"]))
            else:
                pytest.fail("Tab never came back round")
        assert problems == []
        assert set(tabbable) <= set(seen)  # every one of them, both ways
        assert audio(browser, "paused") and audio(browser, "currentTime") == 0  # Tab plays nothing

        # The player's real height, kept as it changes: narrower, its tools take more rows.
        if size == "1280x900":
            browser.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": 560, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            )
            wait_for(
                browser,
                "var p = document.querySelector('.player').getBoundingClientRect().height;"
                "return p > arguments[0] + 20 && Math.abs(parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop) - p - 8) < 1.5",
                player[1],
            )
    assert console_errors(browser) == []


LETTERS = "jklpstni"


def test_single_letters_only_in_the_player_or_transcript_and_only_when_on(browser, site):
    """WCAG 2.1.4: letters typed anywhere else do nothing; where they work, a box turns them off,
    and the choice is kept like the speed."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def type_letters():
        keys = ActionChains(browser)
        for letter in LETTERS:
            keys.send_keys(letter).key_down(Keys.SHIFT).send_keys(letter).key_up(Keys.SHIFT)
        keys.perform()

    def untouched():
        return browser.execute_script(
            "var a = document.getElementById('audio');"
            "return [a.currentTime, a.paused, document.getElementById('annonce').textContent, window.scrollY]"
        )

    def press(letter, on):
        browser.execute_script("arguments[0].focus()", on)
        ActionChains(browser).send_keys(letter).perform()

    open_page(browser, site + f"{EPISODE}.html")
    try:
        box = browser.find_element(By.ID, "raccourcis")
        assert box.is_displayed() and box.is_selected()  # on by default, labelled
        assert browser.execute_script("return arguments[0].labels[0].textContent.trim()", box) == "Raccourcis clavier"
        # Focus on the page itself, then on a chapter link (outside both): nothing happens.
        browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        type_letters()
        assert untouched() == [0, True, "", 0]
        assert browser.execute_script("return document.activeElement === document.body")
        chapter = browser.find_elements(By.CSS_SELECTOR, "#chapitres a")[1]
        browser.execute_script("arguments[0].focus()", chapter)
        y = browser.execute_script("return window.scrollY")
        type_letters()
        assert untouched() == [0, True, "", y]
        # In the transcript and in the player they work.
        time_link = browser.find_element(By.CSS_SELECTOR, "#transcription a.at")
        press("l", time_link)
        assert abs(audio(browser, "currentTime") - 10) < 0.5
        press("j", browser.find_element(By.ID, "audio"))
        assert audio(browser, "currentTime") < 0.5
        # Turned off: nowhere, and the buttons no longer announce them; kept for the next page.
        box.click()
        assert not box.is_selected()
        assert browser.execute_script("return document.querySelectorAll('[aria-keyshortcuts]').length") == 0
        open_page(browser, site + f"{EPISODE}.html")
        box = browser.find_element(By.ID, "raccourcis")
        assert not box.is_selected()
        for where in ("#transcription a.at", "#audio", ".tools button"):
            browser.execute_script("document.querySelector(arguments[0]).focus(); window.scrollTo(0, 0)", where)
            type_letters()
            assert untouched()[:3] == [0, True, ""], where
        box.click()  # on again
        press("l", browser.find_element(By.CSS_SELECTOR, "#transcription a.at"))
        assert abs(audio(browser, "currentTime") - 10) < 0.5
        assert browser.execute_script("return document.querySelectorAll('[aria-keyshortcuts]').length") == 4
    finally:
        browser.execute_script("localStorage.removeItem('briefing.raccourcis')")
    assert console_errors(browser) == []


def test_reading_away_with_the_keyboard_pauses_following_until_resumed(browser, site):
    """While playing, Page Down, Space or a focus elsewhere pauses following: said once in the
    status region, with a button to resume, and the page stays where the reader took it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, site + f"{EPISODE}.html")
    cues = browser.execute_script(
        "return Array.from(document.querySelectorAll('.cue')).map(c => [c.id, +c.dataset.start])"
    )
    resume = browser.find_element(By.ID, "reprendre")
    for how in ("PageDown", "Shift+Space", "Tab"):
        browser.execute_script("document.activeElement.blur()")
        seek_with(
            browser,
            lambda: browser.execute_script(
                "var a = document.getElementById('audio'); a.currentTime = arguments[0]; a.play();", cues[8][1]
            ),
        )
        wait_for(browser, "return document.querySelector('.cue.now') && !document.getElementById('audio').paused")
        assert not resume.is_displayed()
        browser.execute_script("document.getElementById('annonce').textContent = ''")
        before = browser.execute_script("return window.scrollY")
        keys = ActionChains(browser)
        if how == "PageDown":
            keys.send_keys(Keys.PAGE_DOWN)
        elif how == "Shift+Space":
            keys.key_down(Keys.SHIFT).send_keys(Keys.SPACE).key_up(Keys.SHIFT)
        else:  # from the player's last box to the first chapter: focus away from the line spoken
            browser.execute_script("document.getElementById('raccourcis').focus()")
            keys.send_keys(Keys.TAB)
        keys.perform()
        said = wait_for(browser, "return document.getElementById('annonce').textContent")
        assert (
            said == "Suivi du texte en pause : activez le bouton « Reprendre le suivi » du lecteur pour le reprendre."
        )
        assert resume.is_displayed()
        there = settled(browser)
        assert there != before or how == "Tab"
        # The reading goes on far down the transcript: the page stays where the reader is.
        browser.execute_script("document.getElementById('audio').currentTime = arguments[0]", cues[-1][1] + 0.05)
        wait_for(browser, "var c = document.querySelector('.cue.now'); return c && c.id === arguments[0]", cues[-1][0])
        assert browser.execute_script("return window.scrollY") == there
        if how == "Tab":
            assert browser.execute_script("return document.activeElement.closest('#chapitres') !== null")
        assert not audio(browser, "paused")
        # Resumed: the line spoken is brought into view, and the focus goes with it.
        resume.click()
        wait_for(
            browser,
            "var r = document.querySelector('.cue.now').getBoundingClientRect(), p = document.querySelector('.player').getBoundingClientRect();"
            "return r.top >= p.bottom && r.bottom <= innerHeight",
        )
        assert not resume.is_displayed()
        assert browser.execute_script("return document.activeElement.contains(document.querySelector('.cue.now'))")
        settled(browser)  # the smooth scroll there is over
    # A chapter clicked while following is paused: the reader asked to go there, so it follows.
    ActionChains(browser).send_keys(Keys.PAGE_DOWN).perform()
    assert resume.is_displayed()
    settled(browser)
    link = browser.find_elements(By.CSS_SELECTOR, "#chapitres a.article")[1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)  # clear of the player
    settled(browser)
    seek_with(browser, link.click)
    assert not resume.is_displayed()
    wait_for(
        browser,
        "var r = document.querySelector('.cue.now').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight",
    )
    browser.execute_script("document.getElementById('audio').pause()")

    # Narrow, the player is not sticky and the resume button floats at the bottom of the window:
    # Tab through the transcript while playing, and no focused link is ever under it.
    with emulated(browser, SIZES["320x640"]):
        open_page(browser, site + f"{EPISODE}.html")
        browser.execute_script(
            "var a = document.getElementById('audio'); a.play(); document.querySelector('#chapitres li:last-child a').focus()"
        )
        wait_for(browser, "return !document.getElementById('audio').paused")
        covered = []
        for _ in range(8):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            covered += browser.execute_script(
                "var e = document.activeElement, r = e.getBoundingClientRect(), b = document.getElementById('reprendre');"
                "var q = b.getBoundingClientRect(), float = getComputedStyle(b).position === 'fixed' && !b.hidden;"
                "return float && r.bottom > q.top && r.top < q.bottom || r.bottom > innerHeight ? [e.textContent] : []"
            )
        assert browser.find_element(By.ID, "reprendre").is_displayed() and covered == []
        browser.execute_script("document.getElementById('audio').pause()")
    assert console_errors(browser) == []


def test_the_status_region_reads_cleanly(browser, site):
    """What I says: sentences that end once, a time in words, nothing said twice."""
    from selenium.webdriver.common.action_chains import ActionChains

    open_page(browser, site + f"{EPISODE}.html")
    cues = browser.execute_script("return Array.from(document.querySelectorAll('.cue')).map(c => +c.dataset.start)")
    # The summary, an article's title, its sub-heading, quotations (one ends with a comma), the end.
    for start in cues[:10] + cues[12:13] + cues[-1:]:
        browser.execute_script(
            "document.getElementById('audio').currentTime = arguments[0]; document.getElementById('annonce').textContent = '';"
            "document.querySelector('#transcription a.at').focus()",
            start + 0.05,
        )
        ActionChains(browser).send_keys("i").perform()
        said = wait_for(browser, "return document.getElementById('annonce').textContent")
        assert re.fullmatch(r".+?[.!?…] (.+[.!?…] )?En pause à (\d+ minutes? )?\d+ secondes?\.", said), said
        assert ".." not in said and " ." not in said and ":." not in said
        sentences = re.split(r"(?<=[.!?…]) ", said)
        assert len(sentences) == len(set(sentences)), said
        minutes, seconds = divmod(int(start + 0.05), 60)
        assert said.endswith(f"{seconds} seconde{'s' if seconds > 1 else ''}.") and (
            not minutes or f"{minutes} minute" in said
        )
    assert console_errors(browser) == []


def test_without_javascript_audio_and_transcript_still_work(browser, site):
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(site + f"{EPISODE}.html")
        assert browser.find_element(By.ID, "audio").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, ".tools").is_displayed()
        assert not browser.find_element(By.ID, "raccourcis-titre").is_displayed()
        cues = browser.find_elements(By.CSS_SELECTOR, ".cue")
        assert len(cues) > 10 and all(c.is_displayed() for c in cues[:3])
        assert browser.find_elements(By.CSS_SELECTOR, ".cue.now") == []
        # A chapter link is a media fragment: the browser opens the MP3 at that time.
        link = browser.find_elements(By.CSS_SELECTOR, "#chapitres a.article")[2]
        fragment = link.get_attribute("data-start")
        start = float(fragment)
        link.click()
        wait_for(browser, "return document.readyState === 'complete'")
        assert browser.current_url == site + f"{EPISODE}.mp3#t={fragment}"
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    media = wait_for(
        browser, "var m = document.querySelector('video, audio'); return m && m.readyState >= 1 && m.currentTime"
    )
    assert abs(media - start) < 1.5


SHOWN = """return Array.from(document.querySelectorAll('#episodes li'))
  .filter(li => li.getClientRects().length).map(li => li.querySelector('.title').textContent)"""


def search(driver, keys, said):
    """Type `keys` where the focus is (the search field: focused first when it is not); wait
    until the status region says `said`."""
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script("var f = document.getElementById('recherche'); if (document.activeElement !== f) f.focus();")
    ActionChains(driver).send_keys(keys).perform()
    wait_for(driver, "return document.getElementById('recherche-nombre').textContent === arguments[0]", said)
    return driver.execute_script(SHOWN)


def test_index_search_filters_as_you_type(browser, shelf):
    """WCAG 2.4.5 Multiple ways (G161): on the index, a labelled search field filters the
    episodes by title or date as one types, in the page; how many match is said in a polite
    status region once typing pauses; all of it by keyboard."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get_log("browser")
    browser.get(shelf)
    wait_for(browser, "return document.readyState === 'complete'")
    everything = [
        "Briefing du mardi 24 novembre",
        "Un épisode plus ancien",
        "Briefing du lundi 2 novembre",
        "La marée du siècle à Saint-Malo",
        "École : la rentrée des classes",
    ]
    assert browser.execute_script(SHOWN) == everything
    field = browser.find_element(By.ID, "recherche")
    assert field.is_displayed() and field.accessible_name == "Rechercher un épisode"
    status = browser.find_element(By.ID, "recherche-nombre")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert status.text == ""  # nothing said before one types
    # The field is the first stop of the keyboard; the list shrinks as one types.
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.execute_script("return document.activeElement.id") == "recherche"
    assert search(browser, "ecole", "1 épisode sur 5 correspond à la recherche.") == everything[4:]  # accents aside
    assert search(browser, Keys.ESCAPE, "Les 5 épisodes sont affichés.") == everything
    assert (
        search(browser, "novembre", "3 épisodes sur 5 correspondent à la recherche.") == everything[:3]
    )  # by date too
    assert search(browser, " briefing", "2 épisodes sur 5 correspondent à la recherche.") == [
        everything[0],
        everything[2],
    ]
    assert search(browser, Keys.ESCAPE, "Les 5 épisodes sont affichés.") == everything
    assert search(browser, "2026-10-03", "1 épisode sur 5 correspond à la recherche.") == [everything[3]]
    search(browser, Keys.ESCAPE, "Les 5 épisodes sont affichés.")
    assert search(browser, "saint malo 2027", "Aucun épisode ne correspond à la recherche.") == []
    assert browser.execute_script("return document.querySelectorAll('#episodes li:not([hidden])').length") == 0
    search(browser, Keys.ESCAPE, "Les 5 épisodes sont affichés.")
    # Enter sends nothing anywhere; Tab goes to the first episode left, and Enter opens its page.
    assert search(browser, "mardi 24", "1 épisode sur 5 correspond à la recherche.") == everything[:1]
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.current_url == shelf
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.text == everything[0]
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(browser, "return location.pathname.endsWith('.html') && document.readyState === 'complete'")
    assert browser.current_url == shelf + f"{EPISODE}.html"
    assert console_errors(browser) == []


def test_index_without_javascript_lists_every_episode(browser, shelf):
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(shelf)
        assert not browser.find_element(By.ID, "recherche").is_displayed()  # a field that would do nothing
        assert len(browser.find_elements(By.CSS_SELECTOR, "#episodes li")) == 5
        assert all(li.is_displayed() for li in browser.find_elements(By.CSS_SELECTOR, "#episodes li"))
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_each_page_links_back_to_the_index(browser, site):
    """WCAG 2.4.5: the second way, "Tous les épisodes" in a named nav landmark, second stop of the
    keyboard after the skip link; relative (./), so it leads to the folder's index when served."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get_log("browser")
    open_page(browser, site + f"{EPISODE}.html")
    assert browser.execute_script(
        "var n = document.querySelector('nav.back'); return [n.getAttribute('aria-label'), n.closest('header') !== null,"
        " n.querySelector('a').getAttribute('href'), n.querySelector('a').textContent]"
    ) == ["Épisodes", True, "./", "Tous les épisodes"]
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    ActionChains(browser).send_keys(Keys.TAB).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.text == "Tous les épisodes"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(browser, "return location.pathname === '/' && document.readyState === 'complete'")
    assert browser.current_url == site
    assert browser.execute_script(SHOWN)[0] == "Briefing du mardi 24 novembre"
    assert console_errors(browser) == []


def test_a_line_in_english_is_said_in_english(browser, episode_folder, tmp_path):
    """WCAG 3.1.2: the English line is lang="en" in the transcript, and so is its sentence in what
    I says (the rest of the status region stays French)."""
    from selenium.webdriver.common.action_chains import ActionChains

    from briefing.publish.page import PageCue

    english = (
        "The agreement was signed by the two companies on Monday, and it will allow the port to welcome "
        "larger ships from the United States and from Asia over the next ten years."
    )
    folder = tmp_path / "anglais"
    folder.mkdir()
    os.link(episode_folder / f"{EPISODE}.mp3", folder / f"{EPISODE}.mp3")
    page = dataclasses.replace(
        hostile_page(),
        audio=f"{EPISODE}.mp3",
        files=(),
        cues=(PageCue(0, 2_000, "Narrateur", "Bonjour."), PageCue(2_500, 9_000, "Narrateur", english, block=1)),
    )
    (folder / "page.html").write_text(to_html(page), encoding="utf-8")
    server, _ = serve_in_thread(ServeOptions(folder, port=0))
    try:
        browser.get_log("browser")
        open_page(browser, server.url + "page.html")
        assert browser.execute_script("return Array.from(document.querySelectorAll('.cue')).map(c => c.lang)") == [
            "",
            "en",
        ]
        browser.execute_script(
            "document.getElementById('audio').currentTime = 3; document.querySelector('#transcription a.at').focus()"
        )
        ActionChains(browser).send_keys("i").perform()
        wait_for(browser, "return document.getElementById('annonce').textContent")
        said = browser.execute_script(
            "var s = document.getElementById('annonce'); return [s.textContent, Array.from(s.querySelectorAll('[lang]')).map(e => [e.lang, e.textContent])]"
        )
        assert said[1] == [["en", english]] and said[0].endswith(english + " En pause à 3 secondes.")
        assert console_errors(browser) == []
    finally:
        server.shutdown()
        server.server_close()


def test_nothing_from_an_article_is_executed(browser, episode_folder, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    os.link(episode_folder / f"{EPISODE}.mp3", folder / f"{EPISODE}.mp3")
    page = dataclasses.replace(hostile_page(), audio=f"{EPISODE}.mp3", files=())
    (folder / "page.html").write_text(to_html(page), encoding="utf-8")
    server, _ = serve_in_thread(ServeOptions(folder, port=0))
    try:
        browser.get_log("browser")
        open_page(browser, server.url + "page.html")
        assert browser.execute_script("return window.__pwned === undefined")
        assert browser.execute_script("return document.querySelector('h1').textContent").startswith(
            "Titre <script>window.__pwned=1</script>"
        )
        assert browser.execute_script("return document.querySelectorAll('img, b, i').length") == 0
        assert console_errors(browser) == []  # not even a blocked attempt
    finally:
        server.shutdown()
        server.server_close()


def test_screenshot(browser, site, tmp_path_factory):
    """A picture of the top of the page with a cue highlighted, under pytest's temporary folder."""
    size = browser.get_window_size()
    browser.set_window_size(1280, 1500)
    try:
        open_page(browser, site + f"{EPISODE}.html")
        browser.execute_script(
            "var a = document.getElementById('audio'); a.currentTime = +document.querySelectorAll('.cue')[1].dataset.start + 0.2;"
            "a.dispatchEvent(new Event('timeupdate'));"
        )
        wait_for(browser, "return document.querySelector('.cue.now') && !document.getElementById('audio').seeking")
        path = tmp_path_factory.getbasetemp() / "briefing-page.png"
        assert browser.save_screenshot(str(path))
    finally:
        browser.set_window_size(size["width"], size["height"])
    assert path.stat().st_size > 20_000  # a rendered page, not a blank one
