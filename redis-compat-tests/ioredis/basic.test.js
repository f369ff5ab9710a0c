'use strict';
// ioredis against the server under test: strings, expiry, counters, errors,
// databases, a 100-command pipeline and the persistence commands.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./server');

let server;
let redis;

before(async () => {
  server = await startServer();
  redis = server.client();
  await redis.flushall();
});

after(async () => {
  if (server) await server.stop();
});

test('set, get, del and exists', async () => {
  assert.equal(await redis.set('basic:a', 'hello'), 'OK');
  assert.equal(await redis.get('basic:a'), 'hello');
  assert.equal(await redis.exists('basic:a', 'basic:nosuch'), 1);
  assert.equal(await redis.del('basic:a', 'basic:nosuch'), 1);
  assert.equal(await redis.get('basic:a'), null);
  assert.equal(await redis.set('basic:nx', '1', 'NX'), 'OK');
  assert.equal(await redis.set('basic:nx', '2', 'NX'), null);
  assert.equal(await redis.get('basic:nx'), '1');
});

test('binary values round-trip as Buffers', async () => {
  const value = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
  assert.equal(await redis.set('basic:bin', value), 'OK');
  assert.deepEqual(await redis.getBuffer('basic:bin'), value);
  assert.equal(await redis.strlen('basic:bin'), value.length);
});

test('mset and mget', async () => {
  assert.equal(await redis.mset({ 'basic:m1': 'one', 'basic:m2': 'two' }), 'OK');
  assert.deepEqual(await redis.mget('basic:m1', 'basic:nosuch', 'basic:m2'), ['one', null, 'two']);
});

test('expire, ttl, pttl and persist', async () => {
  await redis.set('basic:ttl', 'v');
  assert.equal(await redis.ttl('basic:ttl'), -1);
  assert.equal(await redis.expire('basic:ttl', 100), 1);
  const ttl = await redis.ttl('basic:ttl');
  assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
  const pttl = await redis.pttl('basic:ttl');
  assert.ok(pttl > 90000 && pttl <= 100000, `pttl ${pttl}`);
  assert.equal(await redis.persist('basic:ttl'), 1);
  assert.equal(await redis.ttl('basic:ttl'), -1);
  assert.equal(await redis.ttl('basic:nosuch'), -2);
  assert.equal(await redis.expire('basic:nosuch', 100), 0);
});

test('a key set with PX expires', async () => {
  assert.equal(await redis.set('basic:short', 'v', 'PX', 50), 'OK');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await redis.exists('basic:short')) === 1) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await redis.get('basic:short'), null);
});

test('incr, incrby, decr and incrbyfloat', async () => {
  assert.equal(await redis.incr('basic:n'), 1);
  assert.equal(await redis.incrby('basic:n', 41), 42);
  assert.equal(await redis.decr('basic:n'), 41);
  assert.equal(await redis.decrby('basic:n', 50), -9);
  assert.equal(await redis.incrbyfloat('basic:f', '1.5'), '1.5');
  assert.equal(await redis.incrbyfloat('basic:f', '0.25'), '1.75');
});

test('errors come back as ReplyError with Redis text', async () => {
  await redis.set('basic:str', 'not a number');
  await assert.rejects(redis.incr('basic:str'), (e) => {
    assert.equal(e.name, 'ReplyError');
    assert.equal(e.message, 'ERR value is not an integer or out of range');
    return true;
  });
  await assert.rejects(redis.call('get'), /ERR wrong number of arguments for 'get' command/);
  await assert.rejects(redis.call('nosuchcommand', 'x'),
    /ERR unknown command 'nosuchcommand', with args beginning with: 'x'/);
  // The connection is still good after errors.
  assert.equal(await redis.ping(), 'PONG');
});

test('databases are separate (db option and SELECT)', async () => {
  const db2 = server.client({ db: 2 });
  await db2.set('basic:db', 'two');
  assert.equal(await redis.get('basic:db'), null);
  assert.equal(await db2.get('basic:db'), 'two');
  assert.equal(await db2.dbsize(), 1);
  await db2.flushdb();
  assert.equal(await db2.dbsize(), 0);
});

test('a pipeline of 100 commands answers each in order', async () => {
  const p = redis.pipeline();
  for (let i = 0; i < 100; i++) {
    if (i % 4 === 0) p.set(`pipe:${i}`, `v${i}`);
    else if (i % 4 === 1) p.get(`pipe:${i - 1}`);
    else if (i % 4 === 2) p.incr('pipe:counter');
    else p.incr(`pipe:${i - 3}`); // a string value: an error in the middle
  }
  const results = await p.exec();
  assert.equal(results.length, 100);
  let counter = 0;
  for (let i = 0; i < 100; i++) {
    const [err, value] = results[i];
    if (i % 4 === 0) {
      assert.equal(err, null);
      assert.equal(value, 'OK');
    } else if (i % 4 === 1) {
      assert.equal(value, `v${i - 1}`);
    } else if (i % 4 === 2) {
      counter += 1;
      assert.equal(value, counter);
    } else {
      assert.ok(err instanceof Error, `command ${i} should fail`);
      assert.equal(err.message, 'ERR value is not an integer or out of range');
    }
  }
  assert.equal(await redis.get('pipe:counter'), '25');
});

test('many clients at once see each other\'s writes', async () => {
  const clients = Array.from({ length: 8 }, () => server.client());
  await Promise.all(clients.map((c, i) =>
    Promise.all(Array.from({ length: 50 }, () => c.incr(`par:${i % 2}`)))));
  assert.equal(await redis.get('par:0'), '200');
  assert.equal(await redis.get('par:1'), '200');
});

test('INFO is what ioredis parses for its ready check', async () => {
  const info = await redis.info('persistence');
  assert.match(info, /^# Persistence\r\n/);
  assert.match(info, /\r\nloading:0\r\n/);
});

test('SAVE, BGSAVE and LASTSAVE', async () => {
  const before = await redis.lastsave();
  assert.equal(typeof before, 'number');
  assert.ok(before <= Math.floor(Date.now() / 1000) + 1);
  await redis.set('persist:k', 'v');
  assert.match(await redis.info('persistence'), /rdb_changes_since_last_save:[1-9]/);
  assert.equal(await redis.save(), 'OK');
  assert.match(await redis.info('persistence'), /rdb_changes_since_last_save:0\r\n/);
  assert.ok((await redis.lastsave()) >= before);
  assert.equal(await redis.bgsave(), 'Background saving started');
  const deadline = Date.now() + 30000;
  let info = '';
  while (Date.now() < deadline) {
    info = await redis.info('persistence');
    if (info.includes('rdb_bgsave_in_progress:0')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(info, /rdb_bgsave_in_progress:0\r\n/);
  assert.match(info, /rdb_last_bgsave_status:ok\r\n/);
});
