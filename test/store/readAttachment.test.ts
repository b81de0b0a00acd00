/**
 * The attachment type a database reports is sent as the download's Content-Type: one that is not a
 * media type (a document this service did not write, a hostile server) must not become a 500 or
 * a header of its own; the type the request's record holds is sent instead.
 */
import request from 'supertest';
import { startTestService } from '../support/startTestService';
import { closeAfterEach } from '../support/closeAfterEach';
import { realPhotoJpeg } from '../support/images';
import { startProxiedCouch } from './support/startProxiedCouch';
import { waitFor } from './support/storeTarget';

describe('readAttachment with a stub whose content_type is not a media type', () => {
  const started = closeAfterEach();

  it.each([['image/jpeg\r\nSet-Cookie: session=stolen'], ['<html>'], ['']])('serves the upload with the type its record holds for a stub type %j, not a 500', async (contentType) => {
    let requestId = '';
    const proxy = started.track(await startProxiedCouch((req, res) => {
      if (requestId === '' || req.method !== 'GET' || !req.url?.endsWith(`/${requestId}`)) return false;
      // The document as stored (asked again with a query, which passes), with the stub's type replaced.
      void fetch(`${proxy.url}${req.url}?attachments=false`).then(async (stored) => {
        const doc = (await stored.json()) as { _attachments: Record<string, { content_type: string }> };
        doc._attachments.original.content_type = contentType;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      });
      return true;
    }));
    const service = started.track(await startTestService({ COUCHDB_URL: proxy.url }));
    const posted = await request(service.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'p.jpg').expect(200);
    const url = `/requests/${posted.body.requestId as string}`;
    await waitFor(async () => (await request(service.httpUrl).get(url)).body.status === 'completed');
    requestId = posted.body.requestId as string;

    const original = await request(service.httpUrl).get(`${url}/original`);
    expect(original.status).toBe(200);
    expect(original.headers['content-type']).toBe('image/jpeg');
    expect(original.headers['set-cookie']).toBeUndefined();
  });
});
