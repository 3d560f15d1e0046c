"""The words people read on the mystery-shopping pages: names of personas, kinds, measures
and statuses, the notices after an action, and scores and agreement said in plain words.

Scores are written with the contract's ``score_text``, as the CSV and the PDF write them, so the
page never shows 4.8 where the download says 4.75."""
from involve.mystery_shopping.contract import EFFICIENCY_DECIMALS, FEELING_DECIMALS, score_text

PERSONA_NAMES = {"potential_client": "Potential client",
                 "family_member": "Family member or carer",
                 "referrer": "Referrer (for example a GP or support worker)"}
PERSONA_AS = {"potential_client": "someone who might want to use the service",
              "family_member": "a family member or carer of someone who might use the service",
              "referrer": "a professional who wants to refer someone, such as a GP or support "
                          "worker"}
KIND_NAMES = {"yes_no": "Yes or no", "scale_1_5": "Rating from 1 to 5", "text": "In your own words"}
MEASURE_NAMES = {"efficiency": "Efficiency (what they did)", "feeling": "Feeling (how it felt)"}
ASSIGNMENT_STATUS = {"assigned": "To do", "declined": "Passed to someone else",
                     "recorded": "Call recorded", "draft": "Draft saved",
                     "unassigned": "Nobody available"}
ROUND_STATUS = {"scheduled": "Open", "closed": "Closed"}
SCALE_OPTIONS = [("1", "1 (lowest)"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 (highest)")]
NOTICES = {
    "round-scheduled": "The round has been scheduled and the calls have been shared out.",
    "round-closed": "The round is closed. Its report is ready.",
    "reassigned": "The call has been given to another shopper.",
    "shopper-added": "The shopper has been added.",
    "shopper-removed": "The shopper has been taken off the list. Their open calls were passed on.",
    "set-saved": "The question set has been saved.",
    "set-new-version": "This set was already used by a round, so your changes were saved as a "
                       "new version. Rounds keep the version they were scheduled with.",
    "draft-saved": "Your draft has been saved. You can come back to it at any time.",
    "call-submitted": "Thank you. Your call record has been sent.",
    "declined": "Thank you for letting us know. The call has been passed to someone else.",
}
ALPHA_GOOD = 0.8
ALPHA_TENTATIVE = 0.667


# --- numbers in words ------------------------------------------------------------------------
def efficiency_text(value) -> str:
    return "Not scored" if value is None else score_text(value, EFFICIENCY_DECIMALS) + "%"


def feeling_number(value) -> str:
    return score_text(value, FEELING_DECIMALS)


def feeling_text(value) -> str:
    return "Not scored" if value is None else feeling_number(value) + " out of 5"


def question_result_text(question: dict) -> str:
    if question.get("yes_rate") is not None:
        return score_text(question["yes_rate"], EFFICIENCY_DECIMALS) + "% said yes"
    if question.get("mean") is not None:
        return feeling_number(question["mean"]) + " out of 5 on average"
    return "No answers"


def alpha_explained(agreement: dict | None) -> dict:
    """Krippendorff's alpha in plain words, with what it means for calibrating shoppers."""
    agreement = agreement or {}
    alpha = agreement.get("alpha")
    if alpha is None:
        return {"value": "Not enough calls to tell", "meaning": agreement.get("note") or (
            "Agreement can only be measured when at least two shoppers called the same service."),
                "level": "unknown"}
    alpha = float(alpha)
    if alpha >= ALPHA_GOOD:
        meaning = ("Shoppers who called the same service answered the questions in much the same "
                   "way. You can rely on these scores.")
        level = "good"
    elif alpha >= ALPHA_TENTATIVE:
        meaning = ("Shoppers mostly agreed, but not always. Treat small differences between "
                   "services with care, and talk through the questions where answers differed.")
        level = "tentative"
    else:
        meaning = ("Shoppers who called the same service often answered differently. Before the "
                   "next round, meet to go through the questions and their guidance together so "
                   "everyone scores them the same way.")
        level = "low"
    return {"value": f"{alpha:.2f}", "meaning": meaning, "level": level}
