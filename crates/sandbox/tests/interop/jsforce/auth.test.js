// jsforce interop: logins, identity and logout.
// Set-up, and how these files are run: support.js.

'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const jsforce = require('jsforce');
const {
  banner,
  VERSION,
  marker,
  tokenConnection,
  rejection,
  passwordOAuth2,
  authorizationCode,
  REDIRECT_URI,
  webServerConnection,
} = require('./support');

const conn = tokenConnection(); // the banner's token

// ---------------------------------------------------------------------------------------------
// Logins

test('SOAP login with the security token', async () => {
  const login = new jsforce.Connection({ loginUrl: banner.instance_url, version: VERSION });
  const userInfo = await login.login(banner.username, banner.password + banner.security_token);
  assert.equal(userInfo.id, banner.user_id);
  assert.equal(userInfo.organizationId, banner.org_id);
  assert.equal(login.instanceUrl, banner.instance_url);
  assert.ok(login.accessToken);
  const result = await login.query('SELECT Id FROM Account LIMIT 1');
  assert.equal(result.done, true);
  // The identity URL jsforce builds from the login URL answers too.
  const identity = await login.identity();
  assert.equal(identity.user_id, banner.user_id);
  assert.equal(identity.organization_id, banner.org_id);
  assert.equal(identity.username, banner.username);
});

test('SOAP login with a wrong password fails with the fault string', async () => {
  const login = new jsforce.Connection({ loginUrl: banner.instance_url, version: VERSION });
  const err = await rejection(login.login(banner.username, 'wrong'));
  assert.match(err.message, /INVALID_LOGIN: Invalid username, password, security token; or user locked out\./);
  assert.equal(login.accessToken, undefined);
});

test('OAuth 2.0 username-password flow', async () => {
  const login = new jsforce.Connection({
    oauth2: passwordOAuth2(),
    version: VERSION,
  });
  const userInfo = await login.login(banner.username, banner.password + banner.security_token);
  assert.equal(userInfo.id, banner.user_id);
  assert.equal(userInfo.organizationId, banner.org_id);
  assert.equal(login.instanceUrl, banner.instance_url);
  const name = marker('OAUTH');
  const created = await login.sobject('Account').create({ Name: name });
  assert.equal(created.success, true);
  const identity = await login.identity();
  assert.equal(identity.user_id, banner.user_id);
});

test('OAuth 2.0 username-password flow with a wrong password fails with invalid_grant', async () => {
  const login = new jsforce.Connection({
    oauth2: passwordOAuth2(),
    version: VERSION,
  });
  const err = await rejection(login.login(banner.username, 'wrong'));
  assert.equal(err.name, 'invalid_grant');
  assert.equal(err.message, 'authentication failure');
});

test('OAuth 2.0 web-server flow with the client secret, then a refresh', async () => {
  const session = await webServerConnection(false);
  assert.equal((await session.query('SELECT Id FROM Account LIMIT 1')).done, true);
  const refreshed = await session.oauth2.refreshToken(session.refreshToken);
  assert.ok(refreshed.access_token && refreshed.access_token !== session.accessToken);
  assert.equal(refreshed.instance_url, banner.instance_url);
  assert.equal(refreshed.refresh_token, undefined, 'no rotation');
  const identity = await session.identity();
  assert.equal(identity.user_id, banner.user_id);
});

test('OAuth 2.0 web-server flow with PKCE and no secret', async () => {
  const session = await webServerConnection(true);
  assert.equal((await session.query('SELECT Id FROM Account LIMIT 1')).done, true);
});

test('a code is used once', async () => {
  const oauth2 = new jsforce.OAuth2({
    clientId: banner.client_id,
    clientSecret: banner.client_secret,
    redirectUri: REDIRECT_URI,
    loginUrl: banner.instance_url,
  });
  const code = await authorizationCode(oauth2);
  await new jsforce.Connection({ oauth2 }).authorize(code);
  const err = await rejection(new jsforce.Connection({ oauth2 }).authorize(code));
  assert.equal(err.name, 'invalid_grant');
  assert.equal(err.message, 'expired authorization code');
});

test('logout(true) revokes the refresh token and its sessions', async () => {
  const session = await webServerConnection(false);
  const { accessToken, refreshToken } = session;
  await session.logout(true);
  const err = await rejection(session.oauth2.refreshToken(refreshToken));
  assert.equal(err.name, 'invalid_grant');
  assert.equal(err.message, 'expired access/refresh token');
  const expired = await rejection(tokenConnection(accessToken).query('SELECT Id FROM Account LIMIT 1'));
  assert.equal(expired.errorCode, 'INVALID_SESSION_ID');
});

// ---------------------------------------------------------------------------------------------
// Identity

test('identity of a token-only session', async () => {
  const session = tokenConnection();
  const identity = await session.identity();
  assert.equal(identity.user_id, banner.user_id);
  assert.equal(identity.organization_id, banner.org_id);
  assert.equal(identity.username, banner.username);
  assert.ok(identity.id.endsWith(`/id/${banner.org_id}/${banner.user_id}`), identity.id);
  assert.deepEqual(session.userInfo, {
    id: banner.user_id,
    organizationId: banner.org_id,
    url: identity.id,
  });
});

// ---------------------------------------------------------------------------------------------
// Logout

test('SOAP logout ends the session', async () => {
  const login = new jsforce.Connection({ loginUrl: banner.instance_url, version: VERSION });
  await login.login(banner.username, banner.password + banner.security_token);
  const token = login.accessToken;
  await login.logout();
  assert.equal(login.accessToken, null);
  const err = await rejection(tokenConnection(token).query('SELECT Id FROM Account LIMIT 1'));
  assert.equal(err.errorCode, 'INVALID_SESSION_ID');
});

test('OAuth 2.0 logout revokes the token', async () => {
  const login = new jsforce.Connection({
    oauth2: passwordOAuth2(),
    version: VERSION,
  });
  await login.login(banner.username, banner.password + banner.security_token);
  const token = login.accessToken;
  await login.logout();
  const err = await rejection(tokenConnection(token).query('SELECT Id FROM Account LIMIT 1'));
  assert.equal(err.errorCode, 'INVALID_SESSION_ID');
});
