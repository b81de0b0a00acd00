import { randomBytes } from 'node:crypto';
import nodeFs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logging/Logger';
import { errorMessage } from '../util/errorMessage';
import { isJsonObject } from '../util/isJsonObject';
import { SPOOLED_WRITE_KINDS, type SpooledWrite } from './SpooledWrite';
import type { SpoolFs } from './SpoolFs';
import { createSpoolOwner } from './createSpoolOwner';
import { makeFolderSynced, syncFolder, writeFileSynced } from './syncedFiles';
import { makeDirectory } from '../util/makeDirectory';
import { joinBuffers, splitBuffers, type ValuePath } from './splitBuffers';

/** Format of an entry file; a file of another version is set aside as corrupt. */
const VERSION = 1;
/** `<16-digit sequence>-<hex>`: names sort in the order the entries were written. */
const KEY = /^(\d{16})-[0-9a-f]+$/;

/**
 * One write kept on disk: `<key>.json` (the description) and `<key>.<n>.bin` (its buffers). A
 * store replaying it has renamed the description to `<key>.<owner>.claim` (`files[0]`).
 */
export interface SpoolEntry {
  key: string;
  lane: string;
  label: string;
  kind: SpooledWrite['kind'];
  /** The write's data without its buffers, as parsed. */
  rest: unknown;
  attachments: { path: ValuePath; size: number }[];
  /** Size of the description, for the write queue's bound (the buffers stay on disk until written). */
  bytes: number;
  files: string[];
}

/** A write to keep: the queue's lane and label, and what it writes. */
export interface WriteToSpool {
  lane: string;
  label: string;
  write: SpooledWrite;
}

export interface WriteSpool {
  readonly dir: string;
  /**
   * Claims the complete entries, oldest first, and returns them: each is renamed to this store's
   * claim, which only one store can win, so two stores sharing the folder never both replay one.
   * Stops at the first entry claimed by a store still running (the rest are left to it, so no
   * request's writes are split between two stores), and takes over the claims of one that is
   * gone. Anything else in the folder (a partial write, an unreadable or foreign file) is moved
   * to `corrupt/` and logged. Never rejects.
   */
  load(): Promise<SpoolEntry[]>;
  /** The entry's write with its buffers read back from their files. */
  read(entry: SpoolEntry): Promise<SpooledWrite>;
  /** Deletes a stored entry (logged if it cannot). Never rejects. */
  remove(entry: SpoolEntry): Promise<void>;
  /** Moves an entry the database refused for good to `refused/`, where it can be looked at. Never rejects. */
  setAside(entry: SpoolEntry): Promise<void>;
  /**
   * Writes `writes` in order, each atomically (temporary file, then rename), after every entry
   * already there. Stops at the first that fails (logged), so a lane's order has no gaps.
   * Resolves with how many it kept. Never rejects.
   */
  save(writes: WriteToSpool[]): Promise<number>;
  /** Gives claimed entries not stored yet back to the folder, as they were before `load`. Never rejects. */
  release(entries: SpoolEntry[]): Promise<void>;
}

export interface WriteSpoolOptions {
  dir: string;
  logger: Logger;
  /** The file calls; node:fs/promises by default. */
  fs?: SpoolFs;
}

/**
 * The spool of the write queue in folder `dir`: writes still queued when the store closes are
 * kept here and replayed by the next start, instead of being lost. A save fsyncs each file before
 * its rename and the folder after the last, so what it reports kept survives a crash or power cut.
 */
export function createWriteSpool(options: WriteSpoolOptions): WriteSpool {
  const { dir, logger } = options;
  const fs = options.fs ?? nodeFs;
  const owner = createSpoolOwner();
  const file = (name: string) => path.join(dir, name);
  /** The name a file has outside a claim: a claim is the entry's description. */
  const unclaimed = (name: string) => (name.endsWith('.claim') ? `${name.split('.')[0]}.json` : name);
  /** The name a file of an entry has while this store writes it. */
  const temporary = (name: string) => `${name}.${owner.id}.tmp`;

  async function listFiles(): Promise<string[]> {
    try {
      return (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async function moveTo(sub: 'corrupt' | 'refused', files: string[]): Promise<void> {
    try {
      await makeDirectory(file(sub), fs);
      for (const name of files) await fs.rename(file(name), path.join(dir, sub, unclaimed(name)));
    } catch (err) {
      logger.error({ err: errorMessage(err), dir, files }, `could not move spooled files to ${sub}/`);
    }
  }

  /** The entry of `key` from its files (its claimed description first), or why it is not one. */
  async function check(key: string, files: string[]): Promise<SpoolEntry | string> {
    if (!KEY.test(key)) return 'not a spool entry';
    if (files.some((name) => name.endsWith('.tmp'))) return 'partly written';
    if (!files[0]?.endsWith('.claim')) return 'no description (.json)';
    let parsed: unknown;
    let text: string;
    try {
      text = await fs.readFile(file(files[0]), 'utf8');
      parsed = JSON.parse(text);
    } catch (err) {
      return `unreadable: ${errorMessage(err)}`;
    }
    if (!isJsonObject(parsed) || parsed.version !== VERSION) return 'not a spool entry of this version';
    const { lane, label, kind, data, attachments } = parsed;
    if (typeof lane !== 'string' || typeof label !== 'string' || typeof kind !== 'string' || !SPOOLED_WRITE_KINDS.has(kind)) return 'malformed';
    if (!isJsonObject(data) || !Array.isArray(attachments)) return 'malformed';
    const parts: SpoolEntry['attachments'] = [];
    for (const [i, part] of attachments.entries()) {
      if (!isJsonObject(part) || !Array.isArray(part.path) || typeof part.size !== 'number') return 'malformed';
      const size = await fs.stat(file(`${key}.${i}.bin`)).then((stat) => stat.size, () => undefined);
      if (size !== part.size) return `buffer ${i} missing or truncated`;
      parts.push({ path: part.path as ValuePath, size });
    }
    if (files.length !== parts.length + 1) return 'unexpected files';
    return { key, lane, label, kind: kind as SpooledWrite['kind'], rest: data, attachments: parts, bytes: text.length, files };
  }

  /**
   * Claims entry `key` by renaming its description (or the claim of a store that is gone) to this
   * store's claim: its files, the claim first (it names the buffers' files, so it is read first and
   * deleted first); 'held' when another running store has it or is still writing it; the files
   * as they are when there is no description to claim (`check` says why).
   */
  async function claim(key: string, files: string[]): Promise<string[] | 'held'> {
    // A running store's stop still writing this entry: its temporary files name it.
    const writer = files.find((name) => name.endsWith('.tmp'))?.split('.').at(-2);
    if (writer && owner.isLive(writer)) return 'held';
    const mine = `${key}.${owner.id}.claim`;
    const taken = files.find((name) => name.endsWith('.claim'));
    if (taken === mine) return [mine, ...files.filter((name) => name !== mine)];
    if (taken && owner.isLive(taken.slice(key.length + 1, -'.claim'.length))) return 'held';
    const from = taken ?? (files.includes(`${key}.json`) ? `${key}.json` : undefined);
    if (!from) return files;
    try {
      await fs.rename(file(from), file(mine));
    } catch (err) {
      // Another store renamed it first: only one rename of a name can succeed.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'held';
      throw err;
    }
    return [mine, ...files.filter((name) => name !== from)];
  }

  async function removeFiles(files: string[]): Promise<void> {
    for (const name of files) {
      await fs.unlink(file(name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  return {
    dir,

    async load() {
      let names: string[];
      try {
        names = await listFiles();
      } catch (err) {
        logger.error({ err: errorMessage(err), dir }, 'could not read the write spool; its writes are not replayed');
        return [];
      }
      const byKey = new Map<string, string[]>();
      for (const name of names) {
        const key = name.split('.')[0];
        byKey.set(key, [...(byKey.get(key) ?? []), name]);
      }
      const entries: SpoolEntry[] = [];
      const keys = [...byKey.keys()].sort();
      for (const [i, key] of keys.entries()) {
        let files: string[] | 'held';
        try {
          files = await claim(key, byKey.get(key) as string[]);
        } catch (err) {
          logger.error({ err: errorMessage(err), dir }, 'could not claim an entry of the write spool; it and the later ones are left for the next start');
          break;
        }
        if (files === 'held') {
          logger.info({ dir, heldWrites: keys.length - i }, 'the rest of the write spool is held by another running store (replaying or still writing it); it is left to it');
          break;
        }
        const checked = await check(key, files);
        if (typeof checked === 'string') {
          logger.error({ dir, files, reason: checked }, 'corrupt entry in the write spool moved to corrupt/; it is not replayed');
          await moveTo('corrupt', files);
        } else entries.push(checked);
      }
      return entries;
    },

    async read(entry) {
      const buffers = [];
      for (const [i, part] of entry.attachments.entries()) buffers.push({ path: part.path, data: await fs.readFile(file(`${entry.key}.${i}.bin`)) });
      // A copy: the entry must not keep the bytes once written.
      return { kind: entry.kind, data: joinBuffers(structuredClone(entry.rest), buffers) } as SpooledWrite;
    },

    async remove(entry) {
      try {
        await removeFiles(entry.files);
      } catch (err) {
        logger.error({ err: errorMessage(err), dir, files: entry.files }, 'could not delete a replayed entry of the write spool; the next start writes it again');
      }
    },

    setAside: (entry) => moveTo('refused', entry.files),

    async release(entries) {
      for (const entry of entries) {
        await fs.rename(file(entry.files[0]), file(unclaimed(entry.files[0]))).catch((err: unknown) => {
          logger.error({ err: errorMessage(err), dir, files: entry.files }, 'could not give back a claimed entry of the write spool; the next start takes it over');
        });
      }
    },

    async save(writes) {
      if (writes.length === 0) return 0;
      let seq: number;
      try {
        await makeFolderSynced(fs, dir);
        const taken = (await listFiles()).map((name) => Number(KEY.exec(name.split('.')[0])?.[1] ?? 0));
        seq = Math.max(0, ...taken) + 1;
      } catch (err) {
        logger.error({ err: errorMessage(err), dir }, 'could not open the write spool');
        return 0;
      }
      // Two instances sharing a folder may pick the same number: the suffix keeps their names apart.
      const suffix = randomBytes(4).toString('hex');
      let kept = 0;
      for (const { lane, label, write } of writes) {
        const key = `${String(seq++).padStart(16, '0')}-${suffix}`;
        const written: string[] = [];
        try {
          const { rest, buffers } = splitBuffers(write.data);
          // Every file under a temporary name of this store before any is renamed: until the
          // description is, a store reading the folder sees who is still writing the entry.
          for (const [i, buffer] of buffers.entries()) {
            written.push(`${key}.${i}.bin`);
            await writeFileSynced(fs, file(temporary(`${key}.${i}.bin`)), buffer.data);
          }
          const attachments = buffers.map((buffer) => ({ path: buffer.path, size: buffer.data.length }));
          written.push(`${key}.json`);
          await writeFileSynced(fs, file(temporary(`${key}.json`)), JSON.stringify({ version: VERSION, lane, label, kind: write.kind, data: rest, attachments }));
          // The description last: with it the entry is complete.
          for (const name of written) await fs.rename(file(temporary(name)), file(name));
          kept += 1;
        } catch (err) {
          logger.error({ err: errorMessage(err), dir, write: label }, 'could not write to the write spool');
          await removeFiles(written.flatMap((name) => [name, temporary(name)])).catch(() => undefined);
          break;
        }
      }
      if (kept === 0) return 0;
      try {
        // Once for the whole save: it makes every rename above durable.
        await syncFolder(fs, dir);
      } catch (err) {
        logger.error({ err: errorMessage(err), dir }, 'could not sync the write spool folder; its new entries may not survive a crash, so they are not counted as kept');
        return 0;
      }
      return kept;
    },
  };
}
