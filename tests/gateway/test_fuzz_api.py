"""A property-based fuzz of the API (schemathesis against /openapi.json) finds no 5xx.

Schemathesis generates valid and invalid requests for every route from the OpenAPI document and
sends them, signed in as a platform administrator, to a real gateway and identity service.
"""
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from involve.reporting.service import ReportingService
from involve.webhooks.service import WebhooksService
from tests.support.accounts import make_org
from tests.support.running import start_service


def test_no_route_answers_with_a_server_error(platform, admin, tmp_path, container_factory):
    # the shared platform runs without these two; with them every route has its service behind it
    start_service(container_factory, WebhooksService)
    start_service(container_factory, ReportingService)
    org = make_org(admin)
    admin.post(f"/api/v1/organisations/{org}/care-services", {"name": "A", "kind": "other"})
    session = next(c.value for c in admin.jar if c.name == "involve_session")
    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [str(st), "run", f"{platform}/openapi.json",
         "--checks", "not_a_server_error",
         "--max-examples", os.environ.get("FUZZ_EXAMPLES", "25"),
         "--seed", "20261124", "--request-timeout", "30",
         "--exclude-path", "/api/v1/me/erase", "--exclude-path", "/api/v1/auth/sign-out",
         "-H", f"Cookie: involve_session={session}", "-H", f"X-CSRF-Token: {admin.csrf}",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=900,
    )
    reports = list(tmp_path.glob("*.xml"))
    assert reports, result.stdout[-4000:] + result.stderr[-2000:]
    report = ElementTree.parse(reports[0]).getroot()
    problems = [
        f"{case.get('name')}: {(bad.get('message') or '')} {(bad.text or '')[:1500]}"
        for case in report.findall(".//testcase")
        for bad in case.findall("failure") + case.findall("error")
    ]
    assert not problems, "\n\n".join(problems)[:12000]
    assert result.returncode == 0, result.stdout[-4000:]
    assert len(report.findall(".//testcase")) >= 20, result.stdout[-4000:]  # every operation fuzzed
