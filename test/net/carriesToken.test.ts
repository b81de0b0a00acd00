import type { IncomingMessage } from 'node:http';
import { carriesToken } from '../../src/net/carriesToken';

/** A request as Node's parser hands it over: any request target, headers lower-cased. */
const request = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

describe('carriesToken', () => {
  it('finds the token in the query string or a Bearer header', () => {
    expect(carriesToken(request('/?token=s3cret'), 's3cret')).toBe(true);
    expect(carriesToken(request('/events?a=1&token=s%33cret'), 's3cret')).toBe(true);
    expect(carriesToken(request('/', { authorization: 'Bearer s3cret' }), 's3cret')).toBe(true);
    expect(carriesToken(request('/?token=wrong'), 's3cret')).toBe(false);
    expect(carriesToken(request('/'), 's3cret')).toBe(false);
  });

  it('answers false, without throwing, for request targets that are no URL relative to a base', () => {
    // `//host:port` is read as an authority by `new URL`, which throws on a bad port or host.
    for (const target of ['//a:99999/', '//[/', '//a:99999/?x=1', '*', '']) {
      expect(carriesToken(request(target), 's3cret')).toBe(false);
    }
    expect(carriesToken(request('//a:99999/?token=s3cret'), 's3cret')).toBe(true);
  });
});
