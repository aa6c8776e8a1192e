(function () {
  "use strict";
  // The index's search (WCAG 2.4.5 Multiple ways, technique G161): the list of episodes filtered
  // as one types, by words of the title or the date, in the page itself (no request). Without
  // JavaScript the field stays hidden and the whole list shows. The count goes to a polite status
  // region once typing pauses, so that a screen reader says it once, not at every key.
  var field = document.getElementById("recherche");
  var count = document.getElementById("recherche-nombre");
  var list = document.getElementById("episodes");
  if (!field || !count || !list) return;
  Array.prototype.forEach.call(document.querySelectorAll("[data-js-only]"), function (el) { el.hidden = false; });
  var items = Array.prototype.slice.call(list.querySelectorAll("li[data-episode]"));
  var total = items.length;

  // Lower case, without accents or punctuation: "ecole" finds "École", "24/11" finds 24/11/2026.
  // Every word typed must be found (in any order): "novembre 2026".
  function plain(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9\u00c0-\u024f]+/g, " ").trim();
  }
  var texts = items.map(function (li) {
    var title = li.querySelector(".title"), time = li.querySelector("time");
    var words = [title ? title.textContent : "", time ? time.textContent : ""];
    var iso = time ? (time.getAttribute("datetime") || "").slice(0, 10) : "";
    var ymd = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (ymd) words.push(ymd[0], ymd[3] + "/" + ymd[2] + "/" + ymd[1]);  // 2026-11-24 and 24/11/2026
    return " " + plain(words.join(" ")) + " ";
  });

  function plural(n, one, many) { return n > 1 ? many : one; }
  function message(shown, query) {
    if (!query) return "Les " + total + " épisodes sont affichés.";
    if (!shown) return "Aucun épisode ne correspond à la recherche.";
    return shown + " " + plural(shown, "épisode", "épisodes") + " sur " + total + " "
      + plural(shown, "correspond", "correspondent") + " à la recherche.";
  }
  function filter() {
    var query = plain(field.value), terms = query ? query.split(" ") : [], shown = 0;
    items.forEach(function (li, i) {
      var match = terms.every(function (term) { return texts[i].indexOf(term) >= 0; });
      li.hidden = !match;
      if (match) shown += 1;
    });
    return message(shown, query);
  }
  var pending = null;
  function update() {
    var said = filter();
    clearTimeout(pending);
    pending = setTimeout(function () { count.textContent = said; }, 400);
  }
  field.addEventListener("input", update);
  field.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && field.value) {  // Escape empties the field: the whole list again
      event.preventDefault();
      field.value = "";
      update();
    } else if (event.key === "Enter") {
      event.preventDefault();  // nothing to send: the list is already filtered
    }
  });
  // A value the browser put back (going back to the index): the list filtered again, and its count.
  function restore() { if (field.value) count.textContent = filter(); }
  restore();
  window.addEventListener("pageshow", restore);
}());
