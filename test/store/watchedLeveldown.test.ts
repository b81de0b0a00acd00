import fs from 'node:fs';
import { promisify } from 'node:util';
import leveldown from 'leveldown';
import { isStorageFailure, watchedLeveldown } from '../../src/store/watchedLeveldown';
import { tempDataDir } from './support/storeTarget';

describe('isStorageFailure', () => {
  it('is true for a failed background write of a table or the manifest, and for corruption', () => {
    expect(isStorageFailure(new Error('IO error: /data/db/000005.ldb: No space left on device'))).toBe(true);
    expect(isStorageFailure(new Error('IO error: /data/db/MANIFEST-000002: File too large'))).toBe(true);
    expect(isStorageFailure(new Error('Corruption: bad block in /data/db/000007.ldb'))).toBe(true);
  });

  it('is false for a failed append to the write-ahead log, which the next write retries by itself', () => {
    expect(isStorageFailure(new Error('IO error: /data/db/000003.log: No space left on device'))).toBe(false);
  });

  it('is false for errors that are no storage failure', () => {
    expect(isStorageFailure(new Error('NotFound: '))).toBe(false);
    expect(isStorageFailure('IO error: not an Error')).toBe(false);
    expect(isStorageFailure(undefined)).toBe(false);
  });
});

describe('watchedLeveldown', () => {
  it('opens a real LevelDB that reads and writes as leveldown does, under leveldown\'s name, reporting nothing', async () => {
    const dir = tempDataDir();
    const failures: Error[] = [];
    const LevelDOWN = watchedLeveldown((err) => failures.push(err));
    expect(LevelDOWN.name).toBe('LevelDOWN');
    const db = LevelDOWN(`${dir}/db`) as unknown as Record<string, (...args: unknown[]) => void>;
    const call = (method: string, ...args: unknown[]) => promisify((callback: (err: Error | null, value?: unknown) => void) => db[method](...args, callback))();
    try {
      await call('open');
      await call('put', 'a', '1');
      await call('batch', [{ type: 'put', key: 'b', value: '2' }, { type: 'del', key: 'a' }]);
      expect(String(await call('get', 'b', { asBuffer: false }))).toBe('2');
      await expect(call('get', 'a')).rejects.toThrow(/NotFound/);
      await call('close');
      await promisify(LevelDOWN.destroy)(`${dir}/db`);
      expect(fs.existsSync(`${dir}/db`)).toBe(false);
      expect(failures).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens every database with the given LevelDB settings, passed down to leveldown\'s native open', async () => {
    const dir = tempDataDir();
    // Every leveldown database shares this prototype; the wrapper calls its _open.
    const nativeOpen = jest.spyOn(Object.getPrototypeOf(leveldown(`${dir}/probe`)) as { _open(...args: unknown[]): void }, '_open');
    const LevelDOWN = watchedLeveldown(() => undefined, { cacheSize: 1_234_567 });
    const db = LevelDOWN(`${dir}/db`) as unknown as Record<string, (...args: unknown[]) => void>;
    try {
      await promisify((callback: (err?: Error | null) => void) => db.open({ createIfMissing: true }, callback))();
      expect(nativeOpen).toHaveBeenCalledTimes(1);
      expect(nativeOpen.mock.calls[0][0]).toMatchObject({ createIfMissing: true, cacheSize: 1_234_567 });
      await promisify((callback: (err?: Error | null) => void) => db.close(callback))();
    } finally {
      nativeOpen.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
