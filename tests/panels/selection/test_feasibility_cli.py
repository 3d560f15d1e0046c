"""Infeasible quotas are explained with a working relaxation; the click command."""

import json

import pytest
from click.testing import CliRunner

from involve.panels.selection import Quota, check_feasibility, make_pool
from involve.panels.selection.cli import select

from .helpers import SF, SMALL, need, toy_pool


def with_quotas(quotas, households=False):
    base = toy_pool(households=households)
    people = [{"id": p.id, "household": p.household,
               "features": dict(zip(base.features, p.values, strict=True))} for p in base.people]
    return make_pool(quotas, people)


def test_feasible_quotas():
    assert check_feasibility(toy_pool(), 5).feasible


def test_conflicting_quotas_are_named_and_relaxation_works():
    quotas = [Quota("gender", "f", 4, 6), Quota("gender", "m", 0, 6),
              Quota("age", "young", 0, 6), Quota("age", "old", 0, 1)]
    # 6 women exist: 3 young, 3 old.  Panel of 5 with >= 4 women and <= 1 old is fine...
    pool = with_quotas(quotas)
    assert check_feasibility(pool, 5).feasible
    # ...but young women are only 3, so >=4 women, <=1 old person, and <=... need 5 young
    quotas[2] = Quota("age", "young", 0, 3)
    pool = with_quotas(quotas)
    r = check_feasibility(pool, 5)
    assert not r.feasible
    assert set(r.conflicting) == {("age", "young"), ("age", "old")}
    assert "age=young" in r.message and "age=old" in r.message
    assert r.changes and r.relaxation_feasible
    loosened = sum((c.old_min - c.new_min) + (c.new_max - c.old_max) for c in r.changes)
    assert loosened == 1  # raising one maximum by one is enough
    assert check_feasibility(make_pool(r.relaxed_quotas, [
        {"id": p.id, "features": dict(zip(pool.features, p.values, strict=True))} for p in pool.people]),
        5).feasible


def test_simple_reasons_and_flex():
    quotas = [Quota("gender", "f", 3, 3, 2, 3), Quota("gender", "m", 3, 3, 1, 4),
              Quota("age", "young", 0, 5), Quota("age", "old", 0, 5)]
    r = check_feasibility(with_quotas(quotas), 5)
    assert not r.feasible
    assert any("minimums for 'gender' add up to 6" in reason for reason in r.reasons)
    # the same reason as a fact, for pages that word it with the question's own text
    assert {"kind": "minimums_above_panel", "feature": "gender", "total": 6,
            "panel_size": 5} in r.reason_facts
    assert len(r.reason_facts) == len(r.reasons)
    assert r.as_dict()["reason_facts"] == r.reason_facts
    assert r.within_flex is True and r.relaxation_feasible
    assert "within the min_flex/max_flex limits" in r.message


def test_household_shortage_is_explained():
    quotas = [Quota("gender", "f", 0, 12), Quota("gender", "m", 0, 12),
              Quota("age", "young", 0, 12), Quota("age", "old", 0, 12)]
    r = check_feasibility(with_quotas(quotas, households=True), 11)
    assert not r.feasible
    assert "household" in r.message
    assert [f["kind"] for f in r.reason_facts] in (["too_few_households_in_pool"],
                                                   ["household_rule"])


def run(args):
    return CliRunner().invoke(select, args, catch_exceptions=False)


def test_cli_json_on_small_example(tmp_path):
    need(SMALL)
    out = tmp_path / "panel.csv"
    res = run(["--features", str(SMALL / "categories.csv"), "--people",
               str(SMALL / "respondents.csv"), "--panel-size", "20", "--seed", "42", "--json",
               "--output", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["algorithm"] == "leximin" and data["seed"] == 42
    assert len(data["panel"]) == 20
    assert data["minimum_probability"] == pytest.approx(0.1, abs=1e-6)
    assert sum(data["probabilities"].values()) == pytest.approx(20)
    assert data["seconds"] >= 0
    assert out.read_text().splitlines()[0] == "gender,leaning"
    assert len(out.read_text().splitlines()) == 21
    again = json.loads(run(["--features", str(SMALL / "categories.csv"), "--people",
                            str(SMALL / "respondents.csv"), "--panel-size", "20", "--seed", "42",
                            "--json"]).stdout)
    assert again["panel"] == data["panel"]


def test_cli_text_mode_sf_fixture(tmp_path):
    need(SF)
    out = tmp_path / "p.csv"
    res = run(["--features", str(SF / "features.csv"), "--people", str(SF / "candidates.csv"),
               "--panel-size", "22", "--algorithm", "maximin", "--id-column", "nationbuilder_id",
               "--address-columns", "primary_address1,primary_zip", "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert "Selection probability: minimum" in res.stdout
    assert (tmp_path / "p.audit.json").exists()


@pytest.mark.parametrize("features,people,row,column", [
    ("feature,value,min,max\ngender,f,1,x\ngender,m,0,2\n", "id,gender\na,f\nb,m\n", 2, "max"),
    ("feature,value,min,max\ngender,f,0,2\ngender,m,0,2\n", "id,gender\na,f\nb,q\n", 3, "gender"),
    ("feature,value,min,max\ngender,f,0,2\ngender,m,0,2\n", "id,sex\na,f\n", 1, "gender"),
])
def test_cli_bad_input_exits_2_with_plain_message(tmp_path, features, people, row, column):
    f = tmp_path / "f.csv"
    p = tmp_path / "p.csv"
    f.write_text(features)
    p.write_text(people)
    res = run(["--features", str(f), "--people", str(p), "--panel-size", "1"])
    assert res.exit_code == 2
    assert f"row {row}" in res.stderr and f"'{column}'" in res.stderr
    assert "Traceback" not in res.output + res.stderr


def test_cli_panel_too_big_exits_2(tmp_path):
    f = tmp_path / "f.csv"
    p = tmp_path / "p.csv"
    f.write_text("feature,value,min,max\ngender,f,0,2\ngender,m,0,2\n")
    p.write_text("gender\nf\nm\n")
    res = run(["--features", str(f), "--people", str(p), "--panel-size", "3"])
    assert res.exit_code == 2 and "bigger than the pool" in res.stderr


def test_cli_infeasible_exits_3(tmp_path):
    f = tmp_path / "f.csv"
    p = tmp_path / "p.csv"
    f.write_text("feature,value,min,max\ngender,f,2,2\ngender,m,2,2\n")
    p.write_text("gender\nf\nm\nm\nf\nf\n")
    res = run(["--features", str(f), "--people", str(p), "--panel-size", "3"])
    assert res.exit_code == 3
    assert "gender" in res.stderr and "Smallest change" in res.stderr
