// jsforce (the real client, from npm) against the Ferry Salesforce sandbox.
//
// Run by `crates/ferry/tests/sandbox_interop_jsforce.rs`, which starts
// `ferry sandbox salesforce --tls`, puts its start-up JSON line in FERRY_SF_BANNER, points
// NODE_PATH at the modules `scripts/node-env` installed and NODE_EXTRA_CA_CERTS at the sandbox's
// CA file, and runs `node --test` on this folder.
//
// Every call is an unmodified jsforce call: jsforce takes `loginUrl` and `instanceUrl`, so no
// routing glue is needed. Each test asserts what Salesforce itself answers (reference
// salesforce-api.md, source key JSF), so a failure is a difference between the emulator and
// Salesforce. The tests run in order; the session-expiry test ends every token, so it is last.

'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jsforce = require('jsforce');

if (!process.env.FERRY_SF_BANNER) {
  throw new Error(
    'FERRY_SF_BANNER is not set: run these tests through ' +
      '`cargo test -p ferry --test sandbox_interop_jsforce`, which starts the sandbox',
  );
}
const banner = JSON.parse(process.env.FERRY_SF_BANNER);
const VERSION = '59.0';
const ID18 = /^[0-9A-Za-z]{18}$/;
const MANY = 2100;

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

let conn; // the banner's token; every data test uses it
const many = { marker: marker('MANY'), ids: [] };

before(async () => {
  conn = tokenConnection();
  // 2,100 Accounts through sObject Collections, 200 a call: more than one query page (2,000).
  const records = Array.from({ length: MANY }, (_, n) => ({
    Name: `Paging ${String(n).padStart(4, '0')}`,
    AccountNumber: many.marker,
    ExternalID__c: `${many.marker}-${n}`,
  }));
  const results = await conn.sobject('Account').create(records, { allowRecursive: true });
  assert.equal(results.length, MANY);
  for (const result of results) {
    assert.equal(result.success, true, JSON.stringify(result));
    assert.match(result.id, ID18);
  }
  many.ids = results.map((r) => r.id);
});

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
    oauth2: {
      clientId: banner.client_id,
      clientSecret: banner.client_secret,
      loginUrl: banner.instance_url,
    },
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
    oauth2: {
      clientId: banner.client_id,
      clientSecret: banner.client_secret,
      loginUrl: banner.instance_url,
    },
    version: VERSION,
  });
  const err = await rejection(login.login(banner.username, 'wrong'));
  assert.equal(err.name, 'invalid_grant');
  assert.equal(err.message, 'authentication failure');
});

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

const REDIRECT_URI = 'https://app.example.com/oauth/callback';

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
// Query

test('query stops at 2,000 records; queryMore fetches the rest', async () => {
  const soql = `SELECT Id, Name FROM Account WHERE AccountNumber = '${many.marker}'`;
  const first = await conn.query(soql);
  assert.equal(first.totalSize, MANY);
  assert.equal(first.done, false);
  assert.equal(first.records.length, 2000);
  // jsforce keeps only the locator (the last path segment) and rebuilds the URL itself.
  assert.match(first.nextRecordsUrl, /\/services\/data\/v59\.0\/query\/[^/]+-2000$/);
  assert.ok(first.nextRecordsUrl.startsWith(banner.instance_url), first.nextRecordsUrl);
  assert.equal(first.records[0].attributes.type, 'Account');
  assert.match(first.records[0].attributes.url, /^\/services\/data\/v59\.0\/sobjects\/Account\/[0-9A-Za-z]{18}$/);

  const rest = await conn.queryMore(first.nextRecordsUrl);
  assert.equal(rest.done, true);
  assert.equal(rest.records.length, MANY - 2000);
  assert.equal(rest.nextRecordsUrl, undefined);
  const ids = [...first.records, ...rest.records].map((r) => r.Id);
  assert.deepEqual(new Set(ids), new Set(many.ids));
});

test('query with autoFetch follows nextRecordsUrl', async () => {
  const soql = `SELECT Id FROM Account WHERE AccountNumber = '${many.marker}'`;
  const records = [];
  const result = await new Promise((resolve, reject) => {
    conn
      .query(soql)
      .on('record', (record) => records.push(record))
      .on('end', resolve)
      .on('error', reject)
      .run({ autoFetch: true, maxFetch: 5000 });
  });
  void result;
  assert.equal(records.length, MANY);
  assert.deepEqual(new Set(records.map((r) => r.Id)), new Set(many.ids));

  const all = await conn.query(soql).autoFetch(true).maxFetch(5000);
  assert.equal(all.totalSize, MANY);
  assert.equal(all.done, true);
  assert.equal(all.records.length, MANY);
});

test('the wire nextRecordsUrl is relative to the instance', async () => {
  const soql = `SELECT Id FROM Account WHERE AccountNumber = '${many.marker}'`;
  const raw = await conn.request(`/services/data/v${VERSION}/query?q=${encodeURIComponent(soql)}`);
  assert.equal(raw.done, false);
  assert.match(raw.nextRecordsUrl, /^\/services\/data\/v59\.0\/query\/[^/]+-2000$/);
  const more = await conn.request(raw.nextRecordsUrl);
  assert.equal(more.done, true);
  assert.equal(more.records.length, MANY - 2000);
});

test('queryAll pages through /query/{locator}, the URL jsforce rebuilds', async () => {
  const soql = `SELECT Id, IsDeleted FROM Account WHERE AccountNumber = '${many.marker}'`;
  const all = await conn.query(soql).scanAll(true).autoFetch(true).maxFetch(5000);
  assert.equal(all.totalSize, MANY);
  assert.equal(all.records.length, MANY);
  assert.ok(all.records.every((r) => r.IsDeleted === false));
});

test('the SOQL jsforce builds from find, count and date literals', async () => {
  const found = await conn
    .sobject('Account')
    .find(
      {
        AccountNumber: many.marker,
        Name: { $like: 'Paging 00%' },
        Id: { $nin: [many.ids[0]] },
        CreatedDate: { $gte: jsforce.Date.YESTERDAY },
      },
      ['Id', 'Name'],
    )
    .sort({ Name: -1 })
    .limit(5)
    .offset(2);
  assert.deepEqual(found.map((r) => r.Name), [
    'Paging 0097',
    'Paging 0096',
    'Paging 0095',
    'Paging 0094',
    'Paging 0093',
  ]);
  const count = await conn.sobject('Account').count({ AccountNumber: many.marker });
  assert.equal(count, MANY);
  const one = await conn
    .sobject('Account')
    .findOne({ Id: { $in: [many.ids[5], many.ids[6]] }, Name: 'Paging 0005' }, 'Id, Name');
  assert.equal(one.Id, many.ids[5]);
  const none = await conn.sobject('Account').findOne({ Name: 'No such account' });
  assert.equal(none, null);
});

test('conditions jsforce builds: $or, null tests, Date objects, child includes', async () => {
  const mark = marker();
  const created = await conn.sobject('Account').create([
    { Name: 'Alpha', AccountNumber: mark, Phone: '111' },
    { Name: 'Beta', AccountNumber: mark },
    { Name: 'Gamma', AccountNumber: mark, Industry: 'Retail' },
  ]);
  await conn.sobject('Contact').create([
    { LastName: 'Zed', AccountId: created[0].id },
    { LastName: 'Amy', AccountId: created[0].id },
  ]);
  // jsforce writes a Date object as JavaScript prints it; SfDate makes the SOQL literal.
  const hourAgo = jsforce.Date.toDateTimeLiteral(new Date(Date.now() - 60 * 60 * 1000));
  const names = async (conditions) =>
    (await conn.sobject('Account').find({ AccountNumber: mark, ...conditions }, 'Name').sort('Name')).map(
      (r) => r.Name,
    );
  assert.deepEqual(await names({ $or: [{ Phone: { $exists: true } }, { Industry: 'Retail' }] }), [
    'Alpha',
    'Gamma',
  ]);
  assert.deepEqual(await names({ Phone: null }), ['Beta', 'Gamma']);
  assert.deepEqual(await names({ $not: { Name: { $like: 'A%' } } }), ['Beta', 'Gamma']);
  assert.deepEqual(await names({ CreatedDate: { $gte: hourAgo } }), ['Alpha', 'Beta', 'Gamma']);
  assert.deepEqual(await names({ CreatedDate: { $lt: hourAgo } }), []);
  assert.deepEqual(await names({ CreatedDate: jsforce.Date.TODAY }), ['Alpha', 'Beta', 'Gamma']);

  const [alpha] = await conn
    .sobject('Account')
    .find({ Id: created[0].id }, 'Id, Name')
    .include('Contacts', null, 'LastName', { sort: 'LastName' })
    .end();
  assert.deepEqual(alpha.Contacts.records.map((c) => c.LastName), ['Amy', 'Zed']);
  assert.equal(alpha.Contacts.totalSize, 2);
});

test('aggregate queries answer AggregateResult rows', async () => {
  const result = await conn.query(
    `SELECT AccountNumber, COUNT(Id) total, MAX(Name) last FROM Account ` +
      `WHERE AccountNumber = '${many.marker}' GROUP BY AccountNumber`,
  );
  assert.equal(result.totalSize, 1);
  const [row] = result.records;
  assert.equal(row.attributes.type, 'AggregateResult');
  assert.equal(row.AccountNumber, many.marker);
  assert.equal(row.total, MANY);
  assert.equal(row.last, `Paging ${MANY - 1}`);
});

test('query follows relationships both ways', async () => {
  const mark = marker();
  const [account] = await conn.sobject('Account').create([{ Name: 'Parent', AccountNumber: mark }]);
  const contact = await conn.sobject('Contact').create({ LastName: 'Child', AccountId: account.id });
  assert.equal(contact.success, true);
  const up = await conn.query(`SELECT Id, Account.Name FROM Contact WHERE Id = '${contact.id}'`);
  assert.equal(up.records[0].Account.Name, 'Parent');
  const down = await conn
    .query(`SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE AccountNumber = '${mark}'`)
    .autoFetch(true);
  assert.equal(down.records.length, 1);
  assert.equal(down.records[0].Contacts.totalSize, 1);
  assert.equal(down.records[0].Contacts.records[0].LastName, 'Child');
});

// ---------------------------------------------------------------------------------------------
// sObject Collections and single-record calls

test('retrieve, update and destroy arrays through sObject Collections', async () => {
  const mark = marker();
  const created = await conn.sobject('Account').create([
    { Name: 'One', AccountNumber: mark },
    { Name: 'Two', AccountNumber: mark },
  ]);
  assert.deepEqual(created.map((r) => r.success), [true, true]);
  const ids = created.map((r) => r.id);

  // With no `fields`, jsforce describes Account and asks for every field it lists.
  const retrieved = await conn.sobject('Account').retrieve(ids);
  assert.deepEqual(retrieved.map((r) => r.Id), ids);
  assert.deepEqual(retrieved.map((r) => r.Name), ['One', 'Two']);
  assert.equal(retrieved[0].attributes.type, 'Account');

  const updated = await conn.sobject('Account').update([
    { Id: ids[0], Name: 'One Updated' },
    { Id: ids[1], Name: 'Two Updated' },
  ]);
  assert.deepEqual(updated, [
    { id: ids[0], success: true, errors: [] },
    { id: ids[1], success: true, errors: [] },
  ]);
  const names = await conn.sobject('Account').retrieve(ids, { fields: ['Name'] });
  assert.deepEqual(names.map((r) => r.Name), ['One Updated', 'Two Updated']);

  const destroyed = await conn.sobject('Account').destroy(ids);
  assert.deepEqual(destroyed, [
    { id: ids[0], success: true, errors: [] },
    { id: ids[1], success: true, errors: [] },
  ]);
  const gone = await conn.sobject('Account').retrieve(ids, { fields: ['Name'] });
  assert.deepEqual(gone, [null, null]);
  const again = await conn.sobject('Account').destroy(ids);
  assert.equal(again[0].success, false);
  assert.equal(again[0].errors[0].statusCode, 'ENTITY_IS_DELETED');
});

test('a field set to null is cleared; a deleted record cannot be updated', async () => {
  const created = await conn.sobject('Account').create({ Name: 'Clear', Phone: '555' });
  await conn.sobject('Account').update({ Id: created.id, Phone: null });
  const read = await conn.sobject('Account').retrieve(created.id, { fields: ['Phone'] });
  assert.equal(read.Phone, null);
  await conn.sobject('Account').destroy(created.id);
  const err = await rejection(conn.sobject('Account').update({ Id: created.id, Name: 'Late' }));
  assert.equal(err.errorCode, 'ENTITY_IS_DELETED');
});

test('single create, retrieve, update and destroy', async () => {
  const mark = marker();
  const created = await conn.sobject('Account').create({ Name: 'Single', AccountNumber: mark });
  assert.equal(created.success, true);
  assert.match(created.id, ID18);
  const record = await conn.sobject('Account').retrieve(created.id);
  assert.equal(record.Name, 'Single');
  assert.equal(record.AccountNumber, mark);
  const updated = await conn.sobject('Account').update({ Id: created.id, Name: 'Single 2' });
  assert.deepEqual(updated, { id: created.id, success: true, errors: [] });
  const destroyed = await conn.sobject('Account').destroy(created.id);
  assert.deepEqual(destroyed, { id: created.id, success: true, errors: [] });
  const err = await rejection(conn.sobject('Account').retrieve(created.id));
  assert.equal(err.errorCode, 'ENTITY_IS_DELETED');
});

test('upsert an array through sObject Collections by external id', async () => {
  const mark = marker();
  const first = await conn
    .sobject('Account')
    .upsert([{ Name: 'A', AccountNumber: mark, ExternalID__c: `${mark}-A` }], 'ExternalID__c');
  assert.equal(first.length, 1);
  assert.equal(first[0].success, true);
  assert.equal(first[0].created, true);
  const results = await conn.sobject('Account').upsert(
    [
      { Name: 'A2', AccountNumber: mark, ExternalID__c: `${mark}-A` },
      { Name: 'B', AccountNumber: mark, ExternalID__c: `${mark}-B` },
    ],
    'ExternalID__c',
  );
  assert.deepEqual(results.map((r) => [r.success, r.created]), [
    [true, false],
    [true, true],
  ]);
  assert.equal(results[0].id, first[0].id);
  const rows = await conn.query(
    `SELECT ExternalID__c, Name FROM Account WHERE AccountNumber = '${mark}' ORDER BY ExternalID__c`,
  );
  assert.deepEqual(rows.records.map((r) => [r.ExternalID__c, r.Name]), [
    [`${mark}-A`, 'A2'],
    [`${mark}-B`, 'B'],
  ]);
});

test('single upsert creates (201) then updates (200 from API 46)', async () => {
  const mark = marker();
  const key = `${mark}-S`;
  const created = await conn
    .sobject('Account')
    .upsert({ Name: 'S', AccountNumber: mark, ExternalID__c: key }, 'ExternalID__c');
  assert.equal(created.success, true);
  assert.equal(created.created, true);
  assert.match(created.id, ID18);
  const updated = await conn
    .sobject('Account')
    .upsert({ Name: 'S2', ExternalID__c: key }, 'ExternalID__c');
  assert.equal(updated.success, true);
  assert.equal(updated.created, false);
  assert.equal(updated.id, created.id);
  const record = await conn.sobject('Account').retrieve(created.id, { fields: ['Name'] });
  assert.equal(record.Name, 'S2');
});

test("select('*') asks for every described field, compound addresses too", async () => {
  const mark = marker();
  const created = await conn.sobject('Account').create({
    Name: 'Everything',
    AccountNumber: mark,
    BillingCity: 'Leeds',
    BillingCountry: 'United Kingdom',
    AnnualRevenue: 1200,
    NumberOfEmployees: 12,
  });
  const [record] = await conn.sobject('Account').find({ Id: created.id }, '*');
  assert.equal(record.Name, 'Everything');
  assert.equal(record.AnnualRevenue, 1200);
  assert.equal(record.NumberOfEmployees, 12);
  assert.equal(record.IsDeleted, false);
  assert.equal(record.BillingAddress.city, 'Leeds');
  assert.equal(record.BillingAddress.country, 'United Kingdom');
  assert.equal(record.ShippingAddress, null);
  assert.match(record.CreatedDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
});

test('the record() API reads, updates and deletes one record', async () => {
  const created = await conn.sobject('Contact').create({
    LastName: 'Record',
    Birthdate: '1990-02-03',
    Email: 'record@example.com',
  });
  const contact = conn.sobject('Contact').record(created.id);
  const read = await contact.retrieve();
  assert.equal(read.LastName, 'Record');
  assert.equal(read.Birthdate, '1990-02-03');
  assert.equal(read.Name, 'Record');
  const updated = await contact.update({ FirstName: 'Ann' });
  assert.equal(updated.success, true);
  assert.equal((await contact.retrieve()).Name, 'Ann Record');
  assert.equal((await contact.destroy()).success, true);
});

test('a parent named by its external id in the body', async () => {
  const mark = marker();
  const parent = await conn
    .sobject('Account')
    .create({ Name: 'By key', AccountNumber: mark, ExternalID__c: `${mark}-P` });
  const child = await conn
    .sobject('Contact')
    .create({ LastName: 'Keyed', Account: { ExternalID__c: `${mark}-P` } });
  assert.equal(child.success, true);
  const read = await conn.sobject('Contact').retrieve(child.id, { fields: ['AccountId'] });
  assert.equal(read.AccountId, parent.id);
});

test('an allOrNone collection rolls every record back', async () => {
  const mark = marker();
  const results = await conn
    .sobject('Account')
    .create([{ Name: 'Fine', AccountNumber: mark }, { AccountNumber: mark }], { allOrNone: true });
  assert.deepEqual(results.map((r) => r.success), [false, false]);
  assert.equal(results[0].errors[0].statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  assert.equal(results[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
  const count = await conn.sobject('Account').count({ AccountNumber: mark });
  assert.equal(count, 0);
});

test('the Sforce-Query-Options batch size jsforce passes on', async () => {
  const soql = `SELECT Id FROM Account WHERE AccountNumber = '${many.marker}'`;
  const headers = { 'Sforce-Query-Options': 'batchSize=500' };
  const first = await conn.query(soql, { headers });
  assert.equal(first.records.length, 500);
  assert.equal(first.done, false);
  let fetches = 0;
  const all = await conn
    .query(soql, { headers })
    .on('fetch', () => (fetches += 1))
    .run({ autoFetch: true, maxFetch: 5000 });
  assert.equal(all.records.length, MANY);
  assert.equal(fetches, Math.ceil(MANY / 500));
});

test('updated and deleted list ids in a time window', async () => {
  const start = new Date(Date.now() - 60 * 60 * 1000);
  const created = await conn.sobject('Account').create({ Name: 'Windowed' });
  await conn.sobject('Account').destroy(created.id);
  const end = new Date(Date.now() + 60 * 1000);
  const updated = await conn.sobject('Account').updated(start, end);
  assert.ok(Array.isArray(updated.ids));
  assert.ok(updated.ids.includes(many.ids[0]));
  assert.match(updated.latestDateCovered, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000\+0000$/);
  const deleted = await conn.sobject('Account').deleted(start, end);
  const entry = deleted.deletedRecords.find((r) => r.id === created.id);
  assert.ok(entry, JSON.stringify(deleted));
  assert.match(entry.deletedDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
});

// ---------------------------------------------------------------------------------------------
// Metadata, limits, identity

test('describeGlobal lists the objects', async () => {
  const global = await conn.describeGlobal();
  assert.equal(global.encoding, 'UTF-8');
  assert.equal(global.maxBatchSize, 200);
  const account = global.sobjects.find((s) => s.name === 'Account');
  assert.ok(account, 'Account is listed');
  assert.equal(account.keyPrefix, '001');
  assert.equal(account.urls.sobject, '/services/data/v59.0/sobjects/Account');
});

test('describe an object', async () => {
  const describe = await conn.sobject('Account').describe();
  assert.equal(describe.name, 'Account');
  assert.equal(describe.keyPrefix, '001');
  const names = describe.fields.map((f) => f.name);
  assert.ok(names.includes('Id') && names.includes('Name'), names.join());
  const ext = describe.fields.find((f) => f.name === 'ExternalID__c');
  assert.equal(ext.externalId, true);
  assert.equal(ext.custom, true);
  assert.ok(describe.childRelationships.some((r) => r.relationshipName === 'Contacts'));
  assert.equal(describe.urls.describe, '/services/data/v59.0/sobjects/Account/describe');
});

test('limits', async () => {
  const limits = await conn.limits();
  const daily = limits.DailyApiRequests;
  assert.ok(Number.isInteger(daily.Max) && Number.isInteger(daily.Remaining));
  assert.ok(daily.Remaining > 0 && daily.Remaining <= daily.Max);
  const same = await conn.request(`/services/data/v${VERSION}/limits`);
  assert.equal(same.DailyApiRequests.Max, daily.Max);
  // jsforce reads Sforce-Limit-Info after every call.
  assert.equal(conn.limitInfo.apiUsage.limit, daily.Max);
  assert.ok(conn.limitInfo.apiUsage.used >= 1);
});

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
    oauth2: {
      clientId: banner.client_id,
      clientSecret: banner.client_secret,
      loginUrl: banner.instance_url,
    },
    version: VERSION,
  });
  await login.login(banner.username, banner.password + banner.security_token);
  const token = login.accessToken;
  await login.logout();
  const err = await rejection(tokenConnection(token).query('SELECT Id FROM Account LIMIT 1'));
  assert.equal(err.errorCode, 'INVALID_SESSION_ID');
});

// ---------------------------------------------------------------------------------------------
// Composite

test('composite request with a reference between subrequests', async () => {
  const mark = marker();
  const base = `/services/data/v${VERSION}`;
  const response = await conn.requestPost(`${base}/composite`, {
    allOrNone: true,
    compositeRequest: [
      {
        method: 'POST',
        url: `${base}/sobjects/Account`,
        referenceId: 'account',
        body: { Name: 'Composite', AccountNumber: mark },
      },
      {
        method: 'POST',
        url: `${base}/sobjects/Contact`,
        referenceId: 'contact',
        body: { LastName: 'Composite', AccountId: '@{account.id}' },
      },
      {
        method: 'GET',
        url: `${base}/sobjects/Account/@{account.id}?fields=Name,AccountNumber`,
        referenceId: 'read',
      },
    ],
  });
  const [account, contact, read] = response.compositeResponse;
  assert.equal(account.httpStatusCode, 201);
  assert.equal(account.referenceId, 'account');
  assert.equal(account.body.success, true);
  assert.equal(contact.httpStatusCode, 201);
  assert.equal(read.httpStatusCode, 200);
  assert.equal(read.body.Name, 'Composite');
  assert.equal(read.body.AccountNumber, mark);
  const children = await conn.query(`SELECT AccountId FROM Contact WHERE Id = '${contact.body.id}'`);
  assert.equal(children.records[0].AccountId, account.body.id);
});

test('composite batch runs independent subrequests', async () => {
  const base = `v${VERSION}`;
  const created = await conn.sobject('Account').create({ Name: 'Batch' });
  const response = await conn.requestPost(`/services/data/v${VERSION}/composite/batch`, {
    batchRequests: [
      { method: 'PATCH', url: `${base}/sobjects/Account/${created.id}`, richInput: { Name: 'Batch 2' } },
      { method: 'GET', url: `${base}/sobjects/Account/${created.id}?fields=Name` },
      { method: 'GET', url: `${base}/sobjects/Account/001000000000000AAA` },
    ],
  });
  assert.equal(response.hasErrors, true);
  assert.deepEqual(response.results.map((r) => r.statusCode), [204, 200, 404]);
  assert.equal(response.results[1].result.Name, 'Batch 2');
  assert.equal(response.results[2].result[0].errorCode, 'NOT_FOUND');
});

// ---------------------------------------------------------------------------------------------
// Bulk API 2.0

test('bulk2 loadAndWaitForResults inserts and reports failed rows', async () => {
  const mark = marker();
  const rows = Array.from({ length: 30 }, (_, n) => `Bulk ${n},${mark}`);
  rows.push(`,${mark}`); // no Name: REQUIRED_FIELD_MISSING
  const input = ['Name,AccountNumber', ...rows].join('\n') + '\n';
  const results = await conn.bulk2.loadAndWaitForResults({
    object: 'Account',
    operation: 'insert',
    input,
    pollInterval: 200,
    pollTimeout: 60000,
  });
  assert.equal(results.successfulResults.length, 30);
  for (const row of results.successfulResults) {
    assert.match(row.sf__Id, ID18);
    assert.equal(row.sf__Created, 'true');
    assert.equal(row.AccountNumber, mark);
  }
  assert.equal(results.failedResults.length, 1);
  assert.match(results.failedResults[0].sf__Error, /^REQUIRED_FIELD_MISSING:/);
  assert.deepEqual(results.unprocessedRecords, []);
  const count = await conn.query(`SELECT COUNT() FROM Account WHERE AccountNumber = '${mark}'`);
  assert.equal(count.totalSize, 30);
});

test('bulk2 upsert by external id creates and updates', async () => {
  const mark = marker();
  const upsert = (rows) =>
    conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'ExternalID__c',
      input: ['ExternalID__c,Name,AccountNumber', ...rows].join('\n') + '\n',
      pollInterval: 200,
      pollTimeout: 60000,
    });
  const first = await upsert([`${mark}-1,One,${mark}`, `${mark}-2,Two,${mark}`]);
  assert.equal(first.successfulResults.length, 2);
  const second = await upsert([`${mark}-2,Two Updated,${mark}`, `${mark}-3,Three,${mark}`]);
  assert.deepEqual(
    Object.fromEntries(second.successfulResults.map((r) => [r.ExternalID__c, r.sf__Created])),
    { [`${mark}-2`]: 'false', [`${mark}-3`]: 'true' },
  );
  const rows = await conn.query(
    `SELECT ExternalID__c, Name FROM Account WHERE AccountNumber = '${mark}' ORDER BY ExternalID__c`,
  );
  assert.deepEqual(rows.records.map((r) => r.Name), ['One', 'Two Updated', 'Three']);
});

test('bulk2 queryAll includes deleted rows', async () => {
  const mark = marker();
  const created = await conn.sobject('Account').create([
    { Name: 'Kept', AccountNumber: mark },
    { Name: 'Gone', AccountNumber: mark },
  ]);
  await conn.sobject('Account').destroy([created[1].id]);
  const soql = `SELECT Id, Name, IsDeleted FROM Account WHERE AccountNumber = '${mark}' ORDER BY Name`;
  const live = await collect(await conn.bulk2.query(soql, { pollInterval: 200 }));
  assert.deepEqual(live.map((r) => r.Name), ['Kept']);
  const all = await collect(await conn.bulk2.query(soql, { scanAll: true, pollInterval: 200 }));
  assert.deepEqual(all.map((r) => [r.Name, r.IsDeleted]), [
    ['Gone', 'true'],
    ['Kept', 'false'],
  ]);
});

test('bulk2 jobs can be checked and aborted', async () => {
  const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
  await job.open();
  assert.match(job.id, /^750[0-9A-Za-z]{15}$/);
  const open = await job.check();
  assert.equal(open.state, 'Open');
  assert.equal(open.object, 'Account');
  assert.equal(open.operation, 'insert');
  await job.abort();
  const aborted = await job.check();
  assert.equal(aborted.state, 'Aborted');
  const err = await rejection(job.uploadData('Name\nLate\n'));
  assert.ok(err.errorCode, String(err));
});

test('bulk2 delete by id', async () => {
  const mark = marker();
  const created = await conn.sobject('Account').create([
    { Name: 'D1', AccountNumber: mark },
    { Name: 'D2', AccountNumber: mark },
  ]);
  const results = await conn.bulk2.loadAndWaitForResults({
    object: 'Account',
    operation: 'delete',
    input: ['Id', ...created.map((r) => r.id)].join('\r\n') + '\r\n',
    lineEnding: 'CRLF',
    pollInterval: 200,
  });
  assert.equal(results.successfulResults.length, 2);
  assert.deepEqual(new Set(results.successfulResults.map((r) => r.sf__Id)), new Set(created.map((r) => r.id)));
  assert.equal(await conn.sobject('Account').count({ AccountNumber: mark }), 0);
});

test('bulk2 query reads every result page', async () => {
  const stream = await conn.bulk2.query(
    `SELECT Id, Name FROM Account WHERE AccountNumber = '${many.marker}'`,
    { pollInterval: 200, pollTimeout: 60000 },
  );
  const records = await collect(stream);
  assert.equal(records.length, MANY);
  assert.deepEqual(Object.keys(records[0]), ['Id', 'Name']);
  assert.deepEqual(new Set(records.map((r) => r.Id)), new Set(many.ids));
});

// ---------------------------------------------------------------------------------------------
// Errors, as jsforce maps them

test('an unknown field in a query is INVALID_FIELD', async () => {
  const err = await rejection(conn.query('SELECT Nope__c FROM Account'));
  assert.equal(err.errorCode, 'INVALID_FIELD');
  assert.equal(err.name, 'INVALID_FIELD');
  assert.match(err.message, /No such column 'Nope__c' on entity 'Account'/);
});

test('an unknown field on create is INVALID_FIELD', async () => {
  const err = await rejection(conn.sobject('Account').create({ Name: 'X', Nope__c: 1 }));
  assert.equal(err.errorCode, 'INVALID_FIELD');
  assert.match(err.message, /No such column 'Nope__c' on sobject of type Account/);
});

test('collection items carry their own errors', async () => {
  const results = await conn.sobject('Account').create([{ Name: 'Fine' }, { Name: '' }]);
  assert.equal(results[0].success, true);
  assert.equal(results[1].success, false);
  assert.equal(results[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
  assert.deepEqual(results[1].errors[0].fields, ['Name']);
});

test('an unknown id is NOT_FOUND', async () => {
  const err = await rejection(conn.sobject('Account').retrieve('001000000000000AAA'));
  assert.equal(err.errorCode, 'NOT_FOUND');
});

test('an unknown object is NOT_FOUND', async () => {
  const err = await rejection(conn.sobject('Nope__c').describe());
  assert.equal(err.errorCode, 'NOT_FOUND');
});

// ---------------------------------------------------------------------------------------------
// Session expiry: ends every token, the banner's too, so it runs last.

test('an expired session: token-only clients fail, clients with credentials log in again', async () => {
  const soap = new jsforce.Connection({ loginUrl: banner.instance_url, version: VERSION });
  await soap.login(banner.username, banner.password + banner.security_token);
  const oauth = new jsforce.Connection({
    oauth2: {
      clientId: banner.client_id,
      clientSecret: banner.client_secret,
      loginUrl: banner.instance_url,
    },
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
