'use strict';
// Starts the server under test for one test file: a cairn-server (default)
// or, with TARGET=redis, a real redis-server, so every test here is first
// proven against Redis. It listens on a loopback port the kernel picked and
// keeps its data in a fresh temp dir; stop() ends only the process started
// here, by its PID, and removes the dir.
//
// Environment:
//   TARGET         cairn (default) or redis
//   CAIRN_SERVER   path of cairn-server (default: build/debug/cairn-server)
//   REDIS_SERVER   path of redis-server (default: redis-server on PATH)

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');

const ROOT = path.resolve(__dirname, '..', '..');
// A sanitized debug build starts slowly on a busy machine.
const START_TIMEOUT_MS = 60000;
const STOP_TIMEOUT_MS = 15000;

function target() {
  const t = (process.env.TARGET || 'cairn').toLowerCase();
  if (t !== 'cairn' && t !== 'redis') throw new Error(`TARGET must be cairn or redis, not ${t}`);
  return t;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// `cluster`: { busPort } to start a cluster-enabled node.
function command(port, dir, cluster) {
  if (target() === 'redis') {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly',
      'no', '--daemonize', 'no', '--dir', dir, '--protected-mode', 'no'];
    if (cluster) {
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'),
        '--cluster-port', String(cluster.busPort));
    }
    return [process.env.REDIS_SERVER || 'redis-server', args];
  }
  const bin = path.resolve(process.env.CAIRN_SERVER ||
    path.join(ROOT, 'build', 'debug', 'cairn-server'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', path.join(dir, 'data'),
    '--threads', '2'];
  if (cluster) args.push('--cluster-enabled', 'yes', '--cluster-port', String(cluster.busPort));
  return [bin, args];
}

// True once the server answers an inline PING with +PONG.
function pingOnce(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class ServerUnderTest {
  constructor(child, port, dir) {
    this.child = child;
    this.port = port;
    this.dir = dir;
    this.clients = [];
    this.exited = new Promise((resolve) => child.once('exit', resolve));
  }

  logTail(lines = 30) {
    try {
      return fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8')
        .split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  // An ioredis client that fails fast instead of reconnecting forever.
  client(options = {}) {
    const c = new Redis({
      host: '127.0.0.1', port: this.port, maxRetriesPerRequest: 1,
      retryStrategy: () => null, ...options,
    });
    this.clients.push(c);
    return c;
  }

  async stop() {
    for (const c of this.clients) c.disconnect();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((r) => { timer = setTimeout(() => r(false), STOP_TIMEOUT_MS); });
      const stopped = await Promise.race([this.exited.then(() => true), timeout]);
      clearTimeout(timer); // a pending timer would keep the test process alive
      if (!stopped) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function startServer(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-ioredis-'));
  const logPath = path.join(dir, 'server.log');
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) { // a picked port can be taken before we bind it
    const port = await freePort();
    const cluster = options.cluster ? { busPort: await freePort() } : null;
    const [bin, args] = command(port, dir, cluster);
    const log = fs.openSync(logPath, 'a');
    const child = spawn(bin, args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    // If this test process dies first, its server goes with it.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    const server = new ServerUnderTest(child, port, dir);
    let spawnError = null;
    child.once('error', (e) => { spawnError = e; });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline && spawnError === null && child.exitCode === null) {
      if (await pingOnce(port)) return server;
      await sleep(50);
    }
    lastError = spawnError ? `${bin}: ${spawnError.message}`
      : child.exitCode !== null ? `exited with status ${child.exitCode}` : 'no PONG in time';
    if (spawnError) break; // no such binary: another port would not help
    if (child.exitCode === null) child.kill('SIGKILL');
    await server.exited;
    process.removeListener('exit', reap);
  }
  const tail = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '';
  fs.rmSync(dir, { recursive: true, force: true });
  throw new Error(`${target()} server did not start: ${lastError}\n${tail}`);
}

module.exports = { startServer, target, sleep, freePort };
