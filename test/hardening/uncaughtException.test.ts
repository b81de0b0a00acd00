/**
 * An uncaught exception in the real process (src/server.ts as a child process): in-flight work is
 * stopped at once rather than awaited, and what the store could not write yet (the database is
 * down) is spooled instead of lost, then the process exits with 1; the next start stores it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logging/createLogger';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { createWsClient } from '../support/createWsClient';
import { freePort } from '../support/freePort';
import { realPhotoJpeg } from '../support/images';
import { spawnServer, type ServerProcess } from './support/spawnServer';
import { startSlowUpload } from './support/startSlowUpload';
import { upload } from './support/uploads';
import { waitUntil } from './support/waitUntil';

jest.setTimeout(90_000);

describe('the real process on an uncaught exception', () => {
  let root: string;
  let database: EmbeddedCouch | undefined;
  const servers: ServerProcess[] = [];

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-crash-'));
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.cleanup()));
    await database?.close();
    database = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('stops in-flight requests at once, spools the writes the database did not take, exits 1, and the next start stores them', async () => {
    const photo = await realPhotoJpeg();
    const dataDir = path.join(root, 'data');
    // Nothing listens here until the restart: every write of the first process stays queued.
    const couchPort = await freePort();
    const env = { IMAGE_COUNT: '2', DATA_DIR: dataDir, COUCHDB_URL: `http://127.0.0.1:${couchPort}` };
    // The crash: a throw from an event handler, which nothing catches.
    const preload = path.join(root, 'throwOnSigusr2.js');
    fs.writeFileSync(preload, "process.on('SIGUSR2', () => { throw new Error('crash on purpose'); });\n");
    const server = await spawnServer({ ...env, NODE_OPTIONS: `--require ${preload}` });
    servers.push(server);

    const client = await createWsClient(server.wsUrl);
    const answered = await upload(server.httpUrl, photo);
    expect(answered.status).toBe(200);
    const requestId = answered.body.requestId as string;
    const inFlight = await startSlowUpload(server, photo);

    server.child.kill('SIGUSR2');
    // Not awaited as in a drain (the default SHUTDOWN_TIMEOUT_MS is longer than this test), stopped.
    const stopped = await inFlight.answer;
    expect(stopped.status).toBe(503);
    expect((JSON.parse(stopped.body) as { error: { code: string } }).error.code).toBe('SHUTTING_DOWN');
    expect(await client.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await server.exited).toEqual({ code: 1, signal: null });
    const fatal = server.logs().find((l) => l.level === 60);
    expect(fatal).toMatchObject({ msg: expect.stringContaining('uncaught exception'), err: expect.objectContaining({ message: 'crash on purpose' }) });
    const spool = path.join(dataDir, 'spool');
    expect(fs.readdirSync(spool).filter((name) => name.endsWith('.json')).length).toBeGreaterThan(0);

    database = await startEmbeddedCouch({ dataDir: path.join(root, 'db'), port: couchPort, logger: createLogger({ level: 'silent' }) });
    const restarted = await spawnServer(env);
    servers.push(restarted);
    const stored = async () => (await (await fetch(`${restarted.httpUrl}/requests/${requestId}`)).json()) as { status?: string; imagesGenerated?: number };
    await waitUntil(async () => (await stored()).status === 'completed', 'the spooled request to be stored');
    expect(await stored()).toMatchObject({ status: 'completed', imagesGenerated: 2 });
    const events = (await (await fetch(`${restarted.httpUrl}/requests/${requestId}/events`)).json()) as { events: Array<{ type: string }> };
    expect(events.events.map((e) => e.type)).toContain('processing_completed');
  });
});
