"""The words people read on the panels pages: the algorithms, a selection's status, the notices
after an action, a suggested quota change in a sentence, and the quota rules and invitation
states in words."""
from involve.panels.contract import ALGORITHMS as ALGORITHM_KEYS

# Each algorithm the service offers (involve.panels.contract.ALGORITHMS), in one plain sentence.
_ALGORITHM_WORDS = {
    "leximin": ("LEXIMIN (recommended)",
                "Gives everyone the most equal chance possible while meeting every quota: first "
                "it raises the lowest chance as far as it can, then the next lowest, and so on."),
    "maximin": ("MAXIMIN",
                "Makes the lowest chance anyone has as high as possible, but may spread the other "
                "chances less evenly. It is quicker on very large pools."),
    "nash": ("Nash",
             "Balances everyone's chances by a different measure of fairness (the product of the "
             "chances); results are usually close to LEXIMIN."),
    "legacy": ("Older greedy method",
               "The method many organisations used before: it fills the hardest quotas first, at "
               "random. Some people get much lower chances, so use it only to compare."),
}
# The algorithms, in the order offered: (key, name, sentence).
ALGORITHMS = [(key, *_ALGORITHM_WORDS[key]) for key in ALGORITHM_KEYS]
ALGORITHM_NAMES = {key: name for key, name, _ in ALGORITHMS}
STATUS_WORDS = {"queued": "Waiting to start", "running": "Running", "done": "Finished",
                "failed": "Stopped without a result", "cancelled": "Cancelled"}
NOTICES = {
    "campaign-created": "The campaign is open. Next, set the quotas, then share the "
                        "registration link.",
    "campaign-closed": "Registration has closed. Nobody else can register.",
    "cancel-requested": "We have asked the selection to stop.",
    "quotas-saved": "The quotas have been saved.",
    "quota-changed": "The quota has been changed. Check again whether the quotas can be met.",
    "invited": "The panel has been invited. People who gave an email address have been sent a "
               "link to say yes or no; contact the others yourself and record their answers.",
    "answer-recorded": "Their answer has been recorded.",
    "replaced": "A replacement has been chosen.",
    "resent": "A new link has been sent. The old one no longer works.",
}

# How a question's places can be shared, as the quotas form offers them. The built-in quota
# rules (plugin involve-quota-rules) behind them are named in QUOTA_RULE_WORDS.
SINGLE_MODES = [
    ("none", "Any mix", "No quota: the draw may choose any number of each answer."),
    ("share", "A share of the places, like 60:40",
     "For example 50:50, or 60:40 like the student body. Uses the “proportional” rule."),
    ("numbers", "Numbers for each answer",
     "At least and at most this many places for each answer, in the table below."),
]
MULTIPLE_MODES = [
    ("none", "Any mix", "No quota: the draw may choose people whatever they ticked."),
    ("at_least", "At least this many who ticked each answer",
     "For example at least 4 who used each service. Uses the “at least” rule."),
    ("numbers", "Numbers for each answer",
     "At least and at most this many panel members who ticked each answer, in the table below."),
]
QUOTA_RULE_WORDS = {
    "proportional": "A share of the places, like 60:40",
    "at_least": "At least this many for each answer",
    "combined": "Several rules together (used by itself when you choose more than one)",
}
INVITATION_WORDS = {"invited": "Invited, no answer yet", "accepted": "Will take part",
                    "declined": "Cannot take part", "dropped_out": "Dropped out"}
CHANNEL_WORDS = {"link": "Sent a link to answer", "coordinator": "Contact them yourself"}


def describe_change(change: dict, labels: dict | None = None) -> str:
    """A suggested quota change in words (as the selection core's QuotaChange.describe), with
    the question and answer as the page shows them (``labels`` from quota_form.feature_words)."""
    parts = []
    if change.get("new_min") != change.get("old_min"):
        parts.append(f"lower the minimum from {change.get('old_min')} to {change.get('new_min')}")
    if change.get("new_max") != change.get("old_max"):
        parts.append(f"raise the maximum from {change.get('old_max')} to {change.get('new_max')}")
    where = (labels or {}).get((change.get("feature"), change.get("value")))
    return (where or f"{change.get('feature')} = {change.get('value')}") + ": " + " and ".join(parts)


def change_button(change: dict) -> str:
    """The words on the button that makes a suggested change."""
    parts = []
    if change.get("new_min") != change.get("old_min"):
        parts.append(f"Lower the minimum to {change.get('new_min')}")
    if change.get("new_max") != change.get("old_max"):
        parts.append(("and raise" if parts else "Raise") + f" the maximum to {change.get('new_max')}")
    return " ".join(parts) or "Make this change"
