/**
 * Peak memory of the embedded database's child process under concurrent attachment writes
 * (`npx ts-node --transpile-only scripts/measureAttachmentMemory.ts`, not part of `npm test`).
 * Starts the store the way `npm start` does (embedded server in a child process), then stores
 * N attachments of S MB at once (each in its own request lane, as N concurrent requests would),
 * and reports the child's peak RSS (VmHWM) above its RSS before the batch, and the time taken.
 *
 *   npx ts-node --transpile-only scripts/measureAttachmentMemory.ts [--count 8] [--mb 40] [--rounds 2]
 *                   [--budget-mb 32] [--json]
 *
 * --budget-mb sets the store's maxAttachmentBytesInFlight (0: no budget; default: the store's own).
 *
 * The bytes are random, so LevelDB's compression cannot shrink them (photos do not compress either).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/logging/createLogger';
import { createRequestStore } from '../src/store/createRequestStore';

interface Options {
  count: number;
  mb: number;
  rounds: number;
  budgetMb?: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { count: 8, mb: 40, rounds: 2, json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const value = () => Number(argv[++i]);
    switch (argv[i]) {
      case '--count': options.count = value(); break;
      case '--mb': options.mb = value(); break;
      case '--rounds': options.rounds = value(); break;
      case '--budget-mb': options.budgetMb = value(); break;
      case '--json': options.json = true; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!(options.count > 0 && options.mb > 0 && options.rounds > 0)) throw new Error('--count, --mb and --rounds must be positive');
  return options;
}

/** A field of /proc/<pid>/status in MB (VmRSS, VmHWM). */
function statusMb(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Resets the child's VmHWM to its current RSS (Linux 4.0+; the process is ours). */
function resetPeak(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attach-mem-'));
  // The queue's own byte bound (256 MiB) would drop part of a large batch: this measures the database.
  const maxQueuedBytes = 2 * options.count * options.mb * 1024 * 1024 + 256 * 1024 * 1024;
  const handle = await createRequestStore({
    dataDir,
    logger: createLogger({ level: 'warn' }),
    storeOptions: {
      maxQueuedBytes,
      ...(options.budgetMb !== undefined ? { maxAttachmentBytesInFlight: options.budgetMb * 1024 * 1024 } : {}),
    },
  });
  const pid = handle.embeddedPid as number;
  const results: Array<{ round: number; before: number; peak: number; ms: number }> = [];
  try {
    for (let round = 1; round <= options.rounds; round += 1) {
      const images = Array.from({ length: options.count }, () => randomBytes(options.mb * 1024 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 500));
      resetPeak(pid);
      const before = statusMb(pid, 'VmRSS');
      const started = process.hrtime.bigint();
      const stamp = Date.now();
      await Promise.all(
        images.map((data, i) =>
          handle.store.storeImage(`req_${stamp}_${String(round * 100 + i).padStart(9, '0')}`, { index: 1, mimeType: 'image/jpeg', data }),
        ),
      );
      // storeImage resolves after 10 s at most; the batch is done when the queue is empty.
      while (handle.store.pendingWrites() > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const peak = statusMb(pid, 'VmHWM');
      results.push({ round, before, peak, ms });
      if (!options.json) {
        console.log(
          `round ${round}: ${options.count} × ${options.mb} MB: child RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB ` +
            `(+${(peak - before).toFixed(0)} MB, ${((peak - before) / (options.count * options.mb)).toFixed(1)}× the bytes), ${ms.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (options.json) console.log(JSON.stringify({ ...options, results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
