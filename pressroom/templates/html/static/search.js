// The search page: the words typed (or ?q=) looked up in the pagefind/ index built with the site,
// as the reader types. Each place found links to its own passage (a note's own anchor when the
// words are in a note) with the words to highlight there, under an excerpt cut around that place.
const input = document.getElementById("search-query");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const form = input.form;
// Elements a place can be linked to: the numbered paragraphs (p-N), notes (note-N), headings, cells.
const PASSAGE = /^(p|li|h[2-6]|blockquote|dd|dt|td|th|figcaption|pre)$/;
const DELAY_MS = 250; // a pause in typing this long runs the search: not one search per keystroke
const PLACES_PER_CHAPTER = 5;
const EXCERPT_WORDS = 12; // words either side of the place found
const language = (document.documentElement.lang || "").toLowerCase();

let pagefind = null;
let timer = 0;
let latest = 0; // the number of the newest search: an older one finishing late is dropped

input.value = (new URLSearchParams(window.location.search).get("q") || "").trim();
input.addEventListener("input", () => {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => run(input.value), DELAY_MS);
});
form.addEventListener("submit", (event) => {
  event.preventDefault(); // the results are already on this page: Enter searches at once
  window.clearTimeout(timer);
  run(input.value);
});
if (input.value) {
  run(input.value);
} else {
  status.textContent = "Type a word or a phrase: results show as you type.";
  input.focus();
}

async function run(text) {
  const words = text.trim();
  const number = ++latest;
  const url = new URL(window.location.href);
  if (words) url.searchParams.set("q", words); else url.searchParams.delete("q");
  window.history.replaceState(null, "", url);
  if (!words) {
    list.textContent = "";
    status.textContent = "Type a word or a phrase: results show as you type.";
    return;
  }
  try {
    const found = await search(words);
    if (number !== latest) return;
    show(words, found);
  } catch (error) {
    if (number === latest) status.textContent = "The search could not run: " + error.message;
  }
}

async function search(words) {
  if (!pagefind) {
    pagefind = await import("./pagefind/pagefind.js");
    await pagefind.options({ excerptLength: 2 * EXCERPT_WORDS });
  }
  const terms = termsOf(words);
  const found = await pagefind.search(words);
  const pages = await Promise.all(found.results.slice(0, 50).map((result) => result.data()));
  return pages.map((page) => places(page, terms)).filter((page) => page.places.length > 0);
}

// The query's words, folded as the index folds them (case, accents), punctuation dropped.
function termsOf(words) {
  return words.split(/\s+/).map(fold).filter(Boolean);
}

function fold(word) {
  return word.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}

// An English word's inflection, dropped from a query word: Pagefind stems, so "executes" finds
// "executed"; the word found must still begin with what is left.
function stem(term) {
  return language.startsWith("en") && term.length > 4 ? term.replace(/(ing|ed|es|s|ly)$/, "") : term;
}

// Whether a word of the text is a real hit for a query word: it begins with it (a word being typed
// finds its completions). Pagefind also answers with words that merely share a first letter or
// two when nothing better is in the book ("Tidex" found "tide", "Mikoyan" an "M."): not hits.
function matches(word, term) {
  return word.startsWith(term) || (stem(term) !== term && word.startsWith(stem(term)));
}

// The page's places where the query's words really are, each with the passage that holds it.
function places(page, terms) {
  const words = page.content.split(/\s+/);
  const folded = words.map(fold);
  const hits = page.locations.filter((at) => terms.some((term) => matches(folded[at] || "", term)));
  const every = terms.every((term) => hits.some((at) => matches(folded[at], term)));
  // Where the words follow one another as typed (a phrase), those places alone: "and" or "party"
  // elsewhere in the chapter is not what was asked for.
  const phrases = hits.filter((at) => terms.every((term, k) => matches(folded[at + k] || "", term)));
  const wanted = terms.length > 1 && phrases.length ? phrases : hits;
  const found = [];
  const seen = new Set();
  for (const at of every ? [...wanted].sort((a, b) => a - b) : []) {
    const anchor = passageAnchor(page, at);
    const key = anchor ? anchor.id : "";
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ at, anchor, excerpt: excerpt(words, folded, at, terms, wanted === phrases) });
    if (found.length === PLACES_PER_CHAPTER) break;
  }
  return { page, places: found, terms };
}

// The innermost passage that starts at or before the place: a note's own item, not the paragraph before.
function passageAnchor(page, at) {
  let best = null;
  for (const anchor of page.anchors) {
    if (PASSAGE.test(anchor.element) && anchor.location <= at && (!best || anchor.location >= best.location)) {
      best = anchor;
    }
  }
  return best;
}

function excerpt(words, folded, at, terms, phrase) {
  const from = Math.max(0, at - EXCERPT_WORDS);
  const to = Math.min(words.length, at + EXCERPT_WORDS + 1);
  const parts = [];
  if (from > 0) parts.push({ text: "… " });
  for (let index = from; index < to; index += 1) {
    // In a phrase's place, its words are marked, not every "and" around it.
    const hit = phrase ? index >= at && index < at + terms.length
      : terms.some((term) => matches(folded[index], term));
    parts.push({ text: words[index], hit });
    if (index + 1 < to) parts.push({ text: " " });
  }
  if (to < words.length) parts.push({ text: " …" });
  return parts;
}

function show(words, found) {
  list.textContent = "";
  let count = 0;
  for (const { page, places: spots, terms } of found) {
    const item = document.createElement("li");
    const title = document.createElement("h2");
    title.className = "search-chapter";
    title.textContent = page.meta.title || page.url;
    item.appendChild(title);
    const inner = document.createElement("ol");
    inner.className = "search-places";
    for (const spot of spots) {
      inner.appendChild(placeItem(page, spot, terms));
      count += 1;
    }
    item.appendChild(inner);
    list.appendChild(item);
  }
  const chapters = found.length;
  status.textContent = chapters === 0 ? `Nothing found for “${words}”.`
    : `${count} ${count === 1 ? "place" : "places"} in ${chapters} ${chapters === 1 ? "chapter" : "chapters"} for “${words}”.`;
}

function placeItem(page, spot, terms) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  const href = new URL(page.url.replace(/^\//, ""), window.location.href);
  href.searchParams.set("highlight", terms.join(" "));
  if (spot.anchor) href.hash = spot.anchor.id;
  link.href = href.pathname.split("/").pop() + href.search + href.hash;
  link.className = "search-place";
  for (const part of spot.excerpt) {
    if (part.hit) {
      const mark = document.createElement("mark");
      mark.textContent = part.text;
      link.appendChild(mark);
    } else {
      link.appendChild(document.createTextNode(part.text));
    }
  }
  if (spot.anchor && /^note-/.test(spot.anchor.id)) {
    const where = document.createElement("span");
    where.className = "search-where";
    where.textContent = " (in a note)";
    link.appendChild(where);
  }
  item.appendChild(link);
  return item;
}
