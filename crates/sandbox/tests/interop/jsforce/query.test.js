// jsforce interop: SOQL through query, queryMore, autoFetch and the query builder.
// Set-up, and how these files are run: support.js.

'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const jsforce = require('jsforce');
const {
  banner,
  VERSION,
  MANY,
  marker,
  tokenConnection,
  manyAccounts,
} = require('./support');

const conn = tokenConnection(); // the banner's token
let many; // { marker, ids } of the 2,100-record fixture

before(async () => {
  many = await manyAccounts(conn);
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
