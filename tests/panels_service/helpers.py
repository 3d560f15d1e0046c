"""Shared data for the panels service tests: the seed 004 student panel (LSE Student Wellbeing
Service): 45 students, 12 places, 50:50 gender, 60:40 postgraduate:undergraduate, each of four
services used by at least four panel members."""
import random

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
