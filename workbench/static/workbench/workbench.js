// The workbench's little JavaScript (no inline scripts: the Content-Security-Policy allows
// only files from this origin).
//  - <form data-confirm="…">: asks before posting.
//  - <div data-poll-url="…" data-poll-seconds="30">: replaced every N seconds by the HTML
//    fragment the URL answers (e.g. the inbox list), so new items appear without a reload.
//  - <div class="wb-scroll">: a table wider (or taller) than its box scrolls; such a box is
//    made a keyboard stop (a named region), so it can be scrolled with the arrow keys.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
  function poll(node) {
    var seconds = parseInt(node.getAttribute("data-poll-seconds") || "30", 10);
    window.setInterval(function () {
      var url = node.getAttribute("data-poll-url");
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null && html !== node.innerHTML) {
            node.innerHTML = html;
            node.dispatchEvent(new CustomEvent("workbench:updated", { bubbles: true }));
          }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }, Math.max(seconds, 2) * 1000);
  }
  function heading(node) {
    var table = node.querySelector("table");
    if (table && table.caption) return table.caption.textContent;
    for (var n = node; n && n !== document.body; n = n.parentElement) {
      for (var p = n.previousElementSibling; p; p = p.previousElementSibling) {
        if (/^H[1-6]$/.test(p.tagName)) return p.textContent;
      }
    }
    return "";
  }
  function scrollable(root) {
    root.querySelectorAll(".wb-scroll").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (wide && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        var name = heading(box).trim();
        if (name && !box.hasAttribute("aria-label")) box.setAttribute("aria-label", name);
      } else if (!wide && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll-url]").forEach(poll);
    scrollable(document);
    if (window.ResizeObserver) {
      // A table grows after the first layout (fonts, a <details> opened): look again then.
      var watch = new ResizeObserver(function () { scrollable(document); });
      document.querySelectorAll(".wb-scroll").forEach(function (box) {
        watch.observe(box);
        if (box.firstElementChild) watch.observe(box.firstElementChild);
      });
    }
    document.addEventListener("workbench:updated", function (e) { scrollable(e.target); });
  });
})();
