/** Which origin, if any, an answer may name in `Access-Control-Allow-Origin`. */
export interface CorsPolicy {
  /** The header's value for a request from `origin` (`*`, that origin, or undefined: none). */
  allowOriginFor(origin: string | undefined): string | undefined;
  /** True when the answer depends on the request's Origin, so it must carry `Vary: Origin`. */
  variesByOrigin: boolean;
}

/** Reads CORS_ORIGIN: `*`, or a comma-separated list of exact origins. */
export function createCorsPolicy(corsOrigin: string): CorsPolicy {
  const allowed = corsOrigin.split(',').map((o) => o.trim()).filter(Boolean);
  const any = allowed.includes('*');
  return {
    allowOriginFor: (origin) => (any ? '*' : origin && allowed.includes(origin) ? origin : undefined),
    variesByOrigin: !any,
  };
}
