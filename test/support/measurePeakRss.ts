/**
 * How far this process's resident memory peaked above where it stood while `work` ran, from
 * Linux's own high-water mark (VmHWM), which writing 5 to /proc/self/clear_refs resets.
 */
import fs from 'node:fs';

const kilobytes = (field: string): number => {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN);
};

/** Runs `work`; resolves with its result and the peak RSS growth in MB. */
export async function measurePeakRss<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const before = kilobytes('VmRSS');
  const result = await work();
  return { result, growthMb: (kilobytes('VmHWM') - before) / 1024 };
}
