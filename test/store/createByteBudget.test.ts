import { createByteBudget, type ReleaseBytes } from '../../src/store/createByteBudget';

/** Acquires and records, in grant order, which acquires have been granted. */
function recorder(budget: ReturnType<typeof createByteBudget>) {
  const granted: string[] = [];
  const releases = new Map<string, ReleaseBytes>();
  const acquire = (name: string, bytes: number) =>
    budget.acquire(bytes).then((release) => {
      granted.push(name);
      releases.set(name, release);
    });
  const release = async (name: string) => {
    (releases.get(name) as ReleaseBytes)();
    // Let the grants it made run their continuations.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { granted, acquire, release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createByteBudget', () => {
  it('grants at once what fits and holds the rest until bytes are released', async () => {
    const budget = createByteBudget(100);
    const r = recorder(budget);
    void r.acquire('a', 60);
    void r.acquire('b', 40);
    void r.acquire('c', 10);
    await settle();
    expect(r.granted).toEqual(['a', 'b']);
    expect(budget.stats()).toEqual({ inFlightBytes: 100, waiting: 1 });
    await r.release('b');
    expect(r.granted).toEqual(['a', 'b', 'c']);
    expect(budget.stats()).toEqual({ inFlightBytes: 70, waiting: 0 });
  });

  it('lets work larger than the budget through alone once nothing else is in flight', async () => {
    const budget = createByteBudget(100);
    const r = recorder(budget);
    void r.acquire('small', 10);
    void r.acquire('huge', 500);
    void r.acquire('after', 10);
    await settle();
    expect(r.granted).toEqual(['small']);
    await r.release('small');
    expect(r.granted).toEqual(['small', 'huge']);
    expect(budget.stats()).toEqual({ inFlightBytes: 500, waiting: 1 });
    await r.release('huge');
    expect(r.granted).toEqual(['small', 'huge', 'after']);
  });

  it('serves waiters in arrival order: small ones do not pass a large one waiting ahead', async () => {
    const budget = createByteBudget(100);
    const r = recorder(budget);
    void r.acquire('a', 50);
    void r.acquire('large', 80);
    void r.acquire('tiny', 1);
    await settle();
    // 'tiny' would fit beside 'a', but 'large' came first and would wait forever behind a stream of small ones.
    expect(r.granted).toEqual(['a']);
    await r.release('a');
    expect(r.granted).toEqual(['a', 'large', 'tiny']);
  });

  it('gives up the place in line of an acquire whose signal aborts, rejecting it with the reason, and lets the ones behind it in', async () => {
    const budget = createByteBudget(100);
    const r = recorder(budget);
    void r.acquire('a', 50);
    const leaving = new AbortController();
    const left = budget.acquire(80, leaving.signal);
    void r.acquire('tiny', 1);
    await settle();
    expect(r.granted).toEqual(['a']);
    leaving.abort(new Error('the client went away'));
    await expect(left).rejects.toThrow('the client went away');
    await settle();
    expect(r.granted).toEqual(['a', 'tiny']);
    expect(budget.stats()).toEqual({ inFlightBytes: 51, waiting: 0 });
    await expect(budget.acquire(1, leaving.signal)).rejects.toThrow('the client went away');
  });

  it('frees bytes once however often a release is called', async () => {
    const budget = createByteBudget(100);
    const release = await budget.acquire(60);
    release();
    release();
    expect(budget.stats().inFlightBytes).toBe(0);
    await budget.acquire(100);
    expect(budget.stats().inFlightBytes).toBe(100);
  });

  it('refuses a budget that is not positive', () => {
    expect(() => createByteBudget(0)).toThrow(/positive/);
    expect(() => createByteBudget(Number.NaN)).toThrow(/positive/);
  });
});
