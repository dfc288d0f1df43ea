// The workbench's little JavaScript (no inline scripts: the Content-Security-Policy allows
// only files from this origin).
//  - <form data-confirm="…">: asks before posting.
//  - <div data-poll-url="…" data-poll-seconds="30">: replaced every N seconds by the HTML
//    fragment the URL answers (e.g. the inbox list), so new items appear without a reload.
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
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll-url]").forEach(poll);
  });
})();
