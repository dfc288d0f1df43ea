// The inbox's quick buttons share one form (#inbox-act) outside the polled list, each button
// naming its own action (formaction); a button with data-confirm asks before posting.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
