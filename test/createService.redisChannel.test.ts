/**
 * What a WebSocket client of one instance gets when what arrives on the Redis channel is not what
 * one well-behaved instance of the same version sends: another publisher's junk and replays, and
 * an instance that allows its requests longer (REQUEST_TIMEOUT_MS) than this one. Real instances
 * (createService), a real redis-server, real `ws` clients; the hub's clock is the test's.
 */
import { createClient } from '@redis/client';
import request from 'supertest';
import { createLocalEngine } from '../src/engine/local/createLocalEngine';
import type { PipelineEvent } from '../src/events/eventSchemas';
import { createGatedEngine } from './hardening/support/gatedEngine';
import { upload } from './hardening/support/uploads';
import { createWsClient, type ReceivedMessage, type WsClient } from './support/createWsClient';
import { expectEventOrder } from './support/expectEventOrder';
import { realPhotoJpeg } from './support/images';
import { startRedisServer, type RedisServer } from './support/startRedisServer';
import { startTestService, type TestService } from './support/startTestService';

/** Another program speaking this channel's format, as an instance that is not among the test's. */
const HEADER = 'snatchshot-event/1 00000000-0000-4000-8000-000000000000\n';
const REPLAYED = 'req_1758260128188_replayed1';
const MARKER = 'req_1758260128188_marker001';

describe('createService with REDIS_URL: what crosses the channel reaches clients as SPEC §4 says', () => {
  let redis: RedisServer;
  let channels = 0;
  const services: TestService[] = [];
  const clients: WsClient[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(services.splice(0).map((service) => service.close()));
  });

  /** The env of an instance on this test's own channel. */
  function onChannel(): Record<string, string> {
    channels += 1;
    return { IMAGE_COUNT: '1', REDIS_URL: redis.url, REDIS_CHANNEL: `test:${process.pid}:channel:${channels}` };
  }

  async function client(url: string): Promise<WsClient> {
    const made = await createWsClient(url);
    clients.push(made);
    return made;
  }

  const wsHealth = async (service: TestService) =>
    (await request(service.httpUrl).get('/ws-health').expect(200)).body as { activeRequests: number; interruptedRequests: number };
  const eventsOf = (watcher: WsClient, requestId: string) => watcher.messages.filter((m) => m.requestId === requestId);
  const isTerminal = (m: ReceivedMessage) => m.type === 'processing_completed' || m.type === 'processing_error';

  it("passes each request's events on once, up to its one terminal event: the junk, a second end, an image after the end and a replayed start stop at the instance", async () => {
    const env = onChannel();
    const service = await startTestService(env);
    services.push(service);
    const watcher = await client(service.wsUrl);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const timestamp = new Date().toISOString();
      const event = (requestId: string, fields: Record<string, unknown>) => ({ requestId, timestamp, ...fields }) as PipelineEvent;
      const ended = (requestId: string, message: string) => event(requestId, { type: 'processing_completed', totalTime: '10.00', imagesGenerated: 1, durationMs: 10, message });
      const image = event(REPLAYED, { type: 'individual_image_completed', imageIndex: 1, totalImages: 1, title: 'late', imageData: 'QUJD', mimeType: 'image/jpeg', durationMs: 1, message: 'image after the end' });
      const sent: Array<string | PipelineEvent> = [
        'not json',
        '["an array"]',
        JSON.stringify({ type: 'processing_started', requestId: REPLAYED }),
        JSON.stringify({ type: 'a_newer_event', requestId: REPLAYED, message: 'x', timestamp }),
        event(REPLAYED, { type: 'processing_started', message: 'started' }),
        event(REPLAYED, { type: 'analysis_started', message: 'analysing' }),
        ended(REPLAYED, 'done'),
        ended(REPLAYED, 'done again'),
        image,
        event(REPLAYED, { type: 'processing_started', message: 'replayed start' }),
        event(MARKER, { type: 'processing_started', message: 'marker' }),
        ended(MARKER, 'marker done'),
      ];
      for (const message of sent) await raw.publish(env.REDIS_CHANNEL, HEADER + (typeof message === 'string' ? message : JSON.stringify(message)));
      // One publisher's messages arrive in order: everything before the marker's end has arrived.
      await watcher.waitFor((m) => m.requestId === MARKER && isTerminal(m));

      expect(eventsOf(watcher, REPLAYED).map((m) => m.message)).toEqual(['started', 'analysing', 'done']);
      expect(eventsOf(watcher, MARKER).map((m) => m.message)).toEqual(['marker', 'marker done']);
      // The replayed start did not make the ended request active again (to be given up as INTERRUPTED later).
      expect(await wsHealth(service)).toMatchObject({ activeRequests: 0, interruptedRequests: 0 });
      expect(((await request(service.httpUrl).get('/health')).body as { events: unknown }).events).toMatchObject({ rejected: 4 });
    } finally {
      await raw.close();
    }
  });

  it('does not give up a request run by an instance with a longer REQUEST_TIMEOUT_MS: its client gets the real end, and only it', async () => {
    const env = onChannel();
    const clock = { now: Date.now() };
    const engine = createGatedEngine(createLocalEngine());
    // A allows its own requests a minute; B, running the upload, ten.
    const a = await startTestService({ ...env, REQUEST_TIMEOUT_MS: '60000' }, { wsNow: () => clock.now });
    services.push(a);
    const b = await startTestService({ ...env, REQUEST_TIMEOUT_MS: '600000' }, { engine });
    services.push(b);
    const watcher = await client(a.wsUrl);
    try {
      const uploaded = upload(b.httpUrl, await realPhotoJpeg());
      const started = await watcher.waitFor((m) => m.type === 'processing_started');
      const requestId = started.requestId as string;
      await engine.waitForEntered(2);
      // A has noted B's last event before the gate: from here on, the request is silent.
      await watcher.waitFor((m) => m.requestId === requestId && m.type === 'analysis_started');

      // Past A's own limit for a silent request (REQUEST_TIMEOUT_MS + 60 s), within B's.
      clock.now += 60_000 + 60_000 + 1;
      expect(await wsHealth(a)).toMatchObject({ activeRequests: 1, interruptedRequests: 0 });

      engine.open();
      expect((await uploaded).status).toBe(200);
      await watcher.waitFor((m) => m.requestId === requestId && isTerminal(m));
      const types = eventsOf(watcher, requestId).map((m) => m.type);
      expectEventOrder(types, 1);
      expect(types.filter((type) => type === 'processing_completed' || type === 'processing_error')).toEqual(['processing_completed']);
      expect(await wsHealth(a)).toMatchObject({ activeRequests: 0, interruptedRequests: 0 });
    } finally {
      engine.open();
    }
  });
});
