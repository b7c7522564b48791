// Shared set-up for the jsforce interop tests (the `*.test.js` files in this folder).
//
// They are run by `crates/ferry/tests/sandbox_interop_jsforce.rs`, which starts
// `ferry sandbox salesforce --tls`, puts its start-up JSON line in FERRY_SF_BANNER, points
// NODE_PATH at the modules `scripts/node-env` installed and NODE_EXTRA_CA_CERTS at the sandbox's
// CA file, and runs `node --test` on the files one after another (session_expiry.test.js last:
// it ends every token).
//
// Every call in the tests is an unmodified jsforce call: jsforce takes `loginUrl` and
// `instanceUrl`, so no routing glue is needed. Each test asserts what Salesforce itself answers
// (reference salesforce-api.md, source key JSF), so a failure is a difference between the
// emulator and Salesforce.

'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jsforce = require('jsforce');

if (!process.env.FERRY_SF_BANNER) {
  throw new Error(
    'FERRY_SF_BANNER is not set: run these tests through ' +
      '`cargo test -p ferry --test sandbox_interop_jsforce`, which starts the sandbox',
  );
}
/** The sandbox's start-up line (`instance_url`, `access_token`, `username`, ...). */
const banner = JSON.parse(process.env.FERRY_SF_BANNER);
const VERSION = '59.0';
const ID18 = /^[0-9A-Za-z]{18}$/;
/** Records in the paging fixture: more than one query page (2,000). */
const MANY = 2100;
const REDIRECT_URI = 'https://app.example.com/oauth/callback';

/** A value unique to one test, stored in AccountNumber (40 chars) to find its records. */
function marker(prefix = 'J') {
  return `${prefix}-${crypto.randomBytes(10).toString('hex')}`;
}

/** A client on an existing session (token only: it cannot log in again by itself). */
function tokenConnection(accessToken = banner.access_token) {
  return new jsforce.Connection({ instanceUrl: banner.instance_url, accessToken, version: VERSION });
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('the call succeeded; it should have failed');
}

/** Records of a Bulk API 2.0 query stream, collected. */
function collect(recordStream) {
  return new Promise((resolve, reject) => {
    const records = [];
    recordStream.on('record', (record) => records.push(record));
    recordStream.on('error', reject);
    recordStream.on('end', () => resolve(records));
  });
}

/** The connected app's settings for jsforce's OAuth 2.0 password flow. */
function passwordOAuth2() {
  return {
    clientId: banner.client_id,
    clientSecret: banner.client_secret,
    loginUrl: banner.instance_url,
  };
}

/** Follows jsforce's authorization URL (the sandbox approves at once) to the code it redirects
 * with; jsforce leaves this browser step to the application. */
async function authorizationCode(oauth2) {
  const response = await fetch(oauth2.getAuthorizationUrl({ state: 'ferry' }), { redirect: 'manual' });
  assert.equal(response.status, 302);
  const location = new URL(response.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, oauth2.redirectUri);
  assert.equal(location.searchParams.get('state'), 'ferry');
  return location.searchParams.get('code');
}

/** A connection that logged in by the web-server flow (so it holds a refresh token). */
async function webServerConnection(useVerifier) {
  const oauth2 = new jsforce.OAuth2({
    clientId: banner.client_id,
    clientSecret: useVerifier ? undefined : banner.client_secret,
    redirectUri: REDIRECT_URI,
    loginUrl: banner.instance_url,
    useVerifier,
  });
  const session = new jsforce.Connection({ oauth2, version: VERSION });
  const userInfo = await session.authorize(await authorizationCode(oauth2));
  assert.equal(userInfo.id, banner.user_id);
  assert.equal(userInfo.organizationId, banner.org_id);
  assert.equal(session.instanceUrl, banner.instance_url);
  assert.ok(session.refreshToken, 'the web-server flow returns a refresh token');
  return session;
}

/** 2,100 Accounts created through sObject Collections (200 a call), once per test file.
 * Resolves to { marker, ids }: the AccountNumber they share and their ids in order. */
async function manyAccounts(conn) {
  const marked = marker('MANY');
  const records = Array.from({ length: MANY }, (_, n) => ({
    Name: `Paging ${String(n).padStart(4, '0')}`,
    AccountNumber: marked,
    ExternalID__c: `${marked}-${n}`,
  }));
  const results = await conn.sobject('Account').create(records, { allowRecursive: true });
  assert.equal(results.length, MANY);
  for (const result of results) {
    assert.equal(result.success, true, JSON.stringify(result));
    assert.match(result.id, ID18);
  }
  return { marker: marked, ids: results.map((r) => r.id) };
}

module.exports = {
  banner,
  VERSION,
  ID18,
  MANY,
  REDIRECT_URI,
  marker,
  tokenConnection,
  rejection,
  collect,
  passwordOAuth2,
  authorizationCode,
  webServerConnection,
  manyAccounts,
};
