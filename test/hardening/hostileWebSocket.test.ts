/**
 * Hostile input on the WebSocket port: oversized handshakes, garbage and forbidden frames,
 * oversized messages. Each gets its status or close code, and the server keeps streaming a real
 * request's events to a well-behaved client afterwards.
 */
import WebSocket from 'ws';
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createWsClient } from '../support/createWsClient';
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { connectRaw, parseResponse, rawExchange, readUntilClosed } from './support/rawHttp';
import { clientFrame, rawWebSocket } from './support/rawWebSocket';
import { upload } from './support/uploads';
import { waitUntil } from './support/waitUntil';

const TEXT = 0x1;
const BINARY = 0x2;
const PING = 0x9;

describe('hostile WebSocket clients', () => {
  let service: TestService;
  let photo: Buffer;

  beforeAll(async () => {
    service = await startTestService({ IMAGE_COUNT: '1', WS_MAX_PAYLOAD_KB: '4' });
    photo = await realPhotoJpeg();
  });
  afterAll(async () => {
    await service.close();
  });

  /** A normal client still connects and receives a real request's events to the end. */
  async function expectStreamsNormally() {
    const client = await createWsClient(service.wsUrl);
    try {
      const res = await upload(service.httpUrl, photo, { headers: { 'X-Connection-Id': client.connectionId } });
      expect(res.status).toBe(200);
      await client.waitFor((m) => m.type === 'processing_completed' && m.requestId === res.body.requestId);
      // Only this client is left: every hostile connection was cleaned up.
      await waitUntil(() => service.eventServer.stats().connections === 1, 'hostile connections to be cleaned up');
    } finally {
      await client.close();
    }
  }

  /** Upgrades, sends `bytes`, and resolves with the server's close frame. */
  async function closeCodeAfter(bytes: Buffer) {
    const ws = await rawWebSocket(service.wsPort);
    expect(ws.handshake.status).toBe(101);
    ws.socket.write(bytes);
    return ws.closeFrame;
  }

  it('answers a handshake with 2,000 headers with 431 and keeps accepting clients', async () => {
    const headers = Array.from({ length: 2000 }, (_, i) => `X-Flood-${i}: ${'x'.repeat(8)}`);
    const ws = await rawWebSocket(service.wsPort, { extraHeaders: headers });
    expect(ws.handshake.status).toBe(431);
    await expectStreamsNormally();
  });

  it('closes a connection that sends garbage bytes after the upgrade with 1002', async () => {
    // 0xde sets reserved bits no extension was negotiated for; the rest is noise.
    const garbage = Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), Buffer.from('\u0000\u00ff garbage \u0007'.repeat(50), 'latin1')]);
    expect(await closeCodeAfter(garbage)).toMatchObject({ code: 1002 });
    await expectStreamsNormally();
  });

  it('closes a connection that sends an unmasked frame with 1002', async () => {
    expect(await closeCodeAfter(clientFrame(TEXT, '{"type":"ping"}', { mask: false }))).toMatchObject({ code: 1002 });
    await expectStreamsNormally();
  });

  it('closes a connection that uses a reserved opcode with 1002', async () => {
    expect(await closeCodeAfter(clientFrame(0x3, 'x'))).toMatchObject({ code: 1002 });
  });

  it('closes a connection that fragments a control frame with 1002', async () => {
    expect(await closeCodeAfter(clientFrame(PING, 'x', { fin: false }))).toMatchObject({ code: 1002 });
  });

  it('closes a connection that sends a binary frame with 1003', async () => {
    expect(await closeCodeAfter(clientFrame(BINARY, Buffer.from([0, 1, 2, 3, 255])))).toMatchObject({ code: CLOSE_CODES.UNSUPPORTED_DATA });
    await expectStreamsNormally();
  });

  it('closes a connection that sends invalid UTF-8 in a text frame with 1007', async () => {
    expect(await closeCodeAfter(clientFrame(TEXT, Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d])))).toMatchObject({ code: 1007 });
    await expectStreamsNormally();
  });

  it('closes a connection that announces a 2^62-byte frame with 1009 and the limit, without waiting for it', async () => {
    expect(await closeCodeAfter(clientFrame(TEXT, 'x', { declaredLength: 2n ** 62n }))).toEqual({
      code: CLOSE_CODES.MESSAGE_TOO_BIG,
      reason: 'Message too big (limit 4096 bytes)',
    });
    await expectStreamsNormally();
  });

  it('closes a client that sends oversized JSON with 1009', async () => {
    const client = await createWsClient(service.wsUrl);
    client.socket.send(JSON.stringify({ type: 'subscribe', requestId: 'x'.repeat(10 * 1024) }));
    expect((await client.closed).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);
    await expectStreamsNormally();
  });

  it('answers non-JSON and unknown messages with an error and keeps the connection', async () => {
    const client = await createWsClient(service.wsUrl);
    for (const text of ['\u0000\u0001garbage', '[]', 'null', '{"type":"shutdown"}', '{"type":"subscribe"}']) client.socket.send(text);
    await client.waitFor(() => client.messages.filter((m) => m.type === 'error').length === 5);
    expect(client.messages.filter((m) => m.type === 'error').every((m) => m.code === 'INVALID_MESSAGE')).toBe(true);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    await client.close();
  });

  it('closes a plain HTTP connection once it answered 426, without reading the body still arriving', async () => {
    // Kept open, the connection read (and discarded) whatever body came, for up to Node's 300 s
    // request timeout: a few such clients streaming gigabytes slowed every WebSocket client.
    const socket = await connectRaw(service.wsPort);
    const answer = readUntilClosed(socket);
    socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n');
    const response = parseResponse(await answer);
    expect(response.status).toBe(426);
    expect(response.headers.connection).toBe('close');
    await expectStreamsNormally();
  });

  it('answers plain HTTP and a bad WebSocket version without upgrading', async () => {
    const plain = await rawExchange(service.wsPort, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(plain.status).toBe(426);
    expect(plain.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(plain.body)).toMatchObject({ success: false, error: { code: 'UPGRADE_REQUIRED' } });
    const wrong = await rawExchange(
      service.wsPort,
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 99\r\n\r\n',
    );
    expect(wrong.status).toBe(400);
    await expectStreamsNormally();
  });
});
