'use strict';
// SCAN through ioredis's scanStream: every key is found (SCAN may repeat a
// key, never miss one that exists for the whole scan), MATCH and COUNT work.
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

function collect(stream) {
  return new Promise((resolve, reject) => {
    const keys = new Set();
    let batches = 0;
    stream.on('data', (batch) => {
      batches++;
      for (const k of batch) keys.add(k);
    });
    stream.on('end', () => resolve({ keys, batches }));
    stream.on('error', reject);
  });
}

test('scanStream finds every key exactly as a set', async () => {
  const expected = new Set();
  const p = redis.pipeline();
  for (let i = 0; i < 300; i++) {
    const k = `scan:item:${i}`;
    expected.add(k);
    p.set(k, String(i));
  }
  for (let i = 0; i < 50; i++) p.set(`other:${i}`, 'x');
  await p.exec();

  const { keys, batches } = await collect(redis.scanStream({ match: 'scan:item:*', count: 25 }));
  assert.deepEqual([...keys].sort(), [...expected].sort());
  assert.ok(batches > 1, `300 keys at COUNT 25 should take several batches, took ${batches}`);

  const all = await collect(redis.scanStream({ count: 1000 }));
  assert.equal(all.keys.size, 350);
});

test('scanStream on an empty pattern match ends with nothing', async () => {
  const { keys } = await collect(redis.scanStream({ match: 'nosuch:*' }));
  assert.equal(keys.size, 0);
});

test('scan cursor protocol: starts and ends at "0"', async () => {
  let cursor = '0';
  const seen = new Set();
  let rounds = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', 'scan:item:1*', 'COUNT', 50);
    assert.equal(typeof next, 'string');
    for (const k of batch) seen.add(k);
    cursor = next;
    rounds++;
  } while (cursor !== '0' && rounds < 10000);
  assert.equal(cursor, '0');
  // scan:item:1, 10..19, 100..199
  assert.equal(seen.size, 1 + 10 + 100);
});

test('scanStream sees only the selected database', async () => {
  const db5 = server.client({ db: 5 });
  await db5.set('scan:db5', '1');
  const { keys } = await collect(db5.scanStream());
  assert.deepEqual([...keys], ['scan:db5']);
});
