/**
 * test-api.ts run as users run it (a child process, ts-node) against the real service.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { closedPort } from '../support/closedPort';
import { createWsClient } from '../support/createWsClient';
import { startTestService, type TestService } from '../support/startTestService';
import { createTcpProxy } from '../support/browser/createTcpProxy';
import { createGatedEngine } from '../hardening/support/gatedEngine';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'test-api.ts');
const TEST_TIMEOUT_MS = 180_000;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment the script runs with: ours, without anything that would pick its servers. */
function scriptEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') };
  for (const name of ['API_URL', 'WS_URL', 'WS_AUTH_TOKEN', 'HTTP_PORT', 'WS_PORT', 'HOST', 'TIMEOUT_SECONDS']) delete env[name];
  return env;
}

/** `node -r ts-node/register/transpile-only test-api.ts …` in `cwd`. */
function runScript(args: string[], cwd: string): Promise<RunResult> {
  return runNode(['-r', require.resolve('ts-node/register/transpile-only'), SCRIPT, ...args], cwd);
}

function runNode(args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: scriptEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A TCP server that accepts connections and never says a word (a hung server). */
async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  return {
    port: (silent.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    },
  };
}

/**
 * Calls the script's `run()` in a fresh process (without the CLI's process.exit) and reports
 * what still holds the event loop once it has settled, besides stdout/stderr. A closed socket's
 * handle goes a loop turn or two later, so it looks again for a few turns (no clock involved).
 */
async function runInProcess(args: string[], cwd: string): Promise<{ outcome: unknown; resources: string[] }> {
  const harness = `
    require(${JSON.stringify(require.resolve('ts-node/register/transpile-only'))});
    const { run } = require(${JSON.stringify(SCRIPT)});
    const report = (outcome, turns = 0) => {
      const resources = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap' && r !== 'Immediate');
      if (resources.length && turns < 20) return setImmediate(() => report(outcome, turns + 1));
      process.stdout.write('\\nRESULT ' + JSON.stringify({ outcome, resources }) + '\\n');
      process.exit(0); // reported; whatever is left must not keep the test waiting
    };
    run(${JSON.stringify(args)}, {}).then(report, (err) => report(err.exitCode ?? String(err)));`;
  const result = await runNode(['-e', harness], cwd);
  const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT line; stderr: ${result.stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as { outcome: unknown; resources: string[] };
}

describe('test-api.ts', () => {
  let service: TestService;
  let tmp: string;

  beforeAll(async () => {
    service = await startTestService();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await service?.close();
  });

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-test-api-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test(
    'uploads ./ss.jpg by default, prints every event of its request, and saves the four images exactly as they were sent',
    async () => {
      fs.copyFileSync(path.join(ROOT, 'ss.jpg'), path.join(tmp, 'ss.jpg'));
      const witness = await createWsClient(service.wsUrl);
      try {
        const result = await runScript(['--url', service.httpUrl, '--ws', service.wsUrl], tmp);
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/💥|⚠️/) });

        const completed = await witness.waitFor((m) => m.type === 'processing_completed');
        const requestId = completed.requestId as string;
        const events = witness.messages.filter((m) => m.requestId === requestId);
        // Every event of the request is printed, in order.
        const printed = result.stdout.split('\n').map((line) => /^\[[\d:.]+ \+[\d.]+s\] \S+\s+([a-z_]+)/u.exec(line)?.[1]).filter(Boolean);
        expect(printed).toEqual(events.map((m) => m.type));
        expect(result.stdout).toContain(requestId);

        const outDir = path.join(tmp, 'test-outputs');
        const files = fs.readdirSync(outDir).sort();
        expect(files).toHaveLength(4);
        for (const event of events.filter((m) => m.type === 'individual_image_completed')) {
          const name = files.find((f) => f.startsWith(`${requestId}-${String(event.imageIndex)}-`));
          expect(name).toMatch(new RegExp(`^${requestId}-${String(event.imageIndex)}-[a-z0-9-]+\\.(jpg|png|webp)$`));
          const bytes = fs.readFileSync(path.join(outDir, name!));
          expect(bytes.equals(Buffer.from(event.imageData as string, 'base64'))).toBe(true);
          const meta = await sharp(bytes).metadata();
          expect(meta.width).toBeGreaterThan(0);
          expect(meta.height).toBeGreaterThan(0);
        }
      } finally {
        await witness.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'finds the event server from the API\'s /ws-health when --ws is not given',
    async () => {
      const result = await runScript([path.join(ROOT, 'ss.jpg'), '--url', service.httpUrl], tmp);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Connecting to ws://127.0.0.1:${service.wsPort}`);
      expect(fs.readdirSync(path.join(tmp, 'test-outputs'))).toHaveLength(4);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'exits 4 when the API accepts the upload but never answers within --timeout',
    async () => {
      // A server that reads the request and never replies.
      const silent = await startSilentServer();
      try {
        const result = await runScript([path.join(ROOT, 'ss.jpg'), '--url', `http://127.0.0.1:${silent.port}`, '--ws', service.wsUrl, '--timeout', '1'], tmp);
        expect(result.code).toBe(4);
        expect(result.stderr).toContain('Timed out after 1s');
      } finally {
        await silent.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'exits 3 with a clear message when the server is not running',
    async () => {
      const port = await closedPort();
      const result = await runScript([path.join(ROOT, 'ss.jpg'), '--url', `http://127.0.0.1:${port}`, '--ws', `ws://127.0.0.1:${port}`], tmp);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`Cannot connect to the WebSocket server at ws://127.0.0.1:${port}: connection refused`);
      expect(fs.existsSync(path.join(tmp, 'test-outputs'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'exits 3 when the event server wants a token it was not given, and succeeds with --token',
    async () => {
      const guarded = await startTestService({ WS_AUTH_TOKEN: 'let-me-in' });
      try {
        const args = [path.join(ROOT, 'ss.jpg'), '--url', guarded.httpUrl, '--ws', guarded.wsUrl];
        const refused = await runScript(args, tmp);
        expect(refused.code).toBe(3);
        expect(refused.stderr).toMatch(/closed the connection: 1008 .*set WS_AUTH_TOKEN or --token/);

        const allowed = await runScript([...args, '--token', 'let-me-in'], tmp);
        expect(allowed.code).toBe(0);
        expect(fs.readdirSync(path.join(tmp, 'test-outputs'))).toHaveLength(4);
      } finally {
        await guarded.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'exits 1 naming the HTTP status and code when the file is not an image',
    async () => {
      const notAPhoto = path.join(tmp, 'notes.jpg');
      fs.writeFileSync(notAPhoto, 'these bytes are not a photo\n'.repeat(20));
      const result = await runScript([notAPhoto, '--url', service.httpUrl, '--ws', service.wsUrl], tmp);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/HTTP 415 UNSUPPORTED_MEDIA_TYPE/);
      expect(result.stdout).toMatch(/processing_error/);
      expect(fs.existsSync(path.join(tmp, 'test-outputs'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'refuses an output folder it cannot create before uploading anything, with one clear line and exit 2',
    async () => {
      const notAFolder = path.join(tmp, 'taken');
      fs.writeFileSync(notAFolder, 'a file where the folder should be');
      const result = await runScript([path.join(ROOT, 'ss.jpg'), '--url', service.httpUrl, '--ws', service.wsUrl, '--out', notAFolder], tmp);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Cannot use the output folder ${notAFolder}: EEXIST`);
      expect(result.stderr).not.toContain('Unexpected error');
      expect(result.stdout).not.toContain('Uploading');
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'reads HTTP_PORT, HOST and WS_AUTH_TOKEN from ./.env, as the service does, when no option or variable names them',
    async () => {
      const guarded = await startTestService({ WS_AUTH_TOKEN: 'from-dotenv' });
      try {
        fs.copyFileSync(path.join(ROOT, 'ss.jpg'), path.join(tmp, 'ss.jpg'));
        fs.writeFileSync(path.join(tmp, '.env'), `HOST=0.0.0.0\nHTTP_PORT=${guarded.httpPort}\nWS_AUTH_TOKEN=from-dotenv\nAPI_URL=\n`);
        const result = await runScript([], tmp);
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        expect(result.stdout).toContain(`to http://localhost:${guarded.httpPort}/process-image`);
        expect(fs.readdirSync(path.join(tmp, 'test-outputs'))).toHaveLength(4);
      } finally {
        await guarded.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'leaves no socket or timer behind when --timeout expires while the event server never answers the handshake',
    async () => {
      const hung = await startSilentServer();
      try {
        const settled = await runInProcess([path.join(ROOT, 'ss.jpg'), '--url', service.httpUrl, '--ws', `ws://127.0.0.1:${hung.port}`, '--timeout', '1'], tmp);
        expect(settled.outcome).toBe(4);
        expect(settled.resources).toEqual([]);
      } finally {
        await hung.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'exits 1 when the WebSocket drops mid-request, and leaves no upload running behind it',
    async () => {
      // The analyses wait at the gate, so the upload is still in flight when the socket drops.
      const gated = createGatedEngine(createLocalEngine());
      const held = await startTestService({}, { engine: gated });
      const proxy = await createTcpProxy({ host: '127.0.0.1', port: held.wsPort });
      try {
        const running = runInProcess([path.join(ROOT, 'ss.jpg'), '--url', held.httpUrl, '--ws', `ws://127.0.0.1:${proxy.port}`], tmp);
        await gated.waitForEntered(2);
        proxy.dropConnections();
        const settled = await running;
        expect(settled.outcome).toBe(1);
        expect(settled.resources).toEqual([]);
      } finally {
        gated.open();
        await proxy.close();
        await held.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'exits 2 when the photo does not exist',
    async () => {
      const result = await runScript(['missing.jpg', '--url', service.httpUrl, '--ws', service.wsUrl], tmp);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Cannot read the photo missing.jpg: ENOENT');
    },
    TEST_TIMEOUT_MS,
  );
});
