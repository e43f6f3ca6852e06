// The EPUB (book.epub beside this page) in epub.js, paginated as a phone reader shows it; the
// screenshots and tests drive it through window.reader.
(function () {
  "use strict";
  var book = ePub("book.epub", { openAs: "epub" });
  var rendition = book.renderTo("viewer", { width: "100%", height: "100%", flow: "paginated", spread: "none" });

  function where() {
    var at = rendition.currentLocation();
    return { href: at.start.href, page: at.start.displayed.page, total: at.start.displayed.total,
             cfi: at.start.cfi };
  }

  window.reader = {
    ready: book.ready.then(function () { return book.loaded.navigation; }),
    // Show `target` (a file, file#id or CFI); resolves with where the reader then stands.
    display: function (target) {
      return rendition.display(target).then(where);
    },
    next: function () { return rendition.next().then(where); },
    pageList: function () { return book.loaded.pageList.then(function (list) { return list; }); },
    spine: function () { return book.spine.spineItems.map(function (item) { return item.href; }); },
  };
})();
