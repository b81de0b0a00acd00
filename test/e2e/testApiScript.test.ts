/**
 * test-api.ts run as users run it (a child process, ts-node) against the real service: a
 * successful run, and how it finds the servers. Its failures and exit codes:
 * testApiScriptFailures.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createWsClient } from '../support/createWsClient';
import { startTestService, type TestService } from '../support/startTestService';
import { runScript } from '../support/testApi/runScript';

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

});
