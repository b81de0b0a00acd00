import type fs from 'node:fs/promises';

/**
 * The file calls the write spool makes (node:fs/promises by default). A parameter so a test can
 * watch their order on the real disk: that each file is fsynced before it is renamed, and the
 * folder once after a save's renames.
 */
export type SpoolFs = Pick<typeof fs, 'mkdir' | 'open' | 'readdir' | 'readFile' | 'rename' | 'stat' | 'unlink'>;
