import { createDeadline, DeadlineError } from '../../src/util/createDeadline';

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

  it('never fires once cleared', async () => {
    const deadline = createDeadline(20);
    deadline.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(deadline.signal.aborted).toBe(false);
  });
});
