"""The shared page patterns as other areas will use them, in Chromium with axe: the people
picker with who has and has not agreed, a date field and in-page navigation, rendered by the
site's own templates and macros (the identity pages test them inside real journeys)."""
from types import SimpleNamespace

from jinja2 import ChoiceLoader, DictLoader, Environment

from involve.gateway.web import rendering
from tests.support.browser import axe_violations

PAGE = """{% extends "base.html" %}{% import "_macros.html" as f %}{% block content %}
<h1>Choose shoppers</h1>
{{ f.on_this_page([("who", "Who"), ("when", "When")]) }}
<form method="post" action="/x" novalidate class="form">
  <h2 id="who" tabindex="-1">Who</h2>
  {{ f.people_picker(picker, "Who should shop?", hint="Only people who agreed can be chosen.") }}
  <h2 id="when" tabindex="-1">When</h2>
  {{ f.date_input(form, "starts", "First day of the round") }}
  <button type="submit" class="button">Add them</button>
</form>{% endblock %}"""


def person(pid, name, agreed):
    return SimpleNamespace(id=pid, name=name, roles=["volunteer"], agreed=agreed)


def rendered() -> str:
    env = Environment(loader=ChoiceLoader([DictLoader({"gallery.html": PAGE}),
                                           rendering._env.loader]), autoescape=True)
    env.globals.update(rendering._env.globals)
    picker = SimpleNamespace(
        name="person_ids", query="a", purpose="mystery_shopping", multiple=True, allowed=True,
        agreed_words=("Has agreed to mystery shop", "Has not agreed to mystery shop yet"),
        chosen=[person("p1", "Ann Agrees", True)], matches=[person("p2", "Abi Agrees", True)],
        not_agreed=[person("p3", "Al Not-yet", False)], found=2)
    form = SimpleNamespace(id=lambda n: n.replace("_", "-"), errors={"starts": "Enter a date like "
                           "1 December 2026, or 1/12/2026"}, get=lambda n: "next Tuesday")
    return env.get_template("gallery.html").render(
        picker=picker, form=form, viewer=None, csrf_token="", path="/x", title="Choose shoppers",
        role_names={}, when=str, notice=None, failed=True)


def test_the_picker_date_field_and_contents_pass_axe_and_say_who_agreed(site, page):
    html = rendered()
    page.route(site + "/gallery", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(site + "/gallery")
    assert axe_violations(page) == []
    assert page.get_by_label("Ann Agrees").is_checked()
    assert not page.get_by_label("Abi Agrees").is_checked()
    assert page.get_by_label("Al Not-yet").count() == 0  # shown, but cannot be ticked
    assert "Al Not-yet" in page.locator(".picker__none").inner_text()
    hint = page.get_by_label("Abi Agrees").get_attribute("aria-describedby")
    assert page.locator("#" + hint).inner_text() == "Has agreed to mystery shop"
    date = page.get_by_label("First day of the round")
    assert date.get_attribute("type") == "date" and date.get_attribute("aria-invalid") == "true"
    page.get_by_role("link", name="When").click()
    assert page.evaluate("location.hash") == "#when"
