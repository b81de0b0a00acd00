import { MAX_FILE_NAME_CHARS, uploadFileName } from '../../src/http/uploadFileName';

describe('uploadFileName', () => {
  it('keeps an ordinary name, non-ASCII included, as sent', () => {
    expect(uploadFileName('фото café 写真.jpg')).toBe('фото café 写真.jpg');
  });

  it('drops control characters and bidi overrides that would disguise the name', () => {
    expect(uploadFileName('photo\u202Egpj.exe')).toBe('photogpj.exe');
    expect(uploadFileName('a\u0000b\r\nc\u0007.png')).toBe('abc.png');
    expect(uploadFileName('\u2066x\u2069.jpg')).toBe('x.jpg');
  });

  it('cuts a long name to the limit and keeps its extension', () => {
    const name = uploadFileName(`${'é'.repeat(5000)}.jpeg`)!;
    expect(Array.from(name)).toHaveLength(MAX_FILE_NAME_CHARS);
    expect(name.endsWith('é.jpeg')).toBe(true);
  });

  it('counts characters, not UTF-16 units, so a cut never splits an emoji', () => {
    const name = uploadFileName('📷'.repeat(400))!;
    expect(Array.from(name)).toEqual(Array(MAX_FILE_NAME_CHARS).fill('📷'));
  });

  it('gives no name for one that is empty once cleaned', () => {
    expect(uploadFileName(' \u0001 ')).toBeUndefined();
    expect(uploadFileName(undefined)).toBeUndefined();
  });
});
