import fs from 'node:fs';

/**
 * This process's open-file limit (soft and hard), read from /proc on Linux; undefined where
 * that is not available. Child processes inherit it, so it bounds the client count.
 */
export function readFdLimit(): { soft: number; hard: number } | undefined {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const match = line && /Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (!match) return undefined;
    const parse = (v: string) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
    return { soft: parse(match[1]), hard: parse(match[2]) };
  } catch {
    return undefined;
  }
}

/** How to raise the limit, for the message printed when it is too low. */
export function fdLimitAdvice(needed: number, limit: { soft: number; hard: number }): string {
  const shell = `ulimit -n ${Math.max(needed, 65536)}`;
  if (limit.hard >= needed) return `raise it in the shell first: \`${shell}\` (hard limit ${limit.hard}), then \`npm run bench\``;
  return `the hard limit is ${limit.hard}: as root run \`${shell}\` or add "* hard nofile 65536" to /etc/security/limits.conf (or LimitNOFILE=65536 for a systemd unit), log in again, then \`npm run bench\``;
}
