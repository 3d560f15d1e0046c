"""Confirmation pages for actions that cannot be undone: no script dialogs, no one-click harm.

The pattern (docs/contributing.md, "Page patterns"): the same path answers GET with a page that
says what will happen, a real button that goes ahead and a way back; POST does the action, but
only when it carries ``confirmed=yes``, which only that page's form sends. A POST without it (an
old one-click button, a form on another page) is sent to the question instead.

    @page("GET", ORG + "/tokens/<token_id>/revoke")
    def revoke_token_question(self, request, viewer, organisation_id, token_id):
        require(viewer.principal, "tokens.manage", organisation_id)   # check first, always
        token = ...
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Revoke the API token “{token['name']}”?",
            consequences=["It stops working at once.", "This cannot be undone."],
            button="Revoke the token", back=(f"/admin/.../tokens", "No, keep it")))

    @page("POST", ORG + "/tokens/<token_id>/revoke")
    def revoke_token_form(self, request, viewer, organisation_id, token_id):
        require(viewer.principal, "tokens.manage", organisation_id)   # before the check below
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        ...do it, then redirect with a notice...
"""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.wrappers import Response

from .pages import Viewer, redirect, render, safe_next

FIELD = "confirmed"


@dataclass
class Question:
    title: str                      # the question, e.g. "Cancel the invitation to Cara Council?"
    consequences: list[str]         # what will happen, one plain sentence each
    button: str                     # the button that goes ahead, e.g. "Cancel the invitation"
    back: tuple[str, str]           # (path, words) of the way back, e.g. "No, keep it"
    lead: str = ""                  # an optional sentence under the title
    warning: bool = True            # red (cannot be undone) or calm (blue)
    hidden: dict = field(default_factory=dict)  # other fields the POST needs
    breadcrumb: tuple[str, str] | None = None


def ask(request, viewer: Viewer | None, question: Question, *, action: str | None = None,
        status: int = 200) -> Response:
    """The confirmation page. The form posts to ``action`` (by default the same path)."""
    return render(request, "confirm.html", viewer, status=status, title=question.title,
                  question=question, action=action or request.path,
                  back=safe_next(question.back[0], "/"), back_words=question.back[1],
                  confirm_field=FIELD)


def confirmed(request) -> bool:
    """True only for the POST of a confirmation page's own form."""
    return request.method == "POST" and request.form.get(FIELD) == "yes"


def to_question(request) -> Response:
    """Where a POST without the confirmation goes: the question, on the same path."""
    return redirect(request.path)
