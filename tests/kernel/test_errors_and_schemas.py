import pytest
from marshmallow import fields
from nameko.exceptions import deserialize, serialize

from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import StrictSchema, validate


class Person(StrictSchema):
    name = fields.String(required=True)
    age = fields.Integer()


def test_validation_names_every_field_at_fault_in_plain_words():
    with pytest.raises(InvalidInput) as caught:
        validate(Person(), {"age": "old", "shoe_size": 9})
    error = caught.value
    assert error.status == 422
    assert set(error.fields) == {"name", "age", "shoe_size"}
    assert error.fields["shoe_size"] == ["This field is not expected here."]
    assert "age" in error.message and "name" in error.message


def test_non_object_body_is_refused_clearly():
    with pytest.raises(InvalidInput) as caught:
        validate(Person(), ["not", "an", "object"])
    assert caught.value.fields == {"_body": ["Expected a JSON object."]}


def test_valid_input_is_returned_loaded():
    assert validate(Person(), {"name": "Sam", "age": "42"}) == {"name": "Sam", "age": 42}


@pytest.mark.parametrize("error", [
    InvalidInput("Check the name.", {"name": ["Too short."]}),
    NotFound("We could not find that."),
    Conflict("Already there.", {"name": ["Taken."]}),
])
def test_errors_cross_rpc_as_themselves(error):
    """A service raising an Involve error gives the caller the same error, fields and all."""
    back = deserialize(serialize(error))
    assert type(back) is type(error)
    assert back.message == error.message and back.fields == error.fields
    assert back.to_dict()["error"]["code"] == error.code


def test_text_with_a_nul_byte_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as caught:
        validate(Person(), {"name": "Sam\x00", "age": 3})
    assert caught.value.fields == {"name": ["This contains a character we cannot store (a NUL byte)."]}
