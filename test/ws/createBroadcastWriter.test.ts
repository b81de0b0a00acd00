import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createEventBus, type EventBus } from '../../src/events/createEventBus';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createLogger } from '../../src/logging/createLogger';
import { createBroadcastWriter, frameText } from '../../src/ws/createBroadcastWriter';
import { createEventServer, type EventServer } from '../../src/ws/createEventServer';
import { createWsClient, type WsClient } from '../support/createWsClient';

const logger = createLogger({ level: 'silent' });
const REQUEST_ID = 'req_1758260128188_zfubq1yiv';

/** ws's own (public, untyped) framing, the reference the pre-built frames must match. */
const wsFrame = (payload: Buffer): Buffer =>
  Buffer.concat(
    (WebSocket as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender.frame(payload, {
      fin: true,
      opcode: 1,
      mask: false,
      readOnly: false,
      rsv1: false,
    }),
  );

function event(message: string): PipelineEvent {
  return { type: 'analysis_started', requestId: REQUEST_ID, message, timestamp: new Date().toISOString() };
}

describe('frameText', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('frames a %i-byte text payload byte-for-byte as ws does', (length) => {
    const payload = Buffer.alloc(length, 0x7a);
    expect(frameText(payload).equals(wsFrame(payload))).toBe(true);
  });
});

describe('createBroadcastWriter through the event server', () => {
  let bus: EventBus;
  let server: EventServer;
  const clients: WsClient[] = [];

  beforeEach(async () => {
    bus = createEventBus({ logger, validate: true });
    server = await createEventServer({ port: 0, host: '127.0.0.1', bus, logger });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
    await bus.close();
  });

  it('delivers small, medium and 64-bit-length events intact and in order to every client, between pong replies', async () => {
    for (let i = 0; i < 3; i++) clients.push(await createWsClient(`ws://127.0.0.1:${server.port}`));
    const messages = ['small', 'm'.repeat(300), 'l'.repeat(70_000)];
    bus.publish(event(messages[0]));
    clients[0].socket.send(JSON.stringify({ type: 'ping' }));
    await clients[0].waitFor((m) => m.type === 'pong');
    bus.publish(event(messages[1]));
    bus.publish(event(messages[2]));

    for (const client of clients) {
      await client.waitFor((m) => m.type === 'analysis_started' && m.message === messages[2]);
      const received = client.messages.filter((m) => m.type === 'analysis_started').map((m) => m.message);
      expect(received).toEqual(messages);
    }
    const firstTypes = clients[0].messages.map((m) => m.type);
    expect(firstTypes).toEqual(['connection_established', 'analysis_started', 'pong', 'analysis_started', 'analysis_started']);
    expect(server.stats().messagesSent).toBe(3 + 9 + 1);
  });
});

describe('createBroadcastWriter on a closing connection', () => {
  it('puts nothing on the wire after the close frame: a closing socket goes through ws, which drops the message', async () => {
    const httpServer = http.createServer();
    const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve()));
    const writer = createBroadcastWriter();
    wss.on('connection', (socket) => {
      writer.send(socket, Buffer.from('{"type":"before"}'));
      socket.close(1000, 'bye');
      writer.send(socket, Buffer.from('{"type":"after"}'));
    });
    const frames = await readRawFrames((httpServer.address() as AddressInfo).port);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));

    expect(frames.map((f) => f.opcode)).toEqual([0x1, 0x8]);
    expect(frames[0].payload.toString()).toBe('{"type":"before"}');
    expect(frames[1].payload.readUInt16BE(0)).toBe(1000);
  });
});

/**
 * A bare WebSocket client: handshakes, records every frame the server writes (server frames
 * are unmasked), answers the close frame, and resolves when the server ends the connection.
 */
function readRawFrames(port: number): Promise<Array<{ opcode: number; payload: Buffer }>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const frames: Array<{ opcode: number; payload: Buffer }> = [];
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('connect', () => {
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        buffer = buffer.subarray(end + 4);
      }
      while (buffer.length >= 2) {
        const length = buffer[1] & 0x7f;
        if (length > 125) throw new Error('this helper reads short frames only');
        if (buffer.length < 2 + length) return;
        const frame = { opcode: buffer[0] & 0x0f, payload: Buffer.from(buffer.subarray(2, 2 + length)) };
        frames.push(frame);
        buffer = buffer.subarray(2 + length);
        // Echo the close (client frames are masked; an all-zero mask leaves the bytes as they are).
        if (frame.opcode === 0x8) socket.write(Buffer.concat([Buffer.from([0x88, 0x80 | 2, 0, 0, 0, 0]), frame.payload.subarray(0, 2)]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(frames));
  });
}
