/** The write queue's bounds, drain and close: what it keeps, hands on or counts as lost. */
import type { WriteJob, WriteQueue } from '../../src/store/WriteQueue';
import type { captureLogger } from '../support/captureLogger';
import { createTestWriteQueue, Unreachable, Refused, deferred, waitFor, job } from './support/writeQueueHarness';

describe('createWriteQueue bounds and close', () => {
  let queue: WriteQueue;
  let logger: ReturnType<typeof captureLogger>;
  const make = (options: Parameters<typeof createTestWriteQueue>[0] = {}) => ({ queue, logger } = createTestWriteQueue(options));

  afterEach(async () => {
    await queue.close(100);
  });

  it('drops writes past the count and byte bounds', async () => {
    make({ maxQueuedWrites: 2, maxQueuedBytes: 100 });
    const gate = deferred();
    void queue.enqueue(job('a', 'one', () => gate.promise));
    void queue.enqueue(job('b', 'two', () => gate.promise));
    await queue.enqueue(job('c', 'three', () => gate.promise));
    expect(queue.stats()).toMatchObject({ pending: 2, lost: 1 });
    gate.resolve();
    await queue.drain(1000);
    await queue.enqueue(job('d', 'huge', async () => undefined, 101));
    expect(queue.stats()).toMatchObject({ pending: 0, lost: 2, stored: 2 });
  });

  it('drain reports false when the deadline passes first', async () => {
    make();
    await queue.enqueue(job('a', 'never', async () => { throw new Unreachable('down'); }));
    expect(await queue.drain(30)).toBe(false);
  });

  it('close retries at once, then drops what is left, idempotently, and refuses new writes', async () => {
    make({ retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    let down = true;
    let ran = 0;
    await queue.enqueue(job('a', 'waits out a long back-off', async () => { ran += 1; if (down) throw new Unreachable('down'); }));
    down = false;
    // The back-off is a minute; close does not wait for it.
    await Promise.all([queue.close(1000), queue.close(1000)]);
    expect(ran).toBe(2);
    expect(queue.stats()).toMatchObject({ pending: 0, stored: 1, lost: 0 });

    await queue.enqueue(job('a', 'late', async () => undefined));
    expect(queue.stats().lost).toBe(1);
  });

  it('close gives up at its deadline and counts what was queued', async () => {
    make();
    await queue.enqueue(job('a', 'x', async () => { throw new Unreachable('down'); }));
    await queue.enqueue(job('b', 'y', async () => { throw new Unreachable('down'); }));
    await queue.close(30);
    expect(queue.stats()).toMatchObject({ pending: 0, lost: 2 });
    expect(logger.entries.some((e) => e.level === 'error' && e.fields.lostWrites === 2)).toBe(true);
  });

  it('close hands what it could not write to keep, each lane in order, and logs those kept as spooled and the rest as lost', async () => {
    let handed: string[] = [];
    make({ keep: async (jobs) => { handed = jobs.map((j) => j.label); return 2; } });
    const down = async () => { throw new Unreachable('down'); };
    await queue.enqueue(job('a', 'a1', down));
    await queue.enqueue(job('b', 'b1', down));
    await queue.enqueue(job('a', 'a2', down));
    await queue.close(30);
    expect(handed.filter((label) => label.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(handed).toHaveLength(3);
    expect(queue.stats()).toMatchObject({ pending: 0, lost: 1 });
    expect(logger.entries.some((e) => e.level === 'warn' && e.fields.spooledWrites === 2 && /spooled/.test(e.msg))).toBe(true);
    expect(logger.entries.some((e) => e.level === 'error' && e.fields.lostWrites === 1)).toBe(true);
  });

  it('counts everything left as lost when keep fails', async () => {
    make({ keep: async () => { throw new Error('disk gone'); } });
    await queue.enqueue(job('a', 'x', async () => { throw new Unreachable('down'); }));
    await queue.close(30);
    expect(queue.stats()).toMatchObject({ pending: 0, lost: 1 });
  });

  it('tells a job once it is stored or given up, and not when it is left at close', async () => {
    make({ keep: async (jobs) => jobs.length });
    const outcomes: string[] = [];
    const tell = (label: string, run: () => Promise<void>): WriteJob => ({ ...job(label, label, run), done: (stored) => outcomes.push(`${label}:${stored}`) });
    await queue.enqueue(tell('ok', async () => undefined));
    await queue.enqueue(tell('bad', async () => { throw new Refused('400'); }));
    await queue.drain(1000);
    await queue.enqueue(tell('left', async () => { throw new Unreachable('down'); }));
    await queue.close(30);
    expect(outcomes.sort()).toEqual(['bad:false', 'ok:true']);
  });

  it('accepts a job only while open and within both bounds', async () => {
    make({ maxQueuedWrites: 1, maxQueuedBytes: 100 });
    expect(queue.accepts({ bytes: 101 })).toBe(false);
    expect(queue.accepts({ bytes: 100 })).toBe(true);
    await queue.enqueue(job('a', 'x', async () => { throw new Unreachable('down'); }));
    expect(queue.accepts({ bytes: 1 })).toBe(false);
    await queue.close(10);
    expect(queue.accepts({ bytes: 1 })).toBe(false);
  });

  it('keeps slots free for small writes while attachment writes hang, and runs the held attachment writes in turn', async () => {
    make({ concurrency: 4 });
    const gate = deferred();
    const started: string[] = [];
    const attachment = (lane: string): WriteJob => ({
      lane,
      label: `image of ${lane}`,
      bytes: 1,
      sendsAttachments: true,
      run: async () => {
        started.push(lane);
        await gate.promise;
      },
    });
    const attachments = ['r1', 'r2', 'r3', 'r4', 'r5'].map((lane) => queue.enqueue(attachment(lane)));
    await waitFor(() => started.length === 2);
    // Two of four slots for attachments (concurrency − 2): a document and an event write still run.
    const small: string[] = [];
    await Promise.all([
      queue.enqueue(job('doc', 'document', async () => { small.push('doc'); })),
      queue.enqueue(job('events', 'event', async () => { small.push('event'); })),
    ]);
    expect(small.sort()).toEqual(['doc', 'event']);
    expect(started).toEqual(['r1', 'r2']);
    gate.resolve();
    await Promise.all(attachments);
    expect(started).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(queue.stats()).toMatchObject({ pending: 0, stored: 7, lost: 0 });
  });
});
