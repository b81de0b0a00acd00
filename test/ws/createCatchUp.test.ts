/**
 * Resuming a request (`subscribe` with `afterSeq`) where the timing matters: live events that
 * come while the store is being read, an instance that has heard less than the client has, and
 * events neither the memory nor the store has. The history is the test's own list of stored
 * events, read when the test lets each read through.
 */
import type { EventHistory } from '../../src/events/EventHistory';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createCatchUp } from '../../src/ws/createCatchUp';
import { createEventHub } from '../../src/ws/createEventHub';
import { createReplayMemory } from '../../src/ws/createReplayMemory';
import { captureLogger } from '../support/captureLogger';
import { memorySocket } from './support/memorySocket';

const requestId = 'req_1758260128188_zfubq1yiv';
const event = (seq: number, extra: Partial<PipelineEvent> = {}): PipelineEvent =>
  ({ type: seq === 1 ? 'processing_started' : 'analysis_started', requestId, message: `event ${seq}`, timestamp: new Date(0).toISOString(), seq, ...extra }) as PipelineEvent;

/** `stored` as an EventHistory whose reads each wait for `letRead()`. */
function heldHistory(stored: PipelineEvent[]) {
  const waiting: Array<() => void> = [];
  const history: EventHistory = {
    eventsAfter: async (id, afterSeq) => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      const ofRequest = stored.filter((e) => e.requestId === id);
      return ofRequest.length === 0 ? null : ofRequest.filter((e) => (e.seq ?? 0) > afterSeq);
    },
    complete: async (e) => e,
  };
  const letRead = async () => {
    while (waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
    waiting.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { history, letRead };
}

const seqsOf = (sent: string[]) => sent.map((m) => JSON.parse(m) as { type: string; seq?: number }).filter((m) => m.seq !== undefined).map((m) => m.seq);

describe('createCatchUp (through the event hub)', () => {
  it('holds the live events that come while the store is read, and sends them after what was missed, each once', async () => {
    const { history, letRead } = heldHistory([event(1), event(2), event(3)]);
    // A memory that keeps nothing: every missed event comes from the store.
    const hub = createEventHub({ logger: captureLogger(), history, replay: { maxEvents: 0 } });
    const client = memorySocket();
    const id = hub.connect(client.socket);
    for (const seq of [1, 2, 3]) hub.deliver(event(seq));
    client.sent.length = 0;

    hub.receive(id, JSON.stringify({ type: 'subscribe', requestId, afterSeq: 1 }));
    hub.deliver(event(4));
    hub.deliver(event(5));
    await letRead();
    expect(JSON.parse(client.sent[0])).toMatchObject({ type: 'subscribed', requestId });
    expect(seqsOf(client.sent)).toEqual([2, 3, 4, 5]);
    hub.deliver(event(6));
    expect(seqsOf(client.sent)).toEqual([2, 3, 4, 5, 6]);
    hub.close(1001, 'done');
  });

  it('drops the live events a client already has when this instance heard less than the client (a slower Redis subscriber)', async () => {
    const { history } = heldHistory([]);
    const hub = createEventHub({ logger: captureLogger(), history });
    const client = memorySocket();
    const id = hub.connect(client.socket);
    for (const seq of [1, 2, 3]) hub.deliver(event(seq));
    client.sent.length = 0;

    // The client had 5 from another instance; this one has heard of 3 so far, all in memory.
    hub.receive(id, JSON.stringify({ type: 'subscribe', requestId, afterSeq: 5 }));
    await new Promise((resolve) => setImmediate(resolve));
    for (const seq of [4, 5, 6]) hub.deliver(event(seq));
    hub.deliver({ ...event(7), type: 'processing_completed', totalTime: '1.00', imagesGenerated: 1, durationMs: 1 });
    expect(seqsOf(client.sent)).toEqual([6, 7]);
    hub.close(1001, 'done');
  });

  it('tells the client, with REPLAY_INCOMPLETE, of events neither the memory nor the store has, after reading the store again a few times, and sends nothing past the gap', async () => {
    const memory = createReplayMemory({ maxEventBytes: 0 });
    for (const seq of [1, 2, 3, 4]) memory.remember(event(seq));
    let reads = 0;
    const history: EventHistory = {
      eventsAfter: async (_id, afterSeq) => {
        reads += 1;
        return [event(2), event(4)].filter((e) => (e.seq as number) > afterSeq);
      },
      complete: async (e) => e,
    };
    const sent: Array<{ type: string; seq?: number; code?: string }> = [];
    const catchUp = createCatchUp({
      memory,
      history,
      logger: captureLogger(),
      retryDelaysMs: [1, 1],
      send: (_client, data) => sent.push(JSON.parse(data.toString()) as { type: string }) > 0,
      reply: (_client, message) => void sent.push(message),
      follow: () => undefined,
      isActive: () => true,
    });
    catchUp.start('client', requestId, 1, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBe(3);
    expect(sent.map((m) => m.seq ?? m.code ?? m.type)).toEqual(['subscribed', 2, 'REPLAY_INCOMPLETE']);
    expect(sent[2]).toMatchObject({ message: `Events 3..4 of ${requestId} could not be replayed; GET /requests/${requestId}/events has what is stored` });
    catchUp.close();
  });

  it('refuses a fifth resume under way on one connection (each may read the store), and a second of the same request', async () => {
    const { history, letRead } = heldHistory([]);
    const hub = createEventHub({ logger: captureLogger(), history });
    const client = memorySocket();
    const id = hub.connect(client.socket);
    const ids = [1, 2, 3, 4, 5].map((n) => `req_1758260128188_${String(n).padStart(9, '0')}`);
    for (const requestId of [...ids, ids[0]]) hub.receive(id, JSON.stringify({ type: 'subscribe', requestId, afterSeq: 0 }));
    await new Promise((resolve) => setImmediate(resolve));
    const errors = () => client.sent.map((m) => JSON.parse(m) as { type: string; code?: string; message?: string }).filter((m) => m.type === 'error');
    expect(errors()).toEqual([
      expect.objectContaining({ code: 'INVALID_MESSAGE', message: '4 resumes are under way on this connection; wait for their events' }),
      expect.objectContaining({ code: 'INVALID_MESSAGE', message: `Already resuming ${ids[0]}: its events are on their way` }),
    ]);
    // Unknown to the store too, once read: each of the four is told so.
    for (let i = 0; i < 4; i += 1) await letRead();
    expect(errors().filter((m) => m.code === 'UNKNOWN_REQUEST')).toHaveLength(4);
    expect(hub.stats().subscriptions).toBe(0);
    hub.close(1001, 'done');
  });

  it('when the store cannot be read, says REPLAY_INCOMPLETE and still sends the live events it held', async () => {
    const memory = createReplayMemory();
    for (const seq of [1, 2, 3]) memory.remember(event(seq));
    const history: EventHistory = {
      eventsAfter: () => Promise.reject(new Error('database down')),
      complete: () => Promise.reject(new Error('database down')),
    };
    const sent: Array<{ type: string; seq?: number; code?: string }> = [];
    const logger = captureLogger();
    const catchUp = createCatchUp({
      memory,
      history,
      logger,
      retryDelaysMs: [1],
      send: (_client, data) => sent.push(JSON.parse(data.toString()) as { type: string }) > 0,
      reply: (_client, message) => void sent.push(message),
      follow: () => undefined,
      isActive: () => true,
    });
    // Event 4 (an image, say) is not in memory; 5 comes live while the store is tried.
    memory.remember({ ...event(4), imageData: 'AAAA' } as PipelineEvent);
    catchUp.start('client', requestId, 1, true);
    expect(catchUp.intercept('client', event(5), Buffer.from(JSON.stringify(event(5))))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent.map((m) => m.seq ?? m.code ?? m.type)).toEqual(['subscribed', 2, 3, 'REPLAY_INCOMPLETE', 5]);
    expect(logger.entries.filter((e) => e.msg === 'reading events to resume a client failed')).toHaveLength(2);
    catchUp.close();
  });
});
