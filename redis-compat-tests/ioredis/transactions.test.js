'use strict';
// MULTI/EXEC/DISCARD and WATCH through ioredis, including the optimistic
// retry loop clients build on WATCH.
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

test('multi/exec runs the queued commands and returns every reply', async () => {
  const results = await redis.multi()
    .set('tx:a', '1')
    .incr('tx:a')
    .get('tx:a')
    .exec();
  assert.deepEqual(results, [[null, 'OK'], [null, 2], [null, '2']]);
});

test('a command that fails inside EXEC fails alone', async () => {
  await redis.set('tx:str', 'text');
  const results = await redis.multi()
    .incr('tx:str')
    .set('tx:after', 'ran')
    .exec();
  assert.equal(results.length, 2);
  assert.ok(results[0][0] instanceof Error);
  assert.equal(results[0][0].message, 'ERR value is not an integer or out of range');
  assert.deepEqual(results[1], [null, 'OK']);
  assert.equal(await redis.get('tx:after'), 'ran');
});

test('an error while queueing aborts the whole transaction', async () => {
  await redis.del('tx:never');
  await assert.rejects(
    redis.multi().set('tx:never', '1').call('get').exec(),
    (e) => {
      assert.match(e.message, /EXECABORT Transaction discarded because of previous errors/);
      return true;
    });
  assert.equal(await redis.get('tx:never'), null);
});

test('discard drops the queued commands', async () => {
  await redis.del('tx:dropped');
  // Not pipelined: each command goes out at once and answers QUEUED.
  const c = server.client();
  assert.equal(await c.multi({ pipeline: false }), 'OK');
  assert.equal(await c.set('tx:dropped', '1'), 'QUEUED');
  assert.equal(await c.discard(), 'OK');
  assert.equal(await redis.get('tx:dropped'), null);
  assert.equal(await c.get('tx:dropped'), null); // out of the transaction again
});

test('a transaction is not interleaved with another client', async () => {
  const other = server.client();
  await redis.set('tx:pair', '0');
  await Promise.all([
    redis.multi().incr('tx:pair').incr('tx:pair').exec(),
    other.set('tx:pair', '100'),
  ]);
  // Either the SET came first (102) or last (100): never in between.
  assert.ok(['100', '102'].includes(await redis.get('tx:pair')));
});

test('WATCH: a write by another client makes EXEC return null', async () => {
  const watcher = server.client();
  const other = server.client();
  await redis.set('tx:watched', '10');
  assert.equal(await watcher.watch('tx:watched'), 'OK');
  const seen = Number(await watcher.get('tx:watched'));
  await other.set('tx:watched', '99');
  const result = await watcher.multi().set('tx:watched', String(seen + 1)).exec();
  assert.equal(result, null);
  assert.equal(await redis.get('tx:watched'), '99');
  // Untouched since WATCH: EXEC goes through.
  await watcher.watch('tx:watched');
  const now = Number(await watcher.get('tx:watched'));
  assert.deepEqual(await watcher.multi().set('tx:watched', String(now + 1)).exec(), [[null, 'OK']]);
  assert.equal(await redis.get('tx:watched'), '100');
});

test('UNWATCH forgets the watched keys', async () => {
  const watcher = server.client();
  await watcher.watch('tx:unwatched');
  await redis.set('tx:unwatched', 'changed');
  assert.equal(await watcher.unwatch(), 'OK');
  assert.deepEqual(await watcher.multi().get('tx:unwatched').exec(), [[null, 'changed']]);
});

// The check-and-set loop of the Redis docs: read under WATCH, write in
// MULTI, retry when EXEC says another client got there first.
async function casIncrement(client, key) {
  for (let attempt = 1; attempt <= 1000; attempt++) {
    await client.watch(key);
    const value = Number((await client.get(key)) || '0');
    const result = await client.multi().set(key, String(value + 1)).exec();
    if (result !== null) return attempt;
  }
  throw new Error('no EXEC went through in 1000 attempts');
}

test('WATCH retry loop: concurrent check-and-set increments lose nothing', async () => {
  const key = 'tx:cas';
  await redis.del(key);
  const workers = 6;
  const perWorker = 30;
  const clients = Array.from({ length: workers }, () => server.client());
  await Promise.all(clients.map(async (c) => {
    for (let i = 0; i < perWorker; i++) await casIncrement(c, key);
  }));
  // Without WATCH, concurrent read-then-SET would lose increments.
  assert.equal(await redis.get(key), String(workers * perWorker));
});

test('WATCH retry loop: a forced conflict is retried and then succeeds', async () => {
  const key = 'tx:forced';
  const client = server.client();
  const other = server.client();
  await redis.set(key, '1');
  let interfered = false;
  let attempts = 0;
  for (;;) {
    attempts++;
    await client.watch(key);
    const value = Number(await client.get(key));
    if (!interfered) {
      await other.incrby(key, 10); // lands between the read and EXEC
      interfered = true;
    }
    const result = await client.multi().set(key, String(value * 2)).exec();
    if (result !== null) break;
  }
  assert.equal(attempts, 2);
  assert.equal(await redis.get(key), '22');
});
