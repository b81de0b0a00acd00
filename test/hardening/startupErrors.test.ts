/**
 * Start-up failures of the real process: one clear line naming what to change, non-zero exit.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startProcess } from './support/spawnServer';
import { freePort } from '../support/freePort';

describe('the real process refusing to start', () => {
  let dataDir: string;
  let blocker: net.Server | undefined;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-start-'));
  });
  afterEach(async () => {
    if (blocker) await new Promise<void>((resolve) => blocker?.close(() => resolve()));
    blocker = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function occupy(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    blocker = server;
    return (server.address() as net.AddressInfo).port;
  }

  /** Runs the server to its exit; returns the exit code, stderr's non-empty lines and stdout (the logs). */
  async function run(env: Record<string, string>) {
    const proc = startProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
    const exit = await proc.exited;
    return { ...exit, lines: proc.stderr().split('\n').filter((l) => l.trim() !== ''), stdout: proc.stdout() };
  }

  it.each(['HTTP_PORT', 'WS_PORT'])('names the port and %s in one line when the port is taken, and exits non-zero', async (variable) => {
    const taken = await occupy();
    const other = await freePort();
    const ports = variable === 'HTTP_PORT' ? { HTTP_PORT: String(taken), WS_PORT: String(other) } : { HTTP_PORT: String(other), WS_PORT: String(taken) };
    const { code, lines } = await run(ports);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(lines).toEqual([`Port ${taken} is already in use. Stop the other process or set ${variable} to a free port.`]);
  });

  it('logs no stack for a taken WS_PORT before its one line', async () => {
    const taken = await occupy();
    const { code, lines, stdout } = await run({ HTTP_PORT: String(await freePort()), WS_PORT: String(taken), LOG_LEVEL: 'info' });
    expect(code).toBe(1);
    expect(lines).toEqual([`Port ${taken} is already in use. Stop the other process or set WS_PORT to a free port.`]);
    expect(stdout).not.toContain('EADDRINUSE');
    expect(stdout).not.toContain('websocket server error');
  });

  it('names DATA_DIR in one line when a file is in its way', async () => {
    const file = path.join(dataDir, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    for (const dir of [file, path.join(file, 'sub')]) {
      const { code, lines } = await run({ DATA_DIR: dir, HTTP_PORT: String(await freePort()), WS_PORT: String(await freePort()) });
      expect(code).toBe(1);
      expect(lines).toEqual([`Cannot use DATA_DIR=${dir}: a file is in the way (it must be a directory). Point DATA_DIR at a writable directory.`]);
    }
  });

  it('names DATA_DIR in one line, instead of hanging, when its file system refuses folders (procfs)', async () => {
    // Node's own recursive mkdir retries this ENOENT forever, at full CPU, deaf to signals.
    const dir = '/proc/snatchshot-nope/data';
    const { code, lines } = await run({ DATA_DIR: dir, HTTP_PORT: String(await freePort()), WS_PORT: String(await freePort()) });
    expect(code).toBe(1);
    expect(lines).toEqual([`Cannot use DATA_DIR=${dir}: its file system does not allow a folder there. Point DATA_DIR at a writable directory.`]);
  });

  it('names HOST in one line when it is not an address of this machine', async () => {
    // 192.0.2.0/24 is reserved for documentation: never a local address.
    const { code, lines } = await run({ HOST: '192.0.2.1', HTTP_PORT: String(await freePort()), WS_PORT: String(await freePort()) });
    expect(code).toBe(1);
    expect(lines).toEqual(['Cannot listen on HOST=192.0.2.1: it is not an address of this machine. Set HOST to one of its addresses, or 0.0.0.0 for all.']);
  });

  it('names HOST in one line when it is a name that does not resolve', async () => {
    // .invalid is reserved (RFC 2606): no resolver answers it, with or without a network.
    const { code, lines } = await run({ HOST: 'snatchshot.invalid', HTTP_PORT: String(await freePort()), WS_PORT: String(await freePort()) });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot listen on HOST=snatchshot\.invalid: the name does not resolve \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)\. Set HOST to an address of this machine, or 0\.0\.0\.0 for all\.$/);
  });

  it('names HTTP_PORT and its bad value, and exits non-zero', async () => {
    const { code, lines } = await run({ HTTP_PORT: 'abc', WS_PORT: String(await freePort()) });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('Invalid HTTP_PORT="abc"');
    // No stack trace: an operator's message, not a crash.
    expect(lines.some((l) => /^\s+at /.test(l))).toBe(false);
  });

  it('names every bad variable at once', async () => {
    const { code, lines } = await run({ HTTP_PORT: '4000', WS_PORT: '99999', MAX_CONCURRENT_REQUESTS: '0', WS_DELIVERY: 'everyone' });
    expect(code).toBe(1);
    const text = lines.join('\n');
    for (const name of ['WS_PORT', 'MAX_CONCURRENT_REQUESTS', 'WS_DELIVERY']) expect(text).toContain(`Invalid ${name}=`);
  });

  it('names REDIS_URL when it is not a Redis URL, masking its password, and exits non-zero', async () => {
    const { code, lines } = await run({ REDIS_URL: 'http://:Sup3rSecret@cache.example:6379', HTTP_PORT: String(await freePort()), WS_PORT: String(await freePort()) });
    expect(code).toBe(1);
    expect(lines).toEqual(['Configuration error:', 'Invalid REDIS_URL="http://***:***@cache.example:6379": must start with redis:// or rediss:// (TLS)']);
  });
});
