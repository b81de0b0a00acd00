/**
 * Several instances sharing events through a real redis-server (REDIS_URL, SPEC §8) and one
 * database: what a WebSocket client of one instance sees of the requests another runs, what is
 * stored, and what a Redis outage costs (cross-instance delivery waits for its end).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { PipelineEvent } from '../src/events/eventSchemas';
import { createLogger } from '../src/logging/createLogger';
import { startEmbeddedCouch, type EmbeddedCouch } from '../src/store/startEmbeddedCouch';
import { startForwardingProxy, type ForwardingProxy } from './store/support/startForwardingProxy';
import { waitFor } from './store/support/storeTarget';
import { createWsClient, type ReceivedMessage, type WsClient } from './support/createWsClient';
import { expectEventOrder } from './support/expectEventOrder';
import { freePort } from './support/freePort';
import { realPhotoJpeg } from './support/images';
import { startRedisServer, type RedisServer } from './support/startRedisServer';
import { startTestService, type TestService } from './support/startTestService';

const logger = createLogger({ level: 'silent' });

describe('createService with REDIS_URL: instances share events through Redis', () => {
  let dataDir: string;
  let couch: EmbeddedCouch;
  let redis: RedisServer;
  let channels = 0;
  const services: TestService[] = [];
  const clients: WsClient[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-redis-service-'));
    [couch, redis] = await Promise.all([startEmbeddedCouch({ dataDir, logger }), startRedisServer()]);
  });

  afterAll(async () => {
    await redis.stop();
    await couch.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(services.splice(0).map((service) => service.close()));
  });

  /** Two instances on the shared database and, unless `env` says otherwise, a channel of this test's own. */
  async function twoInstances(env: Record<string, string> = {}, dbOfA = couch.url): Promise<[TestService, TestService]> {
    channels += 1;
    const shared = { IMAGE_COUNT: '2', REDIS_URL: redis.url, REDIS_CHANNEL: `test:${process.pid}:${channels}`, ...env };
    const [a, b] = await Promise.all([startTestService({ ...shared, COUCHDB_URL: dbOfA }), startTestService({ ...shared, COUCHDB_URL: couch.url })]);
    services.push(a, b);
    return [a, b];
  }

  async function client(url: string): Promise<WsClient> {
    const made = await createWsClient(url);
    clients.push(made);
    return made;
  }

  const upload = async (service: TestService, connectionId?: string) => {
    const post = request(service.httpUrl).post('/process-image');
    if (connectionId) void post.set('X-Connection-Id', connectionId);
    const res = await post.attach('image', await realPhotoJpeg(), 'photo.jpg');
    expect(res.status).toBe(200);
    return (res.body as { requestId: string }).requestId;
  };

  const eventsOf = (watcher: WsClient, requestId: string) => watcher.messages.filter((m) => m.requestId === requestId);
  const ended = (requestId: string) => (m: ReceivedMessage) => m.type === 'processing_completed' && m.requestId === requestId;
  const health = async (service: TestService) => (await request(service.httpUrl).get('/health')).body as { status: string; events: Record<string, unknown> };

  it("gives a client of A every event of an upload to B, in order and once, as B's own client gets them, and stores them once", async () => {
    const eventWritesByA: string[] = [];
    // A reaches the database through this proxy, so the test sees any event document A writes.
    const proxy: ForwardingProxy = await startForwardingProxy(couch.url, (req) => {
      if (req.method === 'PUT' && req.url?.startsWith('/snatchshot_events/')) eventWritesByA.push(req.url);
      return false;
    });
    try {
      const [a, b] = await twoInstances({}, proxy.url);
      const onA = await client(a.wsUrl);
      const onB = await client(b.wsUrl);
      const requestId = await upload(b);
      await Promise.all([onA.waitFor(ended(requestId)), onB.waitFor(ended(requestId))]);

      const seenOnA = eventsOf(onA, requestId);
      expectEventOrder(seenOnA.map((m) => m.type), 2);
      // The same events, images included, with nothing doubled on B by Redis's echo.
      expect(seenOnA).toEqual(eventsOf(onB, requestId));
      expect(seenOnA.filter((m) => m.type === 'individual_image_completed').every((m) => typeof m.imageData === 'string' && m.imageData.length > 1000)).toBe(true);
      // Numbered once, by B, which runs it: the same seq on both instances, 1..n.
      expect(seenOnA.map((m) => m.seq)).toEqual(seenOnA.map((_m, i) => i + 1));

      // A's queued writes, if it made any, are flushed by its close.
      await a.close();
      expect(eventWritesByA).toEqual([]);
      let stored: Array<[string, number | undefined]> = [];
      await waitFor(async () => {
        const log = await request(b.httpUrl).get(`/requests/${requestId}/events`);
        stored = ((log.body as { events?: PipelineEvent[] }).events ?? []).map((event) => [event.type, event.seq]);
        return stored.length >= seenOnA.length;
      });
      // The stored log has the same numbers as the wire.
      expect(stored).toEqual(seenOnA.map((m) => [m.type, m.seq]));
    } finally {
      await Promise.all(services.splice(0).map((service) => service.close()));
      await proxy.close();
    }
  });

  it('with WS_DELIVERY=subscribed, follows an upload to B for the client of A whose connectionId it carries, and only for it', async () => {
    const [a, b] = await twoInstances({ WS_DELIVERY: 'subscribed' });
    const owner = await client(a.wsUrl);
    const bystander = await client(a.wsUrl);
    const requestId = await upload(b, owner.connectionId);
    await owner.waitFor(ended(requestId));
    expectEventOrder(eventsOf(owner, requestId).map((m) => m.type), 2);
    // Anything A sent the bystander went with the owner's events, so before this pong: nothing.
    bystander.socket.send(JSON.stringify({ type: 'ping' }));
    await bystander.waitFor((m) => m.type === 'pong');
    expect(bystander.messages.map((m) => m.type)).toEqual(['connection_established', 'pong']);
  });

  it('keeps serving uploads and local clients while Redis is down, says degraded, and once it is back gives the other instance what was emitted meanwhile, in order and once', async () => {
    const [a, b] = await twoInstances();
    const onA = await client(a.wsUrl);
    const onB = await client(b.wsUrl);
    expect(await health(b)).toMatchObject({ status: 'ok', events: { transport: 'redis', status: 'ok' } });

    await redis.kill();
    let during: string;
    try {
      await waitFor(async () => (await health(b)).status === 'degraded');
      expect((await health(b)).events).toMatchObject({ transport: 'redis', status: 'unavailable' });
      during = await upload(b);
      await onB.waitFor(ended(during));
      expectEventOrder(eventsOf(onB, during).map((m) => m.type), 2);
      expect((await health(b)).events).toMatchObject({ backlog: eventsOf(onB, during).length });
    } finally {
      await redis.restart();
    }
    await waitFor(async () => (await health(a)).status === 'ok' && (await health(b)).status === 'ok');
    const after = await upload(b);
    await onA.waitFor(ended(after));
    expectEventOrder(eventsOf(onA, after).map((m) => m.type), 2);
    // B's backlog crossed before anything B emitted later: the request of the outage, whole, then the next.
    expect(onA.messages.filter((m) => m.requestId)).toEqual([...eventsOf(onB, during), ...eventsOf(onA, after)]);
    expect((await health(b)).events).toMatchObject({ unpublished: 0, backlog: 0 });
  });

  it('starts when Redis is unreachable, saying degraded, and serves uploads meanwhile', async () => {
    const unreachable = `redis://127.0.0.1:${await freePort()}`;
    const service = await startTestService({ IMAGE_COUNT: '1', COUCHDB_URL: couch.url, REDIS_URL: unreachable });
    services.push(service);
    const watcher = await client(service.wsUrl);
    expect(await health(service)).toMatchObject({ status: 'degraded', events: { transport: 'redis', status: 'unavailable' } });
    const requestId = await upload(service);
    await watcher.waitFor(ended(requestId));
  });

  it('says in /health that events stay in this process when REDIS_URL is unset', async () => {
    const service = await startTestService({ COUCHDB_URL: couch.url });
    services.push(service);
    expect(await health(service)).toMatchObject({ status: 'ok', events: { transport: 'in-process', status: 'ok' } });
  });
});
