/**
 * Shutdown with a request whose engine call ignores the abort (it cannot be cancelled): once the
 * grace after the shutdown deadline is over, the request is still answered — 503 SHUTTING_DOWN to
 * its client, `processing_error` to WebSocket clients, and stored as failed — instead of its
 * connection being cut with no answer, no terminal event and its record left `processing`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createLogger } from '../../src/logging/createLogger';
import { createRequestStore } from '../../src/store/createRequestStore';
import { createWsClient } from '../support/createWsClient';
import { realPhotoJpeg } from '../support/images';
import { startTestService } from '../support/startTestService';
import { createGatedEngine } from './support/gatedEngine';
import { upload } from './support/uploads';

jest.setTimeout(60_000);

describe('shutdown with an engine call that ignores the abort', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-uncancellable-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the request 503 SHUTTING_DOWN, emits its processing_error and stores it failed', async () => {
    const engine = createGatedEngine(createLocalEngine(), { honourAbort: false });
    // The store outlives the service, so the stored record can be read after the shutdown.
    const handle = await createRequestStore({ dataDir, logger: createLogger({ level: 'silent' }), embedded: 'in-process' });
    const service = await startTestService({ DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '100', IMAGE_COUNT: '1' }, { engine, store: handle.store });
    const watcher = await createWsClient(service.wsUrl);
    try {
      const answer = upload(service.httpUrl, await realPhotoJpeg());
      await engine.waitForEntered(2);
      const closing = service.close();
      // The abort reached both analysis calls, and they kept going.
      await engine.waitForAborts(2);

      const { status, body } = await answer;
      expect(status).toBe(503);
      expect(body.error?.code).toBe('SHUTTING_DOWN');
      const requestId = body.requestId as string;
      const terminal = watcher.messages.filter((m) => m.requestId === requestId && /^processing_(error|completed)$/.test(m.type));
      expect(terminal).toEqual([expect.objectContaining({ type: 'processing_error', code: 'SHUTTING_DOWN', stage: 'photo_analysis' })]);
      expect(await watcher.closed).toMatchObject({ code: 1001 });
      await closing;
      expect(await handle.store.getRequest(requestId)).toMatchObject({ status: 'failed', error: { code: 'SHUTTING_DOWN' } });
    } finally {
      engine.open();
      await watcher.close();
      await service.close();
      await handle.close();
    }
  });
});
