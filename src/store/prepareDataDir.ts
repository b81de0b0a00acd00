import fs from 'node:fs/promises';
import { StartupError } from '../errors/StartupError';
import { makeDirectory } from '../util/makeDirectory';

/**
 * Creates the embedded database's folder (and its parents) and checks it is writable, so a bad
 * DATA_DIR stops start-up with one line naming it, not a stack from the database's child.
 */
export async function prepareDataDir(dir: string): Promise<void> {
  try {
    await makeDirectory(dir);
    await fs.access(dir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way (it must be a directory)'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'the file system is read-only'
            : code === 'ENOENT'
              ? 'its file system does not allow a folder there'
              : (err as Error).message;
    throw new StartupError(`Cannot use DATA_DIR=${dir}: ${why}. Point DATA_DIR at a writable directory.`, 'DATA_DIR', { cause: err });
  }
}
