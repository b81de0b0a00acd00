/**
 * One client flooding the event server with messages must not hold up the others: its
 * messages are taken one per turn of the event loop, not a whole TCP read's worth at once.
 */
import type WebSocket from 'ws';
import { createEventBus, type EventBus } from '../../src/events/createEventBus';
import { createLogger } from '../../src/logging/createLogger';
import { createBroadcastWriter, type BroadcastWriter } from '../../src/ws/createBroadcastWriter';
import { createEventServer, type EventServer } from '../../src/ws/createEventServer';
import { createWsClient, type WsClient } from '../support/createWsClient';
import { clientFrame, rawWebSocket, type RawWebSocket } from '../hardening/support/rawWebSocket';
import { waitUntil } from '../hardening/support/waitUntil';

const logger = createLogger({ level: 'silent' });
/** Pings in the flood, all in one write: ~30 KB, which the server reads in one go. */
const FLOOD = 1500;

describe('createEventServer with a client flooding messages', () => {
  let bus: EventBus;
  let server: EventServer;
  let quiet: WsClient;
  let flooder: RawWebSocket;
  /** Every message the server wrote, by the server-side socket it went to, in order. */
  const written: WebSocket[] = [];
  /** Called with each server-side socket as a message is written to it. */
  let onWrite: (socket: WebSocket) => void = () => undefined;

  beforeEach(async () => {
    written.length = 0;
    onWrite = () => undefined;
    const real = createBroadcastWriter();
    const writer: BroadcastWriter = {
      send(socket, data) {
        written.push(socket);
        onWrite(socket);
        real.send(socket, data);
      },
    };
    bus = createEventBus({ logger });
    server = await createEventServer({ port: 0, host: '127.0.0.1', bus, logger, writer });
    quiet = await createWsClient(`ws://127.0.0.1:${server.port}`);
    flooder = await rawWebSocket(server.port);
  });
  afterEach(async () => {
    flooder.socket.destroy();
    await quiet.close();
    await server.close();
    await bus.close();
  });

  it("answers a quiet client's ping while a flood of pings read in one go is still being answered", async () => {
    // Connected in this order, so the first socket written to is the quiet client's.
    await waitUntil(() => new Set(written).size === 2, 'both greetings');
    const [quietSocket, flooderSocket] = [...new Set(written)];
    // The quiet client asks the moment the server has answered the flood's first ping.
    onWrite = (socket) => {
      if (socket !== flooderSocket) return;
      onWrite = () => undefined;
      quiet.socket.send(JSON.stringify({ type: 'ping' }));
    };
    const ping = clientFrame(0x1, '{"type":"ping"}');
    flooder.socket.write(Buffer.concat(Array.from({ length: FLOOD }, () => ping)));
    await quiet.waitFor((m) => m.type === 'pong');

    const floodRepliesBefore = written.slice(0, written.lastIndexOf(quietSocket)).filter((s) => s === flooderSocket).length - 1;
    // Handled all at once, the whole flood was answered first.
    expect(floodRepliesBefore).toBeLessThan(FLOOD / 2);
    // And the flooder still gets every answer.
    await waitUntil(() => flooder.texts.length === FLOOD + 1, 'every pong to the flood');
  });
});
