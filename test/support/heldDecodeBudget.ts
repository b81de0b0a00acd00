import { createSemaphore, type Semaphore } from '../../src/util/createSemaphore';

/**
 * A decode budget of one megapixel whose only slot is taken until `release()`: every decode
 * given it waits in its queue (`budget.waiting`) meanwhile. `release()` may be called again.
 */
export function heldDecodeBudget(): { budget: Semaphore; release: () => Promise<void> } {
  const budget = createSemaphore(1);
  let free = () => undefined as void;
  const holding = budget.run(() => new Promise<void>((resolve) => (free = resolve)));
  return {
    budget,
    release: async () => {
      free();
      await holding;
    },
  };
}
