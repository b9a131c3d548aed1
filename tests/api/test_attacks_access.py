"""Access-rule attacks of issue 12 that worked before: a planted minor, a
409 that told whether a passport is known."""
import pytest

from conftest import officer

# One uchetd for all of them: they keep the start clock and look only at
# their own people (each its own persons, officers and passport numbers; the
# audit rows read are those of their guardian; `audit verify` checks the
# whole chain, whoever wrote it). An ASan start per test was most of their
# time. Marked xdist_group: one worker runs them all (see conftest's
# pytest_configure).
SHARED = pytest.mark.xdist_group("attacks_access")


@pytest.fixture(scope="module")
def access_u(module_uchet_factory):
    return module_uchet_factory().start()


def add_minor(uchet, token, passport, surname="PLANTED"):
    return uchet.http.post("/api/v1/me/minors", headers=uchet.auth(token),
                           json={"surname": surname, "given_names": "CHILD", "birth_date": "2015-06-01",
                                 "citizenship": "TJK", "passport_number": passport})


def lookup(uchet, desk, number, kind="passport"):
    return uchet.http.post("/api/v1/desk/person-lookups", headers=desk,
                           json={"document_kind": kind, "document_number": number, "reason": "case 2025/117"})


@SHARED
def test_a_minor_added_by_a_guardian_is_unverified_and_look_ups_say_so(access_u):
    uchet = access_u
    number, token = uchet.new_user()
    uchet.register(token)
    assert add_minor(uchet, token, "FC1112223").status_code == 201
    r = lookup(uchet, officer(uchet, "inspector"), "FC1112223")
    assert r.status_code == 200 and r.json()["surname"] == "PLANTED"
    assert r.json()["document_verified"] is False
    # a person's own document, entered by the operator, is verified
    mine = lookup(uchet, officer(uchet, "inspector"), number, kind="card")
    assert mine.json()["document_verified"] is True


@SHARED
def test_409_no_longer_tells_whether_someone_elses_passport_is_known(access_u):
    uchet = access_u
    _, token = uchet.new_user(passport="FD5556667")        # a stranger's passport, known to uchet
    _, guardian = uchet.new_user()
    uchet.register(guardian)
    known = add_minor(uchet, guardian, "FD5556667")
    unknown = add_minor(uchet, guardian, "FD0000001")
    assert known.status_code == unknown.status_code == 201
    assert set(known.json()) == set(unknown.json())
    # the stranger's document still names the stranger, not the planted child
    r = lookup(uchet, officer(uchet, "inspector"), "FD5556667")
    assert r.json()["surname"] == "RAHIMOV" and r.json()["document_verified"] is True
    gid = uchet.me(guardian)["person"]["id"]
    detail = uchet.db.query(f"SELECT detail FROM audit WHERE action = 'minor.added' AND actor = 'person:{gid}'"
                            " ORDER BY seq")
    assert '"document_conflict":true' in detail[0][0].replace(" ", "")


@SHARED
def test_the_same_child_cannot_be_added_twice(access_u):
    uchet = access_u
    _, token = uchet.new_user()
    uchet.register(token)
    assert add_minor(uchet, token, "FE1234567").status_code == 201
    again = add_minor(uchet, token, "FE1234567")
    assert again.status_code == 409 and again.json()["code"] == "document_exists"


@SHARED
def test_a_registrar_verifies_the_childs_passport(access_u):
    uchet = access_u
    _, token = uchet.new_user()
    uchet.register(token)
    assert add_minor(uchet, token, "FF7654321").status_code == 201
    desk = officer(uchet, "inspector")
    assert lookup(uchet, desk, "FF7654321").json()["document_verified"] is False
    r = uchet.ctl("person", "verify-document", "--document-kind", "passport", "--document-number", "FF7654321")
    assert "verified" in r.stdout
    assert lookup(uchet, desk, "FF7654321").json()["document_verified"] is True
    bad = uchet.ctl("person", "verify-document", "--document-kind", "passport", "--document-number", "XX0",
                    check=False)
    assert bad.returncode == 1
    assert uchet.ctl("audit", "verify").stdout.startswith("intact")
