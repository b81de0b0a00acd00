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

  const issued = encodeListCursor(id, undefined);
  it.each([
    ['stray characters after it', `${issued}!!`],
    ['a stray character before it', `*${issued}`],
    ['a stray character inside it', `${issued.slice(0, 10)}.${issued.slice(10)}`],
    ['whitespace inside it', `${issued.slice(0, 10)} ${issued.slice(10)}`],
    ['base64 padding', `${issued}==`],
    ['another JSON spelling of the same content', Buffer.from(JSON.stringify({ s: null, id })).toString('base64url')],
    ['extra fields', Buffer.from(JSON.stringify({ id, s: null, x: 1 })).toString('base64url')],
  ])('rejects a cursor not exactly as issued (%s), though a lenient decoding reads the same id from it', (_name, cursor) => {
    expect(cursor).not.toBe(issued);
    expect(() => decodeListCursor(cursor, undefined)).toThrow(expect.objectContaining({ kind: 'invalid_cursor' }));
  });

  it.each([
    ['garbage', 'not base64 json'],
    ['a forged id', Buffer.from(JSON.stringify({ id: '_design/x', s: null })).toString('base64url')],
    ['json of the wrong shape', Buffer.from('[1,2]').toString('base64url')],
  ])('rejects %s as invalid_cursor', (_name, cursor) => {
    expect(() => decodeListCursor(cursor, undefined)).toThrow(expect.objectContaining({ kind: 'invalid_cursor' }));
  });
});
