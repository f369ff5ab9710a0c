'use strict';
// Pub/Sub through ioredis: SUBSCRIBE/PSUBSCRIBE on one connection, PUBLISH
// from another, message and pmessage events, receiver counts, UNSUBSCRIBE.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./server');

let server;
let publisher;

before(async () => {
  server = await startServer();
  publisher = server.client();
});

after(async () => {
  if (server) await server.stop();
});

// Resolves with the first `n` events of `name` (or rejects after 5 s).
function nextEvents(emitter, name, n) {
  return new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(() => {
      emitter.removeListener(name, on);
      reject(new Error(`only ${got.length} of ${n} '${name}' events in 5 s`));
    }, 5000);
    function on(...args) {
      got.push(args);
      if (got.length === n) {
        clearTimeout(timer);
        emitter.removeListener(name, on);
        resolve(got);
      }
    }
    emitter.on(name, on);
  });
}

test('subscribe, publish, message', async () => {
  const sub = server.client();
  assert.equal(await sub.subscribe('news', 'sport'), 2);
  const messages = nextEvents(sub, 'message', 3);
  assert.equal(await publisher.publish('news', 'hello'), 1);
  assert.equal(await publisher.publish('sport', 'goal'), 1);
  assert.equal(await publisher.publish('news', Buffer.from('bin\r\n\0')), 1);
  assert.deepEqual(await messages, [['news', 'hello'], ['sport', 'goal'], ['news', 'bin\r\n\0']]);
  assert.equal(await publisher.publish('nobody-listens', 'x'), 0);
  await sub.unsubscribe('news');
  assert.equal(await publisher.publish('news', 'gone'), 0);
  assert.equal(await publisher.publish('sport', 'still'), 1);
});

test('psubscribe and pmessage', async () => {
  const sub = server.client();
  assert.equal(await sub.psubscribe('log.*'), 1);
  const events = nextEvents(sub, 'pmessage', 2);
  assert.equal(await publisher.publish('log.error', 'disk'), 1);
  assert.equal(await publisher.publish('log.info', 'ok'), 1);
  assert.equal(await publisher.publish('metrics', 'no'), 0);
  assert.deepEqual(await events, [['log.*', 'log.error', 'disk'], ['log.*', 'log.info', 'ok']]);
  await sub.punsubscribe('log.*');
  assert.equal(await publisher.publish('log.error', 'late'), 0);
});

test('every subscriber gets the message; the count says how many', async () => {
  const subs = [server.client(), server.client(), server.client()];
  for (const s of subs) await s.subscribe('fanout');
  const received = subs.map((s) => nextEvents(s, 'message', 1));
  assert.equal(await publisher.publish('fanout', 'all'), 3);
  for (const r of received) assert.deepEqual(await r, [['fanout', 'all']]);
});

test('a subscribed connection takes only Pub/Sub commands until it unsubscribes', async () => {
  const sub = server.client();
  await sub.subscribe('quiet');
  // ioredis itself refuses non-pubsub commands in subscriber mode.
  await assert.rejects(sub.get('k'), /Connection in subscriber mode/);
  await sub.unsubscribe();
  assert.equal(await sub.set('pubsub:k', 'v'), 'OK');
});

test('PUBSUB CHANNELS and NUMSUB report the live subscriptions', async () => {
  const sub = server.client();
  await sub.subscribe('introspect:a', 'introspect:b');
  const channels = await publisher.pubsub('CHANNELS', 'introspect:*');
  assert.deepEqual(channels.sort(), ['introspect:a', 'introspect:b']);
  assert.deepEqual(await publisher.pubsub('NUMSUB', 'introspect:a', 'introspect:none'),
    ['introspect:a', 1, 'introspect:none', 0]);
});
