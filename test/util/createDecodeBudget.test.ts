import { createDecodeBudget } from '../../src/util/createDecodeBudget';

describe('createDecodeBudget', () => {
  /** Holds `megapixels` of `budget` until the returned release is called. */
  function hold(budget: ReturnType<typeof createDecodeBudget>, megapixels: number) {
    let release = () => undefined as void;
    const done = budget.run(() => new Promise<void>((resolve) => (release = resolve)), undefined, megapixels);
    return async () => {
      release();
      await done;
    };
  }

  it('lets photos decode together while their megapixels fit the largest accepted photo, and makes the next one wait', async () => {
    const budget = createDecodeBudget(100_000_000);
    const releases = [hold(budget, 48), hold(budget, 24), hold(budget, 24)];
    const fourth = hold(budget, 12);
    await Promise.resolve();
    expect([budget.active, budget.waiting]).toEqual([3, 1]);
    await releases[0]();
    expect([budget.active, budget.waiting]).toEqual([3, 0]);
    await Promise.all([releases[1](), releases[2](), fourth()]);
  });

  it('rounds a budget below a megapixel up to one slot, so small limits still decode one photo at a time', async () => {
    const budget = createDecodeBudget(500_000);
    const first = hold(budget, 0.3);
    const second = hold(budget, 0.3);
    await Promise.resolve();
    expect([budget.active, budget.waiting]).toEqual([1, 1]);
    await first();
    await second();
  });
});
