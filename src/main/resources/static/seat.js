// The interviewer's live seat: each change event from the server fetches the seat's fragment again.
//
// A live update must never eat the interviewer's click. A click is a press and a release on the
// same element: an update that replaced the file list between the two lost the click (CI saw it).
// So an update that arrives while a pointer is down on the seat waits for the release (and the
// click it makes); the file list is kept, the very same elements, when it did not change; and an
// update fetched for another file than the one the interviewer has since opened is thrown away.
(function () {
  "use strict";
  var root = document.querySelector("[data-seat]");
  if (!root) return;
  var id = encodeURIComponent(root.getAttribute("data-seat"));
  var inFlight = false, again = false;
  var pointerDown = false;
  var pending = null; // {file, html}: fetched, waiting for the pointer's release
  var shown = null; // the fragment's HTML last put in place
  var opened = fileOf(window.location.search);

  function fileOf(query) {
    return new URLSearchParams(query).get("file") || "";
  }

  function refresh() {
    if (inFlight) { again = true; return; } // one fetch at a time; the latest change wins
    inFlight = true;
    var file = opened;
    var url = "/interviews/" + id + "/seat/view" + (file ? "?file=" + encodeURIComponent(file) : "");
    var done = function () {
      inFlight = false;
      if (again) { again = false; refresh(); }
    };
    fetch(url, {credentials: "same-origin", headers: {"HX-Request": "true"}})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        pending = {file: file, html: html};
        applyWhenFree();
      })
      .catch(function () { /* the next change, or the stream's reconnect, fetches again */ })
      .then(done, done);
  }

  function applyWhenFree() {
    if (pending === null) return;
    if (pointerDown) { root.setAttribute("data-update-held", ""); return; } // shown on release
    root.removeAttribute("data-update-held");
    var update = pending;
    pending = null;
    if (update.file !== opened) { refresh(); return; } // another file was opened meanwhile
    if (update.html === shown) return; // nothing to show that is not shown
    var fresh = document.createElement("div");
    fresh.innerHTML = update.html;
    var list = root.querySelector("nav.seat-files");
    var freshList = fresh.querySelector("nav.seat-files");
    if (list && freshList && list.innerHTML === freshList.innerHTML) {
      freshList.replaceWith(list); // the same elements: nothing under the pointer is replaced
    }
    root.replaceChildren.apply(root, Array.prototype.slice.call(fresh.childNodes));
    shown = update.html;
    htmx.process(root);
  }

  // A click on a file opens it through htmx: from then on, updates are for that file.
  root.addEventListener("htmx:beforeRequest", function (e) {
    var path = e.detail.requestConfig && e.detail.requestConfig.path;
    if (path && path.indexOf("/seat/view") >= 0) {
      opened = fileOf(path.indexOf("?") >= 0 ? path.substring(path.indexOf("?")) : "");
      shown = null;
    }
  });
  window.addEventListener("popstate", function () { opened = fileOf(window.location.search); });

  root.addEventListener("pointerdown", function () { pointerDown = true; });
  function released() {
    if (!pointerDown) return;
    // after the click this release makes has been handled
    setTimeout(function () { pointerDown = false; applyWhenFree(); }, 0);
  }
  window.addEventListener("pointerup", released);
  window.addEventListener("pointercancel", released);
  window.addEventListener("blur", released);

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
