import fs from 'node:fs/promises';
import path from 'node:path';

/** The file calls makeDirectory makes (node:fs/promises by default). */
export type DirectoryFs = Pick<typeof fs, 'mkdir' | 'stat'>;

/**
 * Creates folder `dir` and its missing parents, like `fs.mkdir(dir, { recursive: true })`, and
 * resolves with the first folder it created (undefined when `dir` was there already).
 *
 * Not Node's recursive mkdir: where a file system answers ENOENT to creating a folder whose
 * parent exists (procfs: DATA_DIR=/proc/x), that one retries forever on a libuv thread, at full
 * CPU, and the process can no longer stop. Here each folder is tried at most twice, so the ENOENT
 * is thrown. A file (or a dangling link) in the way fails with EEXIST.
 */
export async function makeDirectory(dir: string, calls: DirectoryFs = fs): Promise<string | undefined> {
  const target = path.resolve(dir);
  try {
    await calls.mkdir(target);
    return target;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (await calls.stat(target).then((stat) => stat.isDirectory(), () => false)) return undefined;
      throw err;
    }
    if (code !== 'ENOENT' || path.dirname(target) === target) throw err;
  }
  const first = await makeDirectory(path.dirname(target), calls);
  try {
    await calls.mkdir(target);
  } catch (err) {
    // Made meanwhile by someone else: as good as made here.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await calls.stat(target)).isDirectory()) throw err;
  }
  return first ?? target;
}
