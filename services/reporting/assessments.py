"""Co-produced self-assessments: the 4PI standards at one level, or the leadership spectrum.

Service users and staff each score every criterion from their own side (0-3, with a comment),
without seeing the other side's score until both have given theirs. Both see the evidence
Involve suggests from the metrics of the assessment's period (and care service). Then they agree
a final score with a rationale, which an involvement lead records; both independent scores are
kept beside it, and the evidence as it stood when the score was agreed.

The criteria are frozen into the assessment when it starts, so a plugin changed later does not
change an assessment already under way.
"""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import criteria as cr
from . import metrics as mt
from . import models as m
from .contract import ReportingAgreement, ReportingAssessmentCreate, ReportingScore

PERSPECTIVES = ("service_users", "staff")
PERSPECTIVE_NAMES = {"service_users": "Service users", "staff": "Staff", "agreed": "Agreed"}
SERVICE_USER_ROLES = mt.SERVICE_USER_ROLES
_create = ReportingAssessmentCreate()
_score = ReportingScore()
_agree = ReportingAgreement()


def perspectives_of(principal: dict, organisation_id: str) -> list[str]:
    """Which side(s) a person may score for: service users if they hold a service-user role,
    staff if they hold any other role (a platform administrator counts as staff)."""
    if (principal or {}).get("platform_admin"):
        return ["staff"]
    roles = set(((principal or {}).get("roles") or {}).get(organisation_id, []))
    out = []
    if roles & set(SERVICE_USER_ROLES):
        out.append("service_users")
    if roles - set(SERVICE_USER_ROLES):
        out.append("staff")
    return out


def _care_service(session, organisation_id, care_service_id):
    if care_service_id is None:
        return None
    t = m.rp_care_services
    row = session.execute(select(t.c.care_service_id, t.c.name).where(
        t.c.care_service_id == care_service_id, t.c.organisation_id == organisation_id)).first()
    if row is None:
        raise InvalidInput("We could not find that care service.",
                           {"care_service_id": ["Choose one of the organisation's services."]})
    return {"id": row[0], "name": row[1]}


def create(session, organisation_id: str, data, actor, loaded: list[dict]) -> dict:
    values = validate(_create, data)
    framework = values["framework"]
    chosen = [c for c in loaded if c["framework"] == framework]
    if not chosen:
        raise InvalidInput("There are no criteria for that framework (is its plugin installed?)",
                           {"framework": ["Choose one of the frameworks listed."]})
    if framework == cr.FOUR_PI and not values.get("level"):
        raise InvalidInput("Say which 4PI level this assessment is about.",
                           {"level": ["Choose own care, services and communities, or "
                                      "governance and strategy."]})
    if framework != cr.FOUR_PI and values.get("level"):
        raise InvalidInput("Only 4PI assessments have a level.",
                           {"level": ["Leave this empty for this framework."]})
    _care_service(session, organisation_id, values.get("care_service_id"))
    frozen = [{k: c[k] for k in ("framework", "id", "area", "text", "guidance", "stage",
                                 "evidence", "suggest", "suggest_by_plugin", "plugin")}
              for c in chosen]
    row = {"id": str(uuid.uuid4()), "organisation_id": organisation_id, "framework": framework,
           "level": values.get("level"), "title": " ".join(values["title"].split()),
           "period_start": values["period_start"], "period_end": values["period_end"],
           "care_service_id": values.get("care_service_id"), "criteria": frozen,
           "created_by": actor, "created_at": now()}
    session.execute(m.assessments.insert().values(**row))
    return {"id": row["id"]}


def load(session, organisation_id: str, assessment_id) -> dict:
    row = session.execute(select(m.assessments).where(
        m.assessments.c.id == assessment_id)).mappings().first() \
        if isinstance(assessment_id, str) else None
    if row is None or row["organisation_id"] != organisation_id:
        raise NotFound("We could not find that assessment.", {"assessment_id": ["Unknown id."]})
    return dict(row)


def _scores(session, assessment_id: str) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for r in session.execute(select(m.assessment_scores).where(
            m.assessment_scores.c.assessment_id == assessment_id)).mappings():
        out.setdefault(r["criterion_id"], {})[r["perspective"]] = dict(r)
    return out


def _criterion(assessment: dict, criterion_id) -> dict:
    for c in assessment["criteria"]:
        if c["id"] == criterion_id:
            return c
    raise InvalidInput("That criterion is not part of this assessment.",
                       {"criterion_id": ["Choose a criterion of this assessment."]})


def score(session, organisation_id: str, assessment_id: str, data, actor,
          allowed_perspectives: list[str]) -> dict:
    values = validate(_score, data)
    assessment = load(session, organisation_id, assessment_id)
    _criterion(assessment, values["criterion_id"])
    if values["perspective"] not in allowed_perspectives:
        raise InvalidInput("You can score only from your own side.", {"perspective": [
            "Choose " + " or ".join(PERSPECTIVE_NAMES[p].lower() for p in allowed_perspectives)
            + "." if allowed_perspectives else "You have no side to score for here."]})
    current = _scores(session, assessment_id).get(values["criterion_id"], {})
    if "agreed" in current:
        raise Conflict("This criterion's score has been agreed, so the independent scores are "
                       "kept as they were.", {"criterion_id": ["Already agreed."]})
    key = {"assessment_id": assessment_id, "criterion_id": values["criterion_id"],
           "perspective": values["perspective"]}
    fields = {"score": values["score"], "comment": values["comment"].strip(),
              "recorded_by": actor, "recorded_at": now(), "evidence": None}
    t = m.assessment_scores
    if values["perspective"] in current:
        session.execute(t.update().where(*[t.c[k] == v for k, v in key.items()]).values(**fields))
    else:
        session.execute(t.insert().values(**key, **fields))
    return {"criterion_id": values["criterion_id"], "perspective": values["perspective"],
            "score": values["score"]}


def agree(session, organisation_id: str, assessment_id: str, data, actor,
          evidence_of) -> dict:
    """``evidence_of(assessment, criterion)`` gives the suggestion to keep with the score."""
    values = validate(_agree, data)
    assessment = load(session, organisation_id, assessment_id)
    criterion = _criterion(assessment, values["criterion_id"])
    current = _scores(session, assessment_id).get(values["criterion_id"], {})
    if "agreed" in current:
        raise Conflict("This criterion's score has already been agreed.",
                       {"criterion_id": ["Already agreed."]})
    missing = [PERSPECTIVE_NAMES[p].lower() for p in PERSPECTIVES if p not in current]
    if missing:
        raise Conflict(f"Agree a score once both sides have scored: waiting for "
                       f"{' and '.join(missing)}.", {"criterion_id": [
                           f"Not yet scored by {' and '.join(missing)}."]})
    session.execute(m.assessment_scores.insert().values(
        assessment_id=assessment_id, criterion_id=values["criterion_id"], perspective="agreed",
        score=values["score"], comment=values["rationale"].strip(),
        evidence=evidence_of(assessment, criterion), recorded_by=actor, recorded_at=now()))
    return {"criterion_id": values["criterion_id"], "score": values["score"]}


# --- reading -----------------------------------------------------------------------------------------
def scope_of(assessment: dict) -> mt.Scope:
    return mt.Scope(assessment["organisation_id"], assessment["period_start"],
                    assessment["period_end"], assessment["care_service_id"])


def metric_values(session, assessment: dict) -> dict:
    keys = {k for c in assessment["criteria"] for k in c.get("evidence") or []}
    keys |= {cond["metric"] for c in assessment["criteria"] for r in c.get("suggest") or []
             for cond in r["when"]}
    evaluator = mt.Evaluator(session, scope_of(assessment))
    return {k: evaluator.value(k) for k in sorted(keys)}


def _position(assessment: dict, agreed: dict[str, int]) -> dict | None:
    """Where the agreed scores place the organisation (spectrum) or its mean per area (4PI)."""
    if not agreed:
        return None
    by_group: dict[str, list[int]] = {}
    for c in assessment["criteria"]:
        if c["id"] in agreed:
            group = c["stage"] if assessment["framework"] == cr.SPECTRUM else c["area"]
            by_group.setdefault(group, []).append(agreed[c["id"]])
    means = {g: sum(v) / len(v) for g, v in by_group.items()}
    out = {"agreed": len(agreed), "of": len(assessment["criteria"]),
           "groups": [{"group": g, "name": cr.STAGE_NAMES.get(g, g), "mean": round(means[g], 2),
                       "scored": len(by_group[g])} for g in _group_order(assessment, means)]}
    if assessment["framework"] == cr.SPECTRUM:
        # the furthest stage whose indicators the agreed scores say mostly describe us (2+)
        stage = "beginnings"
        for candidate in cr.STAGES:
            if means.get(candidate, 0) >= 2:
                stage = candidate
        out["stage"] = stage
        out["stage_name"] = cr.STAGE_NAMES[stage]
    out["overall"] = round(sum(agreed.values()) / len(agreed), 2)
    return out


def _group_order(assessment, means):
    if assessment["framework"] == cr.SPECTRUM:
        return [s for s in cr.STAGES if s in means]
    seen = []
    for c in assessment["criteria"]:
        if c["area"] in means and c["area"] not in seen:
            seen.append(c["area"])
    return seen


def _agreed_scores(session, assessment_id) -> dict[str, int]:
    return {cid: s["agreed"]["score"] for cid, s in _scores(session, assessment_id).items()
            if "agreed" in s}


def previous(session, assessment: dict) -> dict | None:
    """The latest earlier assessment of the same framework, level and scope with agreed scores."""
    t = m.assessments
    rows = session.execute(select(t).where(
        t.c.organisation_id == assessment["organisation_id"],
        t.c.framework == assessment["framework"], t.c.id != assessment["id"],
        t.c.period_end < assessment["period_end"]).order_by(t.c.period_end.desc(),
                                                            t.c.created_at.desc())).mappings()
    for row in rows:
        row = dict(row)
        if row["level"] != assessment["level"] or \
                row["care_service_id"] != assessment["care_service_id"]:
            continue
        agreed = _agreed_scores(session, row["id"])
        if agreed:
            return {"id": row["id"], "title": row["title"],
                    "period_end": row["period_end"].isoformat(),
                    "position": _position(row, agreed)}
    return None


def _movement(now_position, before) -> dict | None:
    if not now_position or not before or not before["position"]:
        return None
    was = before["position"]
    out = {"since": before["title"], "since_id": before["id"],
           "overall_before": was["overall"], "overall_now": now_position["overall"],
           "overall_change": round(now_position["overall"] - was["overall"], 2)}
    if "stage" in now_position:
        order = list(cr.STAGES)
        step = order.index(now_position["stage"]) - order.index(was["stage"])
        out |= {"stage_before": was["stage"], "stage_before_name": was["stage_name"],
                "moved": "forward" if step > 0 else "back" if step < 0 else "stayed"}
    before_groups = {g["group"]: g["mean"] for g in was["groups"]}
    out["groups"] = [{"group": g["group"], "name": g["name"], "before": before_groups.get(
        g["group"]), "now": g["mean"]} for g in now_position["groups"]]
    return out


def view(session, organisation_id: str, assessment_id: str, viewer_perspectives: list[str],
         functions: dict) -> dict:
    """The assessment as one person sees it: their side's scores, the other side's once both
    have scored a criterion, the suggested evidence, the agreed scores, the position."""
    assessment = load(session, organisation_id, assessment_id)
    scores = _scores(session, assessment_id)
    values = metric_values(session, assessment)
    rows = []
    for c in assessment["criteria"]:
        given = scores.get(c["id"], {})
        both = all(p in given for p in PERSPECTIVES) or "agreed" in given
        independent = {}
        for p in PERSPECTIVES:
            if p in given and (both or p in viewer_perspectives):
                independent[p] = {"score": given[p]["score"], "comment": given[p]["comment"],
                                  "recorded_at": given[p]["recorded_at"].isoformat()}
            else:
                independent[p] = {"given": p in given} if p in given else None
        agreed = given.get("agreed")
        suggestion = agreed["evidence"] if agreed and agreed.get("evidence") else \
            cr.suggest(c, values, functions)
        rows.append({
            "id": c["id"], "area": c["area"], "text": c["text"], "guidance": c.get("guidance"),
            "stage": c.get("stage"), "stage_name": cr.STAGE_NAMES.get(c.get("stage")),
            "independent": independent, "both_scored": both,
            "agreed": None if not agreed else {"score": agreed["score"],
                                               "rationale": agreed["comment"],
                                               "recorded_at": agreed["recorded_at"].isoformat()},
            "suggestion": suggestion})
    agreed_scores = {r["id"]: r["agreed"]["score"] for r in rows if r["agreed"]}
    position = _position(assessment, agreed_scores)
    before = previous(session, assessment)
    care_service = _care_service(session, organisation_id, assessment["care_service_id"]) \
        if assessment["care_service_id"] else None
    return {"id": assessment["id"], "title": assessment["title"],
            "framework": assessment["framework"],
            "framework_title": cr.FRAMEWORK_TITLES.get(assessment["framework"],
                                                       assessment["framework"]),
            "level": assessment["level"], "level_name": cr.LEVEL_NAMES.get(assessment["level"]),
            "period_start": assessment["period_start"].isoformat(),
            "period_end": assessment["period_end"].isoformat(), "care_service": care_service,
            "created_at": assessment["created_at"].isoformat(),
            "your_perspectives": viewer_perspectives,
            "criteria": rows, "status": _status(rows), "position": position,
            "previous": before, "movement": _movement(position, before)}


def _status(rows) -> dict:
    return {"criteria": len(rows),
            "service_users_scored": sum(1 for r in rows if r["independent"]["service_users"]),
            "staff_scored": sum(1 for r in rows if r["independent"]["staff"]),
            "agreed": sum(1 for r in rows if r["agreed"]),
            "complete": all(r["agreed"] for r in rows)}


def list_for(session, organisation_id: str) -> list[dict]:
    t = m.assessments
    out = []
    for row in session.execute(select(t).where(t.c.organisation_id == organisation_id)
                               .order_by(t.c.period_end.desc(), t.c.created_at.desc())).mappings():
        row = dict(row)
        given = _scores(session, row["id"])
        agreed = {cid: s["agreed"]["score"] for cid, s in given.items() if "agreed" in s}
        position = _position(row, agreed)
        out.append({"id": row["id"], "title": row["title"], "framework": row["framework"],
                    "framework_title": cr.FRAMEWORK_TITLES.get(row["framework"], row["framework"]),
                    "level": row["level"], "level_name": cr.LEVEL_NAMES.get(row["level"]),
                    "period_start": row["period_start"].isoformat(),
                    "period_end": row["period_end"].isoformat(),
                    "care_service_id": row["care_service_id"],
                    "criteria": len(row["criteria"]), "agreed": len(agreed),
                    "stage_name": (position or {}).get("stage_name"),
                    "overall": (position or {}).get("overall")})
    return out


def today() -> date:
    return now().date()
