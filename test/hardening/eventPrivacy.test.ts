/**
 * Privacy of events against a running service: the token, the Origin allowlist, and
 * WS_DELIVERY=subscribed, where a client sees only requests it started or subscribed to.
 */
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createWsClient, type WsClient } from '../support/createWsClient';
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { createGatedEngine, type GatedEngine } from './support/gatedEngine';
import { closeOf } from './support/closeOf';
import { rawWebSocket } from './support/rawWebSocket';
import { upload } from './support/uploads';

const TOKEN = 'privacy-test-token-4f9c';

/** After a ping round trip, every event published before it has reached this client. */
async function drained(client: WsClient): Promise<void> {
  const before = client.messages.filter((m) => m.type === 'pong').length;
  client.socket.send(JSON.stringify({ type: 'ping' }));
  await client.waitFor(() => client.messages.filter((m) => m.type === 'pong').length > before);
}

const eventsOf = (client: WsClient, requestId: string) => client.messages.filter((m) => m.requestId === requestId && m.type !== 'subscribed' && m.type !== 'unsubscribed');
const isTerminal = (requestId: string) => (m: { type: string; requestId?: unknown }) =>
  m.requestId === requestId && (m.type === 'processing_completed' || m.type === 'processing_error');

describe('WS_DELIVERY=subscribed with WS_AUTH_TOKEN', () => {
  let service: TestService;
  let engine: GatedEngine;
  let photo: Buffer;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    photo = await realPhotoJpeg();
  });
  beforeEach(async () => {
    engine = createGatedEngine(createLocalEngine());
    service = await startTestService({ WS_DELIVERY: 'subscribed', WS_AUTH_TOKEN: TOKEN, IMAGE_COUNT: '2' }, { engine });
  });
  afterEach(async () => {
    engine.open();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await service.close();
  });

  async function connect(): Promise<WsClient> {
    const client = await createWsClient(`${service.wsUrl}/?token=${TOKEN}`);
    clients.push(client);
    return client;
  }

  it('closes a connection without the right token with 1008 Unauthorized', async () => {
    const refused = { code: CLOSE_CODES.UNAUTHORIZED, reason: 'Unauthorized', messages: [] };
    expect(await closeOf(service.wsUrl)).toEqual(refused);
    expect(await closeOf(`${service.wsUrl}/?token=wrong`)).toEqual(refused);
    expect(await closeOf(service.wsUrl, { headers: { Authorization: 'Bearer wrong' } })).toEqual(refused);
    expect(await closeOf(`${service.wsUrl}/?token=${TOKEN.slice(0, -1)}`)).toEqual(refused);
    // A raw client that never reads the greeting gets the same close frame, before any event.
    const raw = await rawWebSocket(service.wsPort);
    expect(await raw.closeFrame).toEqual({ code: CLOSE_CODES.UNAUTHORIZED, reason: 'Unauthorized' });
    expect(raw.texts).toEqual([]);
    const bearer = await createWsClient(service.wsUrl, { headers: { Authorization: `Bearer ${TOKEN}` } });
    clients.push(bearer);
    expect(bearer.messages[0]).toMatchObject({ type: 'connection_established', delivery: 'subscribed' });
  });

  it('shows a request to the client that started it (X-Connection-Id) and to no other client', async () => {
    engine.open();
    const [owner, bystander] = await Promise.all([connect(), connect()]);
    const res = await upload(service.httpUrl, photo, { headers: { 'X-Connection-Id': owner.connectionId } });
    expect(res.status).toBe(200);
    const requestId = res.body.requestId as string;
    await owner.waitFor(isTerminal(requestId));
    await drained(bystander);

    const seen = eventsOf(owner, requestId).map((m) => m.type);
    expect(seen[0]).toBe('processing_started');
    expect(seen.at(-1)).toBe('processing_completed');
    expect(seen.filter((t) => t === 'individual_image_completed')).toHaveLength(2);
    expect(bystander.messages.filter((m) => m.requestId !== undefined)).toEqual([]);
  });

  it('delivers the rest of a request to a client that subscribes while it runs', async () => {
    const [owner, follower, bystander] = await Promise.all([connect(), connect(), connect()]);
    const pending = upload(service.httpUrl, photo, { headers: { 'X-Connection-Id': owner.connectionId } });
    await engine.waitForEntered(2);
    const started = await owner.waitFor((m) => m.type === 'processing_started');
    const requestId = started.requestId as string;

    follower.socket.send(JSON.stringify({ type: 'subscribe', requestId }));
    expect(await follower.waitFor((m) => m.type === 'subscribed')).toMatchObject({ requestId });
    engine.open();
    expect((await pending).status).toBe(200);
    await follower.waitFor(isTerminal(requestId));
    await drained(bystander);

    const followed = eventsOf(follower, requestId).map((m) => m.type);
    // Everything after the subscription, nothing before it.
    expect(followed).not.toContain('processing_started');
    expect(followed).toEqual(expect.arrayContaining(['content_analysis_complete', 'photo_analysis_complete', 'image_generation_completed', 'processing_completed']));
    expect(followed).toEqual(eventsOf(owner, requestId).map((m) => m.type).slice(-followed.length));
    expect(bystander.messages.filter((m) => m.requestId !== undefined)).toEqual([]);
  });

  it('stops delivering a request to a client once it unsubscribes (acknowledged)', async () => {
    const [owner, follower] = await Promise.all([connect(), connect()]);
    const pending = upload(service.httpUrl, photo, { headers: { 'X-Connection-Id': owner.connectionId } });
    await engine.waitForEntered(2);
    const requestId = (await owner.waitFor((m) => m.type === 'processing_started')).requestId as string;
    follower.socket.send(JSON.stringify({ type: 'subscribe', requestId }));
    await follower.waitFor((m) => m.type === 'subscribed');
    follower.socket.send(JSON.stringify({ type: 'unsubscribe', requestId }));
    expect(await follower.waitFor((m) => m.type === 'unsubscribed')).toMatchObject({ requestId });
    engine.open();
    expect((await pending).status).toBe(200);
    await owner.waitFor(isTerminal(requestId));
    await drained(follower);
    expect(eventsOf(follower, requestId)).toEqual([]);
  });

  it('rejects a subscription to an unknown request id with UNKNOWN_REQUEST, naming it', async () => {
    const client = await connect();
    client.socket.send(JSON.stringify({ type: 'subscribe', requestId: 'req_1758260128188_aaaaaaaaa' }));
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'UNKNOWN_REQUEST', message: expect.stringContaining('req_1758260128188_aaaaaaaaa') });
    expect(client.messages.some((m) => m.type === 'subscribed')).toBe(false);
  });

  it('shows nobody a request that named no connection', async () => {
    engine.open();
    const client = await connect();
    const res = await upload(service.httpUrl, photo);
    expect(res.status).toBe(200);
    await drained(client);
    expect(client.messages.filter((m) => m.requestId === res.body.requestId)).toEqual([]);
  });

  it('does not list other clients\u2019 request ids over HTTP, but serves a request to whoever holds its id', async () => {
    engine.open();
    const res = await upload(service.httpUrl, photo);
    const list = await fetch(`${service.httpUrl}/requests`);
    expect(list.status).toBe(404);
    expect(((await list.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    // Nor does another method hint that the listing exists.
    const posted = await fetch(`${service.httpUrl}/requests`, { method: 'POST' });
    expect(posted.status).toBe(404);
    expect(posted.headers.get('allow')).toBeNull();
    const own = await fetch(`${service.httpUrl}/requests/${res.body.requestId}`);
    expect(own.status).toBe(200);
  });
});

describe('WS_ALLOWED_ORIGINS on a running service', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ WS_ALLOWED_ORIGINS: 'https://app.snatchshot.example,http://localhost:4000' });
  });
  afterAll(async () => {
    await service.close();
  });

  it('closes a browser connection from another origin with 1008 and accepts listed origins exactly', async () => {
    expect(await closeOf(service.wsUrl, { origin: 'https://evil.example' })).toEqual({ code: CLOSE_CODES.UNAUTHORIZED, reason: 'Origin not allowed', messages: [] });
    // Exact matches only: no prefix, suffix or scheme tricks.
    for (const origin of ['https://app.snatchshot.example.evil.example', 'http://app.snatchshot.example', 'https://app.snatchshot.example:443x']) {
      expect(await closeOf(service.wsUrl, { origin })).toMatchObject({ code: CLOSE_CODES.UNAUTHORIZED });
    }
    const allowed = await createWsClient(service.wsUrl, { origin: 'https://app.snatchshot.example' });
    const nonBrowser = await createWsClient(service.wsUrl);
    expect(service.eventServer.stats().connections).toBe(2);
    await Promise.all([allowed.close(), nonBrowser.close()]);
  });
});

describe('default broadcast delivery', () => {
  it('keeps listing requests over HTTP', async () => {
    const service = await startTestService();
    try {
      const list = await fetch(`${service.httpUrl}/requests`);
      expect(list.status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
