/**
 * The README's first command, `npm start`, run for real: it builds what changed, serves, and a
 * SIGTERM sent to npm — what `docker stop` or a process manager sends — reaches the service, which
 * drains and exits 0 with nothing left running. Before `exec`, npm's shell died and the service
 * kept running as an orphan, holding its ports.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/freePort';
import { isRunning, processesWith, waitForExit } from '../support/processes';
import { waitUntil } from './support/waitUntil';

const REPO_ROOT = path.resolve(__dirname, '../..');

describe('npm start', () => {
  it('serves, and a SIGTERM to npm stops the service and its database: npm exits 0, nothing left running', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-npm-'));
    const httpPort = await freePort();
    const wsPort = await freePort();
    const env: Record<string, string> = { HTTP_PORT: String(httpPort), WS_PORT: String(wsPort), DATA_DIR: dataDir, HOST: '127.0.0.1', ENGINE: 'local', LOG_LEVEL: 'info' };
    for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name];
    const npm = spawn('npm', ['start'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    let servicePid: number | undefined;
    try {
      // The first run compiles the whole service (tsc -b); later runs only check it is current.
      await waitUntil(() => out.includes('"msg":"SnatchShot Cloud API ready"'), 'npm start to be ready', 120_000);
      const health = await fetch(`http://127.0.0.1:${httpPort}/health`);
      expect(health.status).toBe(200);
      servicePid = (JSON.parse(out.split('\n').find((line) => line.includes('"msg":"SnatchShot Cloud API ready"')) as string) as { pid: number }).pid;
      const couchPids = processesWith(dataDir);
      expect(couchPids).toHaveLength(1);

      npm.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('"msg":"shutdown complete"');
      expect(isRunning(servicePid)).toBe(false);
      expect(await waitForExit(couchPids[0], 5_000)).toBe(true);
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
      if (servicePid !== undefined && isRunning(servicePid)) process.kill(servicePid, 'SIGKILL');
      for (const pid of processesWith(dataDir)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
