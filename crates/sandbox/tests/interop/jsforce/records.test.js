// jsforce interop: records, metadata, composite and errors.
// Set-up, and how these files are run: support.js.

'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  banner,
  VERSION,
  ID18,
  marker,
  tokenConnection,
  rejection,
} = require('./support');

const conn = tokenConnection(); // the banner's token

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

test('updated and deleted list ids in a time window', async () => {
  const start = new Date(Date.now() - 60 * 60 * 1000);
  const kept = await conn.sobject('Account').create({ Name: 'Kept' });
  const created = await conn.sobject('Account').create({ Name: 'Windowed' });
  await conn.sobject('Account').destroy(created.id);
  const end = new Date(Date.now() + 60 * 1000);
  const updated = await conn.sobject('Account').updated(start, end);
  assert.ok(Array.isArray(updated.ids));
  assert.ok(updated.ids.includes(kept.id), JSON.stringify(updated));
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
