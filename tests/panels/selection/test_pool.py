"""CSV loading and validation: every malformed input names its row and column."""

import io

import pytest

from involve.panels.selection import PoolError, Quota, load_pool, load_quotas, make_pool

from .helpers import SF, SMALL, need

FEATURES = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\n"
PEOPLE = "id,Gender,name\na,female,Ann\nb,male,Bob\nc, Female ,Cat\n"


def load(features=FEATURES, people=PEOPLE, k=2, **kw):
    return load_pool(io.StringIO(features), io.StringIO(people), panel_size=k, **kw)


def test_loads_both_quota_dialects():
    need(SF)
    sf = load_quotas(SF / "features.csv")
    assert sf[0] == Quota("Gender", "Female", 11, 12, 0, 12)
    need(SMALL)
    fl = load_quotas(SMALL / "categories.csv")
    assert fl[0] == Quota("gender", "female", 9, 20)


def test_flanigan_ids_are_row_numbers(small_pool):
    assert len(small_pool) == 200
    assert small_pool.people[0].id == "2"  # header is row 1
    assert small_pool.people[0].values == ("female", "conservative")


def test_case_and_space_insensitive_matching_and_id_column():
    pool = load(id_column="ID")
    assert [p.id for p in pool.people] == ["a", "b", "c"]
    assert pool.people[2].values == ("female",)  # " Female " -> quota file's spelling
    assert pool.people[0].data["name"] == "Ann"


def test_address_columns_make_households(sf_pool):
    assert all(p.household for p in sf_pool.people)
    people = "id,gender,street,zip\na,female,1 High St,AB1\nb,male,1 high st , ab1\nc,male,2 Low,X\n"
    pool = load(people=people, id_column="id", address_columns="street,zip")
    assert pool.people[0].household == pool.people[1].household != pool.people[2].household


@pytest.mark.parametrize("features,people,kw,row,column,words", [
    # missing feature column in people file
    (FEATURES, "id,sex\na,female\n", {}, 1, "gender", "missing"),
    # missing min column in features file
    ("feature,value,max\ngender,female,2\n", PEOPLE, {}, 1, "min", "missing"),
    # unknown value
    (FEATURES, "id,gender\na,female\nb,robot\n", {}, 3, "gender", "robot"),
    # empty value
    (FEATURES, "id,gender\na,female\nb,\n", {}, 3, "gender", "empty"),
    # duplicate id
    (FEATURES, "id,gender\na,female\nb,male\na,male\n", {"id_column": "id"}, 4, "id", "twice"),
    # min > max
    ("feature,value,min,max\ngender,female,3,2\ngender,male,0,2\n", PEOPLE, {}, 2, "min",
     "larger than its maximum"),
    # non-integer
    ("feature,value,min,max\ngender,female,1,2\ngender,male,one,2\n", PEOPLE, {}, 3, "min",
     "not a whole number"),
    ("feature,value,min,max\ngender,female,1,2.5\ngender,male,1,2\n", PEOPLE, {}, 2, "max",
     "not a whole number"),
    # duplicate quota row
    ("feature,value,min,max\ngender,female,1,2\nGender,Female,1,2\n", PEOPLE, {}, 3, "value",
     "twice"),
    # missing id column / address column
    (FEATURES, PEOPLE, {"id_column": "nope"}, 1, "nope", "missing"),
    (FEATURES, PEOPLE, {"address_columns": "street"}, 1, "street", "missing"),
])
def test_malformed_inputs_name_row_and_column(features, people, kw, row, column, words):
    with pytest.raises(PoolError) as info:
        load(features, people, **kw)
    err = info.value
    assert err.row == row
    assert err.column == column
    text = str(err)
    assert f"row {row}" in text and f"'{column}'" in text and words in text


def test_empty_pool_and_panel_too_big():
    with pytest.raises(PoolError, match="empty"):
        load(people="id,gender\n")
    with pytest.raises(PoolError, match="bigger than the pool") as info:
        load(k=4)
    assert info.value.column == "panel size"


def test_empty_files_and_missing_file(tmp_path):
    with pytest.raises(PoolError, match="empty") as info:
        load(features="")
    assert info.value.row == 1
    with pytest.raises(PoolError, match="does not exist"):
        load_pool(tmp_path / "nope.csv", tmp_path / "nope2.csv")


def test_make_pool_is_all_or_nothing():
    quotas = [Quota("g", "x", 0, 1), Quota("g", "y", 0, 1)]
    with pytest.raises(PoolError) as info:
        make_pool(quotas, [{"id": 1, "features": {"g": "x"}}, {"id": 2, "features": {"g": "z"}}])
    assert info.value.row == 3 and info.value.column == "g"


def test_snapshot_hash_has_no_names_and_is_stable():
    pool = load(id_column="id")
    snap = pool.snapshot()
    assert "Ann" not in str(snap)
    assert pool.snapshot_hash() == load(id_column="id").snapshot_hash()
    assert pool.snapshot_hash() != load(id_column="id", people=PEOPLE.replace(
        "c, Female", "c,male")).snapshot_hash()
