"""The role x desk endpoint matrix (issue 15, product rule 14). The cells come
from api/openapi.json: every desk operation declares `x-roles` (the roles
that may call it, or "public" for the log-in steps that take no token), and
the desk routes come from src/api/router.c, so a new desk endpoint without a
declared role fails here. Each forbidden cell must answer 403 problem+json
with code role_forbidden and change nothing (every change is an audit event,
so the audit log's length is the witness, with the tables the cells touch)."""
import json
import os
import re

import pytest

from conftest import officer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = ["registrar", "inspector", "auditor", "supervisor"]
DESK = "/api/v1/desk/"


def openapi_desk_operations():
    spec = json.load(open(os.path.join(REPO, "api", "openapi.json")))
    return {(m.upper(), p): op for p, ops in spec["paths"].items() if p.startswith(DESK)
            for m, op in ops.items()}


def router_desk_routes():
    src = open(os.path.join(REPO, "src", "api", "router.c")).read()
    return set(re.findall(r'\{"([A-Z]+)", "(/api/v1/desk/[^"]*)"', src))


# One request per desk operation that a role may or may not make: the path
# filled in and a body that passes validation, so that only the role decides.
def sample(uchet, number):
    return {
        ("POST", "/api/v1/desk/person-lookups"): (
            "/api/v1/desk/person-lookups",
            {"document_kind": "card", "document_number": number, "reason": "case 15/2025"}),
        ("GET", "/api/v1/desk/appeals"): ("/api/v1/desk/appeals", None),
        ("POST", "/api/v1/desk/appeals/{id}/decision"): (
            "/api/v1/desk/appeals/999999/decision", {"grant": False, "reason": "no grounds for it"}),
        ("DELETE", "/api/v1/desk/session"): ("/api/v1/desk/session", None),
    }


def test_every_desk_route_is_documented_with_its_roles():
    ops = openapi_desk_operations()
    routes = router_desk_routes()
    assert routes, "no desk routes found in router.c"
    assert routes == set(ops), "router.c and openapi.json list different desk operations"
    for key, op in ops.items():
        roles = op.get("x-roles")
        assert roles == "public" or (isinstance(roles, list) and roles and set(roles) <= set(ROLES)), \
            f"{key} declares no roles (x-roles)"
        if roles != "public":
            assert "403" in op["responses"], f"{key}: 403 role_forbidden not documented"


def snapshot(uchet):
    q = uchet.db.scalar
    return (q("SELECT COUNT(*) FROM audit"), q("SELECT COUNT(*) FROM officer_reads"),
            q("SELECT COUNT(*) FROM appeals WHERE status <> 'pending'"))


def test_role_by_endpoint_matrix(uchet):
    number, _ = uchet.new_user()
    samples = sample(uchet, number)
    ops = {k: op for k, op in openapi_desk_operations().items() if op["x-roles"] != "public"}
    missing = set(ops) - set(samples)
    assert not missing, f"add a sample request for {missing}"
    # log-out last: it ends the session the other cells use
    order = sorted(ops, key=lambda k: k == ("DELETE", "/api/v1/desk/session"))
    cells = 0
    for role in ROLES:
        headers = officer(uchet, role)
        for key in order:
            path, body = samples[key]
            before = snapshot(uchet)
            r = uchet.http.request(key[0], path, headers=headers, json=body)
            if role in ops[key]["x-roles"]:
                assert r.status_code != 403, f"{role} {key}: {r.text}"
                assert r.status_code < 500 and r.status_code != 401, f"{role} {key}: {r.text}"
            else:
                assert r.status_code == 403, f"{role} {key}: {r.status_code} {r.text}"
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["code"] == "role_forbidden", f"{role} {key}"
                assert snapshot(uchet) == before, f"{role} {key}: a forbidden call changed something"
            cells += 1
    assert cells == len(ROLES) * len(ops)
