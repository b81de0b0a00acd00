import { settledWithin } from '../../src/util/settledWithin';
import { oneLoopTurn, watchResources } from '../support/watchResources';

describe('settledWithin', () => {
  it('answers true for a promise that fulfils or rejects in time, leaving no timer behind', async () => {
    const watch = watchResources();
    try {
      expect(await settledWithin(Promise.resolve(1), 60_000)).toBe(true);
      expect(await settledWithin(Promise.reject(new Error('no')), 60_000)).toBe(true);
      await oneLoopTurn();
      expect(watch.alive()).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it('answers false once the time runs out on a promise that never settles', async () => {
    expect(await settledWithin(new Promise(() => undefined), 10)).toBe(false);
  });
});
