// The interviewer's live seat: each change event from the server fetches the seat's fragment again.
(function () {
  "use strict";
  var root = document.querySelector("[data-seat]");
  if (!root) return;
  var id = encodeURIComponent(root.getAttribute("data-seat"));
  var inFlight = false, again = false;

  function refresh() {
    if (inFlight) { again = true; return; } // one fetch at a time; the latest change wins
    inFlight = true;
    var file = new URLSearchParams(window.location.search).get("file");
    var url = "/interviews/" + id + "/seat/view" + (file ? "?file=" + encodeURIComponent(file) : "");
    var done = function () {
      inFlight = false;
      if (again) { again = false; refresh(); }
    };
    htmx.ajax("GET", url, {target: "#seat", swap: "innerHTML"}).then(done, done);
  }

  var source = new EventSource("/interviews/" + id + "/seat/events");
  source.addEventListener("seat", refresh);
  source.addEventListener("open", function () {
    document.body.classList.remove("offline");
    refresh(); // what changed while the stream was down
  });
  source.addEventListener("error", function () {
    document.body.classList.add("offline"); // EventSource reconnects by itself
  });
})();
