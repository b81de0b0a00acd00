import { shareUntilAbandoned } from '../../src/util/shareUntilAbandoned';

/** A producer whose runs are counted and settled by hand, with the signal each was given. */
function controllable() {
  const runs: { signal: AbortSignal; resolve: (value: string) => void }[] = [];
  const produce = (signal: AbortSignal) => new Promise<string>((resolve) => runs.push({ signal, resolve }));
  return { runs, produce };
}

describe('shareUntilAbandoned', () => {
  it('runs the work once for every caller', async () => {
    const { runs, produce } = controllable();
    const shared = shareUntilAbandoned(produce);
    const answers = [shared(new AbortController().signal), shared(), shared(new AbortController().signal)];
    expect(runs).toHaveLength(1);
    runs[0].resolve('decoded');
    await expect(Promise.all(answers)).resolves.toEqual(['decoded', 'decoded', 'decoded']);
  });

  it('keeps the work going while another caller still waits, and frees the one that stopped', async () => {
    const { runs, produce } = controllable();
    const shared = shareUntilAbandoned(produce);
    const stopped = new AbortController();
    const first = shared(stopped.signal);
    const second = shared(new AbortController().signal);
    stopped.abort(new Error('stage timed out'));
    await expect(first).rejects.toThrow('stage timed out');
    expect(runs[0].signal.aborted).toBe(false);
    runs[0].resolve('decoded');
    await expect(second).resolves.toBe('decoded');
  });

  it('cancels the work once every caller has stopped, and starts it afresh for the next', async () => {
    const { runs, produce } = controllable();
    const shared = shareUntilAbandoned(produce);
    const callers = [new AbortController(), new AbortController()];
    const answers = callers.map((c) => shared(c.signal));
    callers[0].abort(new Error('first left'));
    expect(runs[0].signal.aborted).toBe(false);
    callers[1].abort(new Error('second left'));
    expect(runs[0].signal.aborted).toBe(true);
    expect(runs[0].signal.reason).toEqual(new Error('second left'));
    await expect(Promise.all(answers)).rejects.toThrow('first left');

    const next = shared(new AbortController().signal);
    expect(runs).toHaveLength(2);
    runs[1].resolve('decoded again');
    await expect(next).resolves.toBe('decoded again');
  });

  it('is never cancelled once a caller without a signal waits on it', async () => {
    const { runs, produce } = controllable();
    const shared = shareUntilAbandoned(produce);
    const caller = new AbortController();
    void shared(caller.signal).catch(() => undefined);
    const patient = shared();
    caller.abort();
    expect(runs[0].signal.aborted).toBe(false);
    runs[0].resolve('decoded');
    await expect(patient).resolves.toBe('decoded');
  });

  it('keeps a settled result for later callers, even after every earlier caller stopped', async () => {
    const { runs, produce } = controllable();
    const shared = shareUntilAbandoned(produce);
    const caller = new AbortController();
    const answer = shared(caller.signal);
    runs[0].resolve('decoded');
    await answer;
    caller.abort();
    await expect(shared(new AbortController().signal)).resolves.toBe('decoded');
    expect(runs).toHaveLength(1);
  });

  it('rejects a caller whose signal has already aborted without starting the work', async () => {
    const { runs, produce } = controllable();
    const shared = shareUntilAbandoned(produce);
    await expect(shared(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(runs).toHaveLength(0);
  });
});
