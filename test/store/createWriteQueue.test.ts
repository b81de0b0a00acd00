import type { WriteQueue } from '../../src/store/WriteQueue';
import type { captureLogger } from '../support/captureLogger';
import { createTestWriteQueue, Unreachable, Refused, Throttled, deferred, waitFor, job } from './support/writeQueueHarness';

describe('createWriteQueue', () => {
  let queue: WriteQueue;
  let logger: ReturnType<typeof captureLogger>;
  const make = (options: Parameters<typeof createTestWriteQueue>[0] = {}) => ({ queue, logger } = createTestWriteQueue(options));

  afterEach(async () => {
    await queue.close(100);
  });

  it('runs the writes of one lane in order and different lanes side by side', async () => {
    make();
    const log: string[] = [];
    const gate = deferred();
    const done = Promise.all([
      queue.enqueue(job('a', 'a1', async () => { log.push('a1 start'); await gate.promise; log.push('a1 end'); })),
      queue.enqueue(job('a', 'a2', async () => { log.push('a2'); })),
      queue.enqueue(job('b', 'b1', async () => { log.push('b1'); })),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual(['a1 start', 'b1']);
    gate.resolve();
    await done;
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    expect(queue.stats()).toMatchObject({ pending: 0, stored: 3, lost: 0, failing: false, catchingUp: false });
  });

  it('answers the caller after the first failed attempt and retries until the write lands', async () => {
    make();
    let attempts = 0;
    await queue.enqueue(
      job('a', 'flaky', async () => {
        attempts += 1;
        if (attempts < 4) throw new Unreachable('connection refused');
      }),
    );
    expect(attempts).toBe(1);
    expect(queue.stats()).toMatchObject({ pending: 1, failing: true, lastError: 'connection refused' });
    expect(await queue.drain(5000)).toBe(true);
    expect(attempts).toBe(4);
    expect(queue.stats()).toMatchObject({ pending: 0, stored: 1, failing: false, lost: 0 });
    expect(logger.entries.filter((entry) => entry.level === 'warn')).toHaveLength(1);
    expect(logger.entries.some((entry) => entry.level === 'info' && /succeed again/.test(entry.msg))).toBe(true);
  });

  it('counts as catching up from a failure until the backlog is written, after the first success too', async () => {
    make({ concurrency: 1 });
    let down = true;
    const gate = deferred();
    await queue.enqueue(job('a', 'first', async () => { if (down) throw new Unreachable('down'); }));
    void queue.enqueue(job('b', 'backlog', () => gate.promise));
    expect(queue.stats()).toMatchObject({ failing: true, catchingUp: true, pending: 2 });
    down = false;
    await waitFor(() => queue.stats().stored === 1);
    // The database answers again, but the backlog is still being written.
    expect(queue.stats()).toMatchObject({ failing: false, catchingUp: true, pending: 1 });
    gate.resolve();
    expect(await queue.drain(5000)).toBe(true);
    expect(queue.stats()).toMatchObject({ failing: false, catchingUp: false, pending: 0, stored: 2 });
  });

  it('keeps later writes of a lane behind a failing one, so order survives an outage', async () => {
    make();
    const log: string[] = [];
    let down = true;
    await queue.enqueue(job('a', 'first', async () => { if (down) throw new Unreachable('down'); log.push('first'); }));
    // Answered at once: the queue already knows the database is failing.
    await queue.enqueue(job('a', 'second', async () => { log.push('second'); }));
    expect(log).toEqual([]);
    down = false;
    await queue.drain(5000);
    expect(log).toEqual(['first', 'second']);
  });

  it('probes with a single write while the database fails', async () => {
    make({ concurrency: 4 });
    let inFlight = 0;
    let maxInFlight = 0;
    let down = true;
    const run = async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight -= 1;
      if (down) throw new Unreachable('down');
    };
    await queue.enqueue(job('a', 'a', run));
    maxInFlight = 0;
    for (const lane of ['b', 'c', 'd', 'e']) void queue.enqueue(job(lane, lane, run));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(maxInFlight).toBe(1);
    down = false;
    expect(await queue.drain(5000)).toBe(true);
  });

  it('drops a write the database refuses for good, and logs it', async () => {
    make();
    await queue.enqueue(job('a', 'bad doc', async () => { throw new Refused('400 bad_request'); }));
    expect(queue.stats()).toMatchObject({ pending: 0, lost: 1 });
    const entry = logger.entries.find((e) => e.level === 'error');
    expect(entry?.fields).toMatchObject({ write: 'bad doc', lostWrites: 1 });
  });

  it('gives up on a write the server keeps refusing after maxAttempts', async () => {
    make({ retry: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
    let attempts = 0;
    await queue.enqueue(job('a', 'throttled', async () => { attempts += 1; throw new Throttled('429'); }));
    await queue.drain(5000);
    expect(attempts).toBe(3);
    expect(queue.stats()).toMatchObject({ pending: 0, lost: 1 });
  });

  it('never waits longer than maxDelayMs between probes, however many rounds have failed', async () => {
    // factor 10: uncapped, the third wait would be 500 ms and the fourth 5 s.
    make({ retry: { initialDelayMs: 5, maxDelayMs: 20, factor: 10 } });
    const attemptTimes: number[] = [];
    await queue.enqueue(
      job('a', 'flaky', async () => {
        attemptTimes.push(performance.now());
        if (attemptTimes.length < 6) throw new Unreachable('down');
      }),
    );
    expect(await queue.drain(3000)).toBe(true);
    expect(attemptTimes).toHaveLength(6);
    const gaps = attemptTimes.slice(1).map((at, i) => at - attemptTimes[i]);
    // 20 ms + 20% jitter, with room for a busy machine's timers; far under the uncapped 400+ ms.
    for (const gap of gaps) expect(gap).toBeLessThan(250);
  });

  it('lets a caller go after settleTimeoutMs while a slow write continues', async () => {
    make({ settleTimeoutMs: 10 });
    const gate = deferred();
    await queue.enqueue(job('a', 'slow', () => gate.promise));
    expect(queue.stats().pending).toBe(1);
    gate.resolve();
    expect(await queue.drain(1000)).toBe(true);
    expect(queue.stats().stored).toBe(1);
  });

  it('stops making callers wait once a write has gone unanswered for settleTimeoutMs, until that write is answered', async () => {
    make({ settleTimeoutMs: 50 });
    const hung = deferred();
    const first = Date.now();
    await queue.enqueue(job('request:1', 'start', () => hung.promise));
    expect(Date.now() - first).toBeGreaterThanOrEqual(45);
    expect(queue.stats()).toMatchObject({ stalled: true, failing: false, pending: 1 });
    expect(logger.entries.some((e) => e.msg.includes('not answered'))).toBe(true);

    // The same request's next write, and another request's, are queued without a wait.
    const gate = deferred();
    let settledEarly = 0;
    void queue.enqueue(job('request:1', 'finish', async () => undefined)).then(() => (settledEarly += 1));
    void queue.enqueue(job('request:2', 'start', () => gate.promise)).then(() => (settledEarly += 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settledEarly).toBe(2);

    // Other writes succeeding do not end it (only some writes hang, e.g. big attachments):
    // a new caller still does not wait.
    gate.resolve();
    await waitFor(() => queue.stats().stored === 1);
    expect(queue.stats().stalled).toBe(true);
    let quick = false;
    await queue.enqueue(job('request:3', 'start', async () => undefined)).then(() => (quick = true));
    expect(quick).toBe(true);

    // The hung write's answer ends it: the next caller waits for its write again.
    hung.resolve();
    await waitFor(() => !queue.stats().stalled);
    let waitedFor = false;
    const slow = deferred();
    const next = queue.enqueue(job('request:4', 'start', () => slow.promise)).then(() => (waitedFor = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(waitedFor).toBe(false);
    slow.resolve();
    await next;
    expect(await queue.drain(1000)).toBe(true);
    expect(queue.stats()).toMatchObject({ pending: 0, stored: 5, lost: 0, stalled: false });
  });

  it('lets a caller go at settleTimeoutMs without calling the database stalled while writes of its kind are being stored (a backlog), and still notices a hang after it', async () => {
    jest.useFakeTimers();
    try {
      make({ concurrency: 1, settleTimeoutMs: 1000 });
      const first = deferred();
      const second = deferred();
      let secondSettled = false;
      const a = queue.enqueue(job('a', 'a', () => first.promise));
      void queue.enqueue(job('b', 'b', () => second.promise)).then(() => (secondSettled = true));
      // The first write is stored 900 ms in; the second, waiting its turn since 0 ms, then runs.
      await jest.advanceTimersByTimeAsync(900);
      first.resolve();
      await a;
      // Its caller's 1 s passes 100 ms after a write was stored: a backlog. It goes on, and the database is not stalled.
      await jest.advanceTimersByTimeAsync(200);
      expect(secondSettled).toBe(true);
      expect(queue.stats()).toMatchObject({ stalled: false, pending: 1 });
      expect(logger.entries.some((e) => e.msg.includes('not answered'))).toBe(false);
      expect(logger.entries.some((e) => e.level === 'info' && e.msg.includes('queued behind others'))).toBe(true);

      // Nothing stored for a whole settleTimeoutMs while a new caller waits: that is a hang.
      void queue.enqueue(job('c', 'c', async () => undefined));
      await jest.advanceTimersByTimeAsync(1000);
      expect(queue.stats().stalled).toBe(true);
      expect(logger.entries.some((e) => e.level === 'warn' && e.msg.includes('not answered'))).toBe(true);
      second.resolve();
      await jest.advanceTimersByTimeAsync(10);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ends a stall when the unanswered write is finally refused, so health does not stay degraded', async () => {
    make({ settleTimeoutMs: 20 });
    const hung = deferred();
    await queue.enqueue(job('a', 'hung then refused', () => hung.promise));
    expect(queue.stats().stalled).toBe(true);
    hung.reject(new Refused('413'));
    await waitFor(() => queue.stats().pending === 0);
    expect(queue.stats()).toMatchObject({ stalled: false, failing: false, catchingUp: false, lost: 1 });
    // The next caller waits for its write again.
    const slow = deferred();
    let settled = false;
    const next = queue.enqueue(job('b', 'next', () => slow.promise)).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    slow.resolve();
    await next;
  });
});
