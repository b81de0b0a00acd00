/**
 * What the persistence suites share: a fresh DATA_DIR per test, the real photo, the service over
 * the CouchDB store in that folder (embedded mode, as the service wiring builds it), and the
 * results router on a small app beside it (docs/persistence.md describes the wiring).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { createErrorMiddleware } from '../../src/http/errorMiddleware';
import { createResultsRouter } from '../../src/http/routes/resultsRouter';
import { createLogger } from '../../src/logging/createLogger';
import type { CouchStore } from '../../src/store/CouchStore';
import { createRequestStore } from '../../src/store/createRequestStore';
import { realPhotoJpeg } from './images';
import { startTestService, type TestService } from './startTestService';

/** One image of a POST /process-image response. */
export interface ProcessedImage {
  index: number;
  durationMs?: number;
  imageData?: string;
  mimeType?: string;
}

export interface PersistedService {
  service: TestService;
  store: CouchStore;
  close(): Promise<void>;
}

/** What the hook's tests read; the fields are set by its beforeAll/beforeEach. */
export interface PersistenceFixture {
  logger: ReturnType<typeof createLogger>;
  dataDir: string;
  photo: Buffer;
  /** The service's environment over `dataDir` (two images per request, to be quick). */
  env: () => Record<string, string>;
  /** The results API over `store`, as the service mounts it. */
  resultsApp: (store: CouchStore) => express.Express;
  /** The service with the store over DATA_DIR. */
  start: () => Promise<PersistedService>;
}

/** Registers the hooks; call inside `describe`. */
export function usePersistedService(): PersistenceFixture {
  const logger = createLogger({ level: 'silent' });
  const fixture: PersistenceFixture = {
    logger,
    dataDir: '',
    photo: Buffer.alloc(0),
    env: () => ({ DATA_DIR: fixture.dataDir, IMAGE_COUNT: '2' }),
    resultsApp: (store) => {
      const app = express();
      app.use(createResultsRouter({ store, logger }));
      app.use(createErrorMiddleware(logger));
      return app;
    },
    start: async () => {
      const handle = await createRequestStore({ dataDir: fixture.dataDir, logger });
      const service = await startTestService(fixture.env(), { store: handle.store });
      return {
        service,
        store: handle.store,
        async close() {
          await service.close();
          await handle.close();
        },
      };
    },
  };

  beforeAll(async () => {
    fixture.photo = await realPhotoJpeg();
  });

  beforeEach(() => {
    fixture.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-persist-'));
  });

  afterEach(() => {
    fs.rmSync(fixture.dataDir, { recursive: true, force: true });
  });

  return fixture;
}
