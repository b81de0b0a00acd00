import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/** Who claimed a spool entry, as its claim file names it: `<pid>_<process start, ms>_<host hash>_<token>`. */
const OWNER = /^(\d+)_(\d+)_([0-9a-f]{8})_[0-9a-f]+$/;

export interface SpoolOwner {
  /** This store's name in the claims it makes; unique to it (the token), even beside other stores of this process. */
  readonly id: string;
  /**
   * False once the claimer `id` names is known to be gone, so its claims can be taken over: a
   * process of this host that no longer runs (or whose pid now belongs to a later process), or
   * a name that is not an owner's. A claimer on another host is taken as running: its process
   * cannot be looked at from here.
   */
  isLive(id: string): boolean;
}

const hostHash = (host: string) => createHash('sha256').update(host).digest('hex').slice(0, 8);

/** The claimer of a write spool's entries for one store of this process. */
export function createSpoolOwner(): SpoolOwner {
  // The process's start time tells a restarted process from an earlier one given the same pid
  // (pid 1 in every container start, say).
  const started = Math.round(performance.timeOrigin);
  const host = hostHash(os.hostname());
  const id = `${process.pid}_${started}_${host}_${randomBytes(4).toString('hex')}`;

  function running(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: it runs, as another user.
      return (err as NodeJS.ErrnoException).code !== 'ESRCH';
    }
  }

  return {
    id,
    isLive(other) {
      const match = OWNER.exec(other);
      if (!match) return false;
      const [, pid, since, otherHost] = match;
      if (otherHost !== host) return true;
      if (Number(pid) === process.pid) return Number(since) === started;
      return running(Number(pid));
    },
  };
}
