"""Browser tests run in their own pytest process, without eventlet.

Playwright's sync API runs its own asyncio loop; under eventlet's monkey-patching it hangs when
it stops. So these tests never share a process with Nameko: the platform runs as real service
processes (tests/support/platform.py) and this process only drives Chromium.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest

from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.platform import RunningPlatform
from tests.support.servers import start_rabbit


@pytest.fixture(scope="session")
def rabbit_server(tmp_path_factory):
    server = start_rabbit(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def platform(rabbit_server, tmp_path_factory):
    """Identity and the gateway as real processes, shared by every browser test (each test
    uses its own people and organisations), with the data folder they write to."""
    data_dir = tmp_path_factory.mktemp("site-data")
    running = RunningPlatform(rabbit_server.amqp_uri, data_dir,
                              services=("identity", "panels", "feedback", "mystery_shopping",
                                        "webhooks", "commissioning", "reporting"))
    running.data_dir = data_dir
    yield running
    running.stop()


@pytest.fixture(scope="session")
def site(platform):
    return platform.url


@pytest.fixture(scope="session")
def site_data_dir(platform):
    """Where the site keeps its files: the CLI needs it, and emails land in its mail/ folder."""
    return platform.data_dir


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.fail("Chromium is not installed: run make test (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """Another person's browser: a separate context, so separate cookies."""
    contexts = []

    def make(**options):
        context = browser.new_context(locale="en-GB", **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
