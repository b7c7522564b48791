"""Helpers shared by the interop tests and their fixtures (plain functions and classes)."""

from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

API_VERSION = "59.0"

# The login hosts simple-salesforce builds from `domain` (https://{domain}.salesforce.com).
LOGIN_HOST = "https://login.salesforce.com"
MY_DOMAIN = "ferry-sandbox.my"
MY_DOMAIN_HOST = f"https://{MY_DOMAIN}.salesforce.com"


class Banner(dict):
    """The sandbox's start-up line (`instance_url`, `access_token`, `username`, ...)."""

    @property
    def host(self):
        """`127.0.0.1:PORT`: what simple-salesforce calls the instance."""
        return urlsplit(self["instance_url"]).netloc


class SandboxRoute(HTTPAdapter):
    """Test glue, not a workaround in the emulator: simple-salesforce builds its login URLs as
    `https://{domain}.salesforce.com/...`, which can never name a local server. Mounted on those
    hosts, this adapter sends each request to the sandbox instead (same path and query) and
    records the paths it carried, so a test can assert which endpoint a login really used."""

    def __init__(self, instance_url):
        super().__init__()
        self.target = urlsplit(instance_url)
        self.paths = []

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        self.paths.append(parts.path)
        request.url = urlunsplit(
            (self.target.scheme, self.target.netloc, parts.path, parts.query, "")
        )
        return super().send(request, **kwargs)


class Tokens:
    """The access token the data tests use. It starts as the banner's; a test that expires every
    session (an admin action) logs in again and leaves the new token here for the tests after it.
    """

    def __init__(self, token):
        self.current = token


def new_session(banner):
    """A requests session that trusts the sandbox's CA and ignores proxy settings."""
    session = requests.Session()
    session.trust_env = False
    session.verify = banner["ca_cert"]
    return session


def id18(id15):
    """The 18-character form of a 15-character Salesforce id (the case-checksum suffix)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += alphabet[bits]
    return id15 + suffix
