"""Server-rendered pages: Jinja2 with autoescaping, plain English, accessible markup."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from .dates import iso_or_typed, long_date

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
# the page patterns' helpers every template may use (docs/contributing.md)
_env.globals.update(long_date=long_date, iso_or_typed=iso_or_typed)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def render(template: str, status: int = 200, **context) -> Response:
    html = _env.get_template(template).render(**context)
    return Response(html, status=status, mimetype="text/html", headers=SECURITY_HEADERS)


STATIC = Path(__file__).parent.parent / "static"


def static_file(name: str) -> Response:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        return Response("Not found", status=404, mimetype="text/plain")
    mimetype = {"css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"}.get(
        path.suffix.lstrip("."), "application/octet-stream")
    return Response(path.read_bytes(), mimetype=mimetype,
                    headers={"Cache-Control": "public, max-age=3600"})
