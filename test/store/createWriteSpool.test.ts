/**
 * The write spool on a real folder: writes kept with their buffers as raw files, read back equal
 * and in the order they were kept, and anything that is not a complete entry set aside.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createWriteSpool } from '../../src/store/createWriteSpool';
import type { SpoolFs } from '../../src/store/SpoolFs';
import type { SpooledWrite } from '../../src/store/SpooledWrite';
import { captureLogger } from '../support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { tempDataDir } from './support/storeTarget';

describe('createWriteSpool', () => {
  let root: string;
  let dir: string;
  let logger: ReturnType<typeof captureLogger>;

  beforeEach(() => {
    root = tempDataDir();
    dir = path.join(root, 'spool');
    logger = captureLogger();
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const lifecycle = makeLifecycle(makeRequestId());
  const writes = [
    { lane: 'request:x', label: 'start', write: { kind: 'started', data: lifecycle.started } as SpooledWrite },
    { lane: 'request:x', label: 'finish', write: { kind: 'finished', data: lifecycle.finished } as SpooledWrite },
  ];

  it('keeps buffers as raw files, not base64 in the JSON, and reads each write back equal', async () => {
    const spool = createWriteSpool({ dir, logger });
    expect(await spool.save(writes)).toBe(2);

    const files = fs.readdirSync(dir);
    expect(files.filter((name) => name.endsWith('.bin'))).toHaveLength(1 + 3);
    for (const name of files.filter((n) => n.endsWith('.json'))) {
      expect(fs.readFileSync(path.join(dir, name), 'utf8')).not.toContain(lifecycle.started.original.toString('base64').slice(0, 40));
    }
    const entries = await spool.load();
    expect(entries.map((entry) => entry.label)).toEqual(['start', 'finish']);
    const started = await spool.read(entries[0]);
    expect(started).toEqual({ kind: 'started', data: lifecycle.started });
    const finished = await spool.read(entries[1]);
    expect(finished).toEqual({ kind: 'finished', data: lifecycle.finished });
    expect(Buffer.isBuffer((finished.data as typeof lifecycle.finished).images[0].data)).toBe(true);

    await spool.remove(entries[0]);
    await spool.remove(entries[1]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('loads entries kept by later saves after those of earlier ones', async () => {
    const spool = createWriteSpool({ dir, logger });
    const event = (n: number) => ({ lane: 'events:x', label: `event ${n}`, write: { kind: 'interrupted', data: { requestId: `r${n}` } } as SpooledWrite });
    // More than ten per save, so an order by name that is not numeric would show.
    await spool.save(Array.from({ length: 12 }, (_, i) => event(i)));
    await spool.save(Array.from({ length: 12 }, (_, i) => event(12 + i)));
    const loaded = await createWriteSpool({ dir, logger }).load();
    expect(loaded.map((entry) => entry.label)).toEqual(Array.from({ length: 24 }, (_, i) => `event ${i}`));
  });

  it('moves a partial, unreadable or truncated entry to corrupt/ with a log line, and loads the rest', async () => {
    const spool = createWriteSpool({ dir, logger });
    await spool.save(writes);
    const [first, second] = fs.readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
    const secondKey = second.split('.')[0];
    // The first entry's description cut short; a stray temporary file of a write that never finished.
    fs.writeFileSync(path.join(dir, first), fs.readFileSync(path.join(dir, first), 'utf8').slice(0, 30));
    fs.writeFileSync(path.join(dir, '0000000000000099-abcd.json.tmp'), '{');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not ours');

    const entries = await spool.load();
    expect(entries.map((entry) => entry.key)).toEqual([secondKey]);
    const corrupt = fs.readdirSync(path.join(dir, 'corrupt')).sort();
    expect(corrupt).toEqual(expect.arrayContaining([first, '0000000000000099-abcd.json.tmp', 'notes.txt', `${first.split('.')[0]}.0.bin`]));
    expect(logger.entries.filter((e) => e.level === 'error' && /corrupt/.test(e.msg))).toHaveLength(3);

    // A buffer file cut short is found too.
    const bin = fs.readdirSync(dir).find((name) => name.startsWith(secondKey) && name.endsWith('.bin')) as string;
    fs.truncateSync(path.join(dir, bin), 10);
    expect(await spool.load()).toEqual([]);
    expect(fs.readdirSync(dir).filter((name) => name !== 'corrupt')).toEqual([]);
  });

  /** The real node:fs/promises, recording in order each fsync (of a file or a folder) and each rename, by base name. */
  function recordingFs(ops: string[]): SpoolFs {
    return {
      ...fsp,
      async open(file, flags) {
        const handle = await fsp.open(file, flags);
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          await sync();
          ops.push(`sync ${path.basename(String(file))}`);
        };
        return handle;
      },
      async rename(from, to) {
        await fsp.rename(from, to);
        ops.push(`rename ${path.basename(String(from))} ${path.basename(String(to))}`);
      },
    };
  }

  it("fsyncs each file before its rename, the new folder's parent, and the folder once after a save's renames", async () => {
    const ops: string[] = [];
    const spool = createWriteSpool({ dir, logger, fs: recordingFs(ops) });
    expect(await spool.save(writes)).toBe(2);

    const renames = ops.filter((op) => op.startsWith('rename '));
    // Four buffers and two descriptions.
    expect(renames).toHaveLength(6);
    for (const rename of renames) {
      const [, from, to] = rename.split(' ');
      expect(from.startsWith(`${to}.`) && from.endsWith('.tmp')).toBe(true);
      expect(ops.indexOf(`sync ${from}`)).toBeGreaterThan(-1);
      expect(ops.indexOf(`sync ${from}`)).toBeLessThan(ops.indexOf(rename));
    }
    // The spool folder was made by this save: its entry in the folder above is synced too.
    expect(ops.indexOf(`sync ${path.basename(root)}`)).toBeLessThan(ops.indexOf(renames[0]));
    // Synced once, after the last rename, before save resolved.
    expect(ops.filter((op) => op === 'sync spool')).toEqual(['sync spool']);
    expect(ops[ops.length - 1]).toBe('sync spool');

    ops.length = 0;
    expect(await spool.save(writes.slice(0, 1))).toBe(1);
    expect(ops.filter((op) => !op.endsWith('.tmp') && !op.startsWith('rename '))).toEqual(['sync spool']);
  });

  it('leaves an entry another running store is still writing, instead of setting it aside as corrupt', async () => {
    let paused!: () => void;
    let resume!: () => void;
    const renaming = new Promise<void>((resolve) => (paused = resolve));
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    // The writing store's first rename waits: its first entry's files are all there, under temporary names.
    const writing = createWriteSpool({
      dir,
      logger,
      fs: {
        ...fsp,
        async rename(from, to) {
          paused();
          await resumed;
          await fsp.rename(from, to);
        },
      },
    });
    const saving = writing.save(writes);
    await renaming;

    expect(await createWriteSpool({ dir, logger }).load()).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'corrupt'))).toBe(false);
    resume();
    expect(await saving).toBe(2);
    expect((await createWriteSpool({ dir, logger }).load()).map((entry) => entry.label)).toEqual(['start', 'finish']);
  });

  it('keeps nothing, logs and does not throw when the folder cannot be made', async () => {
    fs.writeFileSync(dir, 'a file in the way');
    const spool = createWriteSpool({ dir, logger });
    expect(await spool.save(writes)).toBe(0);
    expect(logger.entries.some((e) => e.level === 'error' && /spool/.test(e.msg))).toBe(true);
    expect(await spool.load()).toEqual([]);
  });
});
