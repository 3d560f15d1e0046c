"""The words people read on the feedback pages: labels of choices, statuses, notices and what
to ask for when an answer is missing. The rules behind them are the feedback contract's
(involve.feedback.contract); only the wording lives here."""

RELATIONSHIP_OPTIONS = [
    ("service_user", "I use (or used) the service", None),
    ("family_member", "I am a family member of someone who uses it", None),
    ("carer", "I care for someone who uses it", None),
    ("staff", "I work there", None),
]
RELATIONSHIP_WORDS = {"service_user": "a person who uses the service",
                      "family_member": "a family member", "carer": "a carer",
                      "staff": "a member of staff"}
# Care Opinion's criticality scale (DESIGN.md), seen by staff only.
CRITICALITY = [
    ("0", "0: not critical", None), ("1", "1: minimally critical", None),
    ("2", "2: mildly critical", None), ("3", "3: moderately critical", None),
    ("4", "4: strongly critical", None), ("5", "5: severely critical", None),
]
CRITICALITY_WORDS = {int(value): text.split(": ", 1)[1] for value, text, _ in CRITICALITY}
STATUS_WORDS = {
    "received": "Received: waiting for a moderator",
    "in_moderation": "Being checked by a moderator",
    "held": "Checked, and will be published in a few days",
    "published": "Published",
    "responded": "Published and answered",
    "change_planned": "Answered: a change is planned",
    "change_made": "Answered: a change has been made",
    "rejected": "Not published",
}
CHANGE_WORDS = {"none": "No change", "planned": "A change is planned",
                "made": "A change has been made"}
CHANGE_OPTIONS = [("none", "No change to report", None),
           ("planned", "A change is planned", "Say what you plan to change."),
           ("made", "A change has been made", "Say what has changed.")]
SENTIMENT_OPTIONS = [("positive", "Positive", None), ("negative", "Negative", None),
              ("neutral", "Neither", None)]
VERDICT_WORDS = {"confirmed": "The author confirmed this change",
                 "disputed": "The author says this change has not happened"}
KIND_WORDS = {"name": "possible name", "first_name": "possible first name",
              "phone": "possible phone number",
              "email": "possible email address", "address": "possible address",
              "postcode": "possible postcode", "date_of_birth": "possible date of birth",
              "nhs_number": "possible NHS number", "date": "possible date"}
FIELD_LABELS = {"title": "Title", "text": "The story", "what_was_good": "What was good",
                "what_could_be_improved": "What could be improved"}
STORY_FIELDS = tuple(FIELD_LABELS)
NOTICES = {
    "moderated": "Your edits have been saved.",
    "published": "The story has been published. Subscribers who follow it have been alerted.",
    "held": "The story will be published when the hold ends.",
    "rejected": "The story has been rejected. The author can see the reason.",
    "subscribed": "You are now subscribed.",
    "unsubscribed": "The subscription has ended.",
    "responded": "Your response has been saved.",
    "response-published": "The response has been published.",
    "response-rejected": "The response has been rejected.",
    "alert-read": "Marked as read.",
    "tag-added": "The tag has been added.",
    "checked": "Thank you. The panel's view is now shown with the change.",
}
STORY_MISSING = {"care_service_ids": "Choose the care service your story is about",
                 "title": "Give your story a title",
                 "text": "Tell us your story",
                 "relationship": "Choose how you know the service"}

