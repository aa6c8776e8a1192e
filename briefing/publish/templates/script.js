(function () {
  "use strict";
  var audio = document.getElementById("audio");
  if (!audio) return;
  var cues = Array.prototype.slice.call(document.querySelectorAll(".cue[data-start]"));
  var cueStarts = cues.map(function (c) { return +c.dataset.start; });
  var chapterLinks = Array.prototype.slice.call(document.querySelectorAll("#chapitres a.article[data-start]"));
  var chapterStarts = chapterLinks.map(function (a) { return +a.dataset.start; });
  function listOf(selector) {
    var els = Array.prototype.slice.call(document.querySelectorAll(selector));
    return { els: els, starts: els.map(function (el) { return +el.dataset.start; }) };
  }
  var blocks = listOf(".block[data-start]");
  var headings = listOf("h3.article[data-start], h4.block[data-start]");
  var status = document.getElementById("annonce");
  var currentBlock = null;
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
  // Move by heading or paragraph: seek to it and put the focus there, so that a screen reader
  // or a braille display is where the audio is. Back first returns to the start of the current one.
  function move(list, step) {
    if (!list.els.length) return;
    var t = audio.currentTime, i = lastAtOrBefore(list.starts, t);
    if (step < 0 && i >= 0 && t - list.starts[i] > 3) step = 0;
    var j = Math.max(0, Math.min(list.els.length - 1, i + step));
    seek(list.starts[j], false);
    list.els[j].focus();
  }
  function announce() {
    if (!status) return;
    var i = lastAtOrBefore(cueStarts, audio.currentTime), cue = i >= 0 ? cues[i] : null;
    var c = lastAtOrBefore(chapterStarts, audio.currentTime);
    var parts = [];
    if (c >= 0) parts.push(chapterLinks[c].textContent);
    if (cue) parts.push((cue.dataset.who ? cue.dataset.who + " : " : "") + cue.textContent);
    parts.push((audio.paused ? "En pause à " : "Lecture à ") + clockOf(audio.currentTime));
    // Emptied first, so that the same words asked twice are said twice.
    status.textContent = "";
    setTimeout(function () { status.textContent = parts.join(". "); }, 50);
  }
  function clockOf(t) {
    var s = Math.max(0, Math.floor(t)), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (r < 10 ? "0" : "") + r;
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
  var keys = {
    "k": toggle, "j": actions.recul, "l": actions.avance, "p": actions.precedent, "s": actions.suivant,
    "t": function () { move(headings, 1); }, "T": function () { move(headings, -1); },
    "n": function () { move(blocks, 1); }, "N": function () { move(blocks, -1); },
    "i": announce
  };
  var shifted = { "t": "T", "n": "N" };
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
    var el = e.target;
    if (el && el.closest && el.closest("input, select, textarea, [contenteditable]")) return;
    var key = (e.key || "").toLowerCase();
    var run = e.shiftKey ? keys[shifted[key]] : keys[key];
    if (run) { e.preventDefault(); run(); }
    else if (["ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"].indexOf(e.key) >= 0) { userMovedAt = performance.now(); }
  });
  update();
})();
