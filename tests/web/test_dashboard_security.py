"""The dashboard's door: a session cookie from the printed sign-in URL, CSRF checks on POST,
strict headers, and the SQL box under the same read-only rules as ``svodka sql``."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.kit.http import http

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def cookie(seeded) -> str:
    status, headers, _ = http(seeded.login)
    assert status == 303 and headers["Location"] == "/"
    set_cookie = headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/" in set_cookie
    return set_cookie.split(";")[0]


def test_every_page_needs_the_session(seeded):
    for path in ("/", "/entities", "/entity/x", "/figures", "/article/x", "/sql", "/static/style.css"):
        status, _, body = http(seeded.dashboard + path)
        assert status == 401, path
    assert http(seeded.dashboard + "/login?key=wrong")[0] == 401
    assert http(seeded.dashboard + "/", headers={"Cookie": "svodka_session=forged"})[0] == 401


def test_the_session_opens_pages_with_strict_headers(seeded, cookie):
    status, headers, body = http(seeded.dashboard + "/", headers={"Cookie": cookie})
    assert status == 200
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Server-Timing" in headers


def sql_post(seeded, cookie, sql: str, **headers):
    return http(seeded.dashboard + "/sql", data=urlencode({"sql": sql}).encode(), method="POST",
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", **headers})


def test_cross_site_post_is_refused(seeded, cookie):
    status, _, _ = sql_post(seeded, cookie, "SELECT 1", Origin="http://evil.example")
    assert status == 403
    status, _, body = sql_post(seeded, cookie, "SELECT 1", Origin=seeded.dashboard)
    assert status == 200


@pytest.mark.parametrize("sql", ["DROP TABLE articles", "INSERT INTO articles (id) VALUES ('x')",
                                 "SELECT * FROM file('/etc/passwd', 'LineAsString')",
                                 "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
                                 "SELECT 1; DROP TABLE articles"])
def test_sql_box_refuses_writes_files_and_network(seeded, cookie, sql):
    status, _, body = sql_post(seeded, cookie, sql)
    assert status == 400 and "отклонён".encode() in body, body[:300]
    status, _, body = sql_post(seeded, cookie, "SELECT count() AS n FROM articles")
    assert status == 200 and b"<td>5</td>" in body
