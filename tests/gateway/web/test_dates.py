"""One reader for every date field: the ISO date a date picker sends and the dates people type
(UK order), with a plain message for anything else."""
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from involve.gateway.web.dates import DateError, iso_or_typed, long_date, parse_date
from involve.gateway.web.forms import Form

DECEMBER_FIRST = date(2026, 12, 1)


@pytest.mark.parametrize("typed", [
    "2026-12-01", "2026-12-1", "1 December 2026", "1 december 2026", "  1   December   2026 ",
    "1st December 2026", "1 Dec 2026", "1 dec, 2026", "Tuesday 1 December 2026",
    "December 1, 2026", "Dec 1st 2026", "1/12/2026", "01/12/2026", "1-12-2026", "1.12.2026",
    "1/12/26"])
def test_the_dates_people_type_are_read(typed):
    assert parse_date(typed) == DECEMBER_FIRST


def test_day_comes_before_month_as_in_the_uk():
    assert parse_date("3/4/2026") == date(2026, 4, 3)
    assert parse_date("12/1/2026") == date(2026, 1, 12)


@pytest.mark.parametrize("typed, says", [
    ("31/2/2026", "That date does not exist"), ("30 February 2026", "That date does not exist"),
    ("1/13/2026", "That date does not exist"), ("next Tuesday", "Enter a date like"),
    ("1 Decembre 2026", "Enter a date like"), ("2026/12/01", "Enter a date like"),
    ("12 2026", "Enter a date like"), ("", "Enter a date like")])
def test_anything_else_gets_a_message_a_person_can_act_on(typed, says):
    with pytest.raises(DateError) as refused:
        parse_date(typed)
    assert str(refused.value).startswith(says)
    assert "1 December 2026" in str(refused.value)


def test_forms_read_dates_and_say_what_is_wrong_beside_the_field():
    form = Form(MultiDict({"starts": "1 December 2026", "ends": "31/11/2026", "soon": "",
                           "early": "1/1/2020"}), missing={"soon": "Enter the first day"})
    assert form.date("starts") == DECEMBER_FIRST
    assert form.date("ends") is None and form.errors["ends"].startswith("That date does not exist")
    assert form.date("soon") is None and form.errors["soon"] == "Enter the first day"
    assert form.date("missing", required=False) is None and "missing" not in form.errors
    assert form.date("early", earliest=DECEMBER_FIRST) is None
    assert form.errors["early"] == "Enter a date on or after 1 December 2026"
    assert form.status == 422


def test_dates_shown_back():
    assert long_date(DECEMBER_FIRST) == "1 December 2026"
    assert long_date("2026-12-01T10:00:00+00:00") == "1 December 2026"
    assert iso_or_typed("1 December 2026") == "2026-12-01"  # a date picker shows it
    assert iso_or_typed("the first") == "the first"  # kept as typed, to be corrected
