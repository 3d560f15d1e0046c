"""People by name on staff pages, for those allowed to see names ("people.names":
administrators, involvement leads, commissioners, platform administrators), and ids for
everyone else. Identity resolves the names and records each read in its audit log.

Two helpers (docs/contributing.md, "Page patterns"):

* ``names_for(rpc, viewer, organisation_id, ids, reason)`` -> ``Names``; in a template,
  ``{{ f.person(names, person_id) }}`` shows the name, "Erased person", or the id.
* ``picker(rpc, viewer, organisation_id, data, ...)`` -> ``Picker``, the searchable list of
  people to tick, rendered by ``{{ f.people_picker(picker, legend) }}`` inside a POST form. Its
  Search button posts the form with ``picker_action=search``: the page handler then shows the
  page again (``picker.searching``) with the ticks kept, and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from involve.kernel.rpc import call

SEARCH_ACTION = "picker_action"


@dataclass
class Names:
    """Names a page may show: ``visible`` says whether the viewer may see names at all."""
    known: dict = field(default_factory=dict)
    visible: bool = False

    def get(self, person_id: str) -> str | None:
        return self.known.get(person_id)

    def label(self, person_id: str, fallback: str | None = None) -> str:
        """The name, else ``fallback`` (by default the id itself)."""
        return self.known.get(person_id) or (fallback if fallback is not None else person_id)


def can_see_names(viewer, organisation_id: str) -> bool:
    return bool(viewer) and viewer.can("people.names", organisation_id)


def names_for(rpc, viewer, organisation_id: str, person_ids, reason: str) -> Names:
    """The names of ``person_ids`` the viewer may see (one audited identity call, none when
    the viewer may not see names or there is nobody to name). ``reason``: what the page shows
    them for, in a few words ("the round's assignments"), recorded in the audit log."""
    ids = [p for p in dict.fromkeys(person_ids or ()) if isinstance(p, str) and p]
    if not can_see_names(viewer, organisation_id):
        return Names({}, False)
    if not ids:
        return Names({}, True)
    known = call(rpc.identity.people_names, viewer.principal, organisation_id, ids, reason)
    return Names(known, True)


@dataclass
class Choice:
    id: str
    name: str
    roles: list = field(default_factory=list)
    agreed: bool | None = None


@dataclass
class Picker:
    """What the picker macro shows. ``chosen`` stay ticked across searches; ``matches`` may be
    chosen; ``not_agreed`` are shown but cannot be (they have not agreed to ``purpose``)."""
    name: str
    query: str = ""
    chosen: list = field(default_factory=list)
    matches: list = field(default_factory=list)
    not_agreed: list = field(default_factory=list)
    purpose: str | None = None
    multiple: bool = True
    searching: bool = False
    allowed: bool = True
    agreed_words: tuple = ("Has agreed", "Has not agreed yet")
    found: int = 0  # how many the search found, ticked or not

    @property
    def chosen_ids(self) -> list[str]:
        return [c.id for c in self.chosen]


def searching(data) -> bool:
    """The form was sent with the picker's Search button (nothing should change)."""
    return data.get(SEARCH_ACTION) == "search"


def picker(rpc, viewer, organisation_id: str, data, *, name: str = "person_ids",
           roles=(), purpose: str | None = None, reason: str = "choosing people by name",
           multiple: bool = True, exclude=(), agreed_words=None) -> Picker:
    """A picker for the people of an organisation holding one of ``roles`` (all if empty).

    ``data``: the request's form (POST) or arguments (GET); the search text is ``<name>_q`` and
    the ticked ids ``<name>``. ``purpose``: a consent purpose; people whose latest consent for
    it is not given are listed apart and cannot be ticked. ``exclude``: ids not to offer (e.g.
    those already added). Costs one identity call, two when ticked people fall outside the
    search. A viewer who may not see names gets ``allowed=False`` (the macro says so).
    """
    query = (data.get(f"{name}_q") or "").strip()[:100]
    ticked = [p for p in dict.fromkeys(data.getlist(name)) if p]
    result = Picker(name=name, query=query, purpose=purpose, multiple=multiple,
                    searching=searching(data), agreed_words=agreed_words or Picker.agreed_words)
    if not can_see_names(viewer, organisation_id):
        result.allowed = False
        return result
    left_out = set(exclude)
    filters = {"roles": list(roles), "purpose": purpose, "q": query}
    found = [Choice(**p) for p in call(rpc.identity.people_directory, viewer.principal,
                                       organisation_id, filters, reason)
             if p["id"] not in left_out]
    result.found = len(found)
    by_id = {c.id: c for c in found}
    missing = [p for p in ticked if p not in by_id and p not in left_out]
    if missing:
        for p in call(rpc.identity.people_directory, viewer.principal, organisation_id,
                      {"roles": list(roles), "purpose": purpose, "ids": missing[:1000]}, reason):
            by_id[p["id"]] = Choice(**p)
    can_choose = (lambda c: c.agreed is not False) if purpose else (lambda c: True)
    result.chosen = [by_id[p] for p in ticked if p in by_id and can_choose(by_id[p])]
    if not multiple:
        result.chosen = result.chosen[:1]
    chosen = set(result.chosen_ids)
    result.matches = [c for c in found if can_choose(c) and c.id not in chosen]
    result.not_agreed = [c for c in found if not can_choose(c)]
    return result
