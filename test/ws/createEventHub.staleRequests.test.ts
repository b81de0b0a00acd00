/**
 * A request whose terminal event never reaches the hub (its instance was killed, Redis lost the
 * event) is given up once silent for longer than any live request can be: out of the active
 * count and of every subscription, its followers told with a processing_error INTERRUPTED. The
 * clock is the hub's own (injected), so nothing here waits on wall time.
 */
import { ProcessingErrorSchema, type PipelineEvent } from '../../src/events/eventSchemas';
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createEventHub, type DeliveryMode } from '../../src/ws/createEventHub';
import { captureLogger } from '../support/captureLogger';
import { memorySocket } from './support/memorySocket';

const LIMIT = 240_000;
const requestId = 'req_1758260128188_zfubq1yiv';

/** A hub on a clock the test moves, with an uploader that started `requestId` and a watcher subscribed to it. */
function followedRequest(delivery: DeliveryMode) {
  const clock = { now: 1_000_000 };
  const logger = captureLogger();
  const hub = createEventHub({ logger, delivery, staleRequestMs: LIMIT, now: () => clock.now });
  const uploader = memorySocket();
  const watcher = memorySocket();
  const uploaderId = hub.connect(uploader.socket);
  const watcherId = hub.connect(watcher.socket);
  const at = () => new Date(clock.now).toISOString();
  const emit = (event: PipelineEvent) => hub.deliver(event);
  emit({ type: 'processing_started', requestId, connectionId: uploaderId, message: 'started', timestamp: at() });
  hub.receive(watcherId, JSON.stringify({ type: 'subscribe', requestId }));
  const received = (client: typeof watcher) => client.sent.map((m) => JSON.parse(m) as { type: string; code?: string; requestId?: string });
  const errorsTo = (client: typeof watcher) => received(client).filter((m) => m.type === 'processing_error');
  return { clock, logger, hub, uploader, watcher, watcherId, at, emit, received, errorsTo };
}

describe('createEventHub: requests whose last event never comes', () => {
  it.each(['broadcast', 'subscribed'] as const)(
    'gives up a request silent for longer than the limit, not before: out of activeRequests and subscriptions, its followers told INTERRUPTED once (%s)',
    (delivery) => {
      const { clock, logger, hub, uploader, watcher, at, emit, errorsTo } = followedRequest(delivery);
      clock.now += 5_000;
      emit({ type: 'analysis_started', requestId, message: 'analysing', timestamp: at() });

      clock.now += LIMIT;
      expect(hub.stats()).toMatchObject({ activeRequests: 1, subscriptions: 2, interruptedRequests: 0 });
      expect(errorsTo(watcher)).toEqual([]);

      clock.now += 1;
      expect(hub.stats()).toMatchObject({ activeRequests: 0, subscriptions: 0, interruptedRequests: 1 });
      for (const client of [uploader, watcher]) {
        const [error, ...more] = errorsTo(client);
        expect(more).toEqual([]);
        // An event the SPEC defines, field for field: the stage its last event reached, the time since it started.
        expect(ProcessingErrorSchema.strict().parse(error)).toMatchObject({ requestId, code: 'INTERRUPTED', stage: 'photo_analysis', totalTime: `${5_000 + LIMIT + 1}.00` });
      }
      const warnings = logger.entries.filter((e) => e.level === 'warn');
      expect(warnings).toEqual([expect.objectContaining({ fields: expect.objectContaining({ requestId, stage: 'photo_analysis', silentMs: LIMIT + 1 }) })]);

      // Once only: later counts give it up no more.
      clock.now += LIMIT * 2;
      expect(hub.stats()).toMatchObject({ activeRequests: 0, interruptedRequests: 1 });
      expect(errorsTo(watcher)).toHaveLength(1);
    },
  );

  it("numbers the INTERRUPTED it sends as the event after the request's last one (seq), so a client resuming by seq takes it as the end", () => {
    const { clock, at, emit, errorsTo, watcher } = followedRequest('subscribed');
    emit({ type: 'analysis_started', requestId, message: 'analysing', timestamp: at(), seq: 2 });
    clock.now += LIMIT + 1;
    emit({ type: 'processing_started', requestId: 'req_1758260128188_aaaaaaaaa', message: 'another', timestamp: at() });
    expect(errorsTo(watcher)).toEqual([expect.objectContaining({ code: 'INTERRUPTED', seq: 3 })]);
  });

  it('keeps a request that keeps emitting, however long it runs in all', () => {
    const { clock, hub, watcher, at, emit, errorsTo } = followedRequest('subscribed');
    for (let n = 1; n <= 5; n += 1) {
      clock.now += LIMIT;
      expect(hub.stats()).toMatchObject({ activeRequests: 1, subscriptions: 2 });
      emit({ type: 'individual_image_started', requestId, imageIndex: n, totalImages: 5, title: `image ${n}`, message: 'generating', timestamp: at() });
    }
    expect(hub.stats()).toMatchObject({ activeRequests: 1, subscriptions: 2, interruptedRequests: 0 });
    expect(errorsTo(watcher)).toEqual([]);
  });

  it('answers a late subscription to a given-up request as to a finished one: subscribed, not held', () => {
    const { clock, hub, watcher, watcherId, received } = followedRequest('subscribed');
    clock.now += LIMIT + 1;
    hub.stats();
    hub.receive(watcherId, JSON.stringify({ type: 'subscribe', requestId }));
    expect(received(watcher).at(-1)).toMatchObject({ type: 'subscribed' });
    expect(hub.stats().subscriptions).toBe(0);
  });

  it('delivers nothing more for a request it gave up, so its followers get one terminal event, and warns once', () => {
    const { clock, logger, hub, watcher, at, emit, received } = followedRequest('broadcast');
    clock.now += LIMIT + 1;
    hub.stats();
    const given = logger.entries.length;
    // Its instance (an older version, or one whose events Redis held back) was not dead after all.
    emit({ type: 'analysis_started', requestId, message: 'late', timestamp: at() });
    emit({ type: 'processing_completed', requestId, totalTime: '10.00', imagesGenerated: 1, durationMs: 10, message: 'done', timestamp: at() });
    const late = logger.entries.slice(given).filter((e) => e.level === 'warn');
    expect(late).toEqual([expect.objectContaining({ fields: expect.objectContaining({ requestId, type: 'analysis_started' }) })]);
    expect(received(watcher).filter((m) => m.type !== 'connection_established' && m.type !== 'subscribed').map((m) => m.type)).toEqual(['processing_started', 'processing_error']);
    expect(hub.stats()).toMatchObject({ activeRequests: 0, eventsBroadcast: 1 });
  });

  it('waits for a request whose processing_started announces a longer timeoutMs (its instance allows it longer) until that timeout + 60 s has passed', () => {
    const { clock, hub, watcher, at, emit, errorsTo } = followedRequest('broadcast');
    const slowId = 'req_1758260128188_000000003';
    const timeoutMs = 3 * LIMIT;
    emit({ type: 'processing_started', requestId: slowId, timeoutMs, message: 'started', timestamp: at() });
    clock.now += LIMIT + 1;
    // The request of the default instance is given up; the one announcing a longer timeout is not.
    expect(hub.stats()).toMatchObject({ activeRequests: 1, interruptedRequests: 1 });
    emit({ type: 'analysis_started', requestId: slowId, message: 'analysing', timestamp: at() });

    clock.now = clock.now - LIMIT - 1 + timeoutMs + 60_000;
    expect(hub.stats()).toMatchObject({ activeRequests: 1, interruptedRequests: 1 });
    clock.now += 1;
    expect(hub.stats()).toMatchObject({ activeRequests: 0, interruptedRequests: 2 });
    expect(errorsTo(watcher).map((m) => m.requestId)).toEqual([requestId, slowId]);
  });

  it('passes on a request whose start it never saw (it began before this instance listened), but nothing after its end', () => {
    const { hub, watcher, at, emit, received } = followedRequest('broadcast');
    const joinedLate = 'req_1758260128188_000000004';
    emit({ type: 'analysis_started', requestId: joinedLate, message: 'analysing', timestamp: at() });
    emit({ type: 'processing_completed', requestId: joinedLate, totalTime: '10.00', imagesGenerated: 1, durationMs: 10, message: 'done', timestamp: at() });
    // What only another publisher sends: the end again, an image after the end, a start after the end.
    emit({ type: 'processing_completed', requestId: joinedLate, totalTime: '10.00', imagesGenerated: 1, durationMs: 10, message: 'again', timestamp: at() });
    emit({ type: 'individual_image_started', requestId: joinedLate, imageIndex: 1, totalImages: 1, title: 'late', message: 'late', timestamp: at() });
    emit({ type: 'processing_started', requestId: joinedLate, message: 'replayed', timestamp: at() });
    // And a second start of a running request.
    emit({ type: 'processing_started', requestId, message: 'replayed', timestamp: at() });
    const seen = received(watcher).filter((m) => m.type !== 'connection_established' && m.type !== 'subscribed') as Array<{ type: string; message: string }>;
    expect(seen.map((m) => m.message)).toEqual(['started', 'analysing', 'done']);
    expect(hub.stats()).toMatchObject({ activeRequests: 1 });
  });

  it('follows at most maxActiveRequests: past it the least recently heard from is given up, so a flood of processing_started does not grow memory', () => {
    const clock = { now: 1_000_000 };
    const hub = createEventHub({ logger: captureLogger(), delivery: 'subscribed', staleRequestMs: LIMIT, maxActiveRequests: 3, now: () => clock.now });
    const uploader = memorySocket();
    const uploaderId = hub.connect(uploader.socket);
    const id = (n: number) => `req_1758260128188_${String(n).padStart(9, '0')}`;
    for (let n = 1; n <= 1000; n += 1) {
      hub.deliver({ type: 'processing_started', requestId: id(n), connectionId: uploaderId, message: 'started', timestamp: new Date(clock.now).toISOString() });
    }
    expect(hub.stats()).toMatchObject({ activeRequests: 3, subscriptions: 3, interruptedRequests: 997 });
    const errors = uploader.sent.map((m) => JSON.parse(m) as { type: string; requestId?: string; code?: string }).filter((m) => m.type === 'processing_error');
    expect(errors).toHaveLength(997);
    expect(errors[0]).toMatchObject({ requestId: id(1), code: 'INTERRUPTED' });
  });

  it('gives up stale requests on its own timer, with no one asking for the counts, and close() stops it (idempotent)', () => {
    jest.useFakeTimers();
    try {
      const { clock, logger, hub, watcher, at, emit, errorsTo } = followedRequest('subscribed');
      // One timer for the hub, however many requests it follows.
      expect(jest.getTimerCount()).toBe(1);
      clock.now += LIMIT + 1;
      jest.advanceTimersByTime(60_000);
      expect(errorsTo(watcher)).toMatchObject([{ code: 'INTERRUPTED' }]);

      emit({ type: 'processing_started', requestId: 'req_1758260128188_000000002', message: 'started', timestamp: at() });
      hub.close(CLOSE_CODES.GOING_AWAY, 'Server shutting down');
      expect(jest.getTimerCount()).toBe(0);
      hub.close(CLOSE_CODES.GOING_AWAY, 'Server shutting down');
      expect(watcher.closes).toEqual([{ code: CLOSE_CODES.GOING_AWAY, reason: 'Server shutting down' }]);
      // Closed, it gives nothing up (nor logs it), even when asked for its counts.
      const logged = logger.entries.length;
      clock.now += LIMIT + 1;
      expect(hub.stats()).toMatchObject({ activeRequests: 1, interruptedRequests: 1 });
      expect(logger.entries).toHaveLength(logged);
    } finally {
      jest.useRealTimers();
    }
  });
});
