import { createRateLimiter } from '../../src/http/createRateLimiter';

describe('createRateLimiter', () => {
  function clock(start = 1_000_000) {
    let t = start;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  it('allows a burst of perMinute, then refuses with the seconds until the next token', () => {
    const time = clock();
    const limiter = createRateLimiter({ perMinute: 3, now: time.now });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')].map((d) => d.allowed)).toEqual([true, true, true]);
    // One token every 20 s at 3 per minute.
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    time.advance(15_000);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 5 });
    time.advance(5_000);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0 });
    limiter.close();
  });

  it('rounds the wait up to whole seconds when the rate does not divide a minute', () => {
    const time = clock();
    // 7 per minute: one token every 8.57 s.
    const limiter = createRateLimiter({ perMinute: 7, now: time.now });
    for (let i = 0; i < 7; i += 1) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 9 });
    // Retrying after 8 s (rounded down) would be refused again.
    time.advance(8_000);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    time.advance(1_000);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0 });
    limiter.close();
  });

  it('keeps a separate budget per key', () => {
    const limiter = createRateLimiter({ perMinute: 1, now: clock().now });
    expect(limiter.take('198.51.100.1').allowed).toBe(true);
    expect(limiter.take('198.51.100.1').allowed).toBe(false);
    expect(limiter.take('198.51.100.2').allowed).toBe(true);
    limiter.close();
  });

  it('never remembers more than maxKeys clients, forgetting idle ones first, then the least recent', () => {
    const time = clock();
    const limiter = createRateLimiter({ perMinute: 2, maxKeys: 3, now: time.now });
    limiter.take('old');
    time.advance(60_000); // 'old' is full again: the same as unknown
    limiter.take('b');
    limiter.take('c');
    limiter.take('d');
    expect(limiter.size()).toBe(3);
    // All three are active now; a new client evicts the least recently seen ('b').
    limiter.take('b');
    limiter.take('c');
    limiter.take('d');
    limiter.take('e');
    expect(limiter.size()).toBe(3);
    expect(limiter.take('c')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.take('b')).toMatchObject({ allowed: true });
    limiter.close();
  });

  it('sweeps full buckets on its timer and stops it on close (idempotent)', async () => {
    const time = clock();
    const limiter = createRateLimiter({ perMinute: 60, sweepIntervalMs: 10, now: time.now });
    limiter.take('a');
    limiter.take('b');
    expect(limiter.size()).toBe(2);
    time.advance(2_000);
    while (limiter.size() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(limiter.size()).toBe(0);
    limiter.close();
    limiter.close();
  });

  it('leaves no timer behind once closed', () => {
    // close() also forgets every client, so only the timer count shows the sweep has stopped.
    jest.useFakeTimers();
    try {
      const limiter = createRateLimiter({ perMinute: 60, sweepIntervalMs: 10 });
      expect(jest.getTimerCount()).toBe(1);
      limiter.close();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses a rate below one per minute', () => {
    expect(() => createRateLimiter({ perMinute: 0 })).toThrow(RangeError);
  });
});
