/**
 * The service's loggers, seen whole: each field is bound once along a logger's chain. pino
 * prints a key bound twice twice ({"component":"store","component":"store"}), which log
 * tools then read one way or the other.
 */
import request from 'supertest';
import { realPhotoJpeg } from './support/images';
import { startLoggedService } from './hardening/support/startLoggedService';

describe('createService logging', () => {
  it('binds each log field once: no child logger binds a key its parent already has', async () => {
    const service = await startLoggedService({}, { embeddedStore: 'in-process' });
    try {
      const res = await request(service.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'p.jpg');
      expect(res.status).toBe(200);
      expect(service.logs.some((entry) => entry.fields.component === 'store')).toBe(true);
    } finally {
      await service.close();
    }
    expect(service.rebound).toEqual([]);
  });
});
