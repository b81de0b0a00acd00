/**
 * A request document this service did not write (another tool, a damaged copy, a hostile server):
 * image entries that are not objects must not turn the results API into a 500.
 */
import request from 'supertest';
import { imagesOf } from '../../src/store/imagesOf';
import { startTestService } from '../support/startTestService';
import { closeAfterEach } from '../support/closeAfterEach';
import { makeRequestId } from './support/lifecycle';
import { startProxiedCouch } from './support/startProxiedCouch';

const image = { index: 1, title: 'Edit 1', status: 'failed', error: 'upstream timeout' };

describe('imagesOf', () => {
  it('leaves out entries that are not objects', () => {
    expect(imagesOf({ _id: 'x', images: [null, 7, 'image-1', [image], image] })).toEqual([image]);
    expect(imagesOf({ _id: 'x', images: 'none' })).toEqual([]);
  });

  describe('through the service, for a document whose images hold null and numbers', () => {
    const started = closeAfterEach();

    it('answers the request with its valid images, and an image by index, instead of a 500', async () => {
      const requestId = makeRequestId();
      const proxy = started.track(await startProxiedCouch((req, res) => {
        if (req.method !== 'GET' || !req.url?.endsWith(`/${requestId}`)) return false;
        const doc = { _id: requestId, _rev: '1-a', type: 'request', requestId, status: 'failed', images: [null, 7, image] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
        return true;
      }));
      const service = started.track(await startTestService({ COUCHDB_URL: proxy.url }));

      const stored = await request(service.httpUrl).get(`/requests/${requestId}`);
      expect(stored.status).toBe(200);
      expect(stored.body.images).toEqual([expect.objectContaining({ index: 1, status: 'failed' })]);
      expect((await request(service.httpUrl).get(`/requests/${requestId}/images/2`)).status).toBe(404);
    });
  });
});
