// jsforce interop: Bulk API 2.0.
// Set-up, and how these files are run: support.js.

'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const {
  ID18,
  MANY,
  marker,
  tokenConnection,
  rejection,
  collect,
  manyAccounts,
} = require('./support');

const conn = tokenConnection(); // the banner's token
let many; // { marker, ids } of the 2,100-record fixture

before(async () => {
  many = await manyAccounts(conn);
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
