// `make watch` only (served by pressroom/watch.py, never part of a built site): reload this page
// when the web edition is rebuilt, or show the build's errors over it until they are fixed.
(function () {
  "use strict";
  var seen = null;
  var panel = null;

  function show(errors) {
    if (!errors.length) {
      if (panel) panel.remove();
      panel = null;
      return;
    }
    if (!panel) {
      panel = document.createElement("div");
      panel.id = "pressroom-build-errors";
      panel.setAttribute("role", "alert");
      var s = panel.style;
      s.position = "fixed"; s.left = "0"; s.right = "0"; s.bottom = "0"; s.zIndex = "1000";
      s.maxHeight = "50vh"; s.overflow = "auto"; s.padding = "0.8rem 1rem";
      s.background = "#fff4f2"; s.color = "#5c0b00"; s.borderTop = "3px solid #b3261e";
      s.font = "14px/1.4 ui-monospace, monospace"; s.whiteSpace = "pre-wrap";
      document.body.appendChild(panel);
    }
    panel.textContent = "The book did not build; this page is the last good build.\n\n" + errors.join("\n");
  }

  var source = new EventSource("/__pressroom/events");
  source.addEventListener("state", function (event) {
    var state = JSON.parse(event.data);
    if (seen === null) seen = state.generation;
    if (state.generation !== seen) {
      source.close();
      window.location.reload();
      return;
    }
    show(state.errors);
  });
})();
