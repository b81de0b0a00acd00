/**
 * The transport-agnostic hub over in-memory sockets (its own tiny socket interface): one
 * failing connection never hurts the others, and is closed rather than left dangling.
 */
import { ConnectionEstablishedSchema, type PipelineEvent } from '../../src/events/eventSchemas';
import { createLogger } from '../../src/logging/createLogger';
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createEventHub } from '../../src/ws/createEventHub';
import { memorySocket } from './support/memorySocket';

const logger = createLogger({ level: 'silent' });

const event = (message: string): PipelineEvent => ({
  type: 'analysis_started',
  requestId: 'req_1758260128188_zfubq1yiv',
  message,
  timestamp: new Date().toISOString(),
});

describe('createEventHub', () => {
  it.each(['broadcast', 'subscribed'] as const)('greets a client with a connection_established its schema describes field for field (%s)', (delivery) => {
    const hub = createEventHub({ logger, delivery });
    const client = memorySocket();
    const id = hub.connect(client.socket);
    // strict(): a field the schema does not define (as `delivery` was) would be a contract the
    // single definition does not state, and that schema-validating clients silently drop.
    const hello = ConnectionEstablishedSchema.strict().parse(JSON.parse(client.sent[0]));
    expect(hello).toMatchObject({ connectionId: id, delivery });
  });

  it('sends the bytes an event arrived as (from Redis) instead of serializing the event again', () => {
    const hub = createEventHub({ logger });
    const client = memorySocket();
    hub.connect(client.socket);
    // A newer instance's added field travels on to clients, as the wire bytes carry it.
    const arrived = Buffer.from(JSON.stringify({ ...event('from another instance'), addedLater: 1 }));
    hub.deliver(event('from another instance'), arrived);
    expect(client.sent[1]).toBe(arrived.toString('utf8'));
  });

  it('closes a client whose send throws with 1011 and keeps delivering to the others', () => {
    const hub = createEventHub({ logger });
    const healthy = memorySocket();
    const broken = memorySocket(true);
    hub.connect(healthy.socket);
    const brokenId = hub.connect(broken.socket);

    hub.deliver(event('first'));
    hub.deliver(event('second'));

    expect(hub.has(brokenId)).toBe(false);
    expect(broken.closes).toEqual([{ code: CLOSE_CODES.SERVER_ERROR, reason: 'Internal error' }]);
    expect(hub.stats().connections).toBe(1);
    // connection_established, then both events.
    const received = healthy.sent.map((m) => JSON.parse(m) as { type: string; message?: string });
    expect(received.map((m) => m.type)).toEqual(['connection_established', 'analysis_started', 'analysis_started']);
    expect(received.slice(1).map((m) => m.message)).toEqual(['first', 'second']);
    expect(healthy.closes).toEqual([]);
  });

  it.each(['broadcast', 'subscribed'] as const)('lets a client follow a request until its terminal event, then forgets it (%s)', (delivery) => {
    const hub = createEventHub({ logger, delivery });
    const uploader = memorySocket();
    const watcher = memorySocket();
    const uploaderId = hub.connect(uploader.socket);
    const watcherId = hub.connect(watcher.socket);
    const at = () => new Date().toISOString();
    const requestIds = ['req_1758260128188_000000001', 'req_1758260128188_000000002'];
    for (const requestId of requestIds) {
      hub.deliver({ type: 'processing_started', requestId, connectionId: uploaderId, message: 'started', timestamp: at() });
      hub.receive(watcherId, JSON.stringify({ type: 'subscribe', requestId }));
      hub.deliver({ type: 'analysis_started', requestId, message: 'analysing', timestamp: at() });
    }
    expect(hub.stats().subscriptions).toBe(4);
    for (const requestId of requestIds) {
      hub.deliver({ type: 'processing_completed', requestId, totalTime: '10.00', imagesGenerated: 1, durationMs: 10, message: 'done', timestamp: at() });
    }
    // Both followers got each request's events up to and including its terminal one.
    for (const client of [uploader, watcher]) {
      const types = client.sent.map((m) => JSON.parse(m) as { type: string }).map((m) => m.type).filter((t) => t === 'processing_completed');
      expect(types).toHaveLength(2);
    }
    expect(hub.stats().subscriptions).toBe(0);
  });

  it('remembers the last 1000 finished requests for late subscribers, and forgets older ones', () => {
    const hub = createEventHub({ logger, delivery: 'subscribed' });
    const client = memorySocket();
    const id = hub.connect(client.socket);
    const requestId = (n: number) => `req_1758260128188_${n.toString(36).padStart(9, '0')}`;
    for (let n = 0; n <= 1000; n += 1) {
      hub.deliver({ type: 'processing_completed', requestId: requestId(n), totalTime: '10.00', imagesGenerated: 1, durationMs: 10, message: 'done', timestamp: new Date().toISOString() });
    }

    const answer = (n: number) => {
      hub.receive(id, JSON.stringify({ type: 'subscribe', requestId: requestId(n) }));
      return JSON.parse(client.sent.at(-1) ?? '{}') as { type: string; code?: string };
    };
    // 1001 finished: the first has been evicted, the next 1000 are still known.
    expect(answer(0)).toMatchObject({ type: 'error', code: 'UNKNOWN_REQUEST' });
    expect(answer(1)).toMatchObject({ type: 'subscribed' });
    expect(answer(1000)).toMatchObject({ type: 'subscribed' });
    // Nothing more will come for a finished request: the subscription is answered, not held.
    expect(hub.stats().subscriptions).toBe(0);
  });
});
