"""The outcome of a tender as an Open Contracting Data Standard 1.1 release package: the tender,
its tenderers and their number, bid statistics (the OCDS bids extension) and, once awarded, the
award. Never the individual evaluators' scores, and nothing about the evaluators: OCDS has no
place for them (UK Find a Tender publishes OCDS 1.1 the same way)."""
from __future__ import annotations

from decimal import Decimal

from involve.kernel import settings

from . import common, evaluation
from .models import Tender

VERSION = "1.1"
BIDS_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                  "ocds_bid_extension/v1.1.5/extension.json")


def _value(amount: Decimal | None, currency: str) -> dict | None:
    if amount is None:
        return None
    amount = Decimal(amount)
    # OCDS amounts are JSON numbers: whole pounds stay integers, pence keep two places
    number = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {"amount": number, "currency": currency}


def _criteria(tender: Tender) -> str:
    w = tender.weights
    text = (f"Most advantageous tender: quality {w.get('quality', 0)}%, price "
            f"{w.get('price', 0)}%, social value {w.get('social_value', 0)}%. Each answer was "
            "scored 0-5 independently by an evaluation panel that included people who use the "
            "services, then moderated to a consensus.")
    if tender.price_scored_separately:
        text += " Price was scored apart from quality."
    return text


def release_package(session, organisation_id: str, tender_id: str, organisation_name: str,
                    base_url: str, now) -> dict:
    tender = common.tender(session, organisation_id, tender_id)
    bidders = evaluation.bidders_of(session, tender.id)
    prefix = str(settings.get("COMMISSIONING_OCID_PREFIX"))
    awarded = tender.status == "awarded"
    buyer = {"id": f"org-{organisation_id}", "name": organisation_name}
    tenderers = [{"id": f"bidder-{b.id}", "name": b.name} for b in bidders]
    winner = next((b for b in bidders if b.id == tender.awarded_bidder_id), None)
    parties = [{**buyer, "roles": ["buyer", "procuringEntity"]}] + [
        {**t, "roles": ["tenderer", "supplier"] if winner and t["id"] == f"bidder-{winner.id}"
         else ["tenderer"]} for t in tenderers]
    tender_block = {
        "id": tender.id, "title": tender.title, "description": tender.description or None,
        "status": "complete" if awarded else "active", "procurementMethod": "selective",
        "procurementMethodDetails": "Provider selection with service users on the evaluation "
                                    "panel",
        "mainProcurementCategory": "services", "awardCriteria": "bestProposal",
        "awardCriteriaDetails": _criteria(tender), "numberOfTenderers": len(bidders),
        "tenderers": tenderers,
    }
    value = _value(tender.value_amount, tender.currency)
    if value:
        tender_block["value"] = value
    release = {
        "ocid": f"{prefix}-{tender.id}",
        "id": f"{tender.id}-{'award' if awarded else 'tender'}-{now:%Y%m%dT%H%M%SZ}",
        "date": now.isoformat(timespec="seconds"),
        "tag": ["award"] if awarded else ["tender"],
        "initiationType": "tender", "language": "en", "parties": parties,
        "buyer": buyer, "tender": tender_block,
        "bids": {"statistics": [
            {"id": "1", "measure": "bids", "value": len(bidders),
             "date": now.isoformat(timespec="seconds")}]},
    }
    if awarded and winner is not None:
        award = {"id": f"{tender.id}-award", "title": f"Award of {tender.title}",
                 "status": "active", "date": tender.awarded_at.isoformat(timespec="seconds"),
                 "suppliers": [{"id": f"bidder-{winner.id}", "name": winner.name}]}
        award_value = _value(tender.award_value, tender.currency)
        if award_value:
            award["value"] = award_value
        release["awards"] = [award]
    return {
        "uri": f"{base_url.rstrip('/')}/api/v1/organisations/{organisation_id}/commissioning/"
               f"tenders/{tender.id}/ocds",
        "version": VERSION, "extensions": [BIDS_EXTENSION],
        "publishedDate": now.isoformat(timespec="seconds"),
        "publisher": {"name": organisation_name},
        "releases": [release],
    }
