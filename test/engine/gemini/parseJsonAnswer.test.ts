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
});
