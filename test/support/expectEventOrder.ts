/**
 * Asserts SPEC §4's order for one request's events:
 * processing_started → analysis_started → the two analysis events (either order) →
 * image_generation_started → N × individual_image_started → N × (completed | error) →
 * image_generation_completed | image_generation_error → exactly one terminal event, last.
 */
export function expectEventOrder(types: string[], totalImages: number): void {
  const expected = (i: number, allowed: string[]) => {
    if (!allowed.includes(types[i])) {
      throw new Error(`event ${i} is ${types[i]}, expected ${allowed.join(' | ')}; sequence: ${types.join(', ')}`);
    }
  };
  let i = 0;
  expected(i++, ['processing_started']);
  expected(i++, ['analysis_started']);
  const analyses = [types[i], types[i + 1]].sort();
  if (analyses.join() !== 'content_analysis_complete,photo_analysis_complete') {
    throw new Error(`expected both analysis events next; sequence: ${types.join(', ')}`);
  }
  i += 2;
  expected(i++, ['image_generation_started']);
  for (let k = 0; k < totalImages; k += 1) expected(i++, ['individual_image_started']);
  for (let k = 0; k < totalImages; k += 1) expected(i++, ['individual_image_completed', 'individual_image_error']);
  expected(i, ['image_generation_completed', 'image_generation_error']);
  const generationOk = types[i++] === 'image_generation_completed';
  expected(i++, [generationOk ? 'processing_completed' : 'processing_error']);
  if (i !== types.length) throw new Error(`unexpected events after the terminal one: ${types.slice(i).join(', ')}`);
}
