"""Words people read on the commissioning pages: labels for the service's codes and the short
notices shown after a change (fixed words, never what was typed)."""

PHASES = {"analyse": "Analyse", "plan": "Plan", "do": "Do", "review": "Review"}
PHASE_HINTS = {"analyse": "Find out what people need and agree the principles.",
               "plan": "Decide what to buy and how it will be judged.",
               "do": "Choose a provider and put the service in place.",
               "review": "Check the service does what was agreed."}
NEXT_PHASE = {"analyse": "plan", "plan": "do", "do": "review", "review": "analyse"}
GROUP_KINDS = {"reference": "Reference group", "steering": "Steering group",
               "evaluation_panel": "Interview or evaluation panel",
               "peer": "Service users only (peer group)"}
CAPACITIES = {"service_user": "Service user", "carer": "Carer", "staff": "Staff",
              "commissioner": "Commissioner", "provider": "Provider", "other": "Other"}
MEETING_KINDS = {"meeting": "Meeting", "interview": "Interview", "visit": "Visit",
                 "consultation": "Consultation", "other": "Other"}
MEETING_STATUS = {"planned": "Planned", "held": "Held", "cancelled": "Cancelled"}
TENDER_STATUS = {"open": "Being set up", "scoring": "Being scored",
                 "moderation": "Being moderated", "moderated": "Moderated",
                 "awarded": "Awarded"}
CATEGORIES = {"quality": "Quality", "price": "Price", "social_value": "Social value"}
CLAIM_STATUS = {"draft": "Not sent yet", "submitted": "Waiting to be approved",
                "authorised": "Approved, waiting to be paid", "paid": "Paid",
                "rejected": "Not approved"}
METHODS = {"bank": "Bank transfer", "voucher": "Voucher", "cash": "Cash"}
PAYMENT_CHOICES = {"full": "Yes, pay me the full fee", "reduced": "Pay me a smaller fee",
                   "declined": "No fee, thank you (expenses only)"}
ACTIVITY_KINDS = {"commissioning_meeting": "Commissioning meeting",
                  "panel_session": "Panel session",
                  "mystery_shopping_round": "Mystery-shopping round", "other": "Other"}
BUDGET_KINDS = {"project_management": "Project management",
                "training_and_support": "Training and support",
                "reimbursement": "Paying people and their expenses", "other": "Other"}
ATTENDANCE = {"attended": "Came", "apologies": "Sent apologies", "absent": "Did not come"}

CONFLICT_KINDS = {"uses_service": "I use one of the services this is about",
                  "works_for_bidder": "I work for, or have worked for, an organisation bidding",
                  "family_at_bidder": "Someone close to me works for an organisation bidding",
                  "other": "Something else"}
CONFLICT_DECISIONS = {"may_score": "They may score every bid",
                      "may_not_score": "They do not score the bids it touches"}

NOTICES = {
    "project-created": "The project has been started.",
    "principle-added": "The principle has been recorded.",
    "phase-changed": "The project has moved on to its next phase.",
    "group-created": "The group has been added.",
    "members-added": "The people have been added to the group.",
    "meeting-created": "The meeting has been arranged.",
    "paper-added": "The paper has been added. Look at the plain-English check below.",
    "paper-issued": "The paper has been sent out to the group.",
    "briefing-created": "The briefing has been recorded. Members see what they may share.",
    "item-released": "The item has been released. The group has been told they may share it.",
    "agreement-signed": "Thank you. You have signed your working agreement.",
    "agreement-written": "The working agreement has been written. The member is asked to sign "
                         "it on their My involvement page.",
    "agreement-changed": "The agreement has been changed. Both sides need to sign the new "
                         "version.",
    "agreement-countersigned": "You have signed the agreement for the organisation.",
    "training-recorded": "The training has been recorded.",
    "bulletin-drafted": "The bulletin has been saved as a draft. Look at the plain-English check "
                        "below before you publish it.",
    "bulletin-published": "The bulletin has been published.",
    "claim-sent": "Your claim has been sent. We will tell you when it is approved.",
    "claim-authorised": "The claim has been approved.",
    "claim-paid": "The payment has been recorded.",
    "scores-saved": "Your scores have been saved. You can change them until you submit them.",
    "scores-submitted": "Your scores have been submitted.",
    "moderation-started": "Moderation has started. Agree a score for each answer below.",
    "conflict-declared": "Thank you. Your declaration has been sent to the steering group.",
    "conflict-decided": "The steering group’s decision has been recorded.",
    "score-agreed": "The agreed score has been recorded.",
}


def money(value) -> str:
    """"£15.00" from the service's string (money is never a float)."""
    if value in (None, ""):
        return ""
    return f"£{value}"


def options(labels: dict) -> list[tuple]:
    """(value, label, hint) for the radios macro."""
    return [(key, words, None) for key, words in labels.items()]


def for_me(warning: dict) -> str:
    """A readiness warning said to the person it is about (the service words it for their
    coordinator: "This person has ...")."""
    if warning.get("code") == "no_signed_agreement":
        return ("Your working agreement needs to be signed by you and by the council first. "
                "Look under “To sign” above.")
    if warning.get("code") == "training_missing":
        said = warning.get("message", "").rsplit("not had yet: ", 1)
        names = said[1].rstrip(".") if len(said) == 2 else ", ".join(
            str(t).replace("_", " ") for t in warning.get("training") or [])
        return f"You need this training first: {names}."
    return warning.get("message", "")
