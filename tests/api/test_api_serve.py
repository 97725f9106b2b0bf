"""``matcher serve``'s logging: an access line per request unless ``--no-access-log``, and no
server chatter below warnings."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from matcher.storage import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("access_log", [True, False])
def test_serve_access_log(tmp_path: Path, access_log: bool) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    port = _free_port()
    command = [sys.executable, "-m", "matcher", "serve", "--port", str(port), "--db", url]
    if not access_log:
        command.append("--no-access-log")
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"matcher serve did not start: {err.read_text()[-2000:]}")
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)
    logged = out.read_text()
    assert ('"GET /health HTTP/1.1" 200' in logged) is access_log, logged
    said = err.read_text()
    assert "INFO" not in said
    assert f"listening on http://127.0.0.1:{port}" in said


def test_stylesheet_path_is_not_built_from_the_host_header(tmp_path: Path) -> None:
    # Behind an HTTPS proxy the request reaches the app as http://inner:8000; a URL made from
    # that would be refused by the browser as mixed content. Pages name paths only.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient wants httpx2
        from fastapi.testclient import TestClient

    from api import create_app
    from api.settings import Settings

    url = f"sqlite:///{tmp_path / 'paths.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with TestClient(create_app(Settings(db=url)), base_url="http://inner:8000") as client:
        page = client.get("/dashboard/login").text
    assert 'href="/static/style.css"' in page
    assert "inner" not in page and "http://" not in page
