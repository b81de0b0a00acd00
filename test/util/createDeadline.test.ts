import { getMaxListeners } from 'node:events';
import { createDeadline, DeadlineError, MAX_LISTENERS } from '../../src/util/createDeadline';

describe('createDeadline', () => {
  it('aborts after the given time with a DeadlineError', async () => {
    const deadline = createDeadline(30);
    expect(deadline.signal.aborted).toBe(false);
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve, { once: true }));
    expect(deadline.signal.reason).toBeInstanceOf(DeadlineError);
    expect(deadline.signal.reason).toMatchObject({ name: 'TimeoutError', ms: 30 });
  });

  it('aborts at once with the reason of a source signal', () => {
    const source = new AbortController();
    const deadline = createDeadline(60_000, [source.signal, undefined]);
    source.abort(new Error('client left'));
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe('client left');
    deadline.clear();
  });

  it.each([
    ['alone', () => createDeadline(60_000)],
    ['combined with a source signal', () => createDeadline(60_000, [new AbortController().signal])],
  ])('lets every stage of a request listen without a MaxListenersExceededWarning (%s)', (_name, make) => {
    // Jest gives tests their own `process`, so the warning itself cannot be caught here; the
    // limit Node checks before warning can.
    const deadline = make();
    expect(getMaxListeners(deadline.signal)).toBe(MAX_LISTENERS);
    expect(MAX_LISTENERS).toBeGreaterThanOrEqual(40);
    deadline.clear();
  });

  it('never fires once cleared', async () => {
    const deadline = createDeadline(20);
    deadline.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(deadline.signal.aborted).toBe(false);
  });
});
