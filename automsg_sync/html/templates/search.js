(function () {
  "use strict";
  var bar = document.getElementById("searchbar");
  var units = document.querySelectorAll(".u");
  if (!bar || !units.length) { return; }
  var box = document.createElement("input");
  box.type = "search";
  box.id = "search";
  box.placeholder = "Search texts, messages, languages, files…";
  box.setAttribute("aria-label", "Search the units on this page");
  var info = document.createElement("span");
  info.id = "search-info";
  bar.appendChild(box);
  bar.appendChild(info);
  bar.hidden = false;
  var timer = 0;
  function text(u) {
    var m = u.closest(".msg");
    var h = m ? m.querySelector(".mh") : null;
    return ((h ? h.textContent : "") + " " + u.textContent).toLowerCase();
  }
  function apply() {
    var q = box.value.trim().toLowerCase();
    var shown = 0;
    units.forEach(function (u) {
      var hit = !q || text(u).indexOf(q) >= 0;
      u.classList.toggle("miss", !hit);
      if (hit) { shown += 1; }
    });
    document.querySelectorAll(".msg, details.ctx").forEach(function (g) {
      var any = g.querySelector(".u:not(.miss)");
      g.classList.toggle("miss", !!q && !any);
      if (q && any && g.tagName === "DETAILS") { g.open = true; }
    });
    info.textContent = q ? shown + " of " + units.length + " units match" : "";
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  });
})();
