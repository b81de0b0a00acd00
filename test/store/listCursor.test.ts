import { decodeListCursor, encodeListCursor } from '../../src/store/listCursor';
import { StoreError } from '../../src/store/StoreError';

const id = 'req_1758260128188_zfubq1yiv';

describe('list cursors', () => {
  it('round-trips the request id for the same status filter', () => {
    expect(decodeListCursor(encodeListCursor(id, 'completed'), 'completed')).toBe(id);
    expect(decodeListCursor(encodeListCursor(id, undefined), undefined)).toBe(id);
  });

  it('rejects a cursor replayed against another filter', () => {
    expect(() => decodeListCursor(encodeListCursor(id, 'completed'), undefined)).toThrow(StoreError);
  });

  it.each([
    ['garbage', 'not base64 json'],
    ['a forged id', Buffer.from(JSON.stringify({ id: '_design/x', s: null })).toString('base64url')],
    ['json of the wrong shape', Buffer.from('[1,2]').toString('base64url')],
  ])('rejects %s as invalid_cursor', (_name, cursor) => {
    expect(() => decodeListCursor(cursor, undefined)).toThrow(expect.objectContaining({ kind: 'invalid_cursor' }));
  });
});
