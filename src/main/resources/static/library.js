// Folder uploads: browsers send only each file's name, so its path inside the folder goes along in
// a "paths" field, one per file, in the same order.
(function () {
  "use strict";
  var input = document.querySelector("input[data-paths]");
  if (!input) return;
  input.addEventListener("change", function () {
    var form = input.form;
    form.querySelectorAll("input[type=hidden][name=paths]").forEach(function (el) { el.remove(); });
    Array.from(input.files).forEach(function (file) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "paths";
      hidden.value = file.webkitRelativePath || file.name;
      form.appendChild(hidden);
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();
