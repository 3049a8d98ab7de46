"""A headless Chromium driven over the DevTools protocol, for the dashboard's browser tests.

Debian's ``chromium`` is started with ``--remote-debugging-port=0``; the port it picked is read
from ``DevToolsActivePort`` in its profile directory, and one page target is driven over a
WebSocket (aiohttp's client, already a dependency). Everything the page reports as an error is
collected — ``console.error``, uncaught exceptions, and the browser's own log entries (failed
resource loads, Content-Security-Policy violations) — so a test can fail on any of them.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

__all__ = ["Browser", "chromium_path"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One tab. ``open(url)`` loads a page and returns nothing; ``errors`` holds what went wrong."""

    def __init__(self, width: int = 1366, height: int = 900) -> None:
        binary = chromium_path()
        if binary is None:
            raise RuntimeError("chromium is not installed (apt-get install chromium; .ci/run does it)")
        self.profile = Path(tempfile.mkdtemp(prefix="svodka-chromium-"))
        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "--lang=ru-RU", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.width, self.height = width, height
        self.errors: list[str] = []
        self.loop = asyncio.new_event_loop()
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._events: list[tuple[str, dict]] = []
        self._event_arrived = asyncio.Event()
        self.loop.run_until_complete(self._connect())

    # -- public ----------------------------------------------------------------------------

    def open(self, url: str, timeout: float = 20.0) -> None:
        self.loop.run_until_complete(self._open(url, timeout))

    def eval(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        return self.loop.run_until_complete(self._eval(expression))

    def screenshot(self, path: Path) -> Path:
        data = self.loop.run_until_complete(self._screenshot())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def take_errors(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self._close())
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.loop.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- protocol --------------------------------------------------------------------------

    async def _connect(self) -> None:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode} at start")
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port in 30 s")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0)
        self.reader = asyncio.ensure_future(self._read())
        target = await self._send("Target.createTarget", {"url": "about:blank"})
        attached = await self._send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        self.sid = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            await self._send(f"{domain}.enable", session=True)
        await self._send("Emulation.setDeviceMetricsOverride",
                         {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
                         session=True)

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self._pending:
                future = self._pending.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(f"DevTools: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
                continue
            method, params = data.get("method", ""), data.get("params", {})
            self._note(method, params)
            self._events.append((method, params))
            self._event_arrived.set()

    def _note(self, method: str, params: dict) -> None:
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.errors.append(f"console.error: {args}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())

    async def _send(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        message_id = next(self._ids)
        future = self.loop.create_future()
        self._pending[message_id] = future
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.sid
        await self.ws.send_str(json.dumps(message))
        return await asyncio.wait_for(future, 30)

    async def _open(self, url: str, timeout: float) -> None:
        self._events.clear()
        await self._send("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + timeout
        while not any(m == "Page.loadEventFired" for m, _ in self._events):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{url} did not load in {timeout} s")
            self._event_arrived.clear()
            try:
                await asyncio.wait_for(self._event_arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        await asyncio.sleep(0.2)  # let late console messages and resource errors arrive

    async def _eval(self, expression: str):
        result = await self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                  session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    async def _screenshot(self) -> bytes:
        metrics = await self._send("Page.getLayoutMetrics", session=True)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = min(int(size["height"]), 4000)
        shot = await self._send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": self.width, "height": max(height, 200), "scale": 1}}, session=True)
        return base64.b64decode(shot["data"])

    async def _close(self) -> None:
        self.reader.cancel()
        await self.ws.close()
        await self.session.close()
