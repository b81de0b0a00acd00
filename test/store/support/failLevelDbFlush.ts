import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isRunning } from '../../support/processes';

/** leveldown's default write buffer: LevelDB flushes its memory table to a new file past this. */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** Size of the newest write-ahead log of one database, i.e. what its memory table holds. */
function logBytes(databaseDir: string): number {
  const logs = fs.readdirSync(databaseDir).filter((file) => file.endsWith('.log'));
  return Math.max(0, ...logs.map((file) => fs.statSync(path.join(databaseDir, file)).size));
}

/** Sets the file-size limit (RLIMIT_FSIZE, soft only: lifting it needs no privilege) of process `pid`. */
function limitFileSize(pid: number, bytes: number | 'unlimited'): void {
  execFileSync('prlimit', ['--pid', String(pid), `--fsize=${bytes}:unlimited`]);
}

/**
 * Makes the embedded database child `pid` fail LevelDB's next background write, as a full disk
 * does, without a small filesystem (which needs privileges): it fills `database`'s memory table
 * past the write buffer, then lowers the child's file-size limit, so the table LevelDB writes on
 * the next write is refused ("File too large"). From then on LevelDB refuses every write to that
 * database with the same error. Resolves with a function that lifts the limit ("space freed").
 */
export async function failNextFlush(url: string, dataDir: string, database: string, pid: number): Promise<() => void> {
  const databaseDir = path.join(dataDir, database);
  for (let n = 0; logBytes(databaseDir) <= WRITE_BUFFER_BYTES; n += 1) {
    // Random bytes: LevelDB compresses its tables, and the table must outgrow the limit.
    const data = crypto.randomBytes(300_000).toString('base64');
    const response = await fetch(`${url}/${database}/filler-${n}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _attachments: { filler: { content_type: 'application/octet-stream', data } } }),
    });
    if (response.status !== 201) throw new Error(`filling ${database} failed: ${response.status} ${await response.text()}`);
  }
  limitFileSize(pid, 64 * 1024);
  return () => {
    try {
      limitFileSize(pid, 'unlimited');
    } catch (err) {
      // A child already replaced has no limit to lift.
      if (isRunning(pid)) throw err;
    }
  };
}
