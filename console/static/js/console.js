/* The console's own script (no inline script is allowed by the CSP). Small conveniences only:
   every page works without it, except the auto-refresh (htmx) it guards. */
(function () {
  "use strict";
  // Do not auto-refresh the work list while the user has ticked rows for a bulk action:
  // the refresh would replace the table and lose the ticks.
  document.addEventListener("htmx:confirm", function (event) {
    var source = event.detail && event.detail.elt;
    if (source && source.hasAttribute("data-auto-refresh") &&
        document.querySelector("input[name=item]:checked")) {
      event.preventDefault();
    }
  });
  // "select all" box of the work list
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.id === "select-all") {
      document.querySelectorAll("input[name=item]").forEach(function (b) { b.checked = box.checked; });
    }
  });
})();
