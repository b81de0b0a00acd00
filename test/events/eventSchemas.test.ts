/**
 * The wire schemas refuse what a client could not use: an image event must carry an image.
 */
import { PipelineEventSchema } from '../../src/events/eventSchemas';

const completed = {
  type: 'individual_image_completed',
  requestId: 'req_1758260128188_zfubq1yiv',
  message: 'Image 1/1 generated successfully: Brighter',
  timestamp: new Date().toISOString(),
  imageIndex: 1,
  totalImages: 1,
  title: 'Brighter',
  imageData: Buffer.from('not really a jpeg').toString('base64'),
  mimeType: 'image/jpeg',
  width: 320,
  height: 200,
  durationMs: 12.5,
};

describe('PipelineEventSchema', () => {
  it('accepts an individual_image_completed event that carries image data', () => {
    expect(PipelineEventSchema.safeParse(completed).success).toBe(true);
  });

  it('refuses an individual_image_completed event whose imageData is empty', () => {
    const result = PipelineEventSchema.safeParse({ ...completed, imageData: '' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['imageData']);
  });
});
