/**
 * A client whose WebSocket drops mid-request (a phone in a lift) reconnects and resumes with
 * `{"type":"subscribe","requestId":…,"afterSeq":N}`: it is sent what it missed (from the event
 * server's memory, images and anything forgotten from the stored log), then the live events,
 * and ends with every event of the request exactly once, in order. Real service, embedded
 * database, real ws clients; the test listens on the service's own bus for the truth.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { PipelineEventSchema, type PipelineEvent } from '../src/events/eventSchemas';
import { createWsClient, type ReceivedMessage, type WsClient } from './support/createWsClient';
import { expectEventOrder } from './support/expectEventOrder';
import { realPhotoJpeg } from './support/images';
import { localEngineWith } from './support/localEngineWith';
import { startTestService, type TestService } from './support/startTestService';
import { waitUntil } from './hardening/support/waitUntil';

const IMAGES = 2;

/** The local engine with image 2 held until `release()`, so the request is still running when the client comes back. */
function secondImageHeld() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const engine = localEngineWith((local) => ({
    generateImage: async (photo, suggestion, options) => {
      if (options?.index === 2) await released;
      return local.generateImage(photo, suggestion, options);
    },
  }));
  return { engine, release };
}

describe('createService: a client that loses its WebSocket mid-request catches up on every event exactly once', () => {
  let service: TestService | undefined;
  const clients: WsClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await service?.close();
    service = undefined;
  });

  async function connect(): Promise<WsClient> {
    const client = await createWsClient((service as TestService).wsUrl);
    clients.push(client);
    return client;
  }

  /** Starts an upload that names `connectionId`; resolves with its request id once its processing_started is out. */
  async function upload(connectionId: string, published: PipelineEvent[]): Promise<string> {
    const answer = request((service as TestService).httpUrl).post('/process-image').set('X-Connection-Id', connectionId).attach('image', await realPhotoJpeg(), 'photo.jpg');
    void answer.then(() => undefined, () => undefined);
    let requestId: string | undefined;
    await waitUntil(() => (requestId = published.find((e) => e.type === 'processing_started' && e.connectionId === connectionId)?.requestId) !== undefined, 'the upload to start');
    return requestId as string;
  }

  /** The pipeline events of the request the client got (not the `subscribed` answer). */
  const of = (client: WsClient, requestId: string) => client.messages.filter((m) => m.requestId === requestId && m.type !== 'subscribed');
  const ended = (requestId: string) => (m: ReceivedMessage) => m.requestId === requestId && (m.type === 'processing_completed' || m.type === 'processing_error');

  /** What the client has of the request across both connections: every event once, 1..n, in order, as published. */
  function expectEveryEventOnce(received: ReceivedMessage[], published: PipelineEvent[]): void {
    expect(received.map((m) => m.seq)).toEqual(published.map((_e, i) => i + 1));
    expect(received.map((m) => m.type)).toEqual(published.map((e) => e.type));
    expectEventOrder(received.map((m) => m.type), IMAGES);
    for (const message of received) expect(PipelineEventSchema.safeParse(message).success).toBe(true);
    const images = received.filter((m) => m.type === 'individual_image_completed');
    expect(images.map((m) => m.imageData)).toEqual(published.filter((e) => e.type === 'individual_image_completed').map((e) => (e as { imageData: string }).imageData));
  }

  /**
   * Starts the service (image 2 held) and an upload from a client, which is dropped once it has
   * analysis_started; `published` collects every event of the service's bus.
   */
  async function dropAfterAnalysisStarted(delivery: 'broadcast' | 'subscribed') {
    const held = secondImageHeld();
    service = await startTestService({ IMAGE_COUNT: String(IMAGES), WS_DELIVERY: delivery }, { engine: held.engine });
    const published: PipelineEvent[] = [];
    service.bus.subscribe((event) => void published.push(event));
    const before = await connect();
    const requestId = await upload(before.connectionId, published);
    await before.waitFor((m) => m.type === 'analysis_started' && m.requestId === requestId);
    // Dropped, as a phone losing its network: no close handshake.
    before.socket.terminate();
    await before.closed;
    const lastSeen = Math.max(...of(before, requestId).map((m) => m.seq as number));
    return { held, published, before, requestId, lastSeen };
  }

  it.each(['broadcast', 'subscribed'] as const)(
    'resumes a request still running: what was emitted during the drop (an image among it), then the live events, each once, seq 1..n (%s)',
    async (delivery) => {
      const { held, published, before, requestId, lastSeen } = await dropAfterAnalysisStarted(delivery);
      await waitUntil(() => published.some((e) => e.type === 'individual_image_completed' && e.imageIndex === 1), 'image 1 to be generated while the client is away');

      const after = await connect();
      after.socket.send(JSON.stringify({ type: 'subscribe', requestId, afterSeq: lastSeen }));
      await after.waitFor((m) => m.type === 'subscribed' && m.requestId === requestId);
      await after.waitFor((m) => m.type === 'individual_image_completed' && m.requestId === requestId);
      held.release();
      await after.waitFor(ended(requestId));

      const mine = published.filter((e) => e.requestId === requestId);
      expectEveryEventOnce([...of(before, requestId), ...of(after, requestId)], mine);
      expect(after.messages.filter((m) => m.type === 'error')).toEqual([]);
    },
  );

  it('resumes a request that ended while the client was away, and from afterSeq 0 replays it whole', async () => {
    const { held, published, before, requestId, lastSeen } = await dropAfterAnalysisStarted('broadcast');
    held.release();
    await waitUntil(() => published.some(ended(requestId)), 'the request to end');

    const after = await connect();
    after.socket.send(JSON.stringify({ type: 'subscribe', requestId, afterSeq: lastSeen }));
    await after.waitFor(ended(requestId));
    expectEveryEventOnce([...of(before, requestId), ...of(after, requestId)], published.filter((e) => e.requestId === requestId));
    // Answered first, before any replayed event.
    expect(after.messages.filter((m) => m.requestId === requestId)[0]).toMatchObject({ type: 'subscribed' });
    expect(after.messages.filter((m) => m.type === 'subscribed')).toHaveLength(1);

    // From the start (afterSeq 0), again exactly once each.
    const fresh = await connect();
    fresh.socket.send(JSON.stringify({ type: 'subscribe', requestId, afterSeq: 0 }));
    await fresh.waitFor(ended(requestId));
    fresh.socket.send(JSON.stringify({ type: 'ping' }));
    await fresh.waitFor((m) => m.type === 'pong');
    expectEveryEventOnce(of(fresh, requestId), published.filter((e) => e.requestId === requestId));
  });

  it('resumes from the stored log after the server restarted (its memory of the events is gone)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-catchup-'));
    try {
      service = await startTestService({ IMAGE_COUNT: String(IMAGES), DATA_DIR: dataDir });
      const res = await request(service.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'photo.jpg').expect(200);
      const requestId = (res.body as { requestId: string }).requestId;
      let stored: PipelineEvent[] = [];
      await waitUntil(async () => {
        stored = ((await request((service as TestService).httpUrl).get(`/requests/${requestId}/events`)).body as { events: PipelineEvent[] }).events;
        return stored.length > 0 && ended(requestId)(stored[stored.length - 1]);
      }, 'the log to be stored');
      await service.close();
      service = await startTestService({ IMAGE_COUNT: String(IMAGES), DATA_DIR: dataDir });

      const after = await connect();
      after.socket.send(JSON.stringify({ type: 'subscribe', requestId, afterSeq: 3 }));
      await after.waitFor(ended(requestId));
      const replayed = of(after, requestId);
      expect(replayed.map((m) => m.seq)).toEqual(stored.slice(3).map((_e, i) => i + 4));
      expect(replayed.map((m) => m.type)).toEqual(stored.slice(3).map((e) => e.type));
      // Images come back with their bytes, from the stored images.
      const images = replayed.filter((m) => m.type === 'individual_image_completed');
      expect(images).toHaveLength(IMAGES);
      for (const image of images) expect(PipelineEventSchema.safeParse(image).success).toBe(true);
    } finally {
      await service?.close();
      service = undefined;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('answers a resume of an unknown request, or with a bad afterSeq, with a clear error and a stable code, and keeps the connection', async () => {
    service = await startTestService();
    const client = await connect();
    const unknown = 'req_1758260128188_zzzzzzzzz';
    client.socket.send(JSON.stringify({ type: 'subscribe', requestId: unknown, afterSeq: 2 }));
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'UNKNOWN_REQUEST', message: `No request ${unknown} is known to this server` });

    for (const afterSeq of [-1, 1.5, '3', null, 2 ** 60]) {
      const count = client.messages.length;
      client.socket.send(JSON.stringify({ type: 'subscribe', requestId: unknown, afterSeq }));
      await waitUntil(() => client.messages.length > count, 'an answer');
      expect(client.messages[count]).toMatchObject({ type: 'error', code: 'INVALID_MESSAGE', message: expect.stringMatching(/^afterSeq must be a whole number from 0/) });
    }
    client.socket.send(JSON.stringify({ type: 'ping' }));
    await client.waitFor((m) => m.type === 'pong');
    expect(service.eventServer.stats().connections).toBe(1);
  });
});
