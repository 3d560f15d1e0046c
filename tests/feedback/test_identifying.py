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


@pytest.mark.parametrize("text,expected", [
    # a bare first name, as in seed 002's "What was good"
    ("Sarah on reception made me a cup of tea.", [("first_name", "Sarah")]),
    ("what was good: sarah listened to me", [("first_name", "sarah")]),
    ("Siân and Róisín were kind.", [("first_name", "Siân"), ("first_name", "Róisín")]),
    ("Thanks to Jason, Maria and Kate.",
     [("first_name", "Jason"), ("first_name", "Maria"), ("first_name", "Kate")]),
    ("Mohammed's advice helped.", [("first_name", "Mohammed")]),
    # names that are also words count only with a capital inside a sentence
    ("The nurse, Will, was kind. Grace on the desk too.", [("first_name", "Will")]),
    ("I asked for Rose and she came.", [("first_name", "Rose")]),
    # a name with a surname or a title is still one finding, not two
    ("On the way out we saw Mary Evans again.", [("name", "Mary Evans")]),
    ("Nurse Sarah was lovely.", [("name", "Sarah")]),
])
def test_a_first_name_on_its_own_is_found(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "Will they call me back? I will wait and hope for the best.",
    "Grace and patience were shown by everyone. They showed real grace.",
    "We went to St Mary's Hospice, then to Victoria Hospital.",
    "May I say the staff were brilliant. In May the wait was shorter.",
    "Mark my words, the service has changed. I got a good mark for effort.",
    "Frank conversations helped. Joy at last, and hope for the future.",
    "I used charlie and molly for years before I came here.",
])
def test_words_that_are_names_only_sometimes_are_left_alone(text):
    assert [d for d in find_in(text) if d["kind"] == "first_name"] == []


def test_ordinary_stories_do_not_flood_the_moderator():
    """Stories of the kind seed 002 describes, with no one named in them: nothing is marked."""
    stories = [
        "The first big issue was not knowing how long we had to wait for an appointment. If we "
        "went out for a smoke would we miss it? Why were people going in before us? Just giving "
        "out more information in reception quickly cooled the tempers.",
        "We are still users and have a young baby. How can we get help without any fear that "
        "social services will come and take our baby away? The key worker explained everything "
        "and I felt listened to for the first time.",
        "I phoned on Monday morning and the call was answered at once. The receptionist was "
        "warm, told me the waiting time and what happens next, and gave me the crisis line. "
        "I never lack a cup of tea from the receptionists now!",
        "My son has used the Hillside Alcohol Service since March. The group sessions on "
        "Thursday evenings are the best part of his week. Could the letters be clearer?",
        "Overall a good service. The doctor was patient, the pharmacy was quick and the "
        "building was clean. Parking is hard and the lift was broken again.",
    ]
    for text in stories:
        assert found(text) == [], text


def test_a_first_name_in_a_care_service_name_is_not_a_person():
    fields = {"what_was_good": "The staff at Florence House were kind, Florence in particular."}
    assert [(d["kind"], d["text"]) for d in find(fields, ["Florence House"])] == []
    assert [(d["kind"], d["text"]) for d in find(fields)] == [("first_name", "Florence")]
