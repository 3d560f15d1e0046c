"""Gateway: the feedback web pages (issue 4).

Public (no account): tell your story about a care service, read published stories by care
service and tag with their responses and changes, a page per care service with its response
rate and changes made, and "your story", where the author follows their story with the
tracking code (always sent in a form, never in a link) and confirms or disputes a change.

Staff (signed in, /admin/organisations/<organisation_id>/feedback): the moderation queue, the
moderation of one story with possible identifying details highlighted, publishing or rejecting,
the inbox, subscriptions, answering a story and the responses waiting for moderation.

Plain HTML forms (POST, then redirect or a page with the answer); every page works without
JavaScript. Jinja2 escapes everything; criticality and the author's details never reach a
public page. Every change is checked here and again by the feedback service.
"""
from __future__ import annotations

import logging
import secrets
from urllib.parse import urlencode

import involve.feedback.contract as rules
from involve.kernel.errors import Forbidden, InvolveError, NotFound
from involve.kernel.policy import require
from involve.kernel.rpc import call

from ..web import confirm, ratelimit
from ..web.forms import Form, attempt
from ..web.pages import page, redirect, render
from .words import (
    CHANGE_OPTIONS,
    CHANGE_WORDS,
    CRITICALITY,
    CRITICALITY_WORDS,
    FIELD_LABELS,
    KIND_WORDS,
    NOTICES,
    RELATIONSHIP_OPTIONS,
    RELATIONSHIP_WORDS,
    SENTIMENT_OPTIONS,
    STATUS_WORDS,
    STORY_FIELDS,
    STORY_MISSING,
    VERDICT_WORDS,
)

log = logging.getLogger(__name__)

PUBLIC = "/organisations/<organisation_id>"
STAFF = "/admin/organisations/<organisation_id>/feedback"
CRITICALITY_LEVELS = range(rules.CRITICALITY_MIN, rules.CRITICALITY_MAX + 1)


def highlighted(text: str | None, details: list[dict], field: str) -> list[tuple[str, str | None]]:
    """The text cut into (part, kind or None) so the page can mark identifying details."""
    text = text or ""
    spans = sorted((d for d in details if d.get("field") == field), key=lambda d: d["start"])
    parts, at = [], 0
    for detail in spans:
        start, end = max(int(detail["start"]), at), min(int(detail["end"]), len(text))
        if start >= end:
            continue
        if start > at:
            parts.append((text[at:start], None))
        parts.append((text[start:end], KIND_WORDS.get(detail.get("kind"), "possible detail")))
        at = end
    if at < len(text):
        parts.append((text[at:], None))
    return parts


def _dashed(value: str) -> str:
    """An id as the checkbox macro writes it."""
    return value.replace("_", "-").replace(".", "-")


def _percent(value) -> str:
    return "No stories yet" if value is None else f"{round(float(value) * 100)}%"


class FeedbackPages:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""

    # --- shared helpers -------------------------------------------------------------------
    def _feedback_organisation(self, organisation_id) -> dict:
        """The organisation's public name (404 if there is no such organisation)."""
        for organisation in call(self.rpc.identity.organisation_directory):
            if organisation["id"] == organisation_id:
                return organisation
        raise NotFound("We could not find this organisation. Please check the link.")

    def _feedback_render(self, request, viewer, template, **context):
        context.setdefault("relationship_words", RELATIONSHIP_WORDS)
        context.setdefault("change_words", CHANGE_WORDS)
        context.setdefault("verdict_words", VERDICT_WORDS)
        context.setdefault("status_words", STATUS_WORDS)
        context.setdefault("feedback_notice", NOTICES.get(request.args.get("done", "")))
        return render(request, template, viewer, **context)

    # --- public: tell your story ------------------------------------------------------------
    def _feedback_story_form(self, request, viewer, organisation_id, form, status=200,
                             assisted=False):
        organisation = self._feedback_organisation(organisation_id)
        services = call(self.rpc.identity.public_care_services, organisation_id)
        form.anchors.setdefault("relationship", "relationship-0")
        if services:
            form.anchors.setdefault("care_service_ids", "care-service-ids-" + _dashed(
                services[0]["id"]))
        return self._feedback_render(
            request, viewer, "feedback/story_new.html", status=status, anonymous=not assisted,
            title="Tell a story for someone" if assisted else "Tell your story",
            organisation=organisation, form=form, assisted=assisted,
            action=(f"{self._feedback_staff_base(organisation_id)}/stories/new" if assisted
                    else f"/organisations/{organisation_id}/stories/new"),
            service_options=[(c["id"], c["name"], None) for c in services],
            relationships=RELATIONSHIP_OPTIONS)

    def _feedback_new_form(self) -> Form:
        form = Form()
        form.values["form_id"] = secrets.token_urlsafe(24)
        return form

    def _feedback_story_sent(self, request, viewer, organisation_id, *, assisted=False):
        """Check the story form, send it to the feedback service, and show the tracking code
        (or the form again with what needs fixing)."""
        form = Form(request.form, missing=STORY_MISSING)
        services = [v for v in form.getlist("care_service_ids") if v]
        if not services:
            form.fail("care_service_ids", STORY_MISSING["care_service_ids"])
        elif len(services) > rules.STORY_CARE_SERVICES_MAX:
            form.fail("care_service_ids",
                      f"Choose at most {rules.STORY_CARE_SERVICES_MAX} care services")
        form.require("title", "text", "relationship")
        checks = [("title", rules.TITLE_MAX,
                   f"Use at most {rules.TITLE_MAX:,} characters for the title"),
                  ("text", rules.STORY_TEXT_MAX, "The story is too long: use at most "
                                                 f"{rules.STORY_TEXT_MAX:,} characters "
                                                 "(about 1,000 words)"),
                  ("what_was_good", rules.STORY_ASIDE_MAX,
                   f"Use at most {rules.STORY_ASIDE_MAX:,} characters here"),
                  ("what_could_be_improved", rules.STORY_ASIDE_MAX,
                   f"Use at most {rules.STORY_ASIDE_MAX:,} characters here")]
        for name, limit, message in checks:
            if len(form.get(name)) > limit:
                form.fail(name, message)
        if form.get("relationship") and form.get("relationship") not in rules.RELATIONSHIPS:
            form.fail("relationship", "Choose how you know the service")
        if form.get("email"):
            form.require_email()
        body = {"care_service_ids": services, "title": form.get("title"),
                "text": form.get("text"), "relationship": form.get("relationship"),
                "what_was_good": form.get("what_was_good") or None,
                "what_could_be_improved": form.get("what_could_be_improved") or None,
                "email": form.get("email") or None, "form_id": form.get("form_id") or None}
        if assisted:
            received = form.ok and attempt(form, self.rpc.feedback.submit_assisted_story,
                                           viewer.principal, organisation_id, body)
        else:
            received = form.ok and attempt(form, self.rpc.feedback.submit_story,
                                           organisation_id, body)
        if not received and "form_id" in form.errors:
            if form.status == 409:  # sent twice (a double click, or the back button)
                return render(request, "message.html", viewer, status=409,
                              title="This story has already been sent",
                              message="We received this story already, so we did not save it "
                                      "again. Its tracking code was shown after the first send.")
            form.errors.pop("form_id")
            form.values["form_id"] = secrets.token_urlsafe(24)
            form.message = form.message or "Please check the answers and send the form again."
        if not received:
            return self._feedback_story_form(request, viewer, organisation_id, form,
                                             status=form.status, assisted=assisted)
        log.info("a story was told through the web page%s", " (assisted)" if assisted else "")
        organisation = self._feedback_organisation(organisation_id)
        return self._feedback_render(
            request, viewer, "feedback/story_thanks.html", assisted=assisted,
            title="The story has been sent" if assisted else "Thank you for your story",
            organisation=organisation, tracking_code=received["tracking_code"],
            gave_email=bool(body["email"]),
            again=f"{self._feedback_staff_base(organisation_id)}/stories/new")

    @page("GET", PUBLIC + "/stories/new", signed_in=False)
    def feedback_story_new_page(self, request, viewer, organisation_id):
        return self._feedback_story_form(request, viewer, organisation_id,
                                         self._feedback_new_form())

    @page("POST", PUBLIC + "/stories/new", signed_in=False, anonymous_form=True)
    def feedback_story_new_form(self, request, viewer, organisation_id):
        ratelimit.check("POST /organisations/{organisation_id}/stories/new",
                        request.remote_addr or "unknown")
        return self._feedback_story_sent(request, viewer, organisation_id)

    # --- staff and volunteers: a story told on someone's behalf ----------------------------------
    @page("GET", STAFF + "/stories/new")
    def feedback_assisted_story_page(self, request, viewer, organisation_id):
        require(viewer.principal, "feedback.assist", organisation_id)
        return self._feedback_story_form(request, viewer, organisation_id,
                                         self._feedback_new_form(), assisted=True)

    @page("POST", STAFF + "/stories/new")
    def feedback_assisted_story_form(self, request, viewer, organisation_id):
        require(viewer.principal, "feedback.assist", organisation_id)
        return self._feedback_story_sent(request, viewer, organisation_id, assisted=True)

    # --- public: reading stories --------------------------------------------------------------
    @page("GET", PUBLIC + "/stories", signed_in=False)
    def feedback_stories_page(self, request, viewer, organisation_id):
        organisation = self._feedback_organisation(organisation_id)
        filters = {}
        care_service_id = request.args.get("care_service_id", "")[:rules.ID_MAX]
        tag = request.args.get("tag", "")[:rules.TAG_NAME_MAX]
        number = request.args.get("page", "1")
        number = int(number) if number.isdigit() and 0 < int(number) <= rules.PAGE_MAX else 1
        if care_service_id:
            filters["care_service_id"] = care_service_id
        if tag:
            filters["tag"] = tag
        filters["page"] = number
        found = call(self.rpc.feedback.public_stories, organisation_id, filters)
        services = call(self.rpc.identity.public_care_services, organisation_id)
        tags = call(self.rpc.feedback.public_tags, organisation_id)
        per_page = max(1, int(found.get("per_page") or 1))  # the service's page size
        pages = max(1, -(-int(found.get("total", 0)) // per_page))
        query = urlencode([(k, v) for k, v in (("care_service_id", care_service_id),
                                                 ("tag", tag)) if v])
        return self._feedback_render(
            request, viewer, "feedback/stories.html",
            title=f"Stories about {organisation['name']}",
            organisation=organisation, stories=found.get("stories", []),
            total=found.get("total", 0), page_number=number, pages=pages,
            service_options=[(c["id"], c["name"]) for c in services],
            tag_options=[(t["name"], t["name"]) for t in tags],
            chosen_service=care_service_id, chosen_tag=tag, query=query,
            filter_form=Form())

    @page("GET", PUBLIC + "/stories/<story_id>", signed_in=False)
    def feedback_story_page(self, request, viewer, organisation_id, story_id):
        organisation = self._feedback_organisation(organisation_id)
        story = call(self.rpc.feedback.public_story, organisation_id, story_id)
        return self._feedback_render(request, viewer, "feedback/story.html", title=story["title"],
                                     organisation=organisation, story=story)

    @page("GET", PUBLIC + "/care-services/<care_service_id>/stories", signed_in=False)
    def feedback_care_service_page(self, request, viewer, organisation_id, care_service_id):
        organisation = self._feedback_organisation(organisation_id)
        summary = call(self.rpc.feedback.public_service_summary, organisation_id,
                       care_service_id)
        found = call(self.rpc.feedback.public_stories, organisation_id,
                     {"care_service_id": care_service_id, "page": 1})
        name = (summary.get("care_service") or {}).get("name") or "This care service"
        return self._feedback_render(
            request, viewer, "feedback/care_service.html", title=f"Stories about {name}",
            organisation=organisation, summary=summary, name=name,
            response_rate=_percent(summary.get("response_rate")),
            stories=found.get("stories", []), total=found.get("total", 0),
            care_service_id=care_service_id)

    # --- public: the author follows their story -------------------------------------------------
    def _feedback_tracking_page(self, request, viewer, form, story=None, status=200,
                                verdict_form=None, verdict_saved=False):
        """The tracking code form and, once it is known, the story: its status, the answers,
        and one form per change the author has not yet confirmed or disputed."""
        verdict_forms = {}
        for index, response_id in enumerate((story or {}).get("awaiting_verdict") or []):
            if verdict_form is not None and verdict_form.get("response_id") == response_id:
                verdict_form.prefix = f"verdict-{index}-"
                verdict_form.anchors["verdict"] = f"verdict-{index}-verdict-0"
                verdict_forms[response_id] = verdict_form
            else:
                verdict_forms[response_id] = Form(prefix=f"verdict-{index}-")
        return self._feedback_render(request, viewer, "feedback/your_story.html", status=status,
                                     anonymous=True, title="Your story", form=form, story=story,
                                     verdict_forms=verdict_forms, verdict_form=verdict_form,
                                     verdict_saved=verdict_saved, tracking_code=form.get(
                                         "tracking_code") if story else "")

    def _feedback_code_unknown(self, form: Form) -> None:
        form.message = ""
        form.errors = {}
        form.status = 200
        form.fail("tracking_code", "We could not find a story with that tracking code. Check "
                  "it and try again", status=404)

    @page("GET", "/your-story", signed_in=False)
    def feedback_your_story_page(self, request, viewer):
        return self._feedback_tracking_page(request, viewer, Form())

    @page("POST", "/your-story", signed_in=False, anonymous_form=True)
    def feedback_your_story_form(self, request, viewer):
        ratelimit.check("POST /your-story", request.remote_addr or "unknown")
        form = Form(request.form, missing={"tracking_code": "Enter your tracking code"})
        form.require("tracking_code")
        story = form.ok and attempt(form, self.rpc.feedback.track_story,
                                    {"tracking_code": form.get("tracking_code")})
        if not story:
            if form.status == 404 or (form.message and not form.errors):
                self._feedback_code_unknown(form)
            return self._feedback_tracking_page(request, viewer, form, status=form.status)
        return self._feedback_tracking_page(request, viewer, form, story=story)

    @page("POST", "/your-story/verdict", signed_in=False, anonymous_form=True)
    def feedback_your_story_verdict(self, request, viewer):
        ratelimit.check("POST /your-story", request.remote_addr or "unknown")
        lookup = Form(request.form)
        form = Form(request.form, prefix="verdict-",
                    missing={"verdict": "Choose whether the change has happened"})
        form.require("verdict")
        if form.get("verdict") and form.get("verdict") not in rules.VERDICTS:
            form.fail("verdict", "Choose whether the change has happened")
        if len(form.get("note")) > rules.NOTE_MAX:
            form.fail("note", f"Use at most {rules.NOTE_MAX:,} characters")
        code = lookup.get("tracking_code")
        form.ok and attempt(form, self.rpc.feedback.record_verdict, {
            "tracking_code": code, "response_id": form.get("response_id"),
            "verdict": form.get("verdict"), "note": form.get("note") or None})
        story = attempt(lookup, self.rpc.feedback.track_story, {"tracking_code": code})
        if not story:
            self._feedback_code_unknown(lookup)
            return self._feedback_tracking_page(request, viewer, lookup, status=404)
        return self._feedback_tracking_page(request, viewer, lookup, story=story,
                                            status=form.status, verdict_form=form,
                                            verdict_saved=form.ok)

    # --- staff: helpers --------------------------------------------------------------------------
    def _feedback_staff_base(self, organisation_id) -> str:
        return f"/admin/organisations/{organisation_id}/feedback"

    def _feedback_staff_organisation(self, viewer, organisation_id, action="feedback.read"):
        if not viewer.can(action, organisation_id):
            raise Forbidden("You do not have permission to do that for this organisation.")
        try:
            return call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        except Forbidden:
            return {"id": organisation_id, "name": "Your organisation"}

    def _feedback_staff(self, request, viewer, organisation_id, template, *,
                        action="feedback.read", **context):
        organisation = self._feedback_staff_organisation(viewer, organisation_id, action)
        can_moderate = viewer.can("feedback.moderate", organisation_id)
        waiting = 0
        if can_moderate:
            count = call(self.rpc.feedback.moderation_count, viewer.principal, organisation_id)
            waiting = int(count.get("stories", 0)) + int(count.get("responses", 0))
        return self._feedback_render(
            request, viewer, template, organisation=organisation,
            base=self._feedback_staff_base(organisation_id), moderation_waiting=waiting,
            can_moderate=can_moderate,
            can_respond=viewer.can("feedback.respond", organisation_id),
            can_route=viewer.can("feedback.route", organisation_id),
            criticality_words=CRITICALITY_WORDS, **context)

    # --- staff: the overview ---------------------------------------------------------------------
    @page("GET", STAFF)
    def feedback_staff_home_page(self, request, viewer, organisation_id):
        require(viewer.principal, "feedback.read", organisation_id)
        stories = call(self.rpc.feedback.staff_stories, viewer.principal, organisation_id,
                       {}).get("stories", [])
        alerts = call(self.rpc.feedback.inbox, viewer.principal, organisation_id)
        return self._feedback_staff(request, viewer, organisation_id, "feedback/staff.html",
                                    title="Stories and feedback", stories=stories,
                                    unread=sum(1 for a in alerts if not a.get("read_at")))

    # --- staff: moderation -----------------------------------------------------------------------
    def _feedback_moderation_page(self, request, viewer, organisation_id, status=200):
        require(viewer.principal, "feedback.moderate", organisation_id)
        queue = call(self.rpc.feedback.moderation_queue, viewer.principal, organisation_id)
        responses = call(self.rpc.feedback.response_queue, viewer.principal, organisation_id)
        return self._feedback_staff(request, viewer, organisation_id, "feedback/moderation.html",
                                    action="feedback.moderate", title="Stories to moderate",
                                    status=status, queue=queue, responses=responses)

    @page("GET", STAFF + "/moderation")
    def feedback_moderation_page(self, request, viewer, organisation_id):
        return self._feedback_moderation_page(request, viewer, organisation_id)

    def _feedback_tags_page(self, request, viewer, organisation_id, tag_form=None, status=200):
        require(viewer.principal, "feedback.moderate", organisation_id)
        tags = call(self.rpc.feedback.list_tags, viewer.principal, organisation_id)
        return self._feedback_staff(request, viewer, organisation_id, "feedback/tags.html",
                                    action="feedback.moderate", title="Tags", status=status,
                                    tags=tags, tag_form=tag_form or Form(prefix="tag-"),
                                    sentiments=SENTIMENT_OPTIONS)

    @page("GET", STAFF + "/tags")
    def feedback_tags_page(self, request, viewer, organisation_id):
        return self._feedback_tags_page(request, viewer, organisation_id)

    @page("POST", STAFF + "/tags")
    def feedback_tag_form(self, request, viewer, organisation_id):
        require(viewer.principal, "feedback.moderate", organisation_id)
        form = Form(request.form, prefix="tag-", anchors={"sentiment": "tag-sentiment-0"},
                    missing={"name": "Enter the tag", "group": "Enter the group it belongs to",
                             "sentiment": "Choose whether it is positive, negative or neither"})
        form.require("name", "group", "sentiment")
        for name in ("name", "group"):
            if len(form.get(name)) > rules.TAG_NAME_MAX:
                form.fail(name, f"Use at most {rules.TAG_NAME_MAX} characters")
        if form.get("sentiment") and form.get("sentiment") not in rules.SENTIMENTS:
            form.fail("sentiment", "Choose whether it is positive, negative or neither")
        made = form.ok and attempt(form, self.rpc.feedback.create_tag, viewer.principal,
                                   organisation_id, {"name": form.get("name"),
                                                     "group": form.get("group"),
                                                     "sentiment": form.get("sentiment")})
        if not made:
            return self._feedback_tags_page(request, viewer, organisation_id, form,
                                            status=form.status)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/tags?done=tag-added")

    def _feedback_moderate_page(self, request, viewer, organisation_id, story_id, *,
                                edit_form=None, publish_form=None, reject_form=None,
                                status=200):
        story = call(self.rpc.feedback.story_for_moderation, viewer.principal, organisation_id,
                     story_id)
        tags = call(self.rpc.feedback.list_tags, viewer.principal, organisation_id)
        edited = {**(story.get("original") or {}), **(story.get("edited") or {})}
        details = story.get("identifying_details") or []
        if edit_form is None:
            edit_form = Form(prefix="edit-")
            edit_form.values = {name: edited.get(name) or "" for name in STORY_FIELDS}
            if story.get("criticality") is not None:
                edit_form.values["criticality"] = str(story["criticality"])
            edit_form.lists["tag_ids"] = [t["id"] for t in story.get("tags") or []]
        groups: dict[str, list] = {}
        for tag in tags:
            groups.setdefault(tag.get("group") or "Other", []).append(
                (tag["id"], tag["name"], None))
        previews = [(FIELD_LABELS[name], highlighted(edited.get(name), details, name))
                    for name in STORY_FIELDS if edited.get(name)]
        return self._feedback_staff(
            request, viewer, organisation_id, "feedback/moderate.html",
            action="feedback.moderate", status=status,
            title="Moderate a story: " + (edited.get("title") or ""), story=story,
            details=details, kind_words=KIND_WORDS, previews=previews,
            edit_form=edit_form, publish_form=publish_form or Form(prefix="publish-"),
            reject_form=reject_form or Form(prefix="reject-"),
            criticality=CRITICALITY, tag_groups=sorted(groups.items()),
            field_labels=FIELD_LABELS)

    @page("GET", STAFF + "/stories/<story_id>/moderate")
    def feedback_moderate_page(self, request, viewer, organisation_id, story_id):
        require(viewer.principal, "feedback.moderate", organisation_id)
        return self._feedback_moderate_page(request, viewer, organisation_id, story_id)

    @page("POST", STAFF + "/stories/<story_id>/moderate")
    def feedback_moderate_form(self, request, viewer, organisation_id, story_id):
        require(viewer.principal, "feedback.moderate", organisation_id)
        form = Form(request.form, prefix="edit-", missing={
            "title": "Give the story a title", "text": "The story cannot be empty",
            "criticality": "Choose how critical the story is"},
            anchors={"criticality": "edit-criticality-0"})
        form.require("title", "text", "criticality")
        if form.get("criticality") and not form.get("criticality").isdigit():
            form.fail("criticality", "Choose how critical the story is")
        data = {"title": form.get("title"), "text": form.get("text"),
                "what_was_good": form.get("what_was_good") or None,
                "what_could_be_improved": form.get("what_could_be_improved") or None,
                "criticality": int(form.get("criticality")) if form.get("criticality").isdigit()
                else None,
                "tag_ids": form.getlist("tag_ids")}
        if data["criticality"] is not None and data["criticality"] not in CRITICALITY_LEVELS:
            form.fail("criticality", "Choose how critical the story is")
        saved = form.ok and attempt(form, self.rpc.feedback.moderate_story, viewer.principal,
                                    organisation_id, story_id, data)
        if not saved:
            return self._feedback_moderate_page(request, viewer, organisation_id, story_id,
                                                edit_form=form, status=form.status)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/stories/{story_id}"
                        "/moderate?done=moderated")

    @page("GET", STAFF + "/stories/<story_id>/publish")
    def feedback_publish_question(self, request, viewer, organisation_id, story_id):
        """Only the moderation page's form leads here (with what it asks): back to it."""
        require(viewer.principal, "feedback.moderate", organisation_id)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/stories/{story_id}"
                        "/moderate#publish-heading")

    @page("POST", STAFF + "/stories/<story_id>/publish")
    def feedback_publish_form(self, request, viewer, organisation_id, story_id):
        """The publish form is checked, then confirmed (a published story cannot be taken
        back), then the story is published or held."""
        require(viewer.principal, "feedback.moderate", organisation_id)
        form = Form(request.form, prefix="publish-")
        days = form.get("hold_days") or "0"
        if not days.isdigit() or not 0 <= int(days) <= rules.HOLD_DAYS_MAX:
            form.fail("hold_days", f"Enter a whole number of days from 0 to {rules.HOLD_DAYS_MAX}")
        checked = form.get("identifying_details_checked") == "yes"
        if form.ok and not confirm.confirmed(request):
            story = call(self.rpc.feedback.story_for_moderation, viewer.principal,
                         organisation_id, story_id)
            if story.get("criticality") is None:
                form.message = "Choose how critical the story is and save your edits first."
                form.status = 409
            elif story.get("identifying_details") and not checked:
                form.fail("identifying_details_checked",
                          "Please confirm you have checked the highlighted details", status=409)
            if form.ok:
                return self._feedback_publish_question(request, viewer, organisation_id,
                                                       story, int(days), checked)
        published = form.ok and attempt(
            form, self.rpc.feedback.publish_story, viewer.principal, organisation_id, story_id,
            {"hold_days": int(days), "identifying_details_checked": checked})
        if published is None or not form.ok:
            if form.errors.get("criticality"):
                form.message = "Choose how critical the story is and save your edits first."
                form.errors.pop("criticality")
            return self._feedback_moderate_page(request, viewer, organisation_id, story_id,
                                                publish_form=form, status=form.status)
        done = "held" if int(days) > 0 else "published"
        return redirect(f"{self._feedback_staff_base(organisation_id)}/moderation?done={done}")

    def _feedback_publish_question(self, request, viewer, organisation_id, story, days,
                                   checked):
        edited = {**(story.get("original") or {}), **(story.get("edited") or {})}
        title = edited.get("title") or "this story"
        moderate = f"{self._feedback_staff_base(organisation_id)}/stories/{story['id']}/moderate"
        when = (f"In {days} day{'s' if days != 1 else ''}, it goes on the public stories page"
                if days else "It goes on the public stories page now")
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Publish “{title}”?",
            consequences=[f"{when}, as you edited it, with its tags.",
                          "Staff who follow its services are told, and can answer it.",
                          "The author can see what was published.",
                          "It cannot be taken off the public page afterwards."],
            button="Hold the story" if days else "Publish the story",
            back=(moderate, "No, go back to the story"), warning=False,
            hidden={"hold_days": str(days),
                    "identifying_details_checked": "yes" if checked else ""},
            breadcrumb=(moderate, "Moderate a story")))

    @page("GET", STAFF + "/stories/<story_id>/reject")
    def feedback_reject_question(self, request, viewer, organisation_id, story_id):
        """Only the moderation page's form (with the reason) leads here: back to it."""
        require(viewer.principal, "feedback.moderate", organisation_id)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/stories/{story_id}"
                        "/moderate#reject-heading")

    @page("POST", STAFF + "/stories/<story_id>/reject")
    def feedback_reject_form(self, request, viewer, organisation_id, story_id):
        """The reason is checked, the rejection confirmed (it cannot be undone), then done."""
        require(viewer.principal, "feedback.moderate", organisation_id)
        form = Form(request.form, prefix="reject-", missing={
            "reason": "Say why the story cannot be published. The author will see this"})
        form.require("reason")
        if len(form.get("reason")) > rules.REASON_MAX:
            form.fail("reason", f"Use at most {rules.REASON_MAX:,} characters")
        if form.ok and not confirm.confirmed(request):
            story = call(self.rpc.feedback.story_for_moderation, viewer.principal,
                         organisation_id, story_id)
            edited = {**(story.get("original") or {}), **(story.get("edited") or {})}
            moderate = f"{self._feedback_staff_base(organisation_id)}/stories/{story_id}/moderate"
            return confirm.ask(request, viewer, confirm.Question(
                title=f"Reject “{edited.get('title') or 'this story'}”?",
                lead=f"The reason you gave: “{form.get('reason')}”",
                consequences=["The story is never published.",
                              "The author can read your reason on the tracking page, and is "
                              "told by email if they left an address.",
                              "This cannot be undone."],
                button="Reject the story", back=(moderate, "No, go back to the story"),
                hidden={"reason": form.get("reason")},
                breadcrumb=(moderate, "Moderate a story")))
        rejected = form.ok and attempt(form, self.rpc.feedback.reject_story, viewer.principal,
                                       organisation_id, story_id, {"reason": form.get("reason")})
        if rejected is None or not form.ok:
            return self._feedback_moderate_page(request, viewer, organisation_id, story_id,
                                                reject_form=form, status=form.status)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/moderation?done=rejected")

    # --- staff: responses waiting for moderation -------------------------------------------------
    def _feedback_pending_response(self, viewer, organisation_id, response_id) -> dict:
        for response in call(self.rpc.feedback.response_queue, viewer.principal,
                             organisation_id):
            if response.get("id") == response_id:
                return response
        raise NotFound("We could not find that response among those waiting. It may have been "
                       "published or rejected already.")

    @page("GET", STAFF + "/responses/<response_id>/publish")
    def feedback_publish_response_question(self, request, viewer, organisation_id,
                                           response_id):
        require(viewer.principal, "feedback.moderate", organisation_id)
        response = self._feedback_pending_response(viewer, organisation_id, response_id)
        back = f"{self._feedback_staff_base(organisation_id)}/moderation#response-queue"
        claims = response.get("change_status") not in (None, "none")
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Publish the response from {response.get('responder_title')}?",
            lead=f"To the story “{response.get('story_title') or 'untitled'}”.",
            consequences=["It is shown under the story on the public page.",
                          "The author is told, if they left an address.",
                          *(["The change it reports is shown, for the author and a panel to "
                             "confirm or dispute."] if claims else []),
                          "It cannot be taken off the public page afterwards."],
            button="Publish the response", back=(back, "No, go back"), warning=False,
            breadcrumb=(back, "Stories to moderate")))

    @page("POST", STAFF + "/responses/<response_id>/publish")
    def feedback_publish_response_form(self, request, viewer, organisation_id, response_id):
        require(viewer.principal, "feedback.moderate", organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.feedback.publish_response, viewer.principal, organisation_id, response_id)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/moderation"
                        "?done=response-published")

    @page("POST", STAFF + "/responses/<response_id>/reject")
    def feedback_reject_response_form(self, request, viewer, organisation_id, response_id):
        require(viewer.principal, "feedback.moderate", organisation_id)
        reason = request.form.get("reason", "").strip()
        if not reason or len(reason) > rules.REASON_MAX:
            raise InvolveError(f"Say in up to {rules.REASON_MAX:,} characters why the response "
                               "cannot be published, then try again.")
        if not confirm.confirmed(request):
            response = self._feedback_pending_response(viewer, organisation_id, response_id)
            back = f"{self._feedback_staff_base(organisation_id)}/moderation#response-queue"
            return confirm.ask(request, viewer, confirm.Question(
                title=f"Reject the response from {response.get('responder_title')}?",
                lead=f"The reason you gave: “{reason}”",
                consequences=["It is never published, and the story stays waiting for an "
                              "answer.", "This cannot be undone."],
                button="Reject the response", back=(back, "No, go back"),
                hidden={"reason": reason}, breadcrumb=(back, "Stories to moderate")))
        call(self.rpc.feedback.reject_response, viewer.principal, organisation_id, response_id,
             {"reason": reason})
        return redirect(f"{self._feedback_staff_base(organisation_id)}/moderation"
                        "?done=response-rejected")

    # --- panels: checking the changes responses claim --------------------------------------------
    def _feedback_changes_page(self, request, viewer, organisation_id, form=None,
                               failed_id=None, status=200):
        require(viewer.principal, "feedback.verify", organisation_id)
        organisation = self._feedback_staff_organisation(viewer, organisation_id,
                                                         "feedback.verify")
        changes = call(self.rpc.feedback.changes_to_check, viewer.principal, organisation_id)
        forms = {c["id"]: form if c["id"] == failed_id else Form(prefix=f"check-{c['id']}-")
                 for c in changes}
        return self._feedback_render(
            request, viewer, "feedback/changes.html", title="Changes to check",
            organisation=organisation, base=self._feedback_staff_base(organisation_id),
            changes=changes, forms=forms, failed_form=form if failed_id else None,
            status=status)

    @page("GET", STAFF + "/changes")
    def feedback_changes_page(self, request, viewer, organisation_id):
        return self._feedback_changes_page(request, viewer, organisation_id)

    @page("POST", STAFF + "/responses/<response_id>/panel-verdict")
    def feedback_panel_verdict_form(self, request, viewer, organisation_id, response_id):
        require(viewer.principal, "feedback.verify", organisation_id)
        form = Form(request.form, prefix=f"check-{response_id}-", anchors={
            "verdict": f"check-{response_id}-verdict-0"})
        if form.get("verdict") not in rules.VERDICTS:
            form.fail("verdict", "Say whether the change has happened")
        if len(form.get("note")) > rules.NOTE_MAX:
            form.fail("note", f"Use at most {rules.NOTE_MAX:,} characters")
        data = {"verdict": form.get("verdict")}
        if form.get("note"):
            data["note"] = form.get("note")
        done = form.ok and attempt(form, self.rpc.feedback.record_panel_verdict,
                                   viewer.principal, organisation_id, response_id, data)
        if not done:
            return self._feedback_changes_page(request, viewer, organisation_id, form,
                                               failed_id=response_id, status=form.status)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/changes?done=checked")

    # --- staff: the inbox ------------------------------------------------------------------------
    @page("GET", STAFF + "/inbox")
    def feedback_inbox_page(self, request, viewer, organisation_id):
        require(viewer.principal, "feedback.read", organisation_id)
        alerts = call(self.rpc.feedback.inbox, viewer.principal, organisation_id)
        return self._feedback_staff(request, viewer, organisation_id, "feedback/inbox.html",
                                    title="Your alerts", alerts=alerts)

    @page("POST", STAFF + "/inbox/<alert_id>/read")
    def feedback_alert_read_form(self, request, viewer, organisation_id, alert_id):
        require(viewer.principal, "feedback.read", organisation_id)
        call(self.rpc.feedback.mark_alert_read, viewer.principal, organisation_id, alert_id)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/inbox?done=alert-read")

    # --- staff: subscriptions --------------------------------------------------------------------
    def _feedback_subscriptions_page(self, request, viewer, organisation_id, form, status=200):
        require(viewer.principal, "feedback.read", organisation_id)
        subscriptions = call(self.rpc.feedback.list_subscriptions, viewer.principal,
                             organisation_id)
        services = call(self.rpc.identity.public_care_services, organisation_id)
        tags = call(self.rpc.feedback.list_tags, viewer.principal, organisation_id)
        names = {c["id"]: c["name"] for c in services}
        tag_names = {t["id"]: t["name"] for t in tags}
        return self._feedback_staff(
            request, viewer, organisation_id, "feedback/subscriptions.html", status=status,
            title="Your subscriptions", subscriptions=subscriptions, form=form,
            service_options=[(c["id"], c["name"], None) for c in services],
            tag_options=[(t["id"], t["name"], None) for t in tags],
            service_names=names, tag_names=tag_names,
            criticality_options=[(v, t) for v, t, _ in CRITICALITY],
            me=viewer.principal.get("person_id"))

    @page("GET", STAFF + "/subscriptions")
    def feedback_subscriptions_page(self, request, viewer, organisation_id):
        form = Form(prefix="subscribe-")
        form.values = {"min_criticality": "0", "delivery": "immediate"}
        return self._feedback_subscriptions_page(request, viewer, organisation_id, form)

    @page("POST", STAFF + "/subscriptions")
    def feedback_subscribe_form(self, request, viewer, organisation_id):
        require(viewer.principal, "feedback.read", organisation_id)
        form = Form(request.form, prefix="subscribe-", anchors={
            "delivery": "subscribe-delivery-0"})
        level = form.get("min_criticality") or "0"
        if not level.isdigit() or int(level) not in CRITICALITY_LEVELS:
            form.fail("min_criticality", "Choose the lowest criticality to hear about")
        if form.get("delivery") not in rules.DELIVERIES:
            form.fail("delivery", "Choose how you want to hear about stories")
        data = {"care_service_ids": form.getlist("care_service_ids"),
                "tag_ids": form.getlist("tag_ids"),
                "min_criticality": int(level) if level.isdigit() else 0,
                "delivery": form.get("delivery"),
                "escalation_contact": form.get("escalation_contact") == "yes"}
        if form.get("team_name") or form.get("team_email"):
            if not viewer.can("feedback.route", organisation_id):
                form.fail("team_name", "Only people who manage routing can subscribe a team")
            form.require("team_name")
            form.require_email("team_email")
            data.update(team_name=form.get("team_name"), team_email=form.get("team_email"))
        made = form.ok and attempt(form, self.rpc.feedback.create_subscription, viewer.principal,
                                   organisation_id, data)
        if not made:
            return self._feedback_subscriptions_page(request, viewer, organisation_id, form,
                                                     status=form.status)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/subscriptions"
                        "?done=subscribed")

    @page("POST", STAFF + "/subscriptions/<subscription_id>/delete")
    def feedback_unsubscribe_form(self, request, viewer, organisation_id, subscription_id):
        require(viewer.principal, "feedback.read", organisation_id)
        call(self.rpc.feedback.delete_subscription, viewer.principal, organisation_id,
             subscription_id)
        return redirect(f"{self._feedback_staff_base(organisation_id)}/subscriptions"
                        "?done=unsubscribed")

    # --- staff: answering a story ----------------------------------------------------------------
    def _feedback_respond_page(self, request, viewer, organisation_id, story_id, form,
                               status=200):
        require(viewer.principal, "feedback.respond", organisation_id)
        story = call(self.rpc.feedback.public_story, organisation_id, story_id)
        return self._feedback_staff(request, viewer, organisation_id, "feedback/respond.html",
                                    action="feedback.respond", status=status,
                                    title="Respond to: " + story["title"], story=story,
                                    form=form, changes=CHANGE_OPTIONS)

    @page("GET", STAFF + "/stories/<story_id>/respond")
    def feedback_respond_page(self, request, viewer, organisation_id, story_id):
        form = Form(prefix="respond-")
        form.values = {"change_status": "none"}
        return self._feedback_respond_page(request, viewer, organisation_id, story_id, form)

    @page("POST", STAFF + "/stories/<story_id>/respond")
    def feedback_respond_form(self, request, viewer, organisation_id, story_id):
        require(viewer.principal, "feedback.respond", organisation_id)
        form = Form(request.form, prefix="respond-", missing={
            "text": "Write your response", "responder_title": "Give your job title",
            "change_description": "Describe the change"},
            anchors={"change_status": "respond-change-status-0"})
        form.require("text", "responder_title")
        change = form.get("change_status") or "none"
        if change not in rules.CHANGE_STATUSES:
            form.fail("change_status", "Choose whether you are reporting a change")
        elif change != "none":
            form.require("change_description")
        for name, limit in (("text", rules.RESPONSE_TEXT_MAX),
                            ("responder_title", rules.RESPONDER_TITLE_MAX),
                            ("change_description", rules.CHANGE_DESCRIPTION_MAX)):
            if len(form.get(name)) > limit:
                form.fail(name, f"Use at most {limit:,} characters")
        made = form.ok and attempt(form, self.rpc.feedback.respond, viewer.principal,
                                   organisation_id, story_id, {
                                       "text": form.get("text"),
                                       "responder_title": form.get("responder_title"),
                                       "change_status": change,
                                       "change_description": form.get("change_description")
                                       if change != "none" else None})
        if not made:
            return self._feedback_respond_page(request, viewer, organisation_id, story_id, form,
                                               status=form.status)
        return self._feedback_staff(request, viewer, organisation_id, "feedback/responded.html",
                                    action="feedback.respond", title="Your response is saved",
                                    response=made, story_id=story_id)
