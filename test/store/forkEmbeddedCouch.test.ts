/**
 * The embedded CouchDB-compatible server in its own child process: real forks, real HTTP,
 * real signals. Each test uses its own data directory, which also names its processes in /proc.
 */
import fs from 'node:fs';
import http from 'node:http';
import nano from 'nano';
import { StartupError } from '../../src/errors/StartupError';
import { createLogger } from '../../src/logging/createLogger';
import { createCouchStore } from '../../src/store/createCouchStore';
import { forkEmbeddedCouch, type ForkedCouchOptions } from '../../src/store/forkEmbeddedCouch';
import { commandLine, environmentOf, isRunning, processesWith, waitForExit } from '../support/processes';
import { captureLogger } from '../support/captureLogger';
import { forkStoreParent } from './support/forkStoreParent';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';
import { freePort } from '../support/freePort';

const silent = createLogger({ level: 'silent' });

describe('forkEmbeddedCouch', () => {
  let dataDir: string;
  const started: Array<{ close(): Promise<void> }> = [];

  beforeEach(() => {
    dataDir = tempDataDir();
  });

  afterEach(async () => {
    for (const server of started.splice(0)) await server.close();
    // Whatever a test did, nothing may keep serving its directory.
    expect(processesWith(dataDir)).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(options: Partial<ForkedCouchOptions> = {}) {
    const server = await forkEmbeddedCouch({ dataDir, logger: silent, ...options });
    started.push(server);
    return server;
  }

  it('serves CouchDB over HTTP from a separate process running the child entry', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.pid).not.toBe(process.pid);
    expect(isRunning(server.pid)).toBe(true);
    expect(commandLine(server.pid).some((arg) => /embeddedCouchProcess\.ts$/.test(arg))).toBe(true);

    const welcome = await fetch(server.url);
    expect(welcome.status).toBe(200);
    expect(await welcome.json()).toMatchObject({ 'express-pouchdb': 'Welcome!', version: expect.any(String) });

    const couch = nano(server.url);
    await couch.db.create('photos');
    await couch.use<{ status: string }>('photos').insert({ _id: 'req_1', status: 'processing' });
    expect(await couch.use<{ status: string }>('photos').get('req_1')).toMatchObject({ status: 'processing' });
  });

  it('forks the child with a young generation of at most 8 MB semi-spaces and a bounded old-generation growth', async () => {
    const server = await start();
    const argv = commandLine(server.pid);
    const entry = argv.findIndex((arg) => /embeddedCouchProcess\.ts$/.test(arg));
    // Node options go before the entry; after it they would be the child's own arguments.
    const nodeOptions = argv.slice(1, entry);
    const semiSpace = nodeOptions.find((arg) => arg.startsWith('--max-semi-space-size='));
    expect(Number(semiSpace?.split('=')[1])).toBeLessThanOrEqual(8);
    const growing = nodeOptions.find((arg) => arg.startsWith('--heap-growing-percent='));
    expect(Number(growing?.split('=')[1])).toBeGreaterThan(0);
    expect(Number(growing?.split('=')[1])).toBeLessThanOrEqual(50);
  });

  it('gives the child 2 malloc arenas and a fixed mmap threshold unless the environment sets them', async () => {
    const saved = { arenas: process.env.MALLOC_ARENA_MAX, threshold: process.env.MALLOC_MMAP_THRESHOLD_ };
    try {
      delete process.env.MALLOC_ARENA_MAX;
      delete process.env.MALLOC_MMAP_THRESHOLD_;
      const first = await start();
      expect(environmentOf(first.pid)).toMatchObject({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' });
      await first.close();

      process.env.MALLOC_ARENA_MAX = '4';
      process.env.MALLOC_MMAP_THRESHOLD_ = '65536';
      const second = await start();
      expect(environmentOf(second.pid)).toMatchObject({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '65536' });
    } finally {
      for (const [name, value] of [['MALLOC_ARENA_MAX', saved.arenas], ['MALLOC_MMAP_THRESHOLD_', saved.threshold]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('keeps the data across close and a new child on the same directory', async () => {
    const first = await forkEmbeddedCouch({ dataDir, logger: silent });
    await nano(first.url).db.create('kept');
    await nano(first.url).use<{ n: number }>('kept').insert({ _id: 'a', n: 1 });
    await first.close();

    const second = await start();
    expect(second.pid).not.toBe(first.pid);
    expect(await nano(second.url).use<{ n: number }>('kept').get('a')).toMatchObject({ n: 1 });
  });

  it('closes idempotently and the child process is gone afterwards', async () => {
    const server = await forkEmbeddedCouch({ dataDir, logger: silent });
    const { pid } = server;
    await Promise.all([server.close(), server.close()]);
    await server.close();
    expect(isRunning(pid)).toBe(false);
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('restarts a killed child on the same port (the kill released its lock on the directory), logs the crash, and the store keeps working', async () => {
    const logger = captureLogger();
    const server = await start({ logger });
    const store = await createCouchStore({ url: server.url, mode: 'embedded', logger: silent, dbPrefix: uniquePrefix(), retry: { initialDelayMs: 20, maxDelayMs: 200 } });
    try {
      const before = makeLifecycle(makeRequestId());
      await store.startRequest(before.started);
      await waitFor(() => store.pendingWrites() === 0);

      const crashed = server.pid;
      process.kill(crashed, 'SIGKILL');
      // Written while the child is down or restarting: the queue retries it.
      const during = makeLifecycle(makeRequestId());
      await store.startRequest(during.started);

      await waitFor(() => server.pid !== crashed);
      expect(isRunning(crashed)).toBe(false);
      expect(isRunning(server.pid)).toBe(true);
      await waitFor(() => store.pendingWrites() === 0);
      expect(await store.getRequest(before.started.requestId)).toMatchObject({ status: 'processing' });
      expect(await store.getRequest(during.started.requestId)).toMatchObject({ status: 'processing' });
      expect(await store.health()).toMatchObject({ status: 'ok', url: server.url });
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ level: 'error', fields: expect.objectContaining({ childPid: crashed, signal: 'SIGKILL' }) }),
      );
    } finally {
      await store.close();
    }
  });

  it('keeps serving through SIGINT and SIGTERM sent to the process group (Ctrl-C): the parent decides when it stops', async () => {
    const server = await start();
    process.kill(server.pid, 'SIGINT');
    process.kill(server.pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isRunning(server.pid)).toBe(true);
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('rejects naming the port when it is taken, and leaves no child behind', async () => {
    const port = await freePort();
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await expect(forkEmbeddedCouch({ dataDir, port, logger: silent })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
      expect(processesWith(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses a directory another server has open with a StartupError naming DATA_DIR, leaving the first serving', async () => {
    const first = await start();
    const err = await forkEmbeddedCouch({ dataDir, logger: silent, lockWaitMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect(err).toMatchObject({ variable: 'DATA_DIR', message: expect.stringMatching(/another process has its database open/) });
    // Only the first child serves the directory, and it still answers.
    expect(processesWith(dataDir)).toHaveLength(1);
    await expect(nano(first.url).db.list()).resolves.toEqual(expect.any(Array));
  });

  it('waits for a server still letting go of the directory (a restart right after a crash) and then starts', async () => {
    const first = await start();
    const second = forkEmbeddedCouch({ dataDir, logger: silent, lockWaitMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await first.close();
    const server = await second;
    started.push(server);
    await expect(nano(server.url).db.list()).resolves.toEqual(expect.any(Array));
  });

  it('rejects a non-loopback host with the reason', async () => {
    await expect(forkEmbeddedCouch({ dataDir, host: '0.0.0.0', logger: silent })).rejects.toThrow(/loopback/);
  });

  it('kills a child that does not start within startTimeoutMs and says so', async () => {
    await expect(forkEmbeddedCouch({ dataDir, logger: silent, startTimeoutMs: 1 })).rejects.toThrow('did not start within 1 ms');
    expect(processesWith(dataDir)).toEqual([]);
  });

  it('stops the child when the parent process dies without closing it', async () => {
    const parent = await forkStoreParent(dataDir);
    const { childPid } = parent.report;
    expect(isRunning(childPid)).toBe(true);

    parent.process.kill('SIGKILL');
    await parent.exited;
    // No parent left to send 'stop': the closed IPC channel is the child's cue.
    expect(await waitForExit(childPid, 5_000)).toBe(true);
  });
});
