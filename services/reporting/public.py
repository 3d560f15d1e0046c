"""'You said, we did': the changes that came from people's involvement, for everyone to read
(4PI IMP-4, "people told what difference they made").

Only public facts, each linked to where the public can read it:

* changes made after a story, confirmed by the person who told it or by a panel of service users
  (the story is public; its response and change description were published);
* improvements after mystery-shopping rounds, for the rounds an involvement lead chose to show
  (round scores are internal until then); the round's public summary page holds the figures;
* commissioning decisions once released in a published bulletin (bulletins hold released
  information only), with the bulletin's public page.
"""
from __future__ import annotations

from sqlalchemy import and_, select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, NotFound
from involve.kernel.schemas import validate

from . import models as m
from .contract import ReportingPublicFilters, ReportingRoundPublication

_filters = ReportingPublicFilters()


def _names(session, organisation_id) -> dict[str, str]:
    t = m.rp_care_services
    return dict(session.execute(select(t.c.care_service_id, t.c.name).where(
        t.c.organisation_id == organisation_id)).all())


def _organisation(session, organisation_id):
    name = session.scalar(select(m.rp_organisations.c.name).where(
        m.rp_organisations.c.organisation_id == organisation_id)) \
        if isinstance(organisation_id, str) else None
    if name is None:
        raise NotFound("We could not find that organisation.",
                       {"organisation_id": ["Unknown id."]})
    return {"id": organisation_id, "name": name}


def _links(session, table, key, ids, organisation_id) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if not ids:
        return out
    for parent, care_service in session.execute(select(table.c[key], table.c.care_service_id)
                                                .where(table.c.organisation_id == organisation_id,
                                                       table.c[key].in_(list(ids)))):
        out.setdefault(parent, []).append(care_service)
    return out


def story_changes(session, organisation_id) -> list[dict]:
    r, s = m.rp_responses, m.rp_stories
    rows = session.execute(select(
        r.c.response_id, r.c.story_id, r.c.responder_title, r.c.change_status,
        r.c.initial_change_status, r.c.change_description, r.c.verdict, r.c.panel_verdict,
        r.c.changed_at, r.c.published_at, s.c.title).join(s, s.c.story_id == r.c.story_id).where(
        r.c.organisation_id == organisation_id, s.c.published_at.is_not(None),
        s.c.rejected_at.is_(None), r.c.published_at.is_not(None))).mappings().all()
    confirmed = [row for row in rows
                 if (row["change_status"] or row["initial_change_status"]) == "made"
                 and "confirmed" in (row["verdict"], row["panel_verdict"])]
    services = _links(session, m.rp_story_services, "story_id",
                      {row["story_id"] for row in confirmed}, organisation_id)
    out = []
    for row in confirmed:
        by = [who for who, verdict in (("the person who told the story", row["verdict"]),
                                       ("a panel of service users", row["panel_verdict"]))
              if verdict == "confirmed"]
        out.append({"kind": "story_change", "date": (row["changed_at"] or row["published_at"])
                    .date().isoformat(),
                    "title": row["title"] or "A story",
                    "said": f"Someone told us about their experience: \u201c{row['title']}\u201d.",
                    "did": row["change_description"] or "",
                    "who": row["responder_title"] or "",
                    "confirmed_by": " and ".join(by),
                    "care_service_ids": sorted(services.get(row["story_id"], [])),
                    "source": {"label": "Read the story and the response",
                               "path": f"/organisations/{organisation_id}/stories/"
                                       f"{row['story_id']}"}})
    return out


def _round_scores(session, organisation_id) -> list[dict]:
    rd, rs = m.rp_rounds, m.rp_round_services
    return [dict(r) for r in session.execute(select(
        rd.c.round_id, rd.c.name, rd.c.set_key, rd.c.ends_on, rd.c.closed_at,
        rs.c.care_service_id, rs.c.calls, rs.c.efficiency, rs.c.feeling).join(
        rs, rs.c.round_id == rd.c.round_id).where(
        rd.c.organisation_id == organisation_id, rd.c.closed_at.is_not(None),
        rs.c.calls.is_not(None))).mappings()]


def round_improvements(session, organisation_id, only_published=True) -> list[dict]:
    """For each closed round and care service: the scores before (the previous closed round with
    the same question set) and now, and whether either rose."""
    rows = sorted(_round_scores(session, organisation_id),
                  key=lambda r: (r["closed_at"], r["round_id"]))
    published = _published_rounds(session, organisation_id)
    last: dict[tuple, dict] = {}
    out = []
    for row in rows:
        key = (row["set_key"], row["care_service_id"])
        before = last.get(key)
        last[key] = row
        if before is None or (only_published and row["round_id"] not in published):
            continue
        better = [measure for measure in ("efficiency", "feeling")
                  if row[measure] is not None and before[measure] is not None
                  and row[measure] > before[measure]]
        out.append({"round_id": row["round_id"], "round_name": row["name"],
                    "care_service_id": row["care_service_id"], "closed_at": row["closed_at"],
                    "before": {"round_name": before["name"], "efficiency": before["efficiency"],
                               "feeling": before["feeling"]},
                    "now": {"efficiency": row["efficiency"], "feeling": row["feeling"]},
                    "improved": better})
    return out


def _published_rounds(session, organisation_id) -> set[str]:
    p = m.publications
    return set(session.scalars(select(p.c.ref).where(p.c.organisation_id == organisation_id,
                                                     p.c.kind == "round")))


def _words(measure, value):
    return f"{value:.0f} out of 100" if measure == "efficiency" else f"{value:.1f} out of 5"


def mystery_changes(session, organisation_id, names) -> list[dict]:
    out = []
    for item in round_improvements(session, organisation_id):
        if not item["improved"]:
            continue
        name = names.get(item["care_service_id"], "a service")
        parts = []
        for measure in item["improved"]:
            label = "how efficiently calls were handled" if measure == "efficiency" else \
                "how calls felt"
            parts.append(f"{label} rose from {_words(measure, item['before'][measure])} to "
                         f"{_words(measure, item['now'][measure])}")
        out.append({"kind": "mystery_improvement", "date": item["closed_at"].date().isoformat(),
                    "title": f"Calls to {name} after the round \u201c{item['round_name']}\u201d",
                    "said": f"Mystery shoppers, who use services themselves, called {name} as "
                            "a new client would and told us how it went.",
                    "did": "Since the round before, " + " and ".join(parts) + ".",
                    "who": "", "confirmed_by": "mystery shoppers",
                    "care_service_ids": [item["care_service_id"]],
                    "source": {"label": "See the round's results",
                               "path": f"/organisations/{organisation_id}/you-said-we-did/rounds/"
                                       f"{item['round_id']}"}})
    return out


def commissioning_changes(session, organisation_id) -> list[dict]:
    b = m.rp_bulletins
    rows = session.execute(select(b).where(b.c.organisation_id == organisation_id,
                                           b.c.content.is_not(None))).mappings().all()
    services = _links(session, m.rp_bulletin_services, "bulletin_id",
                      {r["bulletin_id"] for r in rows}, organisation_id)
    out = []
    for row in rows:
        for decision in (row["content"] or {}).get("decisions", []):
            out.append({"kind": "commissioning_decision",
                        "date": row["published_at"].date().isoformat(),
                        "title": f"A decision shared in \u201c{row['title']}\u201d",
                        "said": "Service users sat with commissioners as equal partners.",
                        "did": decision["text"], "why": decision.get("reasons") or "",
                        "who": "", "confirmed_by": "",
                        "care_service_ids": sorted(services.get(row["bulletin_id"], [])),
                        "source": {"label": "Read the bulletin",
                                   "path": f"/organisations/{organisation_id}/you-said-we-did/"
                                           f"bulletins/{row['bulletin_id']}"}})
    return out


KIND_NAMES = {"story_change": "After a story", "mystery_improvement": "After mystery shopping",
              "commissioning_decision": "From commissioning"}


def you_said_we_did(session, organisation_id, filters=None) -> dict:
    values = validate(_filters, filters or {})
    org = _organisation(session, organisation_id)
    names = _names(session, organisation_id)
    care_service_id = values["care_service_id"]
    if care_service_id and care_service_id not in names:
        raise NotFound("We could not find that care service.",
                       {"care_service_id": ["Unknown id."]})
    entries = story_changes(session, organisation_id) + mystery_changes(
        session, organisation_id, names) + commissioning_changes(session, organisation_id)
    if care_service_id:
        entries = [e for e in entries if care_service_id in e["care_service_ids"]]
    for entry in entries:
        entry["kind_name"] = KIND_NAMES[entry["kind"]]
        entry["care_services"] = [{"id": c, "name": names.get(c, "")}
                                  for c in entry.pop("care_service_ids")]
    entries.sort(key=lambda e: (e["date"], e["title"]), reverse=True)
    return {"organisation": org,
            "care_service": {"id": care_service_id, "name": names[care_service_id]}
            if care_service_id else None,
            "care_services": [{"id": k, "name": v} for k, v in sorted(
                names.items(), key=lambda kv: (kv[1], kv[0]))],
            "entries": entries}


def public_round(session, organisation_id, round_id) -> dict:
    org = _organisation(session, organisation_id)
    if not isinstance(round_id, str) or round_id not in _published_rounds(session,
                                                                          organisation_id):
        raise NotFound("We could not find that round.", {"round_id": ["Unknown id."]})
    names = _names(session, organisation_id)
    rd = m.rp_rounds
    row = session.execute(select(rd.c.name, rd.c.ends_on, rd.c.closed_at).where(
        rd.c.round_id == round_id)).mappings().first()
    items = {i["care_service_id"]: i for i in round_improvements(session, organisation_id)
             if i["round_id"] == round_id}
    services = []
    for r in _round_scores(session, organisation_id):
        if r["round_id"] != round_id:
            continue
        before = items.get(r["care_service_id"], {}).get("before")
        services.append({"care_service": {"id": r["care_service_id"],
                                          "name": names.get(r["care_service_id"], "")},
                         "calls": r["calls"], "efficiency": r["efficiency"],
                         "feeling": r["feeling"], "before": before})
    services.sort(key=lambda s: s["care_service"]["name"])
    return {"organisation": org, "round": {"id": round_id, "name": row["name"],
                                          "ends_on": row["ends_on"].isoformat()
                                          if row["ends_on"] else None,
                                          "closed_at": row["closed_at"].isoformat()},
            "services": services}


def public_bulletin(session, organisation_id, bulletin_id) -> dict:
    org = _organisation(session, organisation_id)
    b = m.rp_bulletins
    row = session.execute(select(b).where(and_(
        b.c.bulletin_id == bulletin_id, b.c.organisation_id == organisation_id,
        b.c.content.is_not(None)))).mappings().first() if isinstance(bulletin_id, str) else None
    if row is None:
        raise NotFound("We could not find that bulletin.", {"bulletin_id": ["Unknown id."]})
    names = _names(session, organisation_id)
    services = _links(session, m.rp_bulletin_services, "bulletin_id", {bulletin_id},
                      organisation_id).get(bulletin_id, [])
    return {"organisation": org, "bulletin": {
        "id": bulletin_id, "title": row["title"], "introduction": row["introduction"],
        "published_at": row["published_at"].isoformat(), "items": row["content"]["items"],
        "decisions": row["content"]["decisions"],
        "care_services": [{"id": c, "name": names.get(c, "")} for c in sorted(services)]}}


# --- a lead's choice of rounds to show --------------------------------------------------------------
def rounds_to_publish(session, organisation_id) -> list[dict]:
    names = _names(session, organisation_id)
    published = _published_rounds(session, organisation_id)
    rd = m.rp_rounds
    rows = session.execute(select(rd.c.round_id, rd.c.name, rd.c.closed_at).where(
        rd.c.organisation_id == organisation_id, rd.c.closed_at.is_not(None))
        .order_by(rd.c.closed_at.desc())).all()
    improvements = round_improvements(session, organisation_id, only_published=False)
    out = []
    for round_id, name, closed_at in rows:
        mine = [i for i in improvements if i["round_id"] == round_id]
        out.append({"round_id": round_id, "name": name, "closed_at": closed_at.isoformat(),
                    "published": round_id in published,
                    "improved": [{"care_service": names.get(i["care_service_id"], ""),
                                  "measures": i["improved"]} for i in mine if i["improved"]],
                    "compared": len(mine)})
    return out


def publish_round(session, organisation_id, round_id, actor, show: bool) -> dict:
    rd = m.rp_rounds
    row = session.execute(select(rd.c.closed_at).where(
        rd.c.round_id == round_id, rd.c.organisation_id == organisation_id)).first() \
        if isinstance(round_id, str) else None
    if row is None:
        raise NotFound("We could not find that round.", {"round_id": ["Unknown id."]})
    if row[0] is None:
        raise Conflict("Show a round's results once the round has closed.",
                       {"round_id": ["This round is still open."]})
    p = m.publications
    where = and_(p.c.organisation_id == organisation_id, p.c.kind == "round", p.c.ref == round_id)
    shown = session.scalar(select(p.c.ref).where(where)) is not None
    if show and not shown:
        session.execute(p.insert().values(organisation_id=organisation_id, kind="round",
                                          ref=round_id, published_by=actor, published_at=now()))
    elif not show and shown:
        session.execute(p.delete().where(where))
    return {"round_id": round_id, "published": show}


def check_show(data) -> bool:
    return validate(ReportingRoundPublication(), data)["published"]
