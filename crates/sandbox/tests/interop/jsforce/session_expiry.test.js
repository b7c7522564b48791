// jsforce interop: session expiry (ends every token, so it runs last).
// Set-up, and how these files are run: support.js.

'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const jsforce = require('jsforce');
const {
  banner,
  VERSION,
  tokenConnection,
  rejection,
  collect,
  passwordOAuth2,
  webServerConnection,
} = require('./support');

const conn = tokenConnection(); // the banner's token

// ---------------------------------------------------------------------------------------------
// Session expiry: ends every token, the banner's too, so it runs last.

test('an expired session: token-only clients fail, clients with credentials log in again', async () => {
  const soap = new jsforce.Connection({ loginUrl: banner.instance_url, version: VERSION });
  await soap.login(banner.username, banner.password + banner.security_token);
  const oauth = new jsforce.Connection({
    oauth2: passwordOAuth2(),
    version: VERSION,
  });
  await oauth.login(banner.username, banner.password + banner.security_token);
  const web = await webServerConnection(false);
  const tokenOnly = tokenConnection();
  const probe = 'SELECT Id FROM Account LIMIT 1';
  for (const c of [soap, oauth, web, tokenOnly]) {
    assert.equal((await c.query(probe)).done, true);
  }
  const before = { soap: soap.accessToken, oauth: oauth.accessToken, web: web.accessToken };
  const refreshes = [];
  web.on('refresh', (accessToken) => refreshes.push(accessToken));

  await conn.requestPost(`${banner.instance_url}/__sandbox/sessions/expire`, {});

  const err = await rejection(tokenOnly.query(probe));
  assert.equal(err.errorCode, 'INVALID_SESSION_ID');
  assert.equal(err.message, 'Session expired or invalid');

  // A 401 makes jsforce log in again with the credentials it keeps, then retry the call.
  assert.equal((await soap.query(probe)).done, true);
  assert.notEqual(soap.accessToken, before.soap);
  // Bulk API 2.0 has its own session check (it looks for INVALID_SESSION_ID in the body).
  const rows = await collect(await oauth.bulk2.query(probe, { pollInterval: 200 }));
  assert.equal(rows.length, 1);
  assert.notEqual(oauth.accessToken, before.oauth);
  // A web-server session refreshes with its refresh token instead.
  assert.equal((await web.query(probe)).done, true);
  assert.equal(refreshes.length, 1);
  assert.equal(web.accessToken, refreshes[0]);
  assert.notEqual(web.accessToken, before.web);
});
