"""Login CSRF and sessions that end (issue 15, item 6).

A page on another origin (``localhost`` vs ``127.0.0.1``) auto-submits a sign-in form with
another user's token: in headless Chromium the victim's session used to be replaced. Dashboard
sessions also used to outlive sign-out and token revocation (12 h).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest
import sqlalchemy as sa

from tests.support.browser import chromium
from tests.support.server import LiveServer, free_port
from tests.web.test_dashboard_browser import sign_in

pytestmark = pytest.mark.browser

ATTACK = """<!doctype html><html><body>
<form id="f" method="post" action="{target}/login">
  <input type="hidden" name="token" value="{token}">
  <input type="hidden" name="next" value="/">
</form>
<script>document.getElementById("f").submit();</script>
</body></html>"""


@pytest.fixture
def attacker_site(live_server: LiveServer) -> Iterator[str]:
    """http://localhost:PORT/ serving a self-submitting sign-in form with mallory's token."""
    page = ATTACK.format(target=live_server.url, token=live_server.other_token).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args: object) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}/"
    server.shutdown()


def test_a_cross_origin_sign_in_form_does_not_replace_the_session(
    live_server: LiveServer, attacker_site: str
) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, live_server.url, live_server.token)
        expect(page.get_by_test_id("signed-in-as")).to_have_text("alice")

        with page.expect_response(lambda r: r.url == f"{live_server.url}/login") as posted:
            page.goto(attacker_site)
        assert posted.value.status == 403
        assert posted.value.request.headers.get("origin", "").startswith("http://localhost:")

        page.goto(f"{live_server.url}/")
        expect(page.get_by_test_id("signed-in-as")).to_have_text("alice")

        # Our own forms still work: sign out, then in as mallory from the dashboard itself.
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{live_server.url}/login")
        sign_in(page, live_server.url, live_server.other_token)
        expect(page.get_by_test_id("signed-in-as")).to_have_text("mallory")
        context.close()


def signed_in(live_server: LiveServer, token: str) -> httpx.Client:
    client = httpx.Client(base_url=live_server.url, headers={"Origin": live_server.url})
    response = client.post("/login", data={"token": token, "next": "/"})
    assert response.status_code == 303, response.text
    return client


def is_signed_in(live_server: LiveServer, cookie: str) -> bool:
    response = httpx.get(f"{live_server.url}/", cookies={"dw_session": cookie})
    return response.status_code == 200 and 'data-testid="signed-in-as"' in response.text


def test_sign_out_ends_the_session_even_for_a_kept_copy_of_the_cookie(
    live_server: LiveServer,
) -> None:
    with closing(signed_in(live_server, live_server.token)) as client:
        cookie = client.cookies["dw_session"]
        assert is_signed_in(live_server, cookie)
        assert client.post("/logout").status_code == 303
    assert not is_signed_in(live_server, cookie)


def test_revoking_the_token_ends_its_dashboard_sessions(live_server: LiveServer) -> None:
    with closing(signed_in(live_server, live_server.token)) as client:
        cookie = client.cookies["dw_session"]
    assert is_signed_in(live_server, cookie)
    with live_server.engine.begin() as connection:
        connection.execute(
            sa.text(
                "delete from api_tokens where user_id = (select id from users where name = 'alice')"
            )
        )
    assert not is_signed_in(live_server, cookie)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://localhost:1"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
    ],
)
def test_sign_in_and_out_from_another_origin_are_refused(
    live_server: LiveServer, headers: dict[str, str]
) -> None:
    login = httpx.post(
        f"{live_server.url}/login", data={"token": live_server.other_token}, headers=headers
    )
    assert login.status_code == 403
    assert "set-cookie" not in login.headers
    with closing(signed_in(live_server, live_server.token)) as client:
        cookie = client.cookies["dw_session"]
        logout = httpx.post(
            f"{live_server.url}/logout", cookies={"dw_session": cookie}, headers=headers
        )
        assert logout.status_code == 403
        assert is_signed_in(live_server, cookie)
