/**
 * COUCHDB_URL's credentials never leave the service through what the database says back. A
 * server (or an auth proxy in front of it) that refuses them may quote them, the password or
 * the Basic auth header, in its error; those words end up in the logs, on /health and
 * /db-health, which anyone may read.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../src/config/loadConfig';
import { createService, type Service } from '../../src/createService';
import { createSecretScrub } from '../../src/util/createSecretScrub';
import type { CouchError } from '../../src/store/CouchClient';
import { createNanoCouchClient } from '../../src/store/createNanoCouchClient';
import { realPhotoJpeg } from '../support/images';
import type { ForwardingProxy } from '../store/support/startForwardingProxy';
import { startProxiedCouch } from '../store/support/startProxiedCouch';
import { tempDataDir, waitFor } from '../store/support/storeTarget';

const user = 'snatch';
const password = 'pa@ss w0rd:x';
const encodedPassword = encodeURIComponent(password);
const basic = Buffer.from(`${user}:${password}`).toString('base64');

describe('createSecretScrub', () => {
  it('masks the password, as written in the URL and decoded, and the Basic auth header made of them', () => {
    const scrub = createSecretScrub(`http://${user}:${encodedPassword}@couch.example:5984`);
    expect(scrub(`bad Basic ${basic}; pass ${password} (${encodedPassword}), user ${user}:${password}`)).toBe('bad Basic ***; pass *** (***), user ***');
  });

  it('changes nothing when the URL has no password', () => {
    expect(createSecretScrub('http://couch.example:5984')('CouchDB answered 401 unauthorized')).toBe('CouchDB answered 401 unauthorized');
  });
});

describe('createNanoCouchClient against a server that quotes our credentials back when refusing them', () => {
  it('masks them in the CouchError of every kind of call, attachment downloads included', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `unauthorized ${password}`, reason: `no entry for ${req.headers.authorization ?? ''}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createNanoCouchClient({ url: `http://${user}:${encodedPassword}@127.0.0.1:${(server.address() as AddressInfo).port}` });
    try {
      const failures = await Promise.all(
        [client.getDoc('db', 'doc'), client.openAttachment('db', 'doc', 'original', { start: 0, end: 9 })].map((call) => call.then(() => undefined, (err: unknown) => err)),
      );
      for (const err of failures) {
        expect(err).toMatchObject({ name: 'CouchError', status: 401, message: expect.stringContaining('no entry for Basic ***') });
        expect(JSON.stringify({ message: (err as Error).message, error: (err as CouchError).error })).not.toMatch(new RegExp(`${basic}|${password}`));
      }
    } finally {
      client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the service against a database that quotes our credentials back when refusing them', () => {
  let serviceDir: string;
  let proxy: ForwardingProxy;
  let service: Service | undefined;

  beforeEach(() => {
    serviceDir = tempDataDir();
  });

  afterEach(async () => {
    await service?.close();
    service = undefined;
    await proxy.close();
    fs.rmSync(serviceDir, { recursive: true, force: true });
  });

  it('keeps them out of every log line, health answer and error answer', async () => {
    /** Which requests the proxy refuses, quoting what it was sent. */
    let refuses = (_url: string) => false;
    proxy = await startProxiedCouch(
      (req, res) => {
        if (!refuses(req.url ?? '')) return false;
        const reason = `no entry for ${req.headers.authorization ?? ''} (${Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString()})`;
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', reason }));
        return true;
      },
      `${user}:${encodedPassword}`,
    );
    const lines: string[] = [];
    // The production logger's serialization (error causes included), into memory.
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const config = loadConfig({ HOST: '127.0.0.1', HTTP_PORT: '0', WS_PORT: '0', ENGINE: 'local', DATA_DIR: serviceDir, COUCHDB_URL: proxy.url });
    service = await createService(config, logger, { validateEvents: true });
    const answers: string[] = [];
    const get = async (url: string) => {
      const res = await request((service as Service).httpUrl).get(url);
      answers.push(JSON.stringify(res.body));
      return res;
    };

    const posted = await request(service.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'p.jpg').expect(200);
    const requestId = posted.body.requestId as string;
    await waitFor(async () => (await get(`/requests/${requestId}`)).body.status === 'completed');

    // The upload's bytes refused (its document is read fine), then everything.
    refuses = (url) => url.endsWith('/original');
    expect((await get(`/requests/${requestId}/original`)).status).toBe(503);
    refuses = () => true;
    expect((await get('/db-health')).body).toMatchObject({ status: 'error', error: expect.stringContaining('401') });
    await get('/health');
    expect((await get(`/requests/${requestId}`)).status).toBe(503);
    await get('/requests');
    await request(service.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'p.jpg').expect(200);
    await service.close();

    const seen = [...lines, ...answers].join('\n');
    expect(seen).toContain('no entry for');
    for (const secret of [password, encodedPassword, basic]) expect(seen).not.toContain(secret);
  });
});
