"""Shared set-up for the simple-salesforce interop tests.

The tests run against a sandbox that is already running (`ferry sandbox salesforce --tls`); its
start-up JSON line is in the environment variable FERRY_SF_BANNER. The Rust test
`crates/ferry/tests/sandbox_interop.rs` starts the sandbox and runs pytest with that variable set.

simple-salesforce always speaks `https://` to the instance host (it strips the scheme from any
URL it is given), so the sandbox must serve TLS, and every session here trusts its CA file.
"""

import json
import os
import uuid

import pytest
from simple_salesforce import Salesforce

from interop_support import (
    API_VERSION,
    LOGIN_HOST,
    MY_DOMAIN_HOST,
    Banner,
    SandboxRoute,
    Tokens,
    new_session,
)


def pytest_configure(config):
    if not os.environ.get("FERRY_SF_BANNER"):
        raise pytest.UsageError(
            "FERRY_SF_BANNER is not set: run these tests through "
            "`cargo test -p ferry --test sandbox_interop`, which starts the sandbox"
        )


@pytest.fixture(scope="session")
def banner():
    return Banner(json.loads(os.environ["FERRY_SF_BANNER"]))


@pytest.fixture
def http(banner):
    return new_session(banner)


@pytest.fixture
def routed(banner):
    """A session whose login-host requests go to the sandbox; returns (session, route)."""
    session = new_session(banner)
    route = SandboxRoute(banner["instance_url"])
    session.mount(LOGIN_HOST, route)
    session.mount(MY_DOMAIN_HOST, route)
    return session, route


@pytest.fixture(scope="session")
def tokens(banner):
    return Tokens(banner["access_token"])


@pytest.fixture
def sf(banner, tokens):
    """A client on an existing session (the way Ferry's users hand simple-salesforce a token)."""
    return Salesforce(
        instance_url=banner["instance_url"],
        session_id=tokens.current,
        session=new_session(banner),
        version=API_VERSION,
    )


@pytest.fixture
def marker():
    """A value unique to one test, stored in AccountNumber (40 chars) to find its records."""
    return "T-" + uuid.uuid4().hex[:20]


@pytest.fixture(scope="session")
def many_accounts(banner, tokens):
    """2,100 Accounts created through sObject Collections (200 a call): more than one default
    query page (2,000). Returns (marker, set of ids)."""
    sf = Salesforce(
        instance_url=banner["instance_url"],
        session_id=tokens.current,
        session=new_session(banner),
        version=API_VERSION,
    )
    marker = "MANY-" + uuid.uuid4().hex[:20]
    ids = set()
    for start in range(0, 2100, 200):
        records = [
            {
                "attributes": {"type": "Account"},
                "Name": f"Paging {n:04d}",
                "AccountNumber": marker,
                "ExternalID__c": f"{marker}-{n}",
            }
            for n in range(start, min(start + 200, 2100))
        ]
        results = sf.restful(
            "composite/sobjects",
            method="POST",
            data=json.dumps({"allOrNone": True, "records": records}),
        )
        assert [r["success"] for r in results] == [True] * len(records), results[:3]
        ids.update(r["id"] for r in results)
    assert len(ids) == 2100
    return marker, ids
