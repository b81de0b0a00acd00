/**
 * Starts spoolClaimer.ts as its own process over a spool folder and waits until it has claimed
 * the folder's entries.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface SpoolClaimer {
  process: ChildProcess;
  /** How many entries it claimed. */
  claimed: number;
  exited: Promise<void>;
}

export async function forkSpoolClaimer(spoolDir: string): Promise<SpoolClaimer> {
  const child = fork(path.join(__dirname, 'spoolClaimer.ts'), [spoolDir], {
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const claimed = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { claimed: number }).claimed));
    void exited.then(() => reject(new Error('the spool claimer exited before it reported')));
  });
  return { process: child, claimed, exited };
}
