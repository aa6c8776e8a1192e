/* <briefing-player src="https://audio.exemple.fr/v1/episodes/ID">: "listen to this article" for
 * an article page, from one script tag (GET /v1/embed.js of `briefing serve --api`).
 *
 * It plays the episode's public files (ID.mp3, ID.vtt, ID.chapters.json, beside /v1/ on the same
 * server: no API key is ever on the page) and shows the transcript with the sentence being read
 * marked. Made for WCAG 2.2 AA: buttons as well as the slider to move (2.5.7), targets of at
 * least 24 x 24 px by their own size (2.5.8), a visible focus, no single-letter shortcut (2.1.4),
 * French labels and spoken times, light and dark, a transcript that follows the reading in its own
 * box (never scrolling the article) and stops following as soon as the reader scrolls or moves
 * into it, until "Reprendre le suivi". The server lets any site fetch an episode's files (they
 * are public), so no configuration is needed on its side. Attributes: src (required), label (the
 * region's name; "Écouter l'article" by default).
 */
(function () {
  "use strict";
  if (!window.customElements || customElements.get("briefing-player")) return;

  var SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var SKIP = 15;
  var SPEED_KEY = "briefing-player-speed";
  var RETRY_MS = 15000, RETRIES = 20;  // an episode being made: look again for five minutes

  var STYLE = [
    ":host { display: block; max-width: 46rem; margin: 1.5rem 0; font: 1rem/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  --bp-fg: #1b1b1b; --bp-bg: #f6f6f3; --bp-line: #6b6b6b; --bp-accent: #0b5cad; --bp-mark: #fff2a8; --bp-mark-fg: #1b1b1b; }",
    "@media (prefers-color-scheme: dark) { :host { --bp-fg: #f0f0f0; --bp-bg: #1e1f22; --bp-line: #9a9a9a; --bp-accent: #8cc2ff; --bp-mark: #5a4b00; --bp-mark-fg: #fff; } }",
    "[hidden] { display: none !important; }",
    ".box { color: var(--bp-fg); background: var(--bp-bg); border: 1px solid var(--bp-line); border-radius: 8px; padding: 0.75rem 1rem; }",
    "h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }",
    ".row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.5rem 0; }",
    "button, select { font: inherit; color: var(--bp-fg); background: transparent; border: 1px solid var(--bp-line); border-radius: 6px;",
    "  min-height: 2.75rem; min-width: 2.75rem; padding: 0.25rem 0.75rem; cursor: pointer; }",
    "button.play { background: var(--bp-accent); color: var(--bp-bg); border-color: var(--bp-accent); font-weight: 600; min-width: 7.5rem; }",
    "button:hover, select:hover { border-color: var(--bp-fg); }",
    ":focus-visible { outline: 3px solid var(--bp-accent); outline-offset: 2px; }",
    "input[type=range] { flex: 1 1 12rem; min-height: 2.75rem; accent-color: var(--bp-accent); margin: 0; }",
    ".time { font-variant-numeric: tabular-nums; min-width: 7.5rem; }",
    "label.check { display: inline-flex; align-items: center; gap: 0.4rem; min-height: 2.75rem; }",
    "label.check input { width: 1.5rem; height: 1.5rem; margin: 0; accent-color: var(--bp-accent); }",
    "ol.chapters { list-style: none; padding: 0; margin: 0.25rem 0; display: flex; flex-wrap: wrap; gap: 0.5rem; }",
    "ol.chapters button[aria-current] { border-width: 2px; border-color: var(--bp-accent); font-weight: 600; }",
    ".transcript { max-height: 16rem; overflow-y: auto; position: relative; border-top: 1px solid var(--bp-line); margin-top: 0.5rem; padding: 0.25rem 0.25rem 0.5rem; }",
    ".transcript h3 { font-size: 1rem; margin: 0.75rem 0 0.25rem; }",
    ".transcript p { margin: 0.35rem 0; cursor: pointer; border-radius: 4px; padding: 0 0.2rem; }",
    ".transcript .who { font-weight: 600; }",
    ".transcript [aria-current] { background: var(--bp-mark); color: var(--bp-mark-fg); }",
    ".message { margin: 0.25rem 0; }",
    ".vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    "@media (max-width: 30rem) { .box { padding: 0.5rem; } .time { min-width: 0; } .transcript { max-height: 12rem; } }",
  ].join("\n");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  function plural(n, word) { return n + " " + word + (n > 1 ? "s" : ""); }
  // A time as it is said: "1 minute 5 secondes", not "1:05" (a screen reader reads both the slider and the status).
  function spoken(t) {
    t = Math.max(0, Math.floor(t || 0));
    var h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60, parts = [];
    if (h) parts.push(plural(h, "heure"));
    if (m) parts.push(plural(m, "minute"));
    if (s || !parts.length) parts.push(plural(s, "seconde"));
    return parts.join(" ");
  }
  function clock(t) {
    t = Math.max(0, Math.floor(t || 0));
    var m = Math.floor(t / 60), s = t % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function frenchNumber(x) { return String(x).replace(".", ","); }
  function seconds(stamp) {  // "00:01:02.345" or "01:02.345"
    var p = stamp.trim().split(":").map(parseFloat);
    return p.length === 3 ? p[0] * 3600 + p[1] * 60 + p[2] : p[0] * 60 + p[1];
  }
  // The episode's WebVTT: [{start, end, who, text}], the speaker from its <v Name> tag.
  function parseVtt(text) {
    var cues = [];
    text.replace(/\r/g, "").split(/\n\n+/).forEach(function (block) {
      var lines = block.split("\n"), i = lines.findIndex(function (l) { return l.indexOf("-->") >= 0; });
      if (i < 0) return;
      var times = lines[i].split("-->");
      var body = lines.slice(i + 1).join(" ");
      var who = /<v(?:\.[^ >]*)? ([^>]+)>/.exec(body);
      var words = body.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").trim();
      if (words) cues.push({ start: seconds(times[0]), end: seconds(times[1].trim().split(/\s+/)[0]), who: who ? who[1].trim() : "", text: words });
    });
    return cues;
  }
  function load(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function save(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* not kept, still applied */ } }

  class BriefingPlayer extends HTMLElement {
    connectedCallback() {
      if (this._root) {  // moved in the page: look again if it was still waiting for the episode
        if (!this._audio && this._tries) this._start();
        return;
      }
      this._root = this.attachShadow({ mode: "open" });
      var style = el("style");
      style.textContent = STYLE;
      this._root.appendChild(style);
      this._box = el("section", { class: "box", "aria-labelledby": "titre" });
      this._root.appendChild(this._box);
      this._box.appendChild(el("h2", { id: "titre" }, this.getAttribute("label") || "Écouter l'article"));
      this._message = el("p", { class: "message", role: "status" });
      this._box.appendChild(this._message);
      this._tries = 0;
      this._start();
    }

    disconnectedCallback() {
      clearTimeout(this._retry);
      if (this._audio) this._audio.pause();
    }

    _files() {
      var src = this.getAttribute("src") || "";
      var m = /^(.*\/)v1\/episodes\/([A-Za-z0-9_-]+)\/?$/.exec(new URL(src, document.baseURI).href);
      if (!m) return null;
      var base = m[1] + m[2];
      return { mp3: base + ".mp3", vtt: base + ".vtt", chapters: base + ".chapters.json" };
    }

    _start() {
      var files = this._files(), self = this;
      if (!files) {
        this._message.textContent = "Lecteur audio : l'adresse de l'épisode (src) n'est pas celle d'un épisode.";
        return;
      }
      this._message.textContent = "Chargement de l'audio de l'article…";
      // 404: not made yet (or no such episode). A failed fetch (the server out of reach, a proxy
      // refusing the site) leaves the transcript out; the audio may still play.
      var unread = {};
      Promise.all([
        fetch(files.vtt, { credentials: "omit" }).then(function (r) { return r.ok ? r.text() : null; }, function () { return unread; }),
        fetch(files.chapters, { credentials: "omit" }).then(function (r) { return r.ok ? r.json() : { chapters: [] }; }, function () { return { chapters: [] }; }),
      ]).then(function (got) {
        if (got[0] === null) return self._later();
        var cues = got[0] === unread ? null : parseVtt(got[0]);
        self._build(files, cues || [], cues ? (got[1] && got[1].chapters) || [] : []);
        if (!cues) {
          self._message.hidden = false;
          self._message.textContent = "La transcription n'a pas pu être chargée ; l'audio reste disponible.";
        }
      }, function () { self._later(); });
    }

    _later() {  // not made yet (or not reachable): say so, and look again for a while
      this._message.textContent = "L'audio de cet article n'est pas encore prêt.";
      if (++this._tries <= RETRIES) this._retry = setTimeout(this._start.bind(this), RETRY_MS);
    }

    _build(files, cues, chapters) {
      var self = this, box = this._box;
      var audio = this._audio = el("audio", { preload: "metadata", src: files.mp3 });
      audio.preservesPitch = true;  // faster without a higher voice
      box.appendChild(audio);

      var controls = el("div", { class: "row", role: "group", "aria-label": "Commandes de lecture" });
      var play = el("button", { type: "button", class: "play" }, "Lire");
      var back = el("button", { type: "button" }, "− " + SKIP + " s");
      back.appendChild(el("span", { class: "vh" }, " (reculer de " + SKIP + " secondes)"));
      var fwd = el("button", { type: "button" }, "+ " + SKIP + " s");
      fwd.appendChild(el("span", { class: "vh" }, " (avancer de " + SKIP + " secondes)"));
      var time = el("span", { class: "time", "aria-hidden": "true" }, "0:00");
      controls.append(play, back, fwd, time);
      var seekRow = el("div", { class: "row" });
      var slider = el("input", { type: "range", min: "0", max: "0", step: "1", value: "0", "aria-label": "Position dans l'article" });
      seekRow.appendChild(slider);
      var settings = el("div", { class: "row" });
      var speedId = "vitesse";  // ids are the shadow root's own
      var speedLabel = el("label", { for: speedId }, "Vitesse");
      var speed = el("select", { id: speedId });
      var kept = parseFloat(load(SPEED_KEY));
      SPEEDS.forEach(function (v) {
        var o = el("option", { value: String(v) }, frenchNumber(v) + "×");
        if (v === (SPEEDS.indexOf(kept) >= 0 ? kept : 1)) o.selected = true;
        speed.appendChild(o);
      });
      var followLabel = el("label", { class: "check" });
      var follow = el("input", { type: "checkbox" });
      follow.checked = true;
      followLabel.append(follow, document.createTextNode("Suivre la lecture"));
      var resume = el("button", { type: "button", hidden: "" }, "Reprendre le suivi");
      settings.append(speedLabel, speed, followLabel, resume);
      box.append(controls, seekRow, settings);

      // Chapters: a list of buttons, with previous and next (the episode's headings).
      var chapterButtons = [];
      if (chapters.length > 1) {
        var nav = el("nav", { "aria-label": "Chapitres" });
        var steps = el("div", { class: "row" });
        var prev = el("button", { type: "button" }, "Chapitre précédent");
        var next = el("button", { type: "button" }, "Chapitre suivant");
        steps.append(prev, next);
        var list = el("ol", { class: "chapters" });
        chapters.forEach(function (c) {
          var li = el("li"), b = el("button", { type: "button" }, c.title);
          b.addEventListener("click", function () { seek(c.startTime, true); });
          li.appendChild(b);
          list.appendChild(li);
          chapterButtons.push(b);
        });
        nav.append(steps, list);
        box.appendChild(nav);
        prev.addEventListener("click", function () { chapter(-1); });
        next.addEventListener("click", function () { chapter(1); });
      }

      // The transcript: one paragraph per cue, the chapters' titles as headings; a click seeks.
      var transcript = el("div", { class: "transcript", tabindex: "0", role: "region", "aria-label": "Transcription" });
      var starts = chapters.map(function (c) { return c.startTime; });
      var lastWho = "";
      var paragraphs = cues.map(function (cue) {
        var isHeading = chapters.some(function (c) { return Math.abs(c.startTime - cue.start) < 0.05 && c.title === cue.text; })
          || (chapters.length && Math.abs(chapters[0].startTime - cue.start) < 0.6 && chapters[0].title === cue.text);
        var p = el(isHeading ? "h3" : "p");
        if (!isHeading && cue.who && cue.who !== "Narrateur" && cue.who !== lastWho) {
          p.appendChild(el("span", { class: "who" }, cue.who + " : "));
        }
        lastWho = cue.who === "Narrateur" ? "" : cue.who;
        p.appendChild(document.createTextNode(cue.text));
        p.addEventListener("click", function () { seek(cue.start, false); });
        transcript.appendChild(p);
        return p;
      });
      box.appendChild(transcript);
      var status = el("p", { class: "vh", role: "status" });
      box.appendChild(status);
      this._message.textContent = "";
      this._message.hidden = true;

      function say(text) {  // a fresh node each time, so that the same sentence is said again
        status.textContent = "";
        setTimeout(function () { status.textContent = text; }, 50);
      }
      function lastAtOrBefore(list, t) {
        var found = -1;
        for (var i = 0; i < list.length; i++) if (list[i] <= t + 0.001) found = i;
        return found;
      }
      function seek(t, andPlay) {
        var end = isFinite(audio.duration) ? audio.duration : Infinity;
        audio.currentTime = Math.max(0, Math.min(t, end));
        resumeFollowing();
        if (andPlay && audio.paused) audio.play().catch(function () {});
      }
      function chapter(step) {
        var t = audio.currentTime, i = lastAtOrBefore(starts, t);
        if (step < 0 && i >= 0 && t - starts[i] > 3) step = 0;  // back: first to this chapter's start
        var j = Math.max(0, Math.min(starts.length - 1, i + step));
        seek(starts[j], false);
        say("Chapitre " + (j + 1) + " sur " + starts.length + " : " + chapters[j].title + ".");
      }

      // Following: the transcript box scrolls to the sentence being read (never the page). It stops
      // as soon as the reader moves in it (wheel, touch, keys, focus), until "Reprendre le suivi".
      var following = true, scrolling = false;
      function stopFollowing() {
        if (!following || !follow.checked) return;
        following = false;
        resume.hidden = false;
      }
      function resumeFollowing() {
        following = true;
        resume.hidden = true;
        show(true);
      }
      ["wheel", "touchmove"].forEach(function (type) { transcript.addEventListener(type, stopFollowing, { passive: true }); });
      transcript.addEventListener("keydown", function (e) {
        if (["ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End", " "].indexOf(e.key) >= 0) stopFollowing();
      });
      transcript.addEventListener("scroll", function () { if (!scrolling) stopFollowing(); });
      resume.addEventListener("click", function () { resumeFollowing(); play.focus(); });
      follow.addEventListener("change", function () { if (follow.checked) resumeFollowing(); else resume.hidden = true; });

      var current = -1, cueStarts = cues.map(function (c) { return c.start; });
      function show(force) {
        var t = audio.currentTime, i = lastAtOrBefore(cueStarts, t);
        if (i !== current) {
          if (current >= 0) paragraphs[current].removeAttribute("aria-current");
          if (i >= 0) paragraphs[i].setAttribute("aria-current", "true");
          current = i;
          force = true;
        }
        var k = lastAtOrBefore(starts, t);
        chapterButtons.forEach(function (b, n) { if (n === k) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current"); });
        if (force && i >= 0 && following && follow.checked) {
          var p = paragraphs[i], top = p.offsetTop - transcript.clientHeight / 3;
          if (Math.abs(transcript.scrollTop - top) > 2) {
            scrolling = true;
            transcript.scrollTop = Math.max(0, top);
            setTimeout(function () { scrolling = false; }, 100);
          }
        }
      }

      function update() {
        var t = audio.currentTime, d = isFinite(audio.duration) ? audio.duration : 0;
        slider.max = String(Math.floor(d));
        slider.value = String(Math.floor(t));
        slider.setAttribute("aria-valuetext", spoken(t) + " sur " + spoken(d));
        time.textContent = clock(t) + " / " + clock(d);
        show(false);
      }
      play.addEventListener("click", function () {
        if (audio.paused) audio.play().catch(function () {}); else audio.pause();
      });
      audio.addEventListener("play", function () { play.textContent = "Pause"; say("Lecture."); });
      audio.addEventListener("pause", function () {
        play.textContent = "Lire";
        if (!audio.ended) say("En pause à " + spoken(audio.currentTime) + ".");
      });
      audio.addEventListener("ended", function () { play.textContent = "Lire"; say("Fin de l'article."); });
      ["timeupdate", "durationchange", "loadedmetadata", "seeked"].forEach(function (type) { audio.addEventListener(type, update); });
      back.addEventListener("click", function () { seek(audio.currentTime - SKIP, false); say("Position : " + spoken(audio.currentTime) + "."); });
      fwd.addEventListener("click", function () { seek(audio.currentTime + SKIP, false); say("Position : " + spoken(audio.currentTime) + "."); });
      slider.addEventListener("input", function () { seek(+slider.value, false); });
      // By keyboard, steps a listener can hear: 5 s with the arrows, 30 s a page, or either end.
      slider.addEventListener("keydown", function (e) {
        var moves = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5, PageUp: 30, PageDown: -30 };
        var t = audio.currentTime;
        if (e.key in moves) t += moves[e.key];
        else if (e.key === "Home") t = 0;
        else if (e.key === "End") t = audio.duration || t;
        else return;
        e.preventDefault();
        seek(t, false);
      });
      function setSpeed() {
        audio.playbackRate = +speed.value;
        audio.defaultPlaybackRate = +speed.value;
      }
      speed.addEventListener("change", function () { setSpeed(); save(SPEED_KEY, speed.value); });
      setSpeed();
      update();
    }
  }

  customElements.define("briefing-player", BriefingPlayer);
})();
