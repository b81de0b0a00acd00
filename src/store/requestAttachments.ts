/**
 * Attachment names inside a request document, shared by the writes that store the bytes and the
 * reads that fetch them (and report whether they are stored).
 */

/** The upload, as received. */
export const ORIGINAL_ATTACHMENT = 'original';

/** Generated image number `index`. */
export const imageAttachment = (index: number): string => `image-${index}`;
