import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDirectory } from '../../src/util/makeDirectory';

describe('makeDirectory', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-mkdir-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates a folder and its missing parents, answering the first one it created', async () => {
    const dir = path.join(root, 'a', 'b', 'c');
    expect(await makeDirectory(dir)).toBe(path.join(root, 'a'));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(await makeDirectory(path.join(root, 'a', 'd'))).toBe(path.join(root, 'a', 'd'));
  });

  it('answers undefined for a folder that is there already, also through a link', async () => {
    expect(await makeDirectory(root)).toBeUndefined();
    fs.symlinkSync(root, path.join(root, 'link'));
    expect(await makeDirectory(path.join(root, 'link'))).toBeUndefined();
  });

  it('fails with EEXIST for a file or a dangling link in the way', async () => {
    fs.writeFileSync(path.join(root, 'file'), 'x');
    await expect(makeDirectory(path.join(root, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeDirectory(path.join(root, 'file', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
    await expect(makeDirectory(path.join(root, 'dangling'))).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('fails with ENOENT, instead of retrying forever as Node\'s recursive mkdir does, where the file system refuses folders (procfs)', async () => {
    await expect(makeDirectory('/proc/snatchshot-nope/data')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
