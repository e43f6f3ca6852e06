// The search page: the words from ?q= looked up in the pagefind/ index built with the site.
// Every file comes from the site itself; results link to the paragraph that holds the match.
const params = new URLSearchParams(window.location.search);
const query = (params.get("q") || "").trim();
const input = document.getElementById("search-query");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const PASSAGE = /^(p|li|h[2-6]|blockquote|dd|dt|td|th|figcaption|pre)$/;

input.value = query;
if (query) {
  search(query).catch((error) => {
    status.textContent = "The search could not run: " + error.message;
  });
} else {
  status.textContent = "Type a word or a phrase, then press Enter.";
  input.focus();
}

async function search(words) {
  status.textContent = "Searching…";
  const pagefind = await import("./pagefind/pagefind.js");
  await pagefind.options({ excerptLength: 28 });
  const found = await pagefind.search(words);
  const pages = await Promise.all(found.results.slice(0, 50).map((result) => result.data()));
  const count = words.split(/\s+/).length;
  list.textContent = "";
  for (const page of pages) {
    list.appendChild(resultItem(page, count));
  }
  const n = pages.length;
  status.textContent = n === 0 ? `Nothing found for “${words}”.`
    : `${n} ${n === 1 ? "chapter holds" : "chapters hold"} “${words}”.`;
}

// The first place where the query's words follow one another (a phrase), else the first match.
function bestLocation(locations, count) {
  const sorted = [...locations].sort((a, b) => a - b);
  const present = new Set(sorted);
  for (const start of sorted) {
    let run = 1;
    while (run < count && present.has(start + run)) run += 1;
    if (run === count) return start;
  }
  return sorted[0] ?? 0;
}

function passageAnchor(page, count) {
  const at = bestLocation(page.locations, count);
  let best = null;
  for (const anchor of page.anchors) {
    if (PASSAGE.test(anchor.element) && anchor.location <= at && (!best || anchor.location >= best.location)) {
      best = anchor;
    }
  }
  return best ? "#" + best.id : "";
}

function resultItem(page, count) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = page.url.replace(/^\//, "") + passageAnchor(page, count);
  link.textContent = page.meta.title || page.url;
  const excerpt = document.createElement("p");
  excerpt.className = "search-excerpt";
  appendExcerpt(excerpt, page.excerpt);
  item.appendChild(link);
  item.appendChild(excerpt);
  return item;
}

// Pagefind's excerpt is text with <mark> around the matches: keep exactly that, nothing else.
function appendExcerpt(into, html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const node of template.content.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      into.appendChild(mark);
    } else {
      into.appendChild(document.createTextNode(node.textContent));
    }
  }
}
