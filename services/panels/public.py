"""What anyone may read about a campaign's draws, for the public draw record page: every
finished selection (so a coordinator cannot quietly draw again until they like the result),
which one became the panel, and each draw's references. Registration references are random and
appear nowhere else; no answers, names or addresses are here."""
from __future__ import annotations

from sqlalchemy import select

from . import campaigns, jobs
from .models import SelectionJob


def _draw(job: SelectionJob) -> dict:
    return {"selection_id": job.id, "finished_at": job.finished_at.isoformat()
            if job.finished_at else None, "used_for_panel": job.invited_at is not None,
            "panel_size": job.input["panel_size"], "pool_size": len(job.input.get("people", []))}


def campaign_draws(session, campaign_id: str) -> dict:
    """The campaign's public questions and its finished draws, newest first."""
    campaign = campaigns.load(session, None, campaign_id)
    rows = session.scalars(select(SelectionJob).where(
        SelectionJob.campaign_id == campaign.id, SelectionJob.status == "done")
        .order_by(SelectionJob.finished_at.desc(), SelectionJob.id))
    return {"campaign": campaigns.public_view(campaign), "draws": [_draw(j) for j in rows]}


def draw(session, selection_id: str) -> dict:
    """One draw's public record (as the JSON API gives it) with what the page adds: every
    reference that was in the draw, whether this draw became the panel, the campaign's other
    draws and its questions (to say the quotas in words)."""
    job = jobs.load(session, None, selection_id)
    campaign = campaigns.load(session, None, job.campaign_id)
    record = jobs.public_record(job, campaign)
    others = campaign_draws(session, campaign.id)
    return dict(record, references=sorted(p["id"] for p in job.input.get("people", [])),
                erased=len(job.input.get("erased", [])), used_for_panel=job.invited_at is not None,
                draws=others["draws"], questions=others["campaign"]["questions"],
                campaign_id=campaign.id)
