// Run before the page is drawn (a blocking script in <head>, a file so the Content-Security-Policy
// holds): the reader's theme and text size, chosen on any page (book.js), so no page flashes the
// other theme first.
(function () {
  "use strict";
  try {
    var root = document.documentElement;
    var theme = window.localStorage.getItem("pressroom-theme");
    var size = window.localStorage.getItem("pressroom-text-size");
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    if (size && /^-?[0-9]$/.test(size) && size !== "0") root.setAttribute("data-text-size", size);
  } catch (error) {
    // Storage refused (a private window's settings): the system's theme and the default size stand.
  }
})();
