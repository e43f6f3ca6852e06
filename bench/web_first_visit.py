"""A web edition's first visit on a phone: bytes transferred (Chromium at 360 px) and Lighthouse.

`python bench/web_first_visit.py build/html [page.html]` serves the folder over HTTP on
127.0.0.1, opens the chapter page in a fresh Chromium profile and sums what crossed the wire
(headers and bodies, every request); then runs Lighthouse's mobile performance audit offline
(simulated slow 4G, the site on localhost). Used by bench_lean.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pressroom.screens import serve as served  # noqa: E402  (one HTTP server for proof, tests, bench)

CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"


def first_visit_bytes(url: str, width: int = 360) -> tuple[int, dict[str, int]]:
    """Bytes a first visit of `url` transfers at `width` px (a phone): total, and per file."""
    from playwright.sync_api import sync_playwright

    sizes: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": width, "height": 780}, device_scale_factor=2,
                                      is_mobile=True, has_touch=True)
        page = context.new_page()

        def finished(request) -> None:
            size = request.sizes()
            sizes[request.url.split("/")[-1] or "/"] = size["responseBodySize"] + size["responseHeadersSize"]

        page.on("requestfinished", finished)
        page.goto(url, wait_until="networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_timeout(300)
        browser.close()
    return sum(sizes.values()), sizes


def lighthouse(url: str) -> dict[str, float]:
    """Lighthouse's mobile performance score, largest contentful paint (s) and layout shift."""
    if not LIGHTHOUSE.exists():
        return {}
    with tempfile.TemporaryDirectory(prefix="pressroom-lighthouse-") as profile:
        report = Path(profile) / "report.json"
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        try:
            subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--only-categories=performance", "--output=json",
                            f"--output-path={report}", "--max-wait-for-load=60000",
                            f"--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir={profile}/chrome"],
                           env=env, check=True, capture_output=True, timeout=300)
            data = json.loads(report.read_text())
        except (subprocess.SubprocessError, OSError, ValueError) as exc:  # the other figures still stand
            print(f"lighthouse failed: {exc}", file=sys.stderr)
            return {}
    audits = data["audits"]
    return {"score": data["categories"]["performance"]["score"],
            "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "bytes": audits["total-byte-weight"]["numericValue"]}


def main() -> None:
    folder = Path(sys.argv[1])
    page = sys.argv[2] if len(sys.argv) > 2 else next(p.name for p in sorted(folder.glob("*.html"))
                                                      if p.name not in ("index.html", "search.html"))
    with served(folder) as base:
        total, sizes = first_visit_bytes(base + page)
        print(f"first visit of {page} at 360 px: {total / 1024:.1f} KB")
        for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
            print(f"  {size / 1024:8.1f} KB  {name}")
        print("lighthouse:", lighthouse(base + page))


if __name__ == "__main__":
    main()
