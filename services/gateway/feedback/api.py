"""Gateway: the feedback HTTP API (issue 4).

Public routes (no sign-in) let anyone tell a story about a care service, read published stories
with their responses and changes, see a care service's summary, and follow their own story
with the tracking code they were given (always in a POST body, never in a URL). Staff routes
live under /api/v1/organisations/<organisation_id>/feedback and are checked against the policy
here and again by the feedback service. The contract is docs/feedback-service.md.
"""
from __future__ import annotations

from involve.kernel.rpc import call
from involve.kernel.schemas import validate

from ..web.routes import route
from . import schemas as s

ORG = "/api/v1/organisations/<organisation_id>"
STAFF = ORG + "/feedback"
TAGS = ["feedback"]


def _query(request, schema) -> dict:
    """The query string, validated like a body (a bad page number is a 422 naming it)."""
    return validate(schema(), {k: v for k, v in request.args.items() if v != ""})


class FeedbackApi:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""

    # --- public: telling and reading stories ----------------------------------------------
    @route("POST", ORG + "/stories",
           summary="Tell a story about a care service (no sign-in; moderated before it is public)",
           tags=TAGS, body=s.FeedbackStoryCreate, response=s.FeedbackStoryReceived, status=201,
           errors=(404, 409), auth="anonymous")
    def feedback_submit_story(self, request, principal, body, organisation_id):
        return call(self.rpc.feedback.submit_story, organisation_id, body)

    @route("GET", ORG + "/stories", summary="Published stories, by care service and tag",
           tags=TAGS, response=s.FeedbackStoryPage, errors=(404,), auth="anonymous",
           query=("care_service_id", "tag", "page"))
    def feedback_public_stories(self, request, principal, organisation_id):
        return call(self.rpc.feedback.public_stories, organisation_id,
                    _query(request, s.FeedbackStoryFilters))

    @route("GET", ORG + "/stories/<story_id>",
           summary="One published story with its responses and changes", tags=TAGS,
           response=s.FeedbackPublicStory, errors=(404,), auth="anonymous")
    def feedback_public_story(self, request, principal, organisation_id, story_id):
        return call(self.rpc.feedback.public_story, organisation_id, story_id)

    @route("GET", ORG + "/care-services/<care_service_id>/feedback-summary",
           summary="A care service's stories: response rate and changes made", tags=TAGS,
           response=s.FeedbackServiceSummary, errors=(404,), auth="anonymous")
    def feedback_service_summary(self, request, principal, organisation_id, care_service_id):
        return call(self.rpc.feedback.public_service_summary, organisation_id, care_service_id)

    @route("GET", ORG + "/story-tags", summary="The tags stories can have", tags=TAGS,
           response=s.FeedbackTag, many=True, errors=(404,), auth="anonymous")
    def feedback_public_tags(self, request, principal, organisation_id):
        return call(self.rpc.feedback.public_tags, organisation_id)

    # --- public: the author follows their story -------------------------------------------
    @route("POST", "/api/v1/story-tracking",
           summary="Follow your story with its tracking code (sent in the body, never a URL)",
           tags=TAGS, body=s.FeedbackTracking, response=s.FeedbackTrackedStory, errors=(404,),
           auth="anonymous")
    def feedback_track_story(self, request, principal, body):
        return call(self.rpc.feedback.track_story, body)

    @route("POST", "/api/v1/story-tracking/verdict",
           summary="Confirm or dispute a change a response says was planned or made", tags=TAGS,
           body=s.FeedbackVerdict, response=s.FeedbackPublicResponse, errors=(404, 409),
           auth="anonymous")
    def feedback_record_verdict(self, request, principal, body):
        return call(self.rpc.feedback.record_verdict, body)

    # --- staff: moderation ------------------------------------------------------------------
    @route("GET", STAFF + "/moderation", summary="Stories waiting for moderation, oldest first",
           tags=TAGS, response=s.FeedbackModerationItem, many=True, action="feedback.moderate")
    def feedback_moderation_queue(self, request, principal, organisation_id):
        return call(self.rpc.feedback.moderation_queue, principal, organisation_id)

    @route("GET", STAFF + "/moderation-count",
           summary="How many stories and responses are waiting for a moderator", tags=TAGS,
           response=s.FeedbackModerationCount, action="feedback.moderate")
    def feedback_moderation_count(self, request, principal, organisation_id):
        return call(self.rpc.feedback.moderation_count, principal, organisation_id)

    @route("GET", STAFF + "/stories/<story_id>/moderation",
           summary="A story to moderate, with identifying details found in it", tags=TAGS,
           response=s.FeedbackModerationStory, errors=(404,), action="feedback.moderate")
    def feedback_story_for_moderation(self, request, principal, organisation_id, story_id):
        return call(self.rpc.feedback.story_for_moderation, principal, organisation_id,
                    story_id)

    @route("POST", STAFF + "/stories/<story_id>/moderate",
           summary="Save the moderator's edits, criticality (0-5) and tags", tags=TAGS,
           body=s.FeedbackModerate, response=s.FeedbackModerationStory, errors=(404, 409),
           action="feedback.moderate")
    def feedback_moderate_story(self, request, principal, body, organisation_id, story_id):
        return call(self.rpc.feedback.moderate_story, principal, organisation_id, story_id, body)

    @route("POST", STAFF + "/stories/<story_id>/publish",
           summary="Publish a moderated story now, or hold it for some days", tags=TAGS,
           body=s.FeedbackPublish, errors=(404, 409), action="feedback.moderate")
    def feedback_publish_story(self, request, principal, body, organisation_id, story_id):
        return call(self.rpc.feedback.publish_story, principal, organisation_id, story_id, body)

    @route("POST", STAFF + "/stories/<story_id>/reject",
           summary="Reject a story with a reason the author sees", tags=TAGS,
           body=s.FeedbackReject, errors=(404, 409), action="feedback.moderate")
    def feedback_reject_story(self, request, principal, body, organisation_id, story_id):
        return call(self.rpc.feedback.reject_story, principal, organisation_id, story_id, body)

    # --- staff: tags and stories --------------------------------------------------------------
    @route("GET", STAFF + "/tags", summary="The organisation's story tags", tags=TAGS,
           response=s.FeedbackTag, many=True, action="feedback.read")
    def feedback_list_tags(self, request, principal, organisation_id):
        return call(self.rpc.feedback.list_tags, principal, organisation_id)

    @route("POST", STAFF + "/tags", summary="Add a story tag", tags=TAGS,
           body=s.FeedbackTagCreate, response=s.FeedbackTag, status=201, errors=(409,),
           action="feedback.moderate")
    def feedback_create_tag(self, request, principal, body, organisation_id):
        return call(self.rpc.feedback.create_tag, principal, organisation_id, body)

    @route("GET", STAFF + "/stories", summary="Stories for staff, with criticality and tags",
           tags=TAGS, response=s.FeedbackStaffStoryPage, action="feedback.read",
           query=("care_service_id", "min_criticality", "status", "page"))
    def feedback_staff_stories(self, request, principal, organisation_id):
        return call(self.rpc.feedback.staff_stories, principal, organisation_id,
                    _query(request, s.FeedbackStaffFilters))

    @route("POST", STAFF + "/stories",
           summary="Submit a story on someone's behalf (recorded as assisted)", tags=TAGS,
           body=s.FeedbackStoryCreate, response=s.FeedbackStoryReceived, status=201,
           errors=(404, 409), action="feedback.assist")
    def feedback_submit_assisted_story(self, request, principal, body, organisation_id):
        return call(self.rpc.feedback.submit_assisted_story, principal, organisation_id, body)

    # --- staff: subscriptions and the inbox ---------------------------------------------------
    @route("GET", STAFF + "/subscriptions",
           summary="Subscriptions: your own, or everyone's if you manage routing", tags=TAGS,
           response=s.FeedbackSubscription, many=True, action="feedback.read")
    def feedback_list_subscriptions(self, request, principal, organisation_id):
        return call(self.rpc.feedback.list_subscriptions, principal, organisation_id)

    @route("POST", STAFF + "/subscriptions",
           summary="Subscribe to stories about care services and tags", tags=TAGS,
           body=s.FeedbackSubscriptionCreate, response=s.FeedbackSubscription, status=201,
           errors=(404,), action="feedback.read")
    def feedback_create_subscription(self, request, principal, body, organisation_id):
        return call(self.rpc.feedback.create_subscription, principal, organisation_id, body)

    @route("DELETE", STAFF + "/subscriptions/<subscription_id>", summary="End a subscription",
           tags=TAGS, errors=(404,), action="feedback.read")
    def feedback_delete_subscription(self, request, principal, organisation_id,
                                     subscription_id):
        return call(self.rpc.feedback.delete_subscription, principal, organisation_id,
                    subscription_id)

    @route("GET", STAFF + "/inbox", summary="Your alerts, newest first", tags=TAGS,
           response=s.FeedbackAlert, many=True, action="feedback.read")
    def feedback_inbox(self, request, principal, organisation_id):
        return call(self.rpc.feedback.inbox, principal, organisation_id)

    @route("POST", STAFF + "/inbox/<alert_id>/read", summary="Mark an alert as read", tags=TAGS,
           errors=(404,), action="feedback.read")
    def feedback_mark_alert_read(self, request, principal, organisation_id, alert_id):
        return call(self.rpc.feedback.mark_alert_read, principal, organisation_id, alert_id)

    # --- staff: responses -----------------------------------------------------------------------
    @route("POST", STAFF + "/stories/<story_id>/responses",
           summary="Answer a published story in public (moderated until you are trusted)",
           tags=TAGS, body=s.FeedbackRespond, response=s.FeedbackResponse, status=201,
           errors=(404, 409), action="feedback.respond")
    def feedback_respond(self, request, principal, body, organisation_id, story_id):
        return call(self.rpc.feedback.respond, principal, organisation_id, story_id, body)

    @route("GET", STAFF + "/responses", summary="Responses waiting for moderation", tags=TAGS,
           response=s.FeedbackResponse, many=True, action="feedback.moderate")
    def feedback_response_queue(self, request, principal, organisation_id):
        return call(self.rpc.feedback.response_queue, principal, organisation_id)

    @route("POST", STAFF + "/responses/<response_id>/publish", summary="Publish a response",
           tags=TAGS, response=s.FeedbackResponse, errors=(404, 409),
           action="feedback.moderate")
    def feedback_publish_response(self, request, principal, organisation_id, response_id):
        return call(self.rpc.feedback.publish_response, principal, organisation_id, response_id)

    @route("GET", STAFF + "/changes-to-check",
           summary="Changes that responses claim and a panel has not checked yet", tags=TAGS,
           response=s.FeedbackChangeToCheck, many=True, action="feedback.verify")
    def feedback_changes_to_check(self, request, principal, organisation_id):
        return call(self.rpc.feedback.changes_to_check, principal, organisation_id)

    @route("POST", STAFF + "/responses/<response_id>/panel-verdict",
           summary="Record a panel's view of a claimed change: confirmed or disputed", tags=TAGS,
           body=s.FeedbackPanelVerdict, response=s.FeedbackPublicResponse, errors=(404, 409),
           action="feedback.verify")
    def feedback_panel_verdict(self, request, principal, body, organisation_id, response_id):
        return call(self.rpc.feedback.record_panel_verdict, principal, organisation_id,
                    response_id, body)

    @route("POST", STAFF + "/responses/<response_id>/reject",
           summary="Reject a response with a reason the responder sees", tags=TAGS,
           body=s.FeedbackReject, response=s.FeedbackResponse, errors=(404, 409),
           action="feedback.moderate")
    def feedback_reject_response(self, request, principal, body, organisation_id, response_id):
        return call(self.rpc.feedback.reject_response, principal, organisation_id, response_id,
                    body)
