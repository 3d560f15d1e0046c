"""Shared data for the panels service tests: the seed 004 student panel (LSE Student Wellbeing
Service): 45 students, 12 places, 50:50 gender, 60:40 postgraduate:undergraduate, each of four
services used by at least four panel members."""
import random

from involve.kernel.db import transaction
from involve.panels import campaigns, jobs, registrations, worker
from involve.panels.models import SelectionJob

SERVICES = ("wellbeing", "mental health", "disability", "counselling")


def seed004_campaign(closes_at=None):
    categories = [
        {"name": "gender", "values": [{"value": "woman"}, {"value": "man"}]},
        {"name": "level of study", "values": [{"value": "postgraduate"},
                                             {"value": "undergraduate"}]},
    ] + [{"name": f"used {s}", "values": [{"value": "yes"}, {"value": "no"}]} for s in SERVICES]
    body = {
        "purpose": "Student Wellbeing Service Panel: shape student-facing services",
        "panel_size": 12,
        "categories": categories,
        "quota_rule": {"rule": "combined", "parameters": {"rules": [
            {"rule": "proportional", "parameters": {"shares": {
                "gender": {"woman": 50, "man": 50},
                "level of study": {"postgraduate": 60, "undergraduate": 40}}}},
            {"rule": "at_least", "parameters": {"minimums": {
                f"used {s}": {"yes": 4} for s in SERVICES}}},
        ]}},
    }
    if closes_at:
        body["closes_at"] = closes_at
    return body


def seed004_volunteers(n=45, seed=4):
    rng = random.Random(seed)
    people = []
    for i in range(n):
        answers = {
            "Gender": "Woman" if i % 2 == 0 else "Man",  # case differs on purpose
            "level of study": "postgraduate" if i % 5 in (0, 1, 3) else "UNDERGRADUATE",
        }
        for s in SERVICES:
            answers[f"used {s}"] = "yes" if rng.random() < 0.45 else "no"
        people.append({"answers": answers, "consent_to_contact": True,
                       "consent_to_selection": True,
                       "household_address": f"{i} Houghton Street, London WC2A 2AE"})
    return people


def check_quotas(categories, answers_by_id, panel):
    """Every quota met by the panel (answers in the campaign's spelling)."""
    for cat in categories:
        for v in cat["values"]:
            count = sum(1 for pid in panel if answers_by_id[pid][cat["name"]] == v["value"])
            assert v["min"] <= count <= v["max"], (cat["name"], v, count)


# --- the panels service's plain modules on a database (tests/panels) ---------------------------
KEY = b"test household key"
ORG = "org-1"


def make_campaign(sessions, record, rules, body=None):
    with transaction(sessions) as s:
        return campaigns.create(s, record, rules, ORG, body or seed004_campaign())


def register_all(sessions, record, campaign_id, people):
    ids = []
    for p in people:
        with transaction(sessions) as s:
            ids.append(registrations.register(s, record, KEY, campaign_id, p)["id"])
    return ids


def run(sessions, campaign_id, **data):
    with transaction(sessions) as s:
        job = jobs.create(s, campaigns.load(s, ORG, campaign_id), data, leximin_seconds=60)
        job_id = job.id
    worker.run_job(sessions, job_id)
    with sessions() as s:
        return s.get(SelectionJob, job_id)


# --- seed 004 as the coordinator now sets it up: questions in words, one multi-choice question
SERVICES_QUESTION = "Which of these services have you used?"


def seed004_multi_campaign():
    """The same panel with real question text and one multi-choice "services used" question
    ("at least 4 who used each"), as the quota form on the page makes it."""
    return {
        "purpose": "Student Wellbeing Service Panel: shape student-facing services",
        "panel_size": 12,
        "categories": [
            {"name": "gender", "question": "What is your gender?",
             "values": [{"value": "woman"}, {"value": "man"}]},
            {"name": "level of study", "question": "What level are you studying at?",
             "values": [{"value": "postgraduate"}, {"value": "undergraduate"}]},
            {"name": "services used", "question": SERVICES_QUESTION, "multiple": True,
             "values": [{"value": s, "min": 4} for s in SERVICES]},
        ],
        "quota_rule": {"rule": "proportional", "parameters": {"shares": {
            "gender": {"woman": 50, "man": 50},
            "level of study": {"postgraduate": 60, "undergraduate": 40}}}},
    }


def seed004_multi_volunteers(n=45, seed=4):
    """seed004_volunteers with the four yes/no answers as one list of the services ticked."""
    people = []
    for person in seed004_volunteers(n, seed):
        answers = {k: v for k, v in person["answers"].items() if not k.startswith("used ")}
        answers["services used"] = [s for s in SERVICES if person["answers"][f"used {s}"] == "yes"]
        people.append(dict(person, answers=answers))
    return people
