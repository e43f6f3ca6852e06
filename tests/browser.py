"""A built web edition served on 127.0.0.1 and watched in Chromium for errors and stray requests."""

from __future__ import annotations

from pathlib import Path

from pressroom.screens import serve  # noqa: F401  (re-exported: the tests serve sites as proof does)


class Watched:
    """A page with every console error, page error, failed, refused or off-site request recorded."""

    def __init__(self, browser, base: str, **context):
        self.base = base
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(5000)  # a broken link fails in seconds, not half a minute
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # A favicon still loading when the page is left is aborted by the browser itself: not a fault of the site.
        self.page.on("requestfailed", lambda r: (r.url.endswith("/favicon.svg") and r.failure == "net::ERR_ABORTED")
                     or self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        self.page.on("request", lambda r: r.url.startswith((base, "data:"))
                     or self.problems.append(f"off-site request: {r.url}"))

    def open(self, name: str):
        self.page.goto(self.base + name, wait_until="load")
        self.page.evaluate("document.fonts.ready")
        return self.page

    def close(self) -> None:
        self.context.close()


# ---------------------------------------------------------------------------------------------
# axe-core, from node_modules/ (package.json; `make` runs npm ci), evaluated in the page itself:
# through the DevTools protocol, so the page's Content-Security-Policy need not be relaxed.
# ---------------------------------------------------------------------------------------------

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    """Every axe-core violation on the page as 'rule (impact): selector: summary', one per node."""
    if not AXE.is_file():
        raise AssertionError(f"{AXE} is missing: run `make` (npm ci installs axe-core from package-lock.json)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text("utf-8") + "\n;true")
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.flatMap(v => v.nodes.map(
            n => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary.replace(/\\s+/g, ' ')}`));
    }""")
    return found
