/**
 * test-api.ts run as users run it against the real service, where it must fail: each exit
 * code with its one clear line, and nothing left running behind it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/freePort';
import { startSilentServer } from '../support/startSilentServer';
import { startTestService, type TestService } from '../support/startTestService';
import { createTcpProxy } from '../support/browser/createTcpProxy';
import { runInProcess } from '../support/testApi/runInProcess';
import { runScript } from '../support/testApi/runScript';
import { createGatedEngine } from '../hardening/support/gatedEngine';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';

const ROOT = path.resolve(__dirname, '../..');
const TEST_TIMEOUT_MS = 180_000;

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
      const port = await freePort();
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
    'exits 2 naming the output folder when it cannot be made once processing is done, instead of spinning on it (--out under /proc)',
    async () => {
      // procfs answers ENOENT to every mkdir: Node's recursive mkdir retries that forever.
      const outDir = `/proc/snatchshot-test-api-${process.pid}/images`;
      const result = await runScript([path.join(ROOT, 'ss.jpg'), '--url', service.httpUrl, '--ws', service.wsUrl, '--out', outDir, '--timeout', '60'], tmp, { killAfterMs: 90_000 });
      if (process.getuid?.() === 0) {
        // root may write to /proc's folder, so the early check lets the run go on.
        expect(result.stdout).toMatch(/processing_completed/);
        for (const index of [1, 2, 3, 4]) expect(result.stderr).toContain(`could not save image ${index}: ENOENT`);
        expect(result.stderr).toContain(`Processing succeeded, but 4 image(s) could not be saved in ${outDir}: ENOENT`);
        expect(result.stderr).not.toContain('Unexpected error');
        expect(result.code).toBe(2);
      } else {
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`Cannot use the output folder ${outDir}: EACCES`);
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
