/**
 * Waits for `promise` to settle, at most `ms`: true when it settled in time (fulfilled or
 * rejected; the outcome is the caller's to observe), false when the time ran out. The timer is
 * cleared either way, so nothing is left running.
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => true as const,
        () => true as const,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
