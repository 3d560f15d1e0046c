"""What the panels service tells people through identity's notify_person: the words, and the
link into Involve. Ids and counts only: never anyone's answers, name or contact details (the
message goes by email, and into the person's Involve inbox)."""
from __future__ import annotations

SELECTIONS = "/admin/organisations/{organisation_id}/panels/selections/{selection_id}"


def _selection_link(organisation_id: str, selection_id: str) -> str:
    return SELECTIONS.format(organisation_id=organisation_id, selection_id=selection_id)


def selection_done(purpose: str, organisation_id: str, selection_id: str, chosen: int,
                   pool: int) -> dict:
    return {"subject": "Your panel selection has finished",
            "body": f"The selection for “{purpose}” has finished: {chosen} people were chosen "
                    f"from the {pool} who registered. Open it to see the panel, check how fair "
                    "the draw was and invite the people chosen.",
            "link": _selection_link(organisation_id, selection_id),
            "organisation_id": organisation_id}


def selection_failed(purpose: str, organisation_id: str, selection_id: str, why: str) -> dict:
    return {"subject": "Your panel selection stopped without a result",
            "body": f"The selection for “{purpose}” stopped without choosing anyone. {why} "
                    "Open it to see why and what you can change.",
            "link": _selection_link(organisation_id, selection_id),
            "organisation_id": organisation_id}


def invitation(purpose: str, organisation_id: str, token: str, note: str | None) -> dict:
    body = (f"Thank you for registering your interest in “{purpose}”. You have been chosen in a "
            "fair draw to take part in the panel.\n\nPlease tell us whether you can take part: "
            "open the link below and choose yes or no. It takes a minute, and you do not need "
            "an account.")
    if note:
        body += f"\n\nA note from the organisers:\n{note}"
    body += ("\n\nIf you cannot take part, just say so: your place will be offered to someone "
             "else, and nothing more will be asked of you.")
    return {"subject": f"You have been chosen for a panel: {purpose}"[:200], "body": body,
            "link": f"/panels/invitations/{token}", "organisation_id": organisation_id}


def member_left(purpose: str, organisation_id: str, selection_id: str, how: str,
                replaced: bool) -> dict:
    outcome = ("Someone else who keeps every quota has been chosen in their place and invited."
               if replaced else
               "Nobody left in the pool could take their place without breaking a quota, so the "
               "panel now has one place empty.")
    return {"subject": "A panel member cannot take part",
            "body": f"A person invited to “{purpose}” {how}. {outcome} Open the panel to see "
                    "who has answered.",
            "link": _selection_link(organisation_id, selection_id),
            "organisation_id": organisation_id}
