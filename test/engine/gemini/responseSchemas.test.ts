import { analysisResponseJsonSchema, settingsResponseJsonSchema, shortenTitle } from '../../../src/engine/gemini/responseSchemas';

const SUPPORTED = new Set(['$id', '$defs', '$ref', '$anchor', 'type', 'format', 'title', 'description', 'enum', 'items', 'prefixItems', 'minItems', 'maxItems', 'minimum', 'maximum', 'anyOf', 'oneOf', 'properties', 'additionalProperties', 'required', 'propertyOrdering']);

function keywords(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => keywords(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      out.add(key);
      if (key === 'properties') Object.values(value as object).forEach((v) => keywords(v, out));
      else keywords(value, out);
    }
  }
  return out;
}

describe('response JSON schemas derived from the zod result schemas', () => {
  it('use only keywords the Gemini API accepts', () => {
    for (const schema of [settingsResponseJsonSchema(), analysisResponseJsonSchema(4)]) {
      const unsupported = [...keywords(schema)].filter((k) => !SUPPORTED.has(k));
      expect(unsupported).toEqual([]);
    }
  });

  it('require every model-written field and keep the field descriptions', () => {
    const schema = settingsResponseJsonSchema() as { required: string[]; properties: Record<string, { description?: string }>; propertyOrdering: string[] };
    expect(schema.required).toEqual(['aperture', 'shutter_speed', 'iso', 'white_balance', 'exposure_compensation', 'reason']);
    expect(schema.propertyOrdering).toEqual(schema.required);
    expect(schema.properties.aperture.description).toMatch(/aperture/i);
  });

  it('ask for exactly the requested number of suggestions, without engine-local fields', () => {
    const schema = analysisResponseJsonSchema(6) as {
      required: string[];
      properties: { suggestions: { minItems: number; maxItems: number; items: { required: string[] } } };
    };
    expect(schema.properties.suggestions.minItems).toBe(6);
    expect(schema.properties.suggestions.maxItems).toBe(6);
    expect(schema.properties.suggestions.items.required).toEqual(['title', 'description', 'instruction']);
    expect(schema.required).not.toContain('metrics');
    expect(Object.keys(schema.properties)).not.toContain('metrics');
  });
});

describe('shortenTitle', () => {
  it('leaves a title within 120 characters alone', () => {
    const title = 'x'.repeat(120);
    expect(shortenTitle(title)).toBe(title);
  });

  it('never keeps half of an emoji at the cut', () => {
    const title = `${'x'.repeat(118)}📷 and a long tail that runs past the limit`;
    const short = shortenTitle(title);
    expect(short).toBe(`${'x'.repeat(118)}…`);
    expect(Buffer.from(short, 'utf8').toString('utf8')).toBe(short);
  });
});
