// The web edition's behaviour, loaded as a file so a strict Content-Security-Policy holds:
// the contents menu on small screens, and note calls that open their note in a popover.
// Without JavaScript the pages still work: the contents show in full (nojs.css) and a note
// call is a plain link to the list at the chapter's end, which links back.
(function () {
  "use strict";

  // ------------------------------------------------------------------ contents menu (phones)
  var menuButton = document.querySelector(".menu-button");
  var sidebar = document.getElementById("sidebar");

  function setMenu(open, focusBack) {
    if (!menuButton || !sidebar) return;
    document.body.classList.toggle("menu-open", open);
    menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var current = sidebar.querySelector("[aria-current]") || sidebar.querySelector("a");
      if (current) current.focus();
    } else if (focusBack) {
      menuButton.focus();
    }
  }

  if (menuButton) {
    menuButton.addEventListener("click", function () {
      setMenu(menuButton.getAttribute("aria-expanded") !== "true", false);
    });
  }

  // ------------------------------------------------------------------------ note popovers
  var calls = Array.prototype.slice.call(document.querySelectorAll('a[role="doc-noteref"]'));
  var main = document.getElementById("main");
  var popover = null;
  var openCall = null;

  function buildPopover() {
    var box = document.createElement("div");
    box.id = "note-popover";
    box.className = "note-popover";
    box.setAttribute("role", "dialog");
    box.tabIndex = -1;
    box.hidden = true;
    var text = document.createElement("div");
    text.className = "note-popover-text";
    var actions = document.createElement("p");
    actions.className = "note-popover-actions";
    var toList = document.createElement("a");
    toList.className = "note-popover-list";
    toList.textContent = "In the notes";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "note-popover-close";
    close.textContent = "Close";
    actions.appendChild(toList);
    actions.appendChild(close);
    box.appendChild(text);
    box.appendChild(actions);
    close.addEventListener("click", function () { closeNote(true); });
    toList.addEventListener("click", function () { closeNote(false); });
    box.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !box.contains(event.relatedTarget) && event.relatedTarget !== openCall) {
        closeNote(false);
      }
    });
    main.appendChild(box);
    return box;
  }

  function noteContent(note) {
    var fragment = document.createDocumentFragment();
    Array.prototype.forEach.call(note.childNodes, function (node) {
      fragment.appendChild(node.cloneNode(true));
    });
    Array.prototype.forEach.call(fragment.querySelectorAll(".backlink"), function (link) { link.remove(); });
    Array.prototype.forEach.call(fragment.querySelectorAll("[id]"), function (el) { el.removeAttribute("id"); });
    return fragment;
  }

  function place(box, call) {
    var rect = call.getBoundingClientRect();
    var page = document.documentElement.clientWidth;
    var width = Math.min(box.offsetWidth, page - 16);
    var left = Math.max(8, Math.min(rect.left - 24, page - width - 8));
    box.style.left = (left + window.scrollX) + "px";
    box.style.top = (rect.bottom + window.scrollY + 6) + "px";
  }

  function openNote(call) {
    var id = call.getAttribute("href").slice(1);
    var note = document.getElementById(id);
    if (!note) return false;
    if (!popover) popover = buildPopover();
    if (openCall) closeNote(false);
    var text = popover.querySelector(".note-popover-text");
    text.textContent = "";
    text.appendChild(noteContent(note));
    popover.setAttribute("aria-label", "Note " + call.textContent);
    popover.querySelector(".note-popover-list").setAttribute("href", "#" + id);
    popover.hidden = false;
    place(popover, call);
    call.setAttribute("aria-expanded", "true");
    openCall = call;
    popover.focus();
    return true;
  }

  function closeNote(focusBack) {
    if (!popover || !openCall) return;
    var call = openCall;
    openCall = null;
    popover.hidden = true;
    call.setAttribute("aria-expanded", "false");
    if (focusBack) call.focus();
  }

  calls.forEach(function (call) {
    call.setAttribute("aria-haspopup", "dialog");
    call.setAttribute("aria-expanded", "false");
    call.setAttribute("aria-controls", "note-popover");
    call.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return; // a new tab gets the list
      if (openCall === call) {
        event.preventDefault();
        closeNote(true);
      } else if (openNote(call)) {
        event.preventDefault();
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (openCall) {
      event.preventDefault();
      closeNote(true);
    } else if (document.body.classList.contains("menu-open")) {
      event.preventDefault();
      setMenu(false, true);
    }
  });

  document.addEventListener("click", function (event) {
    if (openCall && popover && !popover.contains(event.target) && event.target !== openCall) {
      closeNote(false);
    }
  });

  window.addEventListener("resize", function () {
    if (openCall && popover) place(popover, openCall);
  });
})();
