"""Fixtures for the panel-selection tests."""

import pytest

from involve.panels.selection import load_pool

from .helpers import LARGE, SF, SMALL, need


@pytest.fixture(scope="session")
def sf_pool():
    need(SF)
    return load_pool(SF / "features.csv", SF / "candidates.csv", panel_size=22,
                     id_column="nationbuilder_id",
                     address_columns="primary_address1,primary_zip")


@pytest.fixture(scope="session")
def small_pool():
    need(SMALL)
    return load_pool(SMALL / "categories.csv", SMALL / "respondents.csv", panel_size=20)


@pytest.fixture(scope="session")
def large_pool():
    need(LARGE)
    return load_pool(LARGE / "categories.csv", LARGE / "respondents.csv", panel_size=200)
