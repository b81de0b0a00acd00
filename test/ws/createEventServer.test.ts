import WebSocket from 'ws';
import { createEventBus, type EventBus } from '../../src/events/createEventBus';
import { ServerMessageSchema, type PipelineEvent } from '../../src/events/eventSchemas';
import { createLogger } from '../../src/logging/createLogger';
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createEventServer, type EventServer, type EventServerOptions } from '../../src/ws/createEventServer';
import { captureLogger } from '../support/captureLogger';
import { createWsClient, type WsClient } from '../support/createWsClient';

const logger = createLogger({ level: 'silent' });
const REQUEST_ID = 'req_1758260128188_zfubq1yiv';

function started(requestId = REQUEST_ID, connectionId?: string): PipelineEvent {
  return { type: 'processing_started', requestId, message: 'Image processing initiated', timestamp: new Date().toISOString(), ...(connectionId ? { connectionId } : {}) };
}

describe('createEventServer', () => {
  let bus: EventBus;
  let server: EventServer;
  let url: string;
  const clients: WsClient[] = [];

  async function start(options: Partial<EventServerOptions> = {}) {
    bus = createEventBus({ logger, validate: true });
    server = await createEventServer({ port: 0, host: '127.0.0.1', bus, logger, ...options });
    url = `ws://127.0.0.1:${server.port}`;
  }

  async function connect(suffix = '', options: WebSocket.ClientOptions = {}) {
    const client = await createWsClient(url + suffix, options);
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    const [s, b] = [server, bus];
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await s?.close();
    await b?.close();
  });

  it('greets each client with connection_established and a distinct connectionId', async () => {
    await start();
    const [a, b] = await Promise.all([connect(), connect()]);
    expect(a.connectionId).not.toEqual(b.connectionId);
    for (const client of [a, b]) {
      expect(ServerMessageSchema.safeParse(client.messages[0]).success).toBe(true);
    }
    expect(server.stats().connections).toBe(2);
  });

  it('sends connection_established to the new client only, and pong only to the client that pinged', async () => {
    await start();
    const first = await connect();
    const second = await connect();
    second.socket.send(JSON.stringify({ type: 'ping' }));
    await second.waitFor((m) => m.type === 'pong');
    // A round trip on the first client: anything sent to it before has arrived.
    first.socket.send(JSON.stringify({ type: 'ping' }));
    await first.waitFor((m) => m.type === 'pong');
    expect(first.messages.map((m) => m.type)).toEqual(['connection_established', 'pong']);
    expect(first.messages[0].connectionId).toBe(first.connectionId);
    expect(second.messages.map((m) => m.type)).toEqual(['connection_established', 'pong']);
  });

  it('broadcasts every bus event to every client', async () => {
    await start();
    const [a, b] = await Promise.all([connect(), connect()]);
    bus.publish(started());
    const [ea, eb] = await Promise.all([a.waitFor((m) => m.type === 'processing_started'), b.waitFor((m) => m.type === 'processing_started')]);
    expect(ea).toEqual(eb);
    expect(ea.requestId).toBe(REQUEST_ID);
    expect(server.stats()).toMatchObject({ eventsBroadcast: 1, activeRequests: 1 });
  });

  it('writes every message through the writer it is given, each broadcast once per client', async () => {
    const written: string[] = [];
    await start({
      writer: {
        send(socket, data) {
          written.push(data.toString());
          socket.send(data, { binary: false });
        },
      },
    });
    const [a, b] = await Promise.all([connect(), connect()]);
    bus.publish(started());
    for (const client of [a, b]) await client.waitFor((m) => m.type === 'processing_started');
    const broadcasts = written.map((text) => JSON.parse(text) as { type: string; requestId?: string }).filter((m) => m.type === 'processing_started');
    expect(broadcasts).toEqual([expect.objectContaining({ requestId: REQUEST_ID }), expect.objectContaining({ requestId: REQUEST_ID })]);
  });

  it('answers a JSON ping with pong', async () => {
    await start();
    const client = await connect();
    client.socket.send(JSON.stringify({ type: 'ping' }));
    const pong = await client.waitFor((m) => m.type === 'pong');
    expect(typeof pong.timestamp).toBe('string');
  });

  it('answers a malformed message with an error and keeps the connection open', async () => {
    await start();
    const client = await connect();
    client.socket.send('{not json');
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error.code).toBe('INVALID_MESSAGE');
    client.socket.send(JSON.stringify({ type: 'ping' }));
    await client.waitFor((m) => m.type === 'pong');
  });

  it('closes a connection whose inbound message is over the limit with 1009 and a reason naming the limit', async () => {
    await start({ maxPayloadBytes: 1024 });
    const client = await connect();
    client.socket.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(4096) }));
    expect(await client.closed).toEqual({ code: CLOSE_CODES.MESSAGE_TOO_BIG, reason: 'Message too big (limit 1024 bytes)' });
    // The server still serves others.
    const other = await connect();
    expect(other.connectionId).toBeTruthy();
  });

  it('closes a message fragmented past the limit with 1009 and the limit, before its last fragment', async () => {
    await start({ maxPayloadBytes: 1024 });
    const client = await connect();
    // Each fragment is under the limit; together they are not, and no final fragment ever comes.
    client.socket.send('x'.repeat(600), { fin: false });
    client.socket.send('x'.repeat(600), { fin: false });
    expect(await client.closed).toEqual({ code: CLOSE_CODES.MESSAGE_TOO_BIG, reason: 'Message too big (limit 1024 bytes)' });
  });

  it('closes a connection that sends a binary frame with 1003', async () => {
    await start();
    const client = await connect();
    client.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true });
    expect((await client.closed).code).toBe(CLOSE_CODES.UNSUPPORTED_DATA);
  });

  it('terminates a client that stops answering protocol pings', async () => {
    await start({ heartbeatMs: 100 });
    const silent = await connect();
    const healthy = await connect();
    // Stop reading on the client's TCP socket: pings go unanswered, as with a dead peer.
    (silent.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await waitUntil(() => server.stats().connections === 1);
    healthy.socket.send(JSON.stringify({ type: 'ping' }));
    await healthy.waitFor((m) => m.type === 'pong');
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('removes closed clients', async () => {
    await start();
    const client = await connect();
    await client.close();
    await waitUntil(() => server.stats().connections === 0);
  });

  describe('with WS_AUTH_TOKEN', () => {
    it('closes a connection without the token with 1008 Unauthorized', async () => {
      await start({ authToken: 's3cret' });
      await expect(connect()).rejects.toMatchObject({ code: CLOSE_CODES.UNAUTHORIZED, reason: 'Unauthorized' });
      await expect(connect('/?token=wrong')).rejects.toMatchObject({ code: CLOSE_CODES.UNAUTHORIZED });
    });

    it('accepts the token as a query parameter or a Bearer header, whatever the case of the scheme', async () => {
      await start({ authToken: 's3cret' });
      await expect(connect('/?token=s3cret')).resolves.toBeTruthy();
      await expect(connect('', { headers: { Authorization: 'Bearer s3cret' } })).resolves.toBeTruthy();
      await expect(connect('', { headers: { Authorization: 'bearer s3cret' } })).resolves.toBeTruthy();
      await expect(connect('', { headers: { Authorization: 'Basic s3cret' } })).rejects.toMatchObject({ code: CLOSE_CODES.UNAUTHORIZED });
    });
  });

  it('refuses an Origin outside the allowlist', async () => {
    await start({ allowedOrigins: ['http://app.example'] });
    await expect(connect('', { origin: 'http://evil.example' })).rejects.toMatchObject({ code: CLOSE_CODES.UNAUTHORIZED });
    await expect(connect('', { origin: 'http://app.example' })).resolves.toBeTruthy();
  });

  describe('logging a refused connection', () => {
    const forwardedFor = { 'X-Forwarded-For': '203.0.113.7' };

    async function refusedIp(options: Partial<EventServerOptions>) {
      const log = captureLogger();
      await start({ authToken: 's3cret', logger: log, ...options });
      await expect(connect('', { headers: forwardedFor })).rejects.toMatchObject({ code: CLOSE_CODES.UNAUTHORIZED });
      return log.entries.find((entry) => entry.msg === 'websocket connection refused')?.fields.ip;
    }

    it('names the client a trusted (by default loopback) proxy forwarded for, as the HTTP side does', async () => {
      expect(await refusedIp({})).toBe('203.0.113.7');
    });

    it('names the peer itself when it is not a trusted proxy', async () => {
      expect(await refusedIp({ trustProxy: ['10.0.0.0/8'] })).toBe('127.0.0.1');
    });

    it('names the peer itself when no hop is trusted', async () => {
      expect(await refusedIp({ trustProxy: 0 })).toBe('127.0.0.1');
    });

    it('believes as many forwarding hops as a hop count says', async () => {
      const log = captureLogger();
      await start({ authToken: 's3cret', logger: log, trustProxy: 2 });
      await expect(connect('', { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' } })).rejects.toMatchObject({ code: CLOSE_CODES.UNAUTHORIZED });
      expect(log.entries.find((entry) => entry.msg === 'websocket connection refused')?.fields.ip).toBe('198.51.100.1');
    });
  });

  it('closes a slow client alone when its send buffer passes the cap', async () => {
    await start({ maxBufferedBytes: 256 * 1024 });
    const slow = await connect();
    const fast = await connect();
    // Stop reading on the client's TCP socket: the server's send buffer for it fills up
    // once the kernel's loopback buffers are full.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(200 * 1024);
    const total = 150;
    for (let i = 0; i < total; i += 1) {
      bus.publish({ ...started(`req_1758260128188_${String(i).padStart(9, '0')}`), message: big });
      await new Promise((r) => setImmediate(r));
    }
    await waitUntil(() => server.stats().slowConsumersClosed === 1);
    await waitUntil(() => fast.messages.filter((m) => m.type === 'processing_started').length === total);
    expect(server.stats().connections).toBe(1);
  });

  it('sends an event larger than the cap to clients with nothing waiting, and keeps them', async () => {
    await start({ maxBufferedBytes: 64 * 1024 });
    const [a, b] = await Promise.all([connect(), connect()]);
    const big = 'x'.repeat(200 * 1024);
    bus.publish({ ...started(), message: big });
    const [ea, eb] = await Promise.all([a.waitFor((m) => m.type === 'processing_started'), b.waitFor((m) => m.type === 'processing_started')]);
    expect([ea.message, eb.message]).toEqual([big, big]);
    expect(server.stats()).toMatchObject({ connections: 2, slowConsumersClosed: 0 });
  });

  describe('subscribed delivery', () => {
    it('sends a request\'s events only to the client that started it or subscribed', async () => {
      await start({ delivery: 'subscribed' });
      const [owner, subscriber, bystander] = await Promise.all([connect(), connect(), connect()]);
      bus.publish(started(REQUEST_ID, owner.connectionId));
      await owner.waitFor((m) => m.type === 'processing_started');

      subscriber.socket.send(JSON.stringify({ type: 'subscribe', requestId: REQUEST_ID }));
      await subscriber.waitFor((m) => m.type === 'subscribed');
      bus.publish({ type: 'analysis_started', requestId: REQUEST_ID, message: 'go', timestamp: new Date().toISOString() });
      await owner.waitFor((m) => m.type === 'analysis_started');
      await subscriber.waitFor((m) => m.type === 'analysis_started');

      bystander.socket.send(JSON.stringify({ type: 'ping' }));
      await bystander.waitFor((m) => m.type === 'pong');
      expect(bystander.messages.map((m) => m.type)).toEqual(['connection_established', 'pong']);
    });

    it('rejects a subscription to an unknown request with a clear message', async () => {
      await start({ delivery: 'subscribed' });
      const client = await connect();
      client.socket.send(JSON.stringify({ type: 'subscribe', requestId: 'req_0000000000000_nothere00' }));
      const error = await client.waitFor((m) => m.type === 'error');
      expect(error).toMatchObject({ code: 'UNKNOWN_REQUEST' });
      expect(String(error.message)).toContain('req_0000000000000_nothere00');
    });
  });

  it('closes clients with 1001 on close(), and close() is idempotent', async () => {
    await start();
    const client = await connect();
    await Promise.all([server.close(), server.close()]);
    expect((await client.closed).code).toBe(CLOSE_CODES.GOING_AWAY);
    expect(server.stats().status).toBe('closed');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
