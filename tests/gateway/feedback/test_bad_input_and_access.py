"""Bad input and abuse through the gateway: clear 4xx naming the field, nothing stored half-way;
staff routes refuse the wrong people; public answers never carry the author's details."""
import json
import urllib.request

from tests.support.feedback import AUTHOR_EMAIL, moderate_and_publish, story, submit
from tests.support.running import Client, http


def queue_size(setting):
    status, queue = setting.people["mo"].get(f"{setting.staff}/moderation")
    assert status == 200, queue
    return len(queue)


def test_bad_stories_are_refused_with_the_field_named_and_nothing_is_stored(setting):
    public = Client(setting.platform)
    cases = [
        ({"text": ""}, "text"),
        ({"text": "   \n  "}, "text"),
        ({"title": ""}, "title"),
        ({"text": "word " * 1500}, "text"),  # 7,500 characters: over about 1,000 words
        ({"title": "t" * 151}, "title"),
        ({"text": "GIF89a\x01\x02\x03\x04binary"}, "text"),
        ({"text": "a NUL \x00 byte"}, "text"),
        ({"relationship": "neighbour"}, "relationship"),
        ({"care_service_ids": []}, "care_service_ids"),
        ({"care_service_ids": ["not-a-service-of-theirs"]}, "care_service_ids"),
        ({"email": "not an email"}, "email"),
        ({"surprise": "field"}, "surprise"),
    ]
    for change, field in cases:
        status, body = public.post(f"{setting.api}/stories", story(setting, **change))
        assert 400 <= status < 500 and status != 429, (change, status, body)
        assert field in body["error"]["fields"], (change, body)
    missing = story(setting)
    del missing["relationship"]
    status, body = public.post(f"{setting.api}/stories", missing)
    assert status == 422 and "relationship" in body["error"]["fields"]
    status, body = public.post(f"{setting.api}/stories", raw=b"\x89PNG\r\n\x1a\n\x00\x00",
                               headers={"Content-Type": "application/json"})
    assert status == 400 and "_body" in body["error"]["fields"]
    status, body = public.post(f"{setting.api}/stories", raw=b"title=x",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    # an unknown organisation
    status, body = public.post("/api/v1/organisations/00000000-0000-0000-0000-000000000000/stories",
                               story(setting))
    assert status == 404, body
    assert queue_size(setting) == 0


def test_a_replayed_form_is_stored_once(setting):
    public = Client(setting.platform)
    body = story(setting, form_id="form-1234567890")
    assert public.post(f"{setting.api}/stories", body)[0] == 201
    status, again = public.post(f"{setting.api}/stories", body)
    assert status == 409 and "form_id" in again["error"]["fields"]
    assert queue_size(setting) == 1


def test_submissions_are_rate_limited_per_client(setting, service_config):
    from involve.gateway.web import ratelimit

    ratelimit._seen.clear()  # the gateway runs in this test process
    with service_config.patch({"ANONYMOUS_WRITES_PER_MINUTE": 2}):
        public = Client(setting.platform)
        statuses = [public.post(f"{setting.api}/stories", story(setting))[0] for _ in range(3)]
        tracking = [public.post("/api/v1/story-tracking", {"tracking_code": f"guess-{i}"})[0]
                    for i in range(3)]
    assert statuses == [201, 201, 429]
    assert tracking == [404, 404, 429]
    assert queue_size(setting) == 2


def test_html_in_a_story_is_kept_as_text_and_shown_escaped(setting):
    script = "<script>alert('boo')</script>"
    received = submit(setting, title=f"Rude {script}", text=f"They said {script} <b>twice</b>.",
                      what_was_good=None, what_could_be_improved=None)
    moderate_and_publish(setting, received["story_id"], text=f"They said {script} <b>twice</b>.",
                         checked=True)
    status, shown = Client(setting.platform).get(
        f"{setting.api}/stories/{received['story_id']}")
    assert status == 200 and shown["title"] == f"Rude {script}"  # JSON keeps it as data
    for path in (f"/organisations/{setting.org}/stories",
                 f"/organisations/{setting.org}/stories/{received['story_id']}",
                 f"/organisations/{setting.org}/care-services/{setting.riverside}/stories"):
        status, page, _ = http("GET", setting.platform + path)
        assert status == 200, path
        assert "&lt;script&gt;alert(&#39;boo&#39;)&lt;/script&gt;" in page
        assert script not in page and "<b>twice</b>" not in page


def test_public_answers_never_show_the_author_criticality_or_unpublished_text(setting):
    published = submit(setting, email=AUTHOR_EMAIL)
    waiting = submit(setting, title="Still waiting for a moderator", text="Unpublished words")
    moderate_and_publish(setting, published["story_id"], criticality=5, checked=True)
    assert queue_size(setting) == 1
    public = Client(setting.platform)
    answers = [public.get(f"{setting.api}/stories")[1],
               public.get(f"{setting.api}/stories/{published['story_id']}")[1],
               public.get(f"{setting.api}/care-services/{setting.riverside}/feedback-summary")[1],
               public.get(f"{setting.api}/story-tags")[1]]
    text = json.dumps(answers)
    for secret in (AUTHOR_EMAIL, "criticality", "Unpublished words", "author", "tracking",
                   "07700"):
        assert secret not in text, secret
    assert public.get(f"{setting.api}/stories/{waiting['story_id']}")[0] == 404
    for path in (f"/organisations/{setting.org}/stories",
                 f"/organisations/{setting.org}/stories/{published['story_id']}",
                 f"/organisations/{setting.org}/care-services/{setting.riverside}/stories"):
        page = http("GET", setting.platform + path)[1]
        for secret in (AUTHOR_EMAIL, "Unpublished words", "riticality", "everely critical"):
            assert secret not in page, (path, secret)


def test_staff_routes_refuse_the_wrong_people(setting):
    story_id = submit(setting)["story_id"]
    public, sam, rae = Client(setting.platform), setting.people["sam"], setting.people["rae"]
    staff = setting.staff
    moderation = [("GET", f"{staff}/moderation", None),
                  ("GET", f"{staff}/stories/{story_id}/moderation", None),
                  ("POST", f"{staff}/stories/{story_id}/moderate",
                   {"title": "t", "text": "t", "criticality": 1}),
                  ("POST", f"{staff}/stories/{story_id}/publish", {}),
                  ("POST", f"{staff}/stories/{story_id}/reject", {"reason": "no"}),
                  ("GET", f"{staff}/responses", None),
                  ("POST", f"{staff}/tags", {"name": "x", "group": "y", "sentiment": "neutral"})]
    for method, path, body in moderation:
        assert public.request(method, path, body)[0] == 401, path
        assert sam.request(method, path, body)[0] == 403, path  # staff may read, not moderate
        assert rae.request(method, path, body)[0] == 403, path
    for method, path, body in [("GET", f"{staff}/inbox", None),
                               ("GET", f"{staff}/subscriptions", None),
                               ("GET", f"{staff}/stories", None)]:
        assert public.request(method, path, body)[0] == 401, path
    answer = {"text": "Thanks", "responder_title": "Manager"}
    assert sam.post(f"{staff}/stories/{story_id}/responses", answer)[0] == 403
    # a member of another organisation has no way in
    status, other = setting.admin.post("/api/v1/organisations", {"name": "Another provider"})
    assert status == 201
    assert sam.get(f"/api/v1/organisations/{other['id']}/feedback/inbox")[0] == 403
    # teams and other people's subscriptions need routing rights
    status, body = sam.post(f"{staff}/subscriptions", {"team_name": "Managers",
                                                        "team_email": "managers@example.org"})
    assert status == 403, body
    # nothing was changed by the refused calls
    assert setting.people["mo"].get(f"{staff}/stories/{story_id}/moderation")[1]["status"] == (
        "received")


def test_staff_see_criticality_and_query_filters_are_checked(setting):
    story_id = submit(setting)["story_id"]
    moderate_and_publish(setting, story_id, criticality=4, checked=True)
    sam = setting.people["sam"]
    status, found = sam.get(f"{setting.staff}/stories?min_criticality=4")
    assert status == 200 and [s["id"] for s in found["stories"]] == [story_id]
    assert found["stories"][0]["criticality"] == 4
    assert sam.get(f"{setting.staff}/stories?min_criticality=5")[1]["stories"] == []
    status, body = sam.get(f"{setting.staff}/stories?min_criticality=9")
    assert status == 422 and "min_criticality" in body["error"]["fields"]
    status, body = Client(setting.platform).get(f"{setting.api}/stories?page=zero")
    assert status == 422 and "page" in body["error"]["fields"]
    status, body = Client(setting.platform).get(f"{setting.api}/stories?colour=red")
    assert status == 422 and "colour" in body["error"]["fields"]


def test_the_tracking_code_never_goes_in_a_url(setting):
    request = urllib.request.Request(f"{setting.platform}/api/v1/story-tracking?tracking_code=x")
    try:
        urllib.request.urlopen(request, timeout=10)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 405
