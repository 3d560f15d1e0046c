"""Identifying details are found, per kind, so the moderator sees them highlighted."""
import pytest

from involve.feedback.identifying import find, find_in


def found(text):
    return [(d["kind"], d["text"]) for d in find_in(text)]


@pytest.mark.parametrize("text,expected", [
    ("My name is Sarah and I use the service.", [("name", "Sarah")]),
    ("Nurse Jones and Dr. Patel were lovely.", [("name", "Jones"), ("name", "Patel")]),
    ("a worker called Gary Nolan helped", [("name", "Gary Nolan")]),
    ("On the way out we saw Mary Evans again.", [("name", "Mary Evans")]),
    ("Ring 07700 900123 or 020 7946 0018 or +44 7700 900 123.",
     [("phone", "07700 900123"), ("phone", "020 7946 0018"), ("phone", "+44 7700 900 123")]),
    ("Write to jo.bloggs@example.co.uk please.", [("email", "jo.bloggs@example.co.uk")]),
    ("I live at 12 Acacia Avenue near the park.", [("address", "12 Acacia Avenue")]),
    ("Our postcode is LS1 4AP.", [("postcode", "LS1 4AP")]),
    ("He was born on 3 March 1980.", [("date_of_birth", "3 March 1980")]),
    ("DOB: 03/03/1980", [("date_of_birth", "03/03/1980")]),
    ("My NHS number is 943 476 5919.", [("nhs_number", "943 476 5919")]),
    ("We went on 12 May and again on 14/06/2024.", [("date", "12 May"), ("date", "14/06/2024")]),
])
def test_each_kind_is_found(text, expected):
    assert found(text) == expected


def test_ordinary_words_are_not_flagged():
    text = ("Yesterday The Riverside Clinic was busy. We waited three hours in reception and "
            "the nurse was kind. I think 10 people were waiting. Thank you NHS.")
    assert found(text) == []


def test_care_service_names_are_not_people():
    fields = {"text": "We went to Riverside Recovery Hub and met Anna Jones."}
    assert [(d["kind"], d["text"]) for d in find(fields, ["Riverside Recovery Hub"])] == [
        ("name", "Anna Jones")]


def test_findings_give_field_and_offsets_to_highlight():
    fields = {"title": "Call 07700 900123", "text": "Email me at a@b.org",
              "what_was_good": None}
    out = find(fields)
    assert [(d["field"], d["kind"]) for d in out] == [("title", "phone"), ("text", "email")]
    for d in out:
        assert fields[d["field"]][d["start"]:d["end"]] == d["text"]
