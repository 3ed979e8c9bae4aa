"""One keep-alive HTTP client, signed in either to the console (a session cookie) or to the API
(a bearer token); each GET answers its latency in ms and fails loudly on anything but 200."""

import http.client
import re
import time
from urllib.parse import urlencode, urlsplit

from api.console.blueprint import COOKIE

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_COOKIE = re.compile(COOKIE + r"=([^;]+)")


class PageClient:
    """GETs on one connection, with the headers that say who is asking."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.headers: dict[str, str] = {}

    @classmethod
    def api(cls, base: str, token: str) -> "PageClient":
        client = cls(base)
        client.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return client

    @classmethod
    def console(cls, base: str, token: str) -> "PageClient":
        """Sign in as a browser does: the form (a session and its CSRF token), then the POST."""
        client = cls(base)
        status, headers, body = client._send("GET", "/console/sign-in")
        csrf = _CSRF.search(body)
        cookie = _COOKIE.search(headers.get("Set-Cookie", ""))
        if status != 200 or csrf is None or cookie is None:
            raise RuntimeError(f"no sign-in form: {status}")
        client.headers = {"Cookie": f"{COOKIE}={cookie.group(1)}"}
        status, headers, _ = client._send(
            "POST",
            "/console/sign-in",
            urlencode({"csrf": csrf.group(1), "token": token, "next": ""}),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        cookie = _COOKIE.search(headers.get("Set-Cookie", ""))
        if status != 303 or cookie is None:
            raise RuntimeError(f"sign-in refused: {status}")
        client.headers = {"Cookie": f"{COOKIE}={cookie.group(1)}"}
        return client

    def _send(
        self, method: str, path: str, body: str | None = None, extra: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        self.connection.request(method, path, body, {**self.headers, **(extra or {})})
        response = self.connection.getresponse()
        data = response.read().decode("utf-8", "replace")
        return response.status, dict(response.getheaders()), data

    def get(self, path: str) -> float:
        """GET `path`; its latency in ms."""
        started = time.perf_counter()
        status, _, body = self._send("GET", path)
        elapsed = 1000 * (time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:300]}")
        return elapsed

    def close(self) -> None:
        self.connection.close()
