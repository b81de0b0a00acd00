/**
 * Starts embeddedStoreParent.ts as its own process and waits for its report.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ParentReport } from './embeddedStoreParent';

export interface StoreParent {
  process: ChildProcess;
  report: ParentReport;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function forkStoreParent(dataDir: string): Promise<StoreParent> {
  const child = fork(path.join(__dirname, 'embeddedStoreParent.ts'), [dataDir], {
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const report = await new Promise<ParentReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as ParentReport));
    void exited.then((exit) => reject(new Error(`store parent exited before it reported: ${JSON.stringify(exit)}`)));
  });
  return { process: child, report, exited };
}
