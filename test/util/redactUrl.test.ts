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
});
