"""simple-salesforce (the real client, from PyPI) against the Ferry Salesforce sandbox.

Every call below is an unmodified simple-salesforce call; the only glue is in conftest.py (a
session that trusts the sandbox's CA, and for the login flows an adapter that sends
`https://login.salesforce.com` to the sandbox). Each test asserts what Salesforce itself answers
(reference salesforce-api.md), so a failure here is a difference between the emulator and
Salesforce, not a flaky client.
"""

import csv
import io
import os
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.login import SalesforceLogin

from interop_support import API_VERSION, MY_DOMAIN, id18, new_session

DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
ID18 = re.compile(r"^[0-9A-Za-z]{18}$")


def only_error(exc_info):
    """The single error of a REST error array (simple-salesforce keeps the parsed body)."""
    content = exc_info.value.content
    assert isinstance(content, list) and len(content) == 1, content
    return content[0]


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------------------------------------------
# SOQL: query, query_more, query_all, query_all_iter


def test_query_returns_records_with_attributes(sf, marker):
    created = sf.Account.create({"Name": "Query Me", "AccountNumber": marker})
    result = sf.query(
        f"SELECT Id, Name, AccountNumber, CreatedDate FROM Account WHERE AccountNumber = '{marker}'"
    )
    assert result["totalSize"] == 1
    assert result["done"] is True
    assert "nextRecordsUrl" not in result
    [record] = result["records"]
    assert record["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v{API_VERSION}/sobjects/Account/{created['id']}",
    }
    assert record["Id"] == created["id"]
    assert record["Name"] == "Query Me"
    assert DATETIME.match(record["CreatedDate"]), record["CreatedDate"]


def test_query_follows_relationships_both_ways(sf, marker):
    account = sf.Account.create({"Name": "Parent Co", "AccountNumber": marker})
    contact = sf.Contact.create({"LastName": "Child", "AccountId": account["id"]})
    [row] = sf.query(
        f"SELECT Id, LastName, Account.Name FROM Contact WHERE Id = '{contact['id']}'"
    )["records"]
    assert row["Account"]["Name"] == "Parent Co"
    assert row["Account"]["attributes"]["type"] == "Account"
    [parent] = sf.query(
        f"SELECT Id, (SELECT LastName FROM Contacts) FROM Account WHERE Id = '{account['id']}'"
    )["records"]
    assert parent["Contacts"]["totalSize"] == 1
    assert parent["Contacts"]["done"] is True
    assert parent["Contacts"]["records"][0]["LastName"] == "Child"


def test_count_query(sf, many_accounts):
    marker, _ = many_accounts
    result = sf.query(f"SELECT COUNT() FROM Account WHERE AccountNumber = '{marker}'")
    assert result["totalSize"] == 2100
    assert result["records"] == []


def test_query_pages_at_2000_and_query_all_follows(sf, many_accounts):
    marker, ids = many_accounts
    soql = f"SELECT Id, Name FROM Account WHERE AccountNumber = '{marker}'"
    first = sf.query(soql)
    assert first["totalSize"] == 2100
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert re.match(rf"^/services/data/v{API_VERSION}/query/[^/?]+$", first["nextRecordsUrl"])
    last = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert last["done"] is True
    assert len(last["records"]) == 100
    assert "nextRecordsUrl" not in last

    everything = sf.query_all(soql)
    assert everything["totalSize"] == 2100
    assert {r["Id"] for r in everything["records"]} == ids


def test_query_more_by_locator(sf, many_accounts):
    """simple-salesforce's other query_more form: `{base}/query/{locator}`."""
    marker, _ = many_accounts
    first = sf.query(f"SELECT Id FROM Account WHERE AccountNumber = '{marker}'")
    locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
    rest = sf.query_more(locator)
    assert len(rest["records"]) == 100
    assert rest["done"] is True


def test_query_all_honours_the_batch_size_header(sf, many_accounts):
    marker, ids = many_accounts
    soql = f"SELECT Id FROM Account WHERE AccountNumber = '{marker}'"
    headers = {"Sforce-Query-Options": "batchSize=500"}
    page = sf.query(soql, headers=headers)
    sizes = [len(page["records"])]
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True, headers=headers)
        sizes.append(len(page["records"]))
    assert sizes == [500, 500, 500, 500, 100]
    assert {r["Id"] for r in sf.query_all(soql, headers=headers)["records"]} == ids


def test_query_all_iter_is_lazy_and_complete(sf, many_accounts):
    marker, ids = many_accounts
    records = sf.query_all_iter(
        f"SELECT Id FROM Account WHERE AccountNumber = '{marker}'",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    first = next(records)
    assert ID18.match(first["Id"])
    assert {first["Id"]} | {r["Id"] for r in records} == ids


def test_query_all_with_deleted_rows(sf, marker):
    kept = sf.Account.create({"Name": "Kept", "AccountNumber": marker})
    gone = sf.Account.create({"Name": "Gone", "AccountNumber": marker})
    assert sf.Account.delete(gone["id"]) == 204
    soql = f"SELECT Id, IsDeleted FROM Account WHERE AccountNumber = '{marker}'"
    live = sf.query_all(soql)["records"]
    assert [r["Id"] for r in live] == [kept["id"]]
    every = {r["Id"]: r["IsDeleted"] for r in sf.query_all(soql, include_deleted=True)["records"]}
    assert every == {kept["id"]: False, gone["id"]: True}


# ---------------------------------------------------------------------------------------------
# Records: create, get, update, upsert, delete


def test_create_get_update_delete(sf, marker):
    created = sf.Account.create({"Name": "Crud", "AccountNumber": marker, "Industry": "Retail"})
    assert created["success"] is True
    assert created["errors"] == []
    assert ID18.match(created["id"]) and created["id"].startswith("001")

    record = sf.Account.get(created["id"])
    assert record["attributes"]["type"] == "Account"
    assert record["Id"] == created["id"]
    assert record["Name"] == "Crud"
    assert record["Industry"] == "Retail"
    assert record["IsDeleted"] is False
    assert DATETIME.match(record["LastModifiedDate"])

    assert sf.Account.update(created["id"], {"Name": "Crud Renamed"}) == 204
    assert sf.Account.get(created["id"])["Name"] == "Crud Renamed"

    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(created["id"])


def test_get_accepts_the_15_character_id(sf, marker):
    created = sf.Account.create({"Name": "Short Id", "AccountNumber": marker})
    assert sf.Account.get(created["id"][:15])["Id"] == created["id"]


def test_upsert_creates_then_updates(sf, marker):
    key = f"{marker}-X-1"
    response = sf.Account.upsert(f"ExternalID__c/{key}", {"Name": "Upserted"}, raw_response=True)
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["created"] is True and body["errors"] == []

    again = sf.Account.upsert(f"ExternalID__c/{key}", {"Name": "Upserted Again"}, raw_response=True)
    assert again.status_code == 200
    assert again.json() == {"id": body["id"], "success": True, "errors": [], "created": False}

    fetched = sf.Account.get_by_custom_id("ExternalID__c", key)
    assert fetched["Id"] == body["id"]
    assert fetched["Name"] == "Upserted Again"
    assert fetched["ExternalID__c"] == key


def test_upsert_update_answers_204_before_api_46(banner, tokens, sf, marker):
    key = f"{marker}-OLD"
    assert sf.Account.upsert(f"ExternalID__c/{key}", {"Name": "Old"}) == 201
    old = Salesforce(
        instance_url=banner["instance_url"],
        session_id=tokens.current,
        session=new_session(banner),
        version="45.0",
    )
    response = old.Account.upsert(f"ExternalID__c/{key}", {"Name": "Old Updated"}, raw_response=True)
    assert response.status_code == 204
    assert response.content == b""


# ---------------------------------------------------------------------------------------------
# Describe and limits


def test_describe_global(sf):
    result = sf.describe()
    assert result["encoding"] == "UTF-8"
    assert result["maxBatchSize"] == 200
    by_name = {o["name"]: o for o in result["sobjects"]}
    for name in ("Account", "Contact", "Opportunity", "Order", "Product2", "Payment__c"):
        assert name in by_name, name
    account = by_name["Account"]
    assert account["keyPrefix"] == "001"
    assert account["custom"] is False
    assert account["urls"]["sobject"] == f"/services/data/v{API_VERSION}/sobjects/Account"
    assert account["urls"]["describe"] == f"/services/data/v{API_VERSION}/sobjects/Account/describe"
    assert by_name["Payment__c"]["custom"] is True


def test_sobject_describe(sf):
    result = sf.Account.describe()
    assert result["name"] == "Account"
    assert result["keyPrefix"] == "001"
    fields = {f["name"]: f for f in result["fields"]}
    assert fields["Id"]["type"] == "id"
    assert fields["Id"]["length"] == 18
    assert fields["Id"]["idLookup"] is True
    assert fields["Id"]["createable"] is False
    assert fields["Name"]["type"] == "string"
    assert fields["Name"]["length"] == 255
    assert fields["Name"]["nillable"] is False
    assert fields["Name"]["createable"] is True
    external = fields["ExternalID__c"]
    assert (external["externalId"], external["idLookup"], external["unique"]) == (True, True, True)
    assert external["custom"] is True
    assert "Retail" in [v["value"] for v in fields["Industry"]["picklistValues"]]
    assert fields["ParentId"]["referenceTo"] == ["Account"]
    assert fields["ParentId"]["relationshipName"] == "Parent"
    children = {c["relationshipName"]: c for c in result["childRelationships"]}
    assert children["Contacts"]["childSObject"] == "Contact"
    assert children["Contacts"]["field"] == "AccountId"


def test_sobject_basic_info(sf):
    """`SFType.metadata()`: GET /sobjects/Account/ (objectDescribe and recentItems)."""
    result = sf.Account.metadata()
    assert result["objectDescribe"]["name"] == "Account"
    assert isinstance(result["recentItems"], list)


def test_limits(sf):
    limits = sf.limits()
    daily = limits["DailyApiRequests"]
    assert isinstance(daily["Max"], int) and isinstance(daily["Remaining"], int)
    assert 0 < daily["Remaining"] <= daily["Max"]
    for name in ("DailyBulkApiRequests", "DailyBulkV2QueryJobs", "DataStorageMB"):
        assert set(limits[name]) >= {"Max", "Remaining"}, name
    # simple-salesforce reads Sforce-Limit-Info on every call.
    usage = sf.api_usage["api-usage"]
    assert usage.total == daily["Max"]
    assert usage.used >= daily["Max"] - daily["Remaining"]


# ---------------------------------------------------------------------------------------------
# Bulk API 2.0 (CSV in, CSV out)


def test_bulk2_insert_and_successful_results(sf, marker):
    records = [{"Name": f"Bulk {n}", "AccountNumber": marker} for n in range(50)]
    [result] = sf.bulk2.Account.insert(records=records, wait=0)
    assert result["numberRecordsProcessed"] == 50
    assert result["numberRecordsFailed"] == 0
    assert result["numberRecordsTotal"] == 50
    text = sf.bulk2.Account.get_successful_records(result["job_id"])
    assert next(csv.reader(io.StringIO(text)))[:2] == ["sf__Id", "sf__Created"]
    rows = csv_rows(text)
    assert len(rows) == 50
    assert {r["sf__Created"] for r in rows} == {"true"}
    assert {r["Name"] for r in rows} == {f"Bulk {n}" for n in range(50)}
    count = sf.query(f"SELECT COUNT() FROM Account WHERE AccountNumber = '{marker}'")
    assert count["totalSize"] == 50


def test_bulk2_insert_reports_failed_rows(sf, marker):
    records = [{"Name": "Good", "AccountNumber": marker}, {"Name": "", "AccountNumber": marker}]
    [result] = sf.bulk2.Account.insert(records=records, wait=0)
    assert result["numberRecordsProcessed"] == 2
    assert result["numberRecordsFailed"] == 1
    text = sf.bulk2.Account.get_failed_records(result["job_id"])
    assert next(csv.reader(io.StringIO(text)))[:2] == ["sf__Id", "sf__Error"]
    [failed] = csv_rows(text)
    assert failed["sf__Error"].startswith("REQUIRED_FIELD_MISSING:"), failed
    assert failed["AccountNumber"] == marker
    unprocessed = sf.bulk2.Account.get_unprocessed_records(result["job_id"])
    assert csv_rows(unprocessed) == []


def test_bulk2_upsert_creates_and_updates(sf, marker):
    first = [
        {"ExternalID__c": f"{marker}-B1", "Name": "One", "AccountNumber": marker},
        {"ExternalID__c": f"{marker}-B2", "Name": "Two", "AccountNumber": marker},
    ]
    [result] = sf.bulk2.Account.upsert(records=first, external_id_field="ExternalID__c", wait=0)
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (2, 0)

    second = [
        {"ExternalID__c": f"{marker}-B2", "Name": "Two Updated", "AccountNumber": marker},
        {"ExternalID__c": f"{marker}-B3", "Name": "Three", "AccountNumber": marker},
    ]
    [result] = sf.bulk2.Account.upsert(records=second, external_id_field="ExternalID__c", wait=0)
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (2, 0)
    rows = csv_rows(sf.bulk2.Account.get_successful_records(result["job_id"]))
    created = {r["ExternalID__c"]: r["sf__Created"] for r in rows}
    assert created == {f"{marker}-B2": "false", f"{marker}-B3": "true"}

    names = {
        r["ExternalID__c"]: r["Name"]
        for r in sf.query_all(
            f"SELECT ExternalID__c, Name FROM Account WHERE AccountNumber = '{marker}'"
        )["records"]
    }
    assert names == {f"{marker}-B1": "One", f"{marker}-B2": "Two Updated", f"{marker}-B3": "Three"}


def test_bulk2_query_pages_by_locator(sf, many_accounts):
    marker, ids = many_accounts
    pages = list(
        sf.bulk2.Account.query(
            f"SELECT Id, Name FROM Account WHERE AccountNumber = '{marker}'",
            max_records=1000,
            wait=0,
        )
    )
    assert len(pages) == 3
    for page in pages:
        assert next(csv.reader(io.StringIO(page))) == ["Id", "Name"]
    rows = [row for page in pages for row in csv_rows(page)]
    assert [len(csv_rows(page)) for page in pages] == [1000, 1000, 100]
    assert {r["Id"] for r in rows} == ids


# ---------------------------------------------------------------------------------------------
# Errors, as simple-salesforce maps them


def test_unknown_field_in_a_query_is_malformed_request(sf):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Id, Nope__c FROM Account")
    error = only_error(exc)
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nope__c' on entity 'Account'" in error["message"]


def test_unknown_field_on_create_is_malformed_request(sf):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Account.create({"Name": "Bad", "Nope__c": 1})
    error = only_error(exc)
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"] == "No such column 'Nope__c' on sobject of type Account"


def test_missing_required_field_is_malformed_request(sf):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Account.create({"AccountNumber": "no name"})
    error = only_error(exc)
    assert error["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert error["fields"] == ["Name"]
    assert error["message"] == "Required fields are missing: [Name]"


def test_duplicate_external_id_is_malformed_request(sf, marker):
    first = sf.Account.create({"Name": "First", "ExternalID__c": f"{marker}-DUP"})
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Account.create({"Name": "Second", "ExternalID__c": f"{marker}-DUP"})
    error = only_error(exc)
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert first["id"] in error["message"]


def test_unknown_id_is_resource_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Account.get(id18("001D000000IRFma"))
    assert only_error(exc) == {
        "errorCode": "NOT_FOUND",
        "message": "The requested resource does not exist",
    }


def test_unknown_object_is_resource_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Nope__c.describe()
    assert only_error(exc)["errorCode"] == "NOT_FOUND"


def test_unknown_external_id_field_is_resource_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Account.upsert("Namez/anything", {"Name": "X"})
    assert only_error(exc) == {
        "errorCode": "NOT_FOUND",
        "message": "Provided external ID field does not exist or is not accessible: Namez",
    }


def test_deleting_twice_is_entity_is_deleted(sf, marker):
    created = sf.Account.create({"Name": "Twice", "AccountNumber": marker})
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Account.delete(created["id"])
    assert only_error(exc)["errorCode"] == "ENTITY_IS_DELETED"


# ---------------------------------------------------------------------------------------------
# Logins. simple-salesforce builds login URLs from `domain` (https://{domain}.salesforce.com);
# the `routed` session sends those hosts to the sandbox (see SandboxRoute in conftest.py).


def test_soap_login_with_security_token(banner, routed, marker):
    session, route = routed
    sf = Salesforce(
        username=banner["username"],
        password=banner["password"],
        security_token=banner["security_token"],
        session=session,
        version=API_VERSION,
    )
    assert route.paths == [f"/services/Soap/u/{API_VERSION}"]
    assert sf.sf_instance == banner.host
    assert sf.session_id.startswith(banner["org_id"][:15] + "!")
    created = sf.Account.create({"Name": "By SOAP session", "AccountNumber": marker})
    assert sf.Account.get(created["id"])["CreatedById"] == banner["user_id"]


def test_soap_login_through_scratch_url(banner, http):
    """SalesforceLogin's own way to name the login server: no routing glue needed."""
    session_id, instance = SalesforceLogin(
        username=banner["username"],
        password=banner["password"],
        security_token=banner["security_token"],
        scratch_url=banner["instance_url"],
        sf_version=API_VERSION,
        session=http,
    )
    assert instance == banner.host
    assert session_id.startswith(banner["org_id"][:15] + "!")


def test_soap_login_with_a_wrong_password_fails(banner, http):
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        SalesforceLogin(
            username=banner["username"],
            password="wrong",
            security_token=banner["security_token"],
            scratch_url=banner["instance_url"],
            session=http,
        )
    assert exc.value.code == "INVALID_LOGIN"
    assert exc.value.auth_message == (
        "Invalid username, password, security token; or user locked out."
    )


def test_oauth_password_flow(banner, routed, marker):
    session, route = routed
    sf = Salesforce(
        username=banner["username"],
        password=banner["password"] + banner["security_token"],
        consumer_key=banner["client_id"],
        consumer_secret=banner["client_secret"],
        session=session,
        version=API_VERSION,
    )
    assert route.paths == ["/services/oauth2/token"]
    assert sf.sf_instance == banner.host
    created = sf.Account.create({"Name": "By password flow", "AccountNumber": marker})
    assert sf.Account.get(created["id"])["CreatedById"] == banner["user_id"]


def test_oauth_password_flow_with_a_wrong_password_fails(banner, routed):
    session, _ = routed
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        Salesforce(
            username=banner["username"],
            password="wrong",
            consumer_key=banner["client_id"],
            consumer_secret=banner["client_secret"],
            session=session,
        )
    assert exc.value.code == "invalid_grant"
    assert exc.value.auth_message == "authentication failure"


def test_client_credentials_flow_runs_as_the_integration_user(banner, routed, marker):
    session, route = routed
    sf = Salesforce(
        consumer_key=banner["client_id"],
        consumer_secret=banner["client_secret"],
        domain=MY_DOMAIN,
        session=session,
        version=API_VERSION,
    )
    assert route.paths == ["/services/oauth2/token"]
    created = sf.Account.create({"Name": "By integration", "AccountNumber": marker})
    record = sf.Account.get(created["id"])
    assert record["CreatedById"] == banner["integration_user_id"]
    assert record["CreatedById"] != banner["user_id"]


def test_jwt_bearer_flow(banner, routed, marker):
    """The sandbox verifies the assertion against the certificate given with --jwt-cert."""
    session, route = routed
    sf = Salesforce(
        username=banner["username"],
        consumer_key=banner["client_id"],
        privatekey_file=os.environ["FERRY_SF_JWT_KEY"],
        session=session,
        version=API_VERSION,
    )
    assert route.paths == ["/services/oauth2/token"]
    assert sf.sf_instance == banner.host
    created = sf.Account.create({"Name": "By JWT", "AccountNumber": marker})
    assert sf.Account.get(created["id"])["CreatedById"] == banner["user_id"]


def test_jwt_signed_by_another_key_fails(banner, routed):
    session, _ = routed
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        Salesforce(
            username=banner["username"],
            consumer_key=banner["client_id"],
            privatekey=pem,
            session=session,
        )
    assert exc.value.code == "invalid_grant"


# ---------------------------------------------------------------------------------------------
# Session expiry. Expiring sessions ends every token, the banner's too, so this test leaves a
# fresh token in `tokens` for any test that runs after it (and it is last in this file).


def test_expired_session(banner, tokens, sf, routed, http):
    session, route = routed
    relogging = Salesforce(
        username=banner["username"],
        password=banner["password"],
        security_token=banner["security_token"],
        session=session,
        version=API_VERSION,
    )
    assert sf.query("SELECT Id FROM Account LIMIT 1")["done"] is True
    assert relogging.query("SELECT Id FROM Account LIMIT 1")["done"] is True

    expired = http.post(
        f"{banner['instance_url']}/__sandbox/sessions/expire",
        headers={"Authorization": f"Bearer {tokens.current}"},
    )
    assert expired.status_code == 200, (expired.status_code, expired.text)

    # A client holding only a session id sees the 401 as simple-salesforce maps it ...
    with pytest.raises(SalesforceExpiredSession) as exc:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert exc.value.status == 401
    assert exc.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    # ... and a client holding credentials logs in again by itself and carries on.
    assert relogging.query("SELECT Id FROM Account LIMIT 1")["done"] is True
    assert route.paths == [f"/services/Soap/u/{API_VERSION}"] * 2
    tokens.current = relogging.session_id
