(function () {
  "use strict";
  // One component for every player a page holds ([data-player], written by player.html): the
  // links that seek it, the transcript it highlights and follows, its buttons, settings and
  // shortcuts, and how it keeps out of the reader's way (WCAG 2.2 AA: docs/outputs.md, "Listening page").
  function all(selector, within) { return Array.prototype.slice.call((within || document).querySelectorAll(selector)); }
  function load(key) {
    try { return localStorage.getItem(key); } catch (err) { return null; }  // storage may be off (private mode, file://)
  }
  function save(key, value) {
    try { localStorage.setItem(key, value); } catch (err) { /* not kept, still applied */ }
  }
  all("[data-js-only]").forEach(function (el) { el.hidden = false; });
  all("[data-player]").forEach(setUp);

  function setUp(root) {
    var audio = root.querySelector("audio");
    if (!audio) return;
    var transcript = document.getElementById(root.dataset.transcript) || root;
    var chapters = document.getElementById(root.dataset.chapters) || root;
    var status = root.querySelector("[role=status]");
    var follow = root.querySelector("[data-follow]");
    var resume = root.querySelector("[data-resume]");
    var shortcuts = root.querySelector("[data-shortcuts]");
    var speed = root.querySelector("[data-speed]");
    var SKIP = +root.dataset.skip || 10;
    var cues = all(".cue[data-start]", transcript);
    var cueStarts = cues.map(function (c) { return +c.dataset.start; });
    var chapterLinks = all("a.article[data-start]", chapters);
    var chapterStarts = chapterLinks.map(function (a) { return +a.dataset.start; });
    function listOf(selector) {
      var els = all(selector, transcript);
      return { els: els, starts: els.map(function (el) { return +el.dataset.start; }) };
    }
    var blocks = listOf(".block[data-start]");
    var headings = listOf("h3.article[data-start], h4.block[data-start]");
    var current = null, currentBlock = null, currentChapter = null, seeking = false;
    var followPaused = false, quietFocus = false, lastFocus = null, pointerDown = false;
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    function lastAtOrBefore(starts, t) {
      var lo = 0, hi = starts.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (starts[mid] <= t + 0.001) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      return found;
    }
    function play() { var p = audio.play(); if (p && p.catch) p.catch(function () {}); }
    function seek(t, andPlay) {
      seeking = true;  // the listener moved: show where, even while paused
      resumeFollowing(false);  // and follow from there
      var end = isFinite(audio.duration) ? audio.duration : Infinity;
      audio.currentTime = Math.max(0, Math.min(t, end));
      if (andPlay && audio.paused) play();
    }
    function toggle() { if (audio.paused) play(); else audio.pause(); }
    function chapter(step) {
      var t = audio.currentTime, i = lastAtOrBefore(chapterStarts, t);
      if (step < 0 && i >= 0 && t - chapterStarts[i] > 3) step = 0;  // first back to this chapter's start
      var j = Math.max(0, Math.min(chapterStarts.length - 1, i + step));
      if (chapterStarts.length) seek(chapterStarts[j], false);
    }
    // Focus moved by the page itself, on the listener's request: it does not pause following.
    function focusQuietly(el, options) {
      quietFocus = true;
      try { el.focus(options); } finally { quietFocus = false; }
    }
    // Move by heading or paragraph: seek to it and put the focus there, so that a screen reader
    // or a braille display is where the audio is. Back first returns to the start of the current one.
    function move(list, step) {
      if (!list.els.length) return;
      var t = audio.currentTime, i = lastAtOrBefore(list.starts, t);
      if (step < 0 && i >= 0 && t - list.starts[i] > 3) step = 0;
      var j = Math.max(0, Math.min(list.els.length - 1, i + step));
      seek(list.starts[j], false);
      focusQuietly(list.els[j]);
    }

    // --- Status messages: sentences that each end once, times in words. -------------------------
    function plural(n, word) { return n + " " + word + (n > 1 ? "s" : ""); }
    function spokenTime(t) {
      var s = Math.max(0, Math.floor(t)), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
      var parts = [];
      if (h) parts.push(plural(h, "heure"));
      if (m) parts.push(plural(m, "minute"));
      if (r || !parts.length) parts.push(plural(r, "seconde"));
      return parts.join(" ");
    }
    // "Premier sujet. En pause à 16 secondes.": each part ends once (never "..") and is said once
    // (a sub-heading's line is its chapter's title). A part is a text, or [text, lang] for a line
    // of the transcript in another language: it is said in a span of that language (WCAG 3.1.2).
    function sentences(parts) {
      var said = [];
      parts.forEach(function (p) {
        var lang = "";
        if (Array.isArray(p)) { lang = p[1] || ""; p = p[0]; }
        p = (p || "").replace(/\s+/g, " ").trim().replace(/[\s,:;]+$/, "");
        if (!p) return;
        if (!/[.!?…]$/.test(p)) p += ".";
        if (!said.length || said[said.length - 1].text.toLowerCase() !== p.toLowerCase()) said.push({ text: p, lang: lang });
      });
      return said;
    }
    var pending = null;
    function say(said) {
      if (!status) return;
      if (typeof said === "string") said = [{ text: said, lang: "" }];
      // Emptied first, so that the same words asked twice are said twice.
      clearTimeout(pending);
      status.textContent = "";
      pending = setTimeout(function () {
        said.forEach(function (part, n) {
          if (n) status.appendChild(document.createTextNode(" "));
          if (!part.lang) { status.appendChild(document.createTextNode(part.text)); return; }
          var span = document.createElement("span");
          span.lang = part.lang;
          span.textContent = part.text;
          status.appendChild(span);
        });
      }, 50);
    }
    function announce() {
      var t = audio.currentTime, i = lastAtOrBefore(cueStarts, t), cue = i >= 0 ? cues[i] : null;
      var c = lastAtOrBefore(chapterStarts, t);
      say(sentences([
        c >= 0 ? chapterLinks[c].textContent : "",
        cue ? [(cue.dataset.who ? cue.dataset.who + " : " : "") + cue.textContent, cue.lang] : "",
        (audio.paused ? "En pause à " : "Lecture à ") + spokenTime(t)
      ]));
    }

    // --- Never under the player (WCAG 2.4.11): the page scrolls by its real height. -------------
    // Sticky only where it leaves room to read (the CSS: not on short or narrow screens; here: not
    // when taller than 40 % of the window); scroll-padding, which the browser applies when it brings
    // a focused element into view, is its height, and at the bottom that of the floating button.
    var sticky = false;
    function layout() {
      root.classList.remove("unstuck");
      sticky = getComputedStyle(root).position === "sticky" && root.offsetHeight <= window.innerHeight * 0.4;
      root.classList.toggle("unstuck", !sticky);
      var style = document.documentElement.style;
      style.setProperty("--pad-top", (sticky ? Math.ceil(root.getBoundingClientRect().height) + 8 : 16) + "px");
      var floating = !sticky && resume && !resume.hidden;
      style.setProperty("--pad-bottom", (floating ? Math.ceil(resume.getBoundingClientRect().height) + 20 : 8) + "px");
    }
    function covered() {  // what the player covers, top and bottom, in window coordinates
      var r = root.getBoundingClientRect(), top = 0, bottom = window.innerHeight;
      if (sticky && r.top <= (parseFloat(getComputedStyle(root).top) || 0) + 1) top = r.bottom;  // once stuck at the top
      if (!sticky && resume && !resume.hidden) bottom = resume.getBoundingClientRect().top;
      return { top: top, bottom: bottom };
    }
    var frame = 0;
    function relayout() { cancelAnimationFrame(frame); frame = requestAnimationFrame(layout); }
    if (window.ResizeObserver) {
      var watch = new ResizeObserver(relayout);
      watch.observe(root);
      if (resume) watch.observe(resume);
    }
    window.addEventListener("resize", relayout);
    layout();
    // The browser already scrolls an element focused from the keyboard clear of the padding; this
    // also catches one focused by a script without scrolling, or under the player since.
    function reveal(el) {
      if (!el || el === document.body || el === document.documentElement || root.contains(el)) return;
      var r = el.getBoundingClientRect(), room = covered(), margin = 8;
      if (r.top < room.top + margin) window.scrollBy(0, r.top - room.top - margin);
      else if (r.bottom > room.bottom - margin) window.scrollBy(0, Math.min(r.bottom - room.bottom + margin, r.top - room.top - margin));
    }

    // --- Following: the line being spoken is kept in view, until the reader goes elsewhere. -----
    function inView(el) {
      var r = el.getBoundingClientRect(), room = covered();
      return r.top >= room.top && r.bottom <= room.bottom;
    }
    function pauseFollowing() {
      if (followPaused || audio.paused || !follow || !follow.checked) return;
      followPaused = true;
      if (resume) resume.hidden = false;
      layout();
      say("Suivi du texte en pause : activez le bouton « Reprendre le suivi » du lecteur pour le reprendre.");
    }
    function resumeFollowing(scroll) {
      if (!followPaused) return;
      followPaused = false;
      if (resume) resume.hidden = true;
      layout();
      if (scroll && current) {
        focusQuietly(current.closest(".block") || transcript, { preventScroll: true });
        current.scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
      }
    }
    if (resume) resume.addEventListener("click", function () { resumeFollowing(true); });
    if (follow) follow.addEventListener("change", function () { resumeFollowing(false); });  // on or off: no pause left

    function update() {
      var i = lastAtOrBefore(cueStarts, audio.currentTime);
      var cue = i >= 0 ? cues[i] : null;
      if (cue !== current) {
        if (current) { current.classList.remove("now"); current.removeAttribute("aria-current"); }
        var block = cue ? cue.closest(".block") : null;
        if (block !== currentBlock) {
          if (currentBlock) currentBlock.classList.remove("now");
          currentBlock = block;
          if (block) block.classList.add("now");
        }
        current = cue;
        if (cue) {
          cue.classList.add("now");
          cue.setAttribute("aria-current", "true");
          // Kept in view while playing or after a seek, unless turned off or paused by the
          // reader; never on load, which would jump past the page's top.
          if ((seeking || !audio.paused) && follow && follow.checked && !followPaused && !inView(cue)) {
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
    ["wheel", "touchmove"].forEach(function (n) { window.addEventListener(n, pauseFollowing, { passive: true }); });
    document.addEventListener("pointerdown", function () { pointerDown = true; }, true);
    ["pointerup", "pointercancel", "keydown"].forEach(function (n) {
      document.addEventListener(n, function () { pointerDown = false; }, true);
    });
    // Focus that goes elsewhere than the line being spoken (Tab, a click on a paragraph) pauses
    // following, so that it is never scrolled away; the player itself and a link clicked to seek
    // (which follows from there) do not.
    document.addEventListener("focusin", function (e) {
      var el = e.target;
      if (!el || el === lastFocus) return;  // the window getting the focus back
      lastFocus = el;
      if (!quietFocus && el.closest && !root.contains(el) && !(pointerDown && el.closest("a[data-start]"))) {
        var i = lastAtOrBefore(cueStarts, audio.currentTime), block = i >= 0 ? cues[i].closest(".block") : null;
        if (!(block && block.contains(el))) pauseFollowing();
      }
      if (!pointerDown) reveal(el);  // after: the resume button that pausing shows must not cover it either
    });

    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-start]");
      if (!a || !(transcript.contains(a) || chapters.contains(a))) return;
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      seek(+a.dataset.start, true);
    });
    var actions = {
      "recul": function () { seek(audio.currentTime - SKIP, false); },
      "avance": function () { seek(audio.currentTime + SKIP, false); },
      "precedent": function () { chapter(-1); },
      "suivant": function () { chapter(1); }
    };
    all("button[data-action]", root).forEach(function (b) {
      b.addEventListener("click", function () { actions[b.dataset.action](); });
    });

    function setRate(rate) {
      audio.defaultPlaybackRate = rate;
      audio.playbackRate = rate;
    }
    if (speed) {
      var saved = load("briefing.vitesse");
      if (saved && speed.querySelector('option[value="' + saved + '"]')) { speed.value = saved; setRate(+saved); }
      speed.addEventListener("change", function () { setRate(+speed.value); save("briefing.vitesse", speed.value); });
    }

    // --- Shortcuts (WCAG 2.1.4): single letters, only while the focus is in this player or its
    // transcript, never in a field, never with Ctrl, Alt or Meta (the browser's and screen
    // readers'), and off with the "Raccourcis clavier" box, which is kept like the speed.
    var keys = {
      "k": toggle, "j": actions.recul, "l": actions.avance, "p": actions.precedent, "s": actions.suivant,
      "t": function () { move(headings, 1); }, "T": function () { move(headings, -1); },
      "n": function () { move(blocks, 1); }, "N": function () { move(blocks, -1); },
      "i": announce
    };
    var shifted = { "t": "T", "n": "N" };
    var hints = all("[aria-keyshortcuts]", root).map(function (el) { return [el, el.getAttribute("aria-keyshortcuts")]; });
    function setShortcuts(on) {
      if (shortcuts) shortcuts.checked = on;
      hints.forEach(function (h) { if (on) h[0].setAttribute("aria-keyshortcuts", h[1]); else h[0].removeAttribute("aria-keyshortcuts"); });
    }
    setShortcuts(load("briefing.raccourcis") !== "0");
    if (shortcuts) shortcuts.addEventListener("change", function () {
      setShortcuts(shortcuts.checked);
      save("briefing.raccourcis", shortcuts.checked ? "1" : "0");
    });
    var SCROLLING = ["PageUp", "PageDown", "Home", "End", "ArrowUp", "ArrowDown", " "];
    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
      var el = document.activeElement || document.body;
      var field = el.closest && el.closest("input, select, textarea, [contenteditable], audio, video");
      // Reading on with the keyboard (Space, Page Down, arrows...) pauses following, as the wheel
      // does; not in a field or on the player, which take those keys for themselves.
      if (SCROLLING.indexOf(e.key) >= 0) {
        if (!field && !(e.key === " " && el.closest && el.closest("button, summary"))) pauseFollowing();
        return;
      }
      if (field && !(el.tagName === "AUDIO" || el.tagName === "VIDEO")) return;
      if ((shortcuts && !shortcuts.checked) || !(root.contains(el) || transcript.contains(el))) return;
      var key = (e.key || "").toLowerCase();
      var run = e.shiftKey ? keys[shifted[key]] : keys[key];
      if (run) { e.preventDefault(); run(); }
    });
    update();
  }
})();
