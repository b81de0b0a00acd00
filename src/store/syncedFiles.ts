import path from 'node:path';
import type { SpoolFs } from './SpoolFs';
import { makeDirectory } from '../util/makeDirectory';

/**
 * Writes `file` and fsyncs it, so that a rename of it afterwards (temporary name to final one)
 * points at data a crash cannot take back. The rename is durable only once the folder is synced
 * (`syncFolder`), which a caller renaming several files does once, after the last.
 */
export async function writeFileSynced(fs: SpoolFs, file: string, data: string | Buffer): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Fsyncs folder `dir`, making the names created or renamed in it durable. */
export async function syncFolder(fs: SpoolFs, dir: string): Promise<void> {
  // Windows cannot open a folder, and its renames need no folder sync to be durable.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes folder `dir` (and its missing parents) and syncs the folder above each one it created,
 * so the new folders survive a crash too. Nothing is synced when `dir` was there already.
 */
export async function makeFolderSynced(fs: SpoolFs, dir: string): Promise<void> {
  const first = await makeDirectory(dir, fs);
  if (first === undefined) return;
  for (let made = path.resolve(dir); ; made = path.dirname(made)) {
    await syncFolder(fs, path.dirname(made));
    if (made === path.resolve(first)) return;
  }
}
