import { parseJsonAnswer } from '../../../src/engine/gemini/parseJsonAnswer';

describe('parseJsonAnswer', () => {
  it('parses a bare JSON answer as it is, arrays included', () => {
    expect(parseJsonAnswer('[1, 2]')).toEqual([1, 2]);
  });

  it('takes the first fenced block that is JSON, wherever it is', () => {
    const text = 'Example:\n```\nnot json\n```\nThe answer:\n```JSON\n{"a": 1}\n```\nDone.';
    expect(parseJsonAnswer(text)).toEqual({ a: 1 });
  });

  it('finds the one object in prose, skipping braces in the prose and inside JSON strings', () => {
    expect(parseJsonAnswer('Note {this}: {"a": "}{\\"", "b": {"c": 2}} — done.')).toEqual({ a: '}{"', b: { c: 2 } });
  });

  it('throws the SyntaxError of the whole text when no JSON is found, or two objects are', () => {
    expect(() => parseJsonAnswer('no json here')).toThrow(SyntaxError);
    expect(() => parseJsonAnswer('{"a": 1} or {"a": 2}')).toThrow(SyntaxError);
    expect(() => parseJsonAnswer('cut off: {"a": ')).toThrow(SyntaxError);
  });

  it('gives up on an answer of unmatched braces after a bounded number of tries, in linear time', () => {
    // Quadratic work would be 10^10 steps here (minutes); bounded it is a few passes over 200 KB.
    const hostile = `x${'{'.repeat(200_000)}`;
    const started = process.hrtime.bigint();
    expect(() => parseJsonAnswer(hostile)).toThrow(SyntaxError);
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(20);
  });

  it('gives up on an answer of many empty fences after a bounded number of parse attempts', () => {
    // 100,000 fences of nothing: trying each was one throwing JSON.parse apiece (1 s per MB of backticks).
    const parse = jest.spyOn(JSON, 'parse');
    try {
      expect(() => parseJsonAnswer('`'.repeat(600_000))).toThrow(SyntaxError);
      expect(parse.mock.calls.length).toBeLessThan(100);
    } finally {
      parse.mockRestore();
    }
  });

  it('still finds a JSON fence after a few fences of prose', () => {
    expect(parseJsonAnswer('Use ```ls``` then ```cd``` and:\n```\n{"ok": true}\n```')).toEqual({ ok: true });
  });

  it('still finds an object after several braces of prose', () => {
    expect(parseJsonAnswer('Sets {a} {b} {c} {d} then: {"ok": true}')).toEqual({ ok: true });
  });
});
