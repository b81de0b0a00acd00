import { EngineError } from '../../../src/errors/EngineError';
import {
  backoffDelayMs,
  RetriesExhaustedError,
  retryWithBackoff,
  type RetryPolicy,
} from '../../../src/engine/gemini/retryWithBackoff';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxServerDelayMs: 5000 };

describe('backoffDelayMs', () => {
  it('draws a full-jitter delay under an exponentially growing, capped ceiling', () => {
    const top = { ...policy, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, top))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelayMs(3, { ...policy, random: () => 0 })).toBe(0);
    expect(backoffDelayMs(3, { ...policy, random: () => 0.5 })).toBe(200);
  });

  it('waits at least the server-requested delay', () => {
    expect(backoffDelayMs(1, { ...policy, random: () => 0.999999 }, 2500)).toBe(2500);
  });

  it('keeps its own back-off when the server asks for less (Retry-After: 0 is no burst)', () => {
    const top = { ...policy, random: () => 0.999999 };
    expect([1, 2, 3].map((n) => backoffDelayMs(n, top, 0))).toEqual([100, 200, 400]);
    expect(backoffDelayMs(3, top, 250)).toBe(400);
  });
});

describe('retryWithBackoff', () => {
  const fast = { ...policy, baseDelayMs: 1, maxDelayMs: 2 };

  it('retries retryable EngineErrors and returns the value with the attempt count', async () => {
    let calls = 0;
    const notices: number[] = [];
    const result = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new EngineError('busy', { retryable: true, status: 503 });
        return 'ok';
      },
      fast,
      { onRetry: (n) => notices.push(n.attempt) },
    );
    expect(result).toEqual({ value: 'ok', attempts: 3 });
    expect(notices).toEqual([1, 2]);
  });

  it('stops after maxRetries and reports the attempts made', async () => {
    const error = await retryWithBackoff(async () => {
      throw new EngineError('down', { retryable: true });
    }, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(4);
    expect((error as RetriesExhaustedError).error).toEqual(new EngineError('down'));
  });

  it('does not retry non-retryable errors or plain errors', async () => {
    for (const thrown of [new EngineError('bad request', { status: 400 }), new Error('bug')]) {
      let calls = 0;
      await expect(
        retryWithBackoff(async () => {
          calls += 1;
          throw thrown;
        }, fast),
      ).rejects.toMatchObject({ attempts: 1, error: thrown });
      expect(calls).toBe(1);
    }
  });

  it('stops waiting when the signal aborts during back-off', async () => {
    const controller = new AbortController();
    const pending = retryWithBackoff(
      async () => {
        setTimeout(() => controller.abort(new Error('client gone')), 5);
        throw new EngineError('slow down', { retryable: true, retryAfterMs: 60_000 });
      },
      { ...policy, maxServerDelayMs: 120_000 },
      { signal: controller.signal },
    );
    await expect(pending).rejects.toMatchObject({ attempts: 1, message: 'client gone' });
  });
});
