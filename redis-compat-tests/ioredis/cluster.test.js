'use strict';
// ioredis's Cluster client against three cluster-mode nodes joined by
// redis-cli --cluster create: it discovers the topology (CLUSTER SLOTS),
// follows MOVED, and runs set/get, hash-tagged multi-key commands and
// pipelines routed per slot.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const Redis = require('ioredis');
const { startServer, sleep } = require('./server');

let servers = [];
let cluster;

before(async () => {
  for (let i = 0; i < 3; i++) servers.push(await startServer({ cluster: true }));
  const addrs = servers.map((s) => `127.0.0.1:${s.port}`);
  execFileSync('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0',
    '--cluster-yes'], { timeout: 120000, stdio: 'pipe' });
  // Bounded wait until every node reports cluster_state:ok.
  const deadline = Date.now() + 30000;
  for (const s of servers) {
    const c = s.client();
    for (;;) {
      const info = await c.cluster('INFO');
      if (info.includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new Error(`node ${s.port} not ok: ${info}`);
      await sleep(100);
    }
  }
  cluster = new Redis.Cluster([{ host: '127.0.0.1', port: servers[0].port }],
    { redisOptions: { connectTimeout: 5000 }, slotsRefreshTimeout: 5000 });
});

after(async () => {
  if (cluster) cluster.disconnect();
  for (const s of servers) await s.stop();
});

test('discovers every master and routes single-key commands', async () => {
  for (let i = 0; i < 50; i++) assert.equal(await cluster.set(`c:${i}`, `v${i}`), 'OK');
  for (let i = 0; i < 50; i++) assert.equal(await cluster.get(`c:${i}`), `v${i}`);
  assert.equal(cluster.nodes('master').length, 3);
  // The keys really are spread over the three masters.
  const counts = await Promise.all(cluster.nodes('master').map((n) => n.dbsize()));
  assert.equal(counts.reduce((a, b) => a + b, 0), 50);
  assert.ok(counts.every((n) => n > 0), `keys per master: ${counts}`);
});

test('hash tags keep multi-key commands in one slot', async () => {
  assert.equal(await cluster.mset('{user:1}:name', 'ada', '{user:1}:lang', 'ml'), 'OK');
  assert.deepEqual(await cluster.mget('{user:1}:name', '{user:1}:lang'), ['ada', 'ml']);
  await assert.rejects(cluster.mget('a-key', 'another-key'), /CROSSSLOT/);
});

// ioredis sends a cluster pipeline to one node: its keys share a slot.
test('pipelines run on the node of their slot, answered in order', async () => {
  const p = cluster.pipeline();
  for (let i = 0; i < 30; i++) p.set(`{pipe}:${i}`, String(i));
  for (let i = 0; i < 30; i++) p.get(`{pipe}:${i}`);
  const res = await p.exec();
  assert.equal(res.length, 60);
  for (let i = 0; i < 30; i++) assert.deepEqual(res[i], [null, 'OK']);
  for (let i = 0; i < 30; i++) assert.deepEqual(res[30 + i], [null, String(i)]);
});

test('a transaction on one slot', async () => {
  const res = await cluster.multi().set('{t}a', '1').incr('{t}a').get('{t}a').exec();
  assert.deepEqual(res, [[null, 'OK'], [null, 2], [null, '2']]);
});
