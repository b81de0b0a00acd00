/**
 * The event server lets go of everything: a client that never answers a close frame cannot
 * hold shutdown, and a failed bind leaves nothing behind.
 */
import net from 'node:net';
import { createEventBus, type EventBus } from '../../src/events/createEventBus';
import { createLogger } from '../../src/logging/createLogger';
import { PortInUseError } from '../../src/net/listen';
import { createEventServer } from '../../src/ws/createEventServer';

const logger = createLogger({ level: 'silent' });

/** A raw TCP client that completes the WebSocket handshake and then never reads or answers. */
async function silentClient(port: number, path: string): Promise<{ socket: net.Socket; response: string; ended: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const response = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  return { socket, response, ended };
}

describe('createEventServer shutdown and start-up failure', () => {
  let bus: EventBus;
  beforeEach(() => {
    bus = createEventBus({ logger });
  });
  afterEach(async () => {
    await bus.close();
  });

  it('cuts a refused client that never answers its 1008 close frame after a second', async () => {
    const server = await createEventServer({ port: 0, host: '127.0.0.1', bus, logger, authToken: 'secret' });
    const client = await silentClient(server.port, '/');
    expect(client.response).toMatch(/^HTTP\/1\.1 101/);
    const started = Date.now();
    await client.ended;
    // ws on its own would wait 30 s for the client's half of the close handshake.
    expect(Date.now() - started).toBeLessThan(10_000);
    await server.close();
  });

  it('closes promptly although a client in the middle of being refused stays silent', async () => {
    const server = await createEventServer({ port: 0, host: '127.0.0.1', bus, logger, authToken: 'secret' });
    const refused = await silentClient(server.port, '/');
    const accepted = await silentClient(server.port, '/?token=secret');
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    await Promise.all([refused.ended, accepted.ended]);
    expect(server.stats()).toMatchObject({ status: 'closed', connections: 0 });
  });

  it('closes a client flooding binary frames once: one cut-off timer, not one per frame', async () => {
    const server = await createEventServer({ port: 0, host: '127.0.0.1', bus, logger });
    const timers = jest.spyOn(global, 'setTimeout');
    try {
      const client = await silentClient(server.port, '/');
      // Fifty masked 4-byte binary frames in one write: all but the first arrive after the refusal.
      const frame = Buffer.from([0x82, 0x84, 1, 2, 3, 4, 0xdf, 0xaf, 0xbd, 0xeb]);
      client.socket.write(Buffer.concat(Array.from({ length: 50 }, () => frame)));
      const started = Date.now();
      await client.ended;
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(timers.mock.calls.filter(([, ms]) => ms === 1000)).toHaveLength(1);
    } finally {
      timers.mockRestore();
      await server.close();
    }
  });

  it('stops its heartbeat when closed: no tick runs after close', async () => {
    // Count the heartbeat's ticks: the interval the server starts with heartbeatMs.
    const realSetInterval = global.setInterval;
    let ticks = 0;
    const intervals = jest.spyOn(global, 'setInterval').mockImplementation((callback: () => void, ms?: number) =>
      realSetInterval(() => {
        if (ms === 20) ticks += 1;
        callback();
      }, ms));
    try {
      const server = await createEventServer({ port: 0, host: '127.0.0.1', bus, logger, heartbeatMs: 20 });
      await waitFor(() => ticks >= 2);
      await server.close();
      const ticksAtClose = ticks;
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(ticks).toBe(ticksAtClose);
    } finally {
      intervals.mockRestore();
    }
  });

  it('leaves no bus subscription behind when its port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    let subscriptions = 0;
    const counted: EventBus = {
      ...bus,
      subscribe(listener) {
        subscriptions += 1;
        const off = bus.subscribe(listener);
        return () => {
          subscriptions -= 1;
          off();
        };
      },
    };
    await expect(createEventServer({ port, host: '127.0.0.1', bus: counted, logger })).rejects.toBeInstanceOf(PortInUseError);
    expect(subscriptions).toBe(0);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
