// 实时计票: while a vote is open, reload the page every 30 seconds (unless the user is typing in a form).
(function () {
  "use strict";
  setInterval(function () {
    var active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "SELECT" || active.tagName === "TEXTAREA")) { return; }
    window.location.reload();
  }, 30000);
})();
