/**
 * The one table of error codes this service answers with, and the HTTP status of each.
 * Codes are stable: clients switch on them. Add rows; never rename one.
 */
export const ERROR_CODES = {
  MISSING_IMAGE: 400,
  UNEXPECTED_FIELD: 400,
  MALFORMED_REQUEST: 400,
  INVALID_ID: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  /** The path exists but not for this method; the answer's `Allow` header lists the ones it serves. */
  METHOD_NOT_ALLOWED: 405,
  UPLOAD_TIMEOUT: 408,
  /** An `If-Match` on a stored image or upload names another version than the one stored. */
  PRECONDITION_FAILED: 412,
  FILE_TOO_LARGE: 413,
  /** An `Expect` header other than `100-continue` (the only expectation this server meets). */
  EXPECTATION_FAILED: 417,
  /** A byte range past the end of an image or upload; the answer's `Content-Range` gives the size. */
  RANGE_NOT_SATISFIABLE: 416,
  /** A plain HTTP request to the WebSocket port. */
  UPGRADE_REQUIRED: 426,
  /** The request line and headers (the URL included) are past Node's 16 KB limit. */
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The upload's body is compressed (`Content-Encoding: gzip`…); the answer says `Accept-Encoding: identity`. */
  UNSUPPORTED_CONTENT_ENCODING: 415,
  INVALID_IMAGE: 422,
  RATE_LIMITED: 429,
  /** The client went away mid-request (nginx's 499): never sent, but stored and in processing_error. */
  CLIENT_CLOSED: 499,
  INTERNAL_ERROR: 500,
  /**
   * Never an HTTP answer: stored for a request whose server stopped before it finished (or whose
   * last writes the database refused), and the code of the processing_error a request's followers
   * get when it has had no event for REQUEST_TIMEOUT_MS + 60 s.
   */
  INTERRUPTED: 500,
  ANALYSIS_FAILED: 502,
  IMAGE_GENERATION_FAILED: 502,
  BUSY: 503,
  SHUTTING_DOWN: 503,
  DATABASE_UNAVAILABLE: 503,
  /** The pipeline ran past REQUEST_TIMEOUT_MS and was stopped. */
  REQUEST_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
