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
  var openCall = null;

  // The popover is in the page from the start (chapter.html): every call's aria-controls names it.
  function buildPopover() {
    var box = document.getElementById("note-popover");
    if (!box) return null;
    var close = box.querySelector(".note-popover-close");
    var toList = box.querySelector(".note-popover-list");
    close.addEventListener("click", function () { closeNote(true); });
    toList.addEventListener("click", function () { closeNote(false); });
    box.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !box.contains(event.relatedTarget) && event.relatedTarget !== openCall) {
        closeNote(false);
      }
    });
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
    if (!note || !popover) return false;
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

  var popover = buildPopover();
  calls.forEach(function (call) {
    if (!popover) return;
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

  // ------------------------------------------------------ theme and text size (remembered)
  // prefs.js applied the stored choice before the page was drawn; here the controls change it.
  var root = document.documentElement;
  var SIZES = { min: -2, max: 3 };

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key); else window.localStorage.setItem(key, value);
    } catch (error) {
      // Storage refused: the choice holds on this page only.
    }
  }

  var themeChoice = document.getElementById("theme-choice");
  if (themeChoice) {
    themeChoice.value = root.getAttribute("data-theme") || "auto";
    themeChoice.addEventListener("change", function () {
      var value = themeChoice.value;
      if (value === "auto") root.removeAttribute("data-theme"); else root.setAttribute("data-theme", value);
      store("pressroom-theme", value === "auto" ? null : value);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button.text-size"), function (button) {
    button.addEventListener("click", function () {
      var size = parseInt(root.getAttribute("data-text-size") || "0", 10) + parseInt(button.getAttribute("data-step"), 10);
      size = Math.max(SIZES.min, Math.min(SIZES.max, size));
      if (size === 0) root.removeAttribute("data-text-size"); else root.setAttribute("data-text-size", String(size));
      store("pressroom-text-size", size === 0 ? null : String(size));
      if (openCall && popover) place(popover, openCall);
    });
  });

  // ------------------------------------------------------------ arrow keys: previous / next
  // Left and right arrows turn the page as in a reading system, unless the keys are someone
  // else's: a field being typed in, a box that scrolls sideways, a note open, a modifier held.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented || openCall) return;
    var focused = document.activeElement;
    if (focused && (/^(INPUT|TEXTAREA|SELECT)$/.test(focused.tagName) || focused.isContentEditable
                    || (focused.closest && focused.closest(".table-scroll, pre")))) return;
    var link = document.querySelector(event.key === "ArrowLeft" ? 'link[rel="prev"]' : 'link[rel="next"]');
    if (link) window.location.href = link.href;
  });

  // ------------------------------------------------------------- copy a heading's link
  // Each heading's # link goes to the heading; a click also copies its full address.
  Array.prototype.forEach.call(document.querySelectorAll("a.heading-anchor"), function (anchor) {
    anchor.addEventListener("click", function () {
      if (!navigator.clipboard) return;
      navigator.clipboard.writeText(anchor.href).then(function () {
        anchor.classList.add("copied");
        anchor.setAttribute("aria-label", "Link copied");
        window.setTimeout(function () {
          anchor.classList.remove("copied");
          anchor.setAttribute("aria-label", anchor.getAttribute("data-label"));
        }, 2000);
      }, function () { /* the link still goes to the heading */ });
    });
  });

  // --------------------------------------------------------- search: the words found, marked
  // A search result links here with ?highlight=words#passage: those words are marked in that
  // passage (or, with no passage, in the chapter), not the whole paragraph.
  var wanted = new URLSearchParams(window.location.search).get("highlight");
  if (wanted) highlight(wanted);

  function fold(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function highlight(words) {
    var terms = words.split(/\s+/).map(fold).filter(Boolean);
    var scope = (window.location.hash && document.getElementById(decodeURIComponent(window.location.hash.slice(1))))
      || document.querySelector("article.chapter");
    if (!terms.length || !scope) return;
    var walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentNode.closest("sup.noteref, .backlink, .heading-anchor, mark") ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    var first = null;
    nodes.forEach(function (node) {
      // Word by word: a word that begins with a term searched for is marked whole.
      var parts = node.data.split(/([\p{L}\p{N}][\p{L}\p{N}\p{M}'’-]*)/u);
      if (parts.length < 2) return;
      var fragment = document.createDocumentFragment();
      var marked = false;
      parts.forEach(function (part, index) {
        var hit = index % 2 === 1 && terms.some(function (term) { return fold(part).indexOf(term) === 0; });
        if (hit) {
          var mark = document.createElement("mark");
          mark.className = "search-hit";
          mark.textContent = part;
          fragment.appendChild(mark);
          first = first || mark;
          marked = true;
        } else if (part) {
          fragment.appendChild(document.createTextNode(part));
        }
      });
      if (marked) node.parentNode.replaceChild(fragment, node);
    });
    if (first && !window.location.hash) first.scrollIntoView({ block: "center" });
  }
})();
