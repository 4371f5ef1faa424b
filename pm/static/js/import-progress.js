/* 台账导入进度: poll the job's status and move the progress bar; reload the page when it ends. */
(function () {
  "use strict";

  var box = document.querySelector("[data-import-status-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-import-status-url");
  var wrapper = box.querySelector(".progress");
  var bar = box.querySelector(".progress-bar");
  var text = box.querySelector("[data-import-progress-text]");
  var statusLabel = document.querySelector("[data-import-status-label]");
  var failures = 0;

  function show(percent) {
    var p = Math.max(0, Math.min(100, parseInt(percent, 10) || 0));
    bar.style.width = p + "%"; // CSSOM, allowed by the CSP (no inline style attribute)
    bar.textContent = p + "%";
    wrapper.setAttribute("aria-valuenow", String(p));
  }

  function describe(data) {
    if (!data.total_rows) {
      return box.getAttribute("data-label-waiting");
    }
    return box.getAttribute("data-label-progress")
      .replace("{done}", String(data.processed_rows))
      .replace("{total}", String(data.total_rows));
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data.percent);
        text.textContent = describe(data);
        if (statusLabel && data.status_label) {
          statusLabel.textContent = data.status_label;
        }
        if (data.finished || data.stalled) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;
        text.textContent = box.getAttribute("data-label-error");
        window.setTimeout(poll, Math.min(30000, 2000 * failures));
      });
  }

  show(wrapper.getAttribute("aria-valuenow"));
  window.setTimeout(poll, 500);
})();
