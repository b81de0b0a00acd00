import { redactUrl } from '../../src/util/redactUrl';

describe('redactUrl', () => {
  it('masks user and password and drops query and fragment', () => {
    expect(redactUrl('https://admin:s3cr%40t@couch.example.com:6984/prefix/?token=abc#x')).toBe(
      'https://***:***@couch.example.com:6984/prefix',
    );
  });

  it('leaves a URL without credentials as it is', () => {
    expect(redactUrl('http://127.0.0.1:5984')).toBe('http://127.0.0.1:5984');
  });

  it('never echoes something it cannot parse', () => {
    expect(redactUrl('admin:secret@nowhere')).toBe('[invalid url]');
  });

  it('masks a Redis URL\'s password, and shows no Redis "URL" without a host', () => {
    expect(redactUrl('redis://:s3cret@cache.internal:6379/2')).toBe('redis://***:***@cache.internal:6379/2');
    expect(redactUrl('rediss://default:p%40ss@cache.internal')).toBe('rediss://***:***@cache.internal');
    expect(redactUrl('redis:s3cret')).toBe('[invalid url]');
  });
});
