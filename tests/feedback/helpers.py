"""Shared data for the feedback tests: the seed 002 story (an addiction service, a long wait in
reception) and small builders."""

SEED_002 = {
    "title": "Nobody told us how long we would wait",
    "text": ("I came to the drop-in with my brother on 12 March. We waited three hours in "
             "reception and nobody told us why. Nurse Jones was kind when we were seen, but "
             "by then John Smith at the desk had shouted at us. You can ring me on "
             "07700 900123 if you want to know more."),
    "what_was_good": "The nurse listened and did not judge.",
    "what_could_be_improved": "Tell people in reception how long the wait is.",
    "relationship": "family_member",
}

PUBLISHABLE_TEXT = ("I came to the drop-in with my brother. We waited three hours in reception "
                    "and nobody told us why. The nurse was kind when we were seen, but by then "
                    "someone at the desk had shouted at us.")

ADMIN = {"person_id": None, "platform_admin": True}


def staff(organisation_id, person_id, *roles):
    """A principal as the gateway builds it for a signed-in member of staff."""
    return {"person_id": person_id, "token_id": None, "platform_admin": False,
            "roles": {organisation_id: list(roles)}}


def story(care_service_ids, **changes):
    return {**SEED_002, "care_service_ids": list(care_service_ids), **changes}
