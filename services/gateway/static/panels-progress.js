/* The selection page: while a selection runs, ask the status API every two seconds and update
   the progress bar and its text (read out politely by screen readers). When it has finished,
   reload the page to show the result. Without this file the page still works: "Check progress". */
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("selection-progress");
  var percent = document.getElementById("selection-percent");
  var message = document.getElementById("selection-message");
  var status = document.getElementById("selection-status");
  var words = { queued: "Waiting to start", running: "Running", done: "Finished",
                failed: "Stopped without a result", cancelled: "Cancelled" };
  Array.prototype.forEach.call(document.querySelectorAll(".no-js-only"), function (el) { el.hidden = true; });
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
  var lastText = "";
  var failures = 0;

  function show(data) {
    var value = Math.round((data.progress || 0) * 1000) / 10;
    bar.value = value;
    bar.textContent = value.toFixed(1) + "%";
    var text = value.toFixed(1) + "%";
    if (text !== percent.textContent) { percent.textContent = text; }
    var said = data.message || "";
    if (said !== lastText) { message.textContent = said; lastText = said; }
    if (status && words[data.status]) { status.textContent = words[data.status]; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.status === "queued" || data.status === "running") {
          window.setTimeout(poll, 2000);
        } else {
          message.textContent = "Finished. Showing the result…";
          window.location.reload();
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) { window.setTimeout(poll, 4000); }
        else { message.textContent = "We could not check the progress. Use “Check progress” to try again."; }
      });
  }
  window.setTimeout(poll, 1000);
}());
