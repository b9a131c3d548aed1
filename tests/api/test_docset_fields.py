"""The fields of a migration card read by uchetd and judged by the rules
(issue 16; docs/DOCSETS.md "Reading the fields of a form"). Both backends.

A patent set with a passport data page (fields from its zone) and a
migration card (fields found by their printed labels): when the card is the
same person's, none of its fields is unreadable or missing and no name,
birth date or number disagrees; when the card is another person's, the
rules that compare the fields across documents find the disagreement on the
card. The pages are drawn by tests/docset's docsetgen (synthetic people,
seeded), never committed; the values read never appear in the answer or
the logs.
"""
import json
import os
import subprocess
import time

import pytest

from conftest import BUILD, docset_uchet, sqlite_run_only

DOCSETGEN = os.path.join(BUILD, "src/docset/docsetgen")
CARD_FIELDS = {"surname", "given_names", "birth_date", "passport_number", "entry_date", "purpose"}

pytestmark = pytest.mark.skipif(not os.path.exists(DOCSETGEN), reason="docsetgen not built")


@pytest.fixture
def ds(uchet_factory, tmp_path, monkeypatch):
    return docset_uchet(uchet_factory, tmp_path, monkeypatch)


def person_pages(out, seed):
    """The passport and migration card docsetgen draws at 300 dpi for a
    patent set of seed `seed`, with the set's truth; None if that set has no
    such pages or its defect is on them."""
    d = out / f"s{seed}"
    d.mkdir()
    env = {**os.environ, "ASAN_OPTIONS": "detect_leaks=0"}
    subprocess.run([DOCSETGEN, "--out", str(d), "--seed", str(seed), "--sets", "1", "--level", "0",
                    "--procedure", "patent"], check=True, capture_output=True, env=env)
    truth = json.load(open(d / "set-0000.json"))
    files = {p["file"].rsplit("-", 1)[1][:-4]: p["file"] for p in truth["truth"]["pages"]}
    if truth["truth"]["defect"] in ("name_one_letter", "passport_digit", "unreadable_scan"):
        return None     # a defect that changes what the passport or the card says
    if "passport" not in files or "migration_card" not in files:
        return None
    return (d / files["passport"]).read_bytes(), (d / files["migration_card"]).read_bytes(), truth


def two_people(tmp_path):
    """Two people's pages whose surnames differ."""
    found = []
    for seed in range(1, 60):
        got = person_pages(tmp_path, seed)
        if not got:
            continue
        if not found or got[2]["truth"]["person"]["surname_lat"] != found[0][2]["truth"]["person"]["surname_lat"]:
            found.append(got)
        if len(found) == 2:
            return found
    pytest.skip("docsetgen drew no two clean patent sets")


def checked(ds, pages):
    """A patent set with these PNG pages, submitted and checked."""
    _, token = ds.new_user()
    h = ds.auth(token)
    r = ds.http.post("/api/v1/document-sets", headers=h, json={"procedure": "patent"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    for body in pages:
        r = ds.http.post(f"/api/v1/document-sets/{sid}/pages", headers={**h, "Content-Type": "image/png"},
                         content=body, timeout=120)
        assert r.status_code == 202, r.text
    assert ds.http.post(f"/api/v1/document-sets/{sid}/submit", headers=h).status_code == 202
    end = time.time() + 400
    while time.time() < end:
        s = ds.http.get(f"/api/v1/document-sets/{sid}", headers=h).json()
        if s["state"] != "checking":
            return s
        time.sleep(0.1)
    raise AssertionError(f"set {sid} was never checked: {s}")


def card_findings(s):
    """The findings about the migration card (document 1: the second page)."""
    return [f for f in s["result"]["findings"] if f.get("document") == 1]


@sqlite_run_only("test_docsets.py::test_pages_read_and_the_outcome_with_advice")
def test_a_migration_cards_fields_are_read_and_judged(ds, tmp_path):
    (pass_a, card_a, truth_a), (_, card_b, truth_b) = two_people(tmp_path)

    # the same person's passport and card: every field of the card read
    same = checked(ds, [pass_a, card_a])
    types = [p["type"] for p in same["pages"]]
    assert types == ["passport", "migration_card"], same["pages"]
    unread = [f for f in same["result"]["findings"]
              if f["code"] in ("field_unreadable", "field_missing", "name_unreadable")]
    assert not unread, unread
    about_card = {(f["code"], f.get("field")) for f in card_findings(same)}
    assert not {c for c, _ in about_card if c.endswith("_mismatch") or c == "name_near"}, about_card
    # the purpose read as work: the purpose rule has nothing to say
    assert not [f for f in same["result"]["findings"] if f["rule"] == "patent.migration_card.purpose_work"]

    # another person's card: the names and the birth date disagree with the passport's
    other = checked(ds, [pass_a, card_b])
    about_card = {(f["code"], f.get("field")) for f in card_findings(other)}
    assert ("name_mismatch", "surname") in about_card, about_card
    def card(t):
        return next(d for d in t["documents"] if d["type"] == "migration_card")["fields"]
    if card(truth_a)["birth_date"] != card(truth_b)["birth_date"]:
        assert ("birth_date_mismatch", "birth_date") in about_card, about_card
    assert other["outcome"] == "returned"

    # the values read stay on the server
    logs = ds.logs().decode("utf-8", "replace")
    blob = json.dumps([same, other], ensure_ascii=False)
    for secret in (card(truth_a)["surname"], card(truth_a)["passport_number"]):
        assert secret not in blob and secret not in logs, "a value read left the server"
