/**
 * Graceful shutdown of the real process (src/server.ts as a child process): SIGTERM drains —
 * /health says 503, new work is refused, the in-flight upload completes and is stored, WebSocket
 * clients get 1001, exit 0; a second signal exits at once; the deadline cuts a stuck upload.
 * In every case the embedded database's own child process is gone afterwards.
 */
import { createWsClient } from '../support/createWsClient';
import { realPhotoJpeg } from '../support/images';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRunning, processesWith, waitForExit } from '../support/processes';
import { spawnServer, startProcess, type ServerProcess } from './support/spawnServer';
import { startSlowUpload } from './support/startSlowUpload';
import { health, upload } from './support/uploads';
import { waitUntil } from './support/waitUntil';

/** The embedded database's child process, from the service's own log line. */
function couchChildPid(server: ServerProcess): number {
  const pid = server.logs().find((l) => l.msg === 'embedded CouchDB running in a child process')?.childPid;
  expect(pid).toEqual(expect.any(Number));
  expect(isRunning(pid as number)).toBe(true);
  return pid as number;
}

const drainingHealth = async (server: ServerProcess) => {
  const { status, body } = await health(server.httpUrl);
  return status === 503 && body.draining === true;
};

describe('the real process on SIGTERM / SIGINT', () => {
  let photo: Buffer;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    photo = await realPhotoJpeg();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.cleanup()));
  });

  async function spawn(env: Record<string, string> = {}) {
    const server = await spawnServer({ IMAGE_COUNT: '2', ...env });
    servers.push(server);
    return server;
  }

  it('drains on SIGTERM: 503 for new work, the in-flight upload completes and is stored, clients get 1001, exit 0', async () => {
    const server = await spawn();
    const couchPid = couchChildPid(server);
    const client = await createWsClient(server.wsUrl);
    const inFlight = await startSlowUpload(server, photo);

    server.child.kill('SIGTERM');
    await waitUntil(() => drainingHealth(server), '/health to report draining');
    const refused = await upload(server.httpUrl, photo);
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe('SHUTTING_DOWN');
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(client.socket.readyState).toBe(client.socket.OPEN);

    inFlight.finish();
    const response = await inFlight.answer;
    expect(response.status).toBe(200);
    const result = JSON.parse(response.body) as { requestId: string; imagesGenerated: number };
    expect(result.imagesGenerated).toBe(2);

    expect(await client.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs().map((l) => l.msg)).toContain('shutdown complete');
    // The service stopped its database process before it exited.
    expect(isRunning(couchPid)).toBe(false);
    // The client saw the whole request before it was closed.
    const seen = client.messages.filter((m) => m.requestId === result.requestId);
    expect(seen.at(-1)?.type).toBe('processing_completed');

    // Nothing was lost: a new process on the same DATA_DIR has the request and its event log.
    const restarted = await spawn({ DATA_DIR: server.dataDir });
    const restartedCouchPid = couchChildPid(restarted);
    const stored = await fetch(`${restarted.httpUrl}/requests/${result.requestId}`);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ status: 'completed', imagesGenerated: 2 });
    const events = (await (await fetch(`${restarted.httpUrl}/requests/${result.requestId}/events`)).json()) as { events: Array<{ type: string }> };
    expect(events.events.map((e) => e.type)).toEqual(seen.map((m) => m.type));
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
    expect(isRunning(restartedCouchPid)).toBe(false);
  });

  it('exits at once with a non-zero code on a second signal while draining', async () => {
    const server = await spawn();
    const couchPid = couchChildPid(server);
    const inFlight = await startSlowUpload(server, photo);
    server.child.kill('SIGTERM');
    await waitUntil(() => drainingHealth(server), '/health to report draining');
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(server.logs().map((l) => l.msg)).toContain('second signal: exiting now');
    // Exited without closing the store: the database process follows once its IPC channel closes.
    expect(await waitForExit(couchPid, 5_000)).toBe(true);
    // The abandoned upload's connection is closed, not left hanging.
    expect((await inFlight.answer).status).toBeUndefined();
  });

  it('answers an upload still arriving at SHUTDOWN_TIMEOUT_MS with 503 SHUTTING_DOWN and exits 0', async () => {
    const server = await spawn({ SHUTDOWN_TIMEOUT_MS: '300' });
    const couchPid = couchChildPid(server);
    const client = await createWsClient(server.wsUrl);
    const inFlight = await startSlowUpload(server, photo);
    server.child.kill('SIGTERM');
    const response = await inFlight.answer;
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
    expect((await client.closed).code).toBe(1001);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs().map((l) => l.msg)).toContain('shutdown deadline passed; aborting in-flight requests');
    expect(isRunning(couchPid)).toBe(false);
  });

  it('stops cleanly on a SIGTERM that arrives while the embedded database is still starting: exit 0, never ready, its child gone', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-proc-'));
    const proc = startProcess({ HTTP_PORT: '0', WS_PORT: '0', DATA_DIR: dataDir });
    try {
      // The database child carries the data folder in its argv; it takes far longer to start than this poll.
      let couchPids: number[] = [];
      await waitUntil(() => (couchPids = processesWith(dataDir)).length === 1, 'the embedded database child to be forked');
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
      const messages = proc.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toContain('signal during start-up: stopping as soon as start-up finishes');
      expect(messages).toContain('shutdown complete');
      expect(messages).not.toContain('SnatchShot Cloud API ready');
      expect(await waitForExit(couchPids[0], 5_000)).toBe(true);
    } finally {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
