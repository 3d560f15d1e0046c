"""Transparent lotteries: m listed panels, one drawn, checkable by anyone."""

import json
import random

import pytest
from click.testing import CliRunner

from involve.panels.selection import draw, find_distribution, verify
from involve.panels.selection.cli import select
from involve.panels.selection.draw import record_hash
from involve.panels.selection.lottery import list_hash, round_to_lottery

from .helpers import SF, need


@pytest.fixture(scope="module")
def sf_leximin(sf_pool):
    return find_distribution(sf_pool, 22, "leximin", seed=9)


def meets_quotas(pool, ids):
    by_id = {p.id: p for p in pool.people}
    fidx = {f: i for i, f in enumerate(pool.features)}
    for q in pool.quota_list():
        c = sum(by_id[i].values[fidx[q.feature]] == q.value for i in ids)
        if not q.min <= c <= q.max:
            return False
    households = [by_id[i].household for i in ids if by_id[i].household is not None]
    return len(households) == len(set(households))


def test_the_drawn_panel_is_the_published_panel_with_the_seeds_number(sf_pool, sf_leximin):
    selection = draw(sf_leximin, 2026, lottery=1000)
    lottery = selection.audit["lottery"]
    listed = lottery["list"]
    assert lottery["panels"] == len(listed) == 1000
    # anyone can redo the draw: Python's random with the recorded seed gives the number
    number = random.Random(selection.audit["seed"]).randrange(1000) + 1
    assert lottery["number"] == number and lottery["number_from"] == "seed"
    assert selection.panel == listed[number - 1] == selection.audit["panel"]
    assert lottery["list_sha256"] == list_hash(listed)
    assert all(len(ids) == 22 and len(set(ids)) == 22 and meets_quotas(sf_pool, ids)
               for ids in listed)
    assert verify(selection.audit, sf_pool).ok


def test_chances_in_the_lottery_are_places_over_m_and_the_loss_is_reported(sf_pool,
                                                                           sf_leximin):
    lottery = round_to_lottery(sf_leximin, 1000)
    places = {p.id: 0 for p in sf_pool.people}
    for ids in lottery.panels:
        for i in ids:
            places[i] += 1
    assert lottery.probabilities == {i: c / 1000 for i, c in places.items()}
    assert lottery.minimum_probability == min(places.values()) / 1000
    assert lottery.exact_minimum_probability == pytest.approx(1 / 11, abs=1e-7)
    assert lottery.loss == pytest.approx(lottery.exact_minimum_probability
                                         - lottery.minimum_probability)
    # a person's chance is a whole number of thousandths, so 1/11 can at best become 0.090
    assert 0 <= lottery.loss <= 2 / 1000
    exact = sf_leximin.probability_by_id()
    assert max(abs(lottery.probabilities[i] - exact[i]) for i in exact) < 0.02


def test_the_same_seed_gives_the_same_list_and_panel(sf_pool):
    a = draw(find_distribution(sf_pool, 22, "leximin", seed=3), 77, lottery=200)
    b = draw(find_distribution(sf_pool, 22, "leximin", seed=3), 77, lottery=200)
    assert a.audit["lottery"]["list"] == b.audit["lottery"]["list"]
    assert a.panel == b.panel and a.audit["record_sha256"] == b.audit["record_sha256"]


def test_a_number_from_a_public_draw_picks_that_panel(sf_pool, sf_leximin):
    lottery = round_to_lottery(sf_leximin, 1000)
    selection = draw(sf_leximin, 5, lottery=lottery, number=417)  # dice showed 4, 1, 6 (+1)
    assert selection.panel == lottery.panels[416]
    assert selection.audit["lottery"]["number_from"] == "public draw"
    assert verify(selection.audit, sf_pool).ok
    with pytest.raises(ValueError, match="from 1 to 1000"):
        draw(sf_leximin, 5, lottery=lottery, number=1001)


def test_changing_the_number_the_panel_or_the_list_is_caught(sf_pool, sf_leximin):
    audit = draw(sf_leximin, 11, lottery=100).audit

    def resealed(**changes):
        lottery = dict(audit["lottery"], **changes.pop("lottery", {}))
        record = dict(audit, lottery=lottery, **changes)
        record["record_sha256"] = record_hash(record)
        return verify(record, sf_pool)

    other = audit["lottery"]["number"] % 100 + 1
    moved = resealed(lottery={"number": other})
    assert not moved.ok and any("seed draws a different" in p for p in moved.problems)
    swapped = resealed(panel=audit["lottery"]["list"][other - 1])
    assert not swapped.ok and any("not panel" in p for p in swapped.problems)
    listed = [list(ids) for ids in audit["lottery"]["list"]]
    listed[0][0] = listed[1][0] if listed[1][0] not in listed[0] else listed[0][0] + "x"
    edited = resealed(lottery={"list": listed})
    assert not edited.ok and any("SHA-256" in p for p in edited.problems)


def test_cli_transparent_lottery_writes_the_list_and_the_number(tmp_path):
    need(SF)
    out = tmp_path / "panel.csv"
    result = CliRunner().invoke(select, [
        "--features", str(SF / "features.csv"), "--people", str(SF / "candidates.csv"),
        "--panel-size", "22", "--id-column", "nationbuilder_id",
        "--address-columns", "primary_address1,primary_zip", "--seed", "8",
        "--lottery", "1000", "--output", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Transparent lottery: panel" in result.output and "Accuracy:" in result.output
    record = json.loads((tmp_path / "panel.audit.json").read_text())
    lottery = record["lottery"]
    assert lottery["number"] == random.Random(8).randrange(1000) + 1
    assert record["panel"] == lottery["list"][lottery["number"] - 1]
    assert record["accuracy"]["reached"] <= record["accuracy"]["tolerance"] == 1e-5
    assert verify(record).ok


def test_cli_refuses_a_lottery_number_out_of_range():
    need(SF)
    result = CliRunner().invoke(select, [
        "--features", str(SF / "features.csv"), "--people", str(SF / "candidates.csv"),
        "--panel-size", "22", "--id-column", "nationbuilder_id", "--lottery", "10",
        "--lottery-number", "11"])
    assert result.exit_code == 2 and "--lottery-number" in result.output
