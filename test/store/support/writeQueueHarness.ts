/** A write queue with short back-offs, the failure kinds its tests use, and small helpers. */
import { createWriteQueue } from '../../../src/store/createWriteQueue';
import type { FailureKind, WriteJob, WriteQueue } from '../../../src/store/WriteQueue';
import { captureLogger } from '../../support/captureLogger';

/** A failure that `classify` reads as the database being unreachable. */
export class Unreachable extends Error {}
/** A failure that `classify` reads as a refusal for good. */
export class Refused extends Error {}
/** A failure that `classify` reads as worth retrying (a 429 or 503). */
export class Throttled extends Error {}

const classify = (err: unknown): FailureKind =>
  err instanceof Unreachable ? 'unreachable' : err instanceof Throttled ? 'retryable' : 'permanent';

/** A promise with its resolve and reject at hand. */
export function deferred(): { promise: Promise<void>; resolve(): void; reject(err: Error): void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls `condition` every 2 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A write job of `bytes` bytes in `lane`. */
export const job = (lane: string, label: string, run: () => Promise<void>, bytes = 1): WriteJob => ({ lane, label, bytes, run });

/** A queue over a capturing logger, with 5–20 ms back-offs unless `options` say otherwise. */
export function createTestWriteQueue(options: Partial<Parameters<typeof createWriteQueue>[0]> = {}): { queue: WriteQueue; logger: ReturnType<typeof captureLogger> } {
  const logger = captureLogger();
  const queue = createWriteQueue({ logger, classify, retry: { initialDelayMs: 5, maxDelayMs: 20 }, ...options });
  return { queue, logger };
}
