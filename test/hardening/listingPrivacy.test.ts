/**
 * With WS_AUTH_TOKEN set, the request listing is as closed as the broadcast it mirrors: a
 * client without the token cannot discover other clients' requests through GET /requests.
 */
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { upload } from './support/uploads';

const TOKEN = 'listing-test-token-7a21';

describe('GET /requests on a service with WS_AUTH_TOKEN', () => {
  let service: TestService;
  let requestId: string;

  beforeAll(async () => {
    service = await startTestService({ WS_AUTH_TOKEN: TOKEN, IMAGE_COUNT: '1' });
    const res = await upload(service.httpUrl, await realPhotoJpeg());
    expect(res.status).toBe(200);
    requestId = res.body.requestId as string;
  });
  afterAll(() => service.close());

  it('refuses the listing without the token with 401 UNAUTHORIZED, and lists with it', async () => {
    const refused = await fetch(`${service.httpUrl}/requests`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');

    const listed = await fetch(`${service.httpUrl}/requests`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { requests: Array<{ requestId: string }> };
    expect(body.requests.map((r) => r.requestId)).toContain(requestId);
  });

  it('still serves a request by its id to its uploader, who has no token', async () => {
    const res = await fetch(`${service.httpUrl}/requests/${requestId}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('completed');
  });
});
