/* mtqa HTML report: severity filter and text view switch.  No network, no eval. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var hidden = {};

  function applyFilter() {
    document.querySelectorAll("[data-sev]").forEach(function (el) {
      var shown = el.getAttribute("data-sev").split(" ").some(function (s) {
        return !hidden[s];
      });
      el.classList.toggle("off", !shown);
    });
    document.querySelectorAll(".sgroup").forEach(function (g) {
      g.classList.toggle("off", !g.querySelector(".finding:not(.off), .orphan"));
    });
  }

  document.querySelectorAll("input[data-filter-sev]").forEach(function (box) {
    box.addEventListener("change", function () {
      hidden[box.value] = !box.checked;
      applyFilter();
    });
  });
  document.querySelectorAll('input[name="view"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked) root.setAttribute("data-view", radio.value);
    });
  });
})();
