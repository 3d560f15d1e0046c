"""Steps the identity page tests share: a platform administrator made with the real CLI,
signing in through the form, reading the emails the site sent, and checking WCAG with axe."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from involve.kernel.mail import read_outbox
from tests.support.browser import axe_violations

_numbers = itertools.count(1)


def unique(word: str) -> str:
    """A name or email part no other test uses (the platform is shared by every test)."""
    return f"{word}{os.getpid()}x{next(_numbers)}"


def create_admin(data_dir, email: str, name: str, password: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "involve.cli.main", "identity", "create-admin", "--email", email,
         "--name", name],
        env={**os.environ, "INVOLVE_DATA_DIR": str(data_dir), "INVOLVE_ADMIN_PASSWORD": password,
             "INVOLVE_LOG_LEVEL": "WARNING"},
        check=True, capture_output=True, timeout=60)


def sign_in(page, site: str, email: str, password: str, path: str = "/sign-in") -> None:
    page.goto(site + path)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def emails_to(data_dir, address: str, subject_has: str, wait: float = 10.0):
    """The emails sent to an address, newest last, waiting a little for one to arrive."""
    deadline = time.monotonic() + wait
    while True:
        found = [m for m in read_outbox(Path(data_dir) / "mail")
                 if m["To"] == address and subject_has in m["Subject"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def link_in(message, site: str) -> str:
    """The first link in an email, pointed at the site under test."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    url = next(word for word in body.split() if word.startswith("http"))
    parts = urlsplit(url)
    return f"{site}{parts.path}?{parts.query}"


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def error_summary_links(page) -> list[tuple[str, str]]:
    links = page.locator(".error-summary a")
    return [(links.nth(i).inner_text(), links.nth(i).get_attribute("href"))
            for i in range(links.count())]


def notify(amqp_uri: str, person_id: str, data: dict) -> dict:
    """Another service tells a person something through identity's notify_person, over the
    real broker (in a process of its own: Nameko's client needs eventlet, Playwright must not)."""
    import json

    script = ("import eventlet; eventlet.monkey_patch()\n"
              "import json, sys\n"
              "from nameko.standalone.rpc import ClusterRpcClient\n"
              "with ClusterRpcClient(uri=sys.argv[1]) as rpc:\n"
              "    print(json.dumps(rpc.identity.notify_person(sys.argv[2], json.loads(sys.argv[3]))))\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script, amqp_uri, person_id,
                           json.dumps(data)], check=True, capture_output=True, text=True,
                          timeout=60)
    return json.loads(done.stdout.strip().splitlines()[-1])
