"""`build.py watch`: the web edition served on http://127.0.0.1:8000, rebuilt on save, the page reloaded.

    watchfiles ── a saved file under manuscript/, templates/ or styles/ that the web edition uses
        │
        ▼
    pipeline.build(..., {"html"})  ── ok: generation += 1 ──┐
        │ manuscript error: printed here, kept as `errors` ─┤
        ▼                                                   ▼
    build/html/ (swapped in whole)        /__pressroom/events (server-sent events): every open page
                                          reloads on a new generation, or shows the errors over itself

Pages are served as built, plus one <script src="/__pressroom/live.js"> added on the way out:
a file, so the pages' Content-Security-Policy holds; the same policy is also sent as a header (a
<meta> policy cannot hold everything: frame-ancestors, reports), and a missing page gets the
site's 404.html, as a static host would serve it. An error never stops the server; the last
good build stays up until the next one.
"""

from __future__ import annotations

import json
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from .editions.html import CSP
from .messages import BuildError, Report
from .theme import STYLES, TEMPLATES

LIVE_JS = TEMPLATES / "html" / "static" / "live.js"
PREFIX = "/__pressroom/"
# What the web edition is made from, besides the manuscript (editions/html.py, render.py).
HTML_TEMPLATES = ("html/", "copyright.html")
HTML_STYLES = ("fonts.css", "base.css", "html.css", "fonts/")
DEBOUNCE_MS = 120
KEEPALIVE_S = 15


class State:
    """The last build's outcome, shared by the builder and every open page's event stream."""

    def __init__(self) -> None:
        self.generation = 0
        self.errors: list[str] = []
        self.changed = threading.Condition()

    def publish(self, ok: bool, errors: list[str]) -> None:
        with self.changed:
            if ok:
                self.generation += 1
            self.errors = errors
            self.changed.notify_all()

    def snapshot(self) -> str:
        return json.dumps({"generation": self.generation, "errors": self.errors})


class Handler(SimpleHTTPRequestHandler):
    """Static files from the built site; /__pressroom/ serves the reload script and the event stream."""

    state: State

    def log_message(self, *args) -> None:  # the terminal shows builds, not every request
        pass

    def do_GET(self) -> None:  # http.server's name for it
        path = self.path.split("?", 1)[0]
        if path == PREFIX + "live.js":
            return self._send(LIVE_JS.read_bytes(), "text/javascript; charset=utf-8")
        if path == PREFIX + "events":
            return self._events()
        file = Path(self.translate_path(path))
        file = file / "index.html" if file.is_dir() else file
        if path.endswith(("/", ".html")) and file.is_file():
            return self._send(self._live(file), "text/html; charset=utf-8")
        if not file.exists() and Path(self.translate_path("/404.html")).is_file():
            return self._send(self._live(Path(self.translate_path("/404.html"))), "text/html; charset=utf-8", 404)
        return super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", f"{CSP}; frame-ancestors 'none'")
        super().end_headers()

    @staticmethod
    def _live(file: Path) -> bytes:
        """The page with the reload script added to its head."""
        return file.read_bytes().replace(b"</head>", f'<script src="{PREFIX}live.js" defer></script>\n</head>'.encode(), 1)

    def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        state = self.state
        try:
            with state.changed:
                sent = state.snapshot()
            self._event(sent)
            while True:
                with state.changed:
                    state.changed.wait(KEEPALIVE_S)
                    current = state.snapshot()
                if current != sent:
                    self._event(current)
                    sent = current
                else:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _event(self, data: str) -> None:
        self.wfile.write(f"event: state\ndata: {data}\n\n".encode())
        self.wfile.flush()


def relevant(path: Path, manuscript: Path) -> bool:
    """Whether a changed file can change the web edition."""
    path = path.resolve()
    if path.is_relative_to(manuscript.resolve()):
        return True
    for folder, names in ((TEMPLATES, HTML_TEMPLATES), (STYLES, HTML_STYLES)):
        if path.is_relative_to(folder) and path.relative_to(folder).as_posix().startswith(names):
            return True
    return False


def watch(manuscript: Path, out: Path, port: int, say: Callable[[str], None],
          stop: threading.Event | None = None) -> None:
    """Build, serve and rebuild until interrupted (or `stop` is set)."""
    from watchfiles import watch as watch_files

    state, builder = State(), Builder(manuscript, out)
    rebuild(builder, state, say)
    site = out / "html"
    site.mkdir(parents=True, exist_ok=True)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(site)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    say(f"watch: serving {site} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    roots = [manuscript, TEMPLATES, STYLES]
    try:
        for changes in watch_files(*roots, debounce=DEBOUNCE_MS, step=20, stop_event=stop, rust_timeout=500,
                                   raise_interrupt=False):
            changed = sorted({Path(p) for _, p in changes if relevant(Path(p), manuscript)})
            if changed:
                say(f"watch: {', '.join(_shown(p) for p in changed[:3])}{' …' if len(changed) > 3 else ''} changed")
                rebuild(builder, state, say)
    finally:
        server.shutdown()
        server.server_close()


class Builder:
    """Builds the web edition as `build.py build html` does; the build cache keeps every chapter
    whose text did not change, so a save parses and writes again only what it touched."""

    def __init__(self, manuscript: Path, out: Path):
        self.manuscript, self.out = manuscript, out

    def build(self) -> tuple[str, list]:
        from .pipeline import build

        report = Report()
        built = build(self.manuscript, self.out, {"html"}, lambda _line: None, report)
        return "; ".join(b.written.detail for b in built), report.messages


def rebuild(builder: Builder, state: State, say: Callable[[str], None]) -> bool:
    """Build the web edition; on a manuscript error print it and keep the last good site."""
    started = time.monotonic()
    try:
        detail, messages = builder.build()
    except BuildError as exc:
        errors = [str(m) for m in exc.messages]
        for line in errors:
            say(line)
        say(f"watch: {len(errors)} problem(s); still serving the last good build")
        state.publish(False, errors)
        return False
    except Exception as exc:  # noqa: BLE001 — a live preview outlives any one failed build
        errors = [f"internal error while building: {type(exc).__name__}: {exc}"]
        say(errors[0])
        state.publish(False, errors)
        return False
    for message in messages:
        say(str(message))
    say(f"watch: rebuilt the web edition in {time.monotonic() - started:.2f} s ({detail})")
    state.publish(True, [])
    return True


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
