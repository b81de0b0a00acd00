/**
 * A start that fails part-way releases what it had already started: the engine, the bus and,
 * once opened, the database, so a caller can retry in the same process.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLocalEngine } from '../src/engine/local/createLocalEngine';
import type { ImageEngine } from '../src/engine/ImageEngine';
import { StartupError } from '../src/errors/StartupError';
import { createEventBus, type EventBus } from '../src/events/createEventBus';
import { createLogger } from '../src/logging/createLogger';
import { PortInUseError } from '../src/net/listen';
import { startTestService } from './support/startTestService';

const logger = createLogger({ level: 'silent' });

/** An engine and a bus that count their closes. */
function countedParts(): { engine: ImageEngine; bus: EventBus; closes: { engine: number; bus: number } } {
  const closes = { engine: 0, bus: 0 };
  const engine = createLocalEngine();
  const bus = createEventBus({ logger });
  return {
    closes,
    engine: { ...engine, close: () => ((closes.engine += 1), engine.close()) },
    bus: { ...bus, close: () => ((closes.bus += 1), bus.close()) },
  };
}

describe('createService when start-up fails', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-failed-start-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('closes the engine and the bus when the database cannot start (DATA_DIR is a file)', async () => {
    const file = path.join(tempDir(), 'not-a-directory');
    fs.writeFileSync(file, 'x');
    const parts = countedParts();
    await expect(startTestService({ DATA_DIR: file }, { engine: parts.engine, bus: parts.bus })).rejects.toBeInstanceOf(StartupError);
    expect(parts.closes).toEqual({ engine: 1, bus: 1 });
  });

  it('closes the database, engine and bus when the WebSocket port is taken, so the data folder can be opened again', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const dataDir = tempDir();
    const parts = countedParts();
    try {
      await expect(startTestService({ DATA_DIR: dataDir, WS_PORT: String(taken) }, { engine: parts.engine, bus: parts.bus })).rejects.toBeInstanceOf(PortInUseError);
      expect(parts.closes).toEqual({ engine: 1, bus: 1 });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    // LevelDB locks its folder while open: a second start on it works only if the first let go.
    const service = await startTestService({ DATA_DIR: dataDir });
    await service.close();
  });
});
