import { createConcurrencyLimiter } from '../../src/pipeline/createConcurrencyLimiter';

describe('createConcurrencyLimiter', () => {
  it('runs up to max at once, queues up to maxQueue in order, and refuses the rest with BUSY', async () => {
    const limiter = createConcurrencyLimiter({ max: 2, maxQueue: 1, retryAfterSeconds: 7 });
    const r1 = await limiter.acquire();
    await limiter.acquire();
    const queued = limiter.acquire();
    expect(limiter.stats()).toEqual({ running: 2, queued: 1, max: 2, maxQueue: 1 });
    await expect(limiter.acquire()).rejects.toMatchObject({ code: 'BUSY', status: 503, headers: { 'Retry-After': '7' } });
    r1();
    r1(); // releasing twice frees one slot only
    await queued;
    expect(limiter.stats()).toMatchObject({ running: 2, queued: 0 });
  });

  it('drops a queued waiter whose signal aborts', async () => {
    const limiter = createConcurrencyLimiter({ max: 1, maxQueue: 5 });
    const release = await limiter.acquire();
    const abort = new AbortController();
    const waiting = limiter.acquire(abort.signal);
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'BUSY' });
    expect(limiter.stats().queued).toBe(0);
    release();
    expect(limiter.stats().running).toBe(0);
  });

  it('resolves whenIdle once everything has finished', async () => {
    const limiter = createConcurrencyLimiter({ max: 1, maxQueue: 1 });
    await expect(limiter.whenIdle()).resolves.toBeUndefined();
    const release = await limiter.acquire();
    const queued = limiter.acquire();
    let idle = false;
    const done = limiter.whenIdle().then(() => (idle = true));
    release();
    const second = await queued;
    await Promise.resolve();
    expect(idle).toBe(false);
    second();
    await done;
    expect(idle).toBe(true);
  });
});
