/**
 * Two instances behind a load balancer (SPEC §8): one database, and an EventBus transport that
 * carries every event to both, as Redis pub/sub would. Each instance stores only the events of
 * the requests it runs; the other one only shows them to its WebSocket clients.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createEventBus } from '../src/events/createEventBus';
import { createInProcessTransport } from '../src/events/createInProcessTransport';
import type { EventTransport } from '../src/events/EventTransport';
import type { PipelineEvent } from '../src/events/eventSchemas';
import { createLogger } from '../src/logging/createLogger';
import { startEmbeddedCouch, type EmbeddedCouch } from '../src/store/startEmbeddedCouch';
import { startForwardingProxy, type ForwardingProxy } from './store/support/startForwardingProxy';
import { createWsClient } from './support/createWsClient';
import { realPhotoJpeg } from './support/images';
import { startTestService, type TestService } from './support/startTestService';

jest.setTimeout(30_000);

const logger = createLogger({ level: 'silent' });

/** One instance's view of the shared transport: closing it leaves the other instance's running. */
function joinShared(shared: EventTransport): EventTransport {
  const unsubscribes = new Set<() => void>();
  return {
    publish: (event) => shared.publish(event),
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
});
