/**
 * Two instances behind a load balancer (SPEC §8) sharing one database, and in the first test an
 * EventBus transport that carries every event to both, as Redis pub/sub would: each instance
 * stores only the events of the requests it runs, and either one serves any request's results.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { randomBytes } from 'node:crypto';
import type { ImageEngine } from '../src/engine/ImageEngine';
import { createEventBus } from '../src/events/createEventBus';
import { createInProcessTransport } from '../src/events/createInProcessTransport';
import type { EventTransport } from '../src/events/EventTransport';
import type { PipelineEvent } from '../src/events/eventSchemas';
import { createLogger } from '../src/logging/createLogger';
import { createCouchStore } from '../src/store/createCouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../src/store/startEmbeddedCouch';
import { makeRequestId, makeStarted } from './store/support/lifecycle';
import { waitFor } from './store/support/storeTarget';
import { startForwardingProxy, type ForwardingProxy } from './store/support/startForwardingProxy';
import { binaryBody } from './support/binaryBody';
import { createWsClient } from './support/createWsClient';
import { realPhotoJpeg } from './support/images';
import { localEngineWith } from './support/localEngineWith';
import { startTestService, type TestService } from './support/startTestService';

const logger = createLogger({ level: 'silent' });

/** One instance's view of the shared transport: closing it leaves the other instance's running. */
function joinShared(shared: EventTransport): EventTransport {
  const unsubscribes = new Set<() => void>();
  return {
    publish: (event) => shared.publish(event),
    health: () => shared.health(),
    subscribe(handler) {
      const unsubscribe = shared.subscribe(handler);
      unsubscribes.add(unsubscribe);
      return unsubscribe;
    },
    async close() {
      for (const unsubscribe of unsubscribes) unsubscribe();
    },
  };
}

/** The local engine, with image generation held until `release()`: a request stays in flight. */
function heldEngine(): { engine: ImageEngine; release(): void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const engine = localEngineWith((local) => ({
    generateImage: async (...args) => {
      await released;
      return local.generateImage(...args);
    },
  }));
  return { engine, release };
}

describe('createService: several instances sharing the event transport and the database', () => {
  let dataDir: string;
  let couch: EmbeddedCouch;
  let proxy: ForwardingProxy;
  let eventWritesByB: string[];
  let a: TestService | undefined;
  let b: TestService | undefined;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-shared-'));
    couch = await startEmbeddedCouch({ dataDir, logger });
    eventWritesByB = [];
    // B reaches the database through this proxy, so the test sees which event documents B writes.
    proxy = await startForwardingProxy(couch.url, (req) => {
      if (req.method === 'PUT' && req.url?.startsWith('/snatchshot_events/')) eventWritesByB.push(req.url);
      return false;
    });
  });

  afterEach(async () => {
    await a?.close();
    await b?.close();
    a = b = undefined;
    await proxy.close();
    await couch.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("stores a request's events once, from the instance that ran it, while the other instance's clients still see them", async () => {
    const shared = createInProcessTransport();
    const env = { IMAGE_COUNT: '2' };
    a = await startTestService({ ...env, COUCHDB_URL: couch.url }, { bus: createEventBus({ logger, validate: true, transport: joinShared(shared) }) });
    b = await startTestService({ ...env, COUCHDB_URL: proxy.url }, { bus: createEventBus({ logger, validate: true, transport: joinShared(shared) }) });
    const published: PipelineEvent[] = [];
    const stopRecording = shared.subscribe((event) => published.push(event));
    const watcherOnB = await createWsClient(b.wsUrl);
    try {
      const res = await request(a.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'photo.jpg').expect(200);
      const requestId = (res.body as { requestId: string }).requestId;
      // A client of the other instance follows the request: the transport works.
      await watcherOnB.waitFor((m) => m.type === 'processing_completed' && m.requestId === requestId);

      // B's queued writes, if it made any, are flushed by its close.
      await b.close();
      b = undefined;
      expect(eventWritesByB).toEqual([]);

      // A stored the whole log, in order, once per event.
      const ownEvents = published.filter((event) => event.requestId === requestId).map((event) => event.type);
      let stored: string[] = [];
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
        const log = await request(a.httpUrl).get(`/requests/${requestId}/events`);
        stored = ((log.body as { events?: PipelineEvent[] }).events ?? []).map((event) => event.type);
        if (stored.length >= ownEvents.length) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(stored).toEqual(ownEvents);
    } finally {
      stopRecording();
      await watcherOnB.close();
    }
  });

  it('stores what is published on an instance\'s own bus (the benchmark\'s probe events), as it stores its pipeline\'s events', async () => {
    a = await startTestService({ COUCHDB_URL: couch.url });
    const requestId = makeRequestId();
    a.bus.publish({ type: 'analysis_started', requestId, message: 'probe', timestamp: new Date().toISOString() });
    let stored: string[] = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && stored.length === 0; ) {
      const log = await request(a.httpUrl).get(`/requests/${requestId}/events`);
      stored = ((log.body as { events?: PipelineEvent[] }).events ?? []).map((event) => event.message);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stored).toEqual(['probe']);
  });

  it("restarting one instance leaves the other's request in flight alone; once finished it reads the same on both", async () => {
    const env = { IMAGE_COUNT: '2', COUCHDB_URL: couch.url };
    const held = heldEngine();
    a = await startTestService(env, { engine: held.engine });
    b = await startTestService(env);
    const watcherOnA = await createWsClient(a.wsUrl);
    try {
      const answer = request(a.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'photo.jpg').then((res) => res);
      const requestId = (await watcherOnA.waitFor((m) => m.type === 'image_generation_started')).requestId as string;
      await waitFor(async () => (await request(b!.httpUrl).get(`/requests/${requestId}`)).status === 200);

      await b.close();
      // A request a killed instance left long ago: once B's start-up sweep has failed it, that sweep is done.
      const seed = await createCouchStore({ url: couch.url, mode: 'external', logger });
      const abandoned = makeRequestId(Date.now() - 30 * 60_000);
      await seed.startRequest(makeStarted(abandoned, randomBytes(64)));
      await seed.close();
      b = await startTestService(env);
      await waitFor(async () => (await request(b!.httpUrl).get(`/requests/${abandoned}`)).body?.status === 'failed');
      expect((await request(b.httpUrl).get(`/requests/${requestId}`)).body).toMatchObject({ status: 'processing' });

      held.release();
      expect((await answer).status).toBe(200);
      await waitFor(async () => (await request(b!.httpUrl).get(`/requests/${requestId}/events`)).body?.count === (await request(a!.httpUrl).get(`/requests/${requestId}/events`)).body?.count && watcherOnA.messages.some((m) => m.type === 'processing_completed'));
      for (const path of [`/requests/${requestId}`, `/requests/${requestId}/events`, `/requests/${requestId}/images/1`, `/requests/${requestId}/original`]) {
        // Raw bytes, so JSON and images compare alike.
        const [onA, onB] = await Promise.all([a, b].map((instance) => request(instance.httpUrl).get(path).buffer(true).parse(binaryBody)));
        expect([path, onA.status, onB.status]).toEqual([path, 200, 200]);
        expect((onB.body as Buffer).length).toBeGreaterThan(0);
        expect((onB.body as Buffer).equals(onA.body as Buffer)).toBe(true);
      }
      expect((await request(b.httpUrl).get(`/requests/${requestId}`)).body).toMatchObject({ status: 'completed', imagesGenerated: 2 });
    } finally {
      held.release();
      await watcherOnA.close();
    }
  });
});
