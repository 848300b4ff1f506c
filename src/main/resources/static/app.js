// Live portal: status changes arrive by Server-Sent Events and the server re-renders the affected row.
(function () {
  "use strict";

  function view() {
    var table = document.querySelector("table.interviews[data-view]");
    return table ? table.getAttribute("data-view") : null;
  }

  function belongsHere(interview) {
    var v = view();
    var live = !["destroyed", "cancelled", "error"].includes(interview.status);
    if (document.querySelector("[data-detail='" + interview.id + "']")) return true;
    return (v === "active" && live) || (v === "history" && !live);
  }

  var inFlight = {}; // interview id → true, or the change that arrived while its row was fetched

  function refreshRow(interview) {
    var row = document.getElementById("row-" + interview.id);
    if (row && !belongsHere(interview) && !document.querySelector("[data-detail]")) {
      row.remove(); // e.g. destroyed: it moves from Active to History
      return;
    }
    if (!row && !belongsHere(interview)) return;
    if (!row && document.querySelector("[data-detail]")) return;
    if (!row) {
      var rows = document.getElementById("rows");
      if (!rows) return;
      row = document.createElement("tr");
      row.id = "row-" + interview.id;
      rows.prepend(row);
      var empty = document.querySelector(".empty");
      if (empty) empty.remove();
    }
    // One request per row at a time: htmx drops a request for a target that has one in flight, so
    // a change arriving meanwhile (a warm workspace goes configuring → active in a few hundred ms)
    // is fetched when the first answer is back.
    if (inFlight[interview.id]) {
      inFlight[interview.id] = interview;
      return;
    }
    inFlight[interview.id] = true;
    var done = function () {
      var next = inFlight[interview.id];
      delete inFlight[interview.id];
      tick();
      if (next !== true) refreshRow(next);
    };
    htmx.ajax("GET", "/interviews/" + encodeURIComponent(interview.id) + "/row", {
      target: "#row-" + interview.id, swap: "outerHTML"
    }).then(done, done);
    var log = document.getElementById("log");
    if (log && document.querySelector("[data-detail='" + interview.id + "']")) {
      htmx.ajax("GET", "/interviews/" + encodeURIComponent(interview.id) + "/log", {target: "#log", swap: "innerHTML"});
    }
  }

  // A change made before the stream (re)opens never arrives as an event: between this page's
  // rendering and the first connection (a warm workspace is active in half a second), or while the
  // connection was down. So each time it opens, what the page shows is fetched once more.
  function catchUp() {
    var detail = document.querySelector("[data-detail]");
    if (detail) {
      refreshRow({id: detail.getAttribute("data-detail")});
      return;
    }
    if (!document.getElementById("rows")) return;
    htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#rows", select: "#rows", swap: "outerHTML"
    }).then(function () {
      var empty = document.querySelector(".empty");
      if (empty && document.querySelector("#rows tr")) empty.remove();
      tick();
    });
  }

  function connect() {
    if (!document.querySelector("table.interviews")) return;
    var source = new EventSource("/api/v1/events");
    source.addEventListener("interview", function (e) {
      refreshRow(JSON.parse(e.data));
    });
    source.addEventListener("open", function () {
      document.body.classList.remove("offline");
      catchUp();
    });
    source.addEventListener("error", function () {
      document.body.classList.add("offline"); // EventSource reconnects by itself
    });
  }

  function fmt(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + sec + "s";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".remaining").forEach(function (el) {
      var start = Date.parse(el.getAttribute("data-starts-at"));
      var end = Date.parse(el.getAttribute("data-expires-at"));
      el.textContent = now < start ? "starts in " + fmt(start - now) : fmt(end - now) + " left";
    });
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      if (!el.dataset.local) {
        el.textContent = new Date(el.getAttribute("datetime")).toLocaleString();
        el.dataset.local = "1";
      }
    });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("button.copy");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  });

  // Every state-changing request carries the session's CSRF token (forms and htmx alike). Rows
  // arrive as shared fragments, so the token is added here rather than rendered into each form.
  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.verb !== "get") e.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      e.preventDefault();
      return;
    }
    if ((form.getAttribute("method") || "").toLowerCase() === "post" && !form.querySelector("input[name=_csrf]")) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = "_csrf";
      field.value = csrfToken();
      form.appendChild(field);
    }
    var local = form.querySelector("input[name=scheduledAt]");
    var iso = form.querySelector("input[name=scheduledAtIso]");
    if (local && iso) iso.value = local.value ? new Date(local.value).toISOString() : "";
  });

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    connect();
  });
})();
