/**
 * A per-client token bucket for expensive routes (RATE_LIMIT_PER_MINUTE on POST /process-image).
 * Memory is bounded: a full bucket is the same as no bucket, so idle clients are swept, and past
 * `maxKeys` the least recently seen client is forgotten.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../errors/AppError';
import { lingerOnRefusal } from './lingerOnRefusal';

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Express middleware: 429 RATE_LIMITED with `Retry-After` when `req.ip` has no token left. */
  readonly middleware: RequestHandler;
  /** Takes one token for `key` (an IP address). */
  take(key: string): RateDecision;
  /** How many clients are being tracked (bounded by `maxKeys`). */
  size(): number;
  /** Stops the sweep timer and forgets every client. Idempotent. */
  close(): void;
}

export interface RateLimiterOptions {
  /** Requests each client may make per minute, sustained; also the burst size. Must be ≥ 1. */
  perMinute: number;
  /** Most clients remembered at once (default 10,000). */
  maxKeys?: number;
  /** How often idle clients are swept (default 60 s). */
  sweepIntervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MINUTE_MS = 60_000;

/** Creates the limiter. The sweep timer is unref'd: it never keeps the process alive. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const capacity = options.perMinute;
  if (!Number.isFinite(capacity) || capacity < 1) throw new RangeError('perMinute must be at least 1');
  const maxKeys = options.maxKeys ?? 10_000;
  const now = options.now ?? Date.now;
  const refillPerMs = capacity / MINUTE_MS;
  // Map iteration is insertion order; re-inserting on every hit keeps the least recent first.
  const buckets = new Map<string, Bucket>();

  const refilled = (bucket: Bucket, at: number): number => Math.min(capacity, bucket.tokens + (at - bucket.updatedAt) * refillPerMs);

  const sweep = (at: number) => {
    for (const [key, bucket] of buckets) {
      if (refilled(bucket, at) >= capacity) buckets.delete(key);
    }
  };

  let timer: NodeJS.Timeout | undefined = setInterval(() => sweep(now()), options.sweepIntervalMs ?? MINUTE_MS);
  timer.unref();

  const take = (key: string): RateDecision => {
    const at = now();
    const existing = buckets.get(key);
    const tokens = existing ? refilled(existing, at) : capacity;
    if (existing) buckets.delete(key);
    else if (buckets.size >= maxKeys) {
      sweep(at);
      // Still full of active clients: forget the least recently seen one.
      if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string);
    }
    if (tokens < 1) {
      buckets.set(key, { tokens, updatedAt: at });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000)) };
    }
    buckets.set(key, { tokens: tokens - 1, updatedAt: at });
    return { allowed: true, remaining: Math.floor(tokens - 1) };
  };

  const middleware: RequestHandler = (req, res, next) => {
    const decision = take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    res.setHeader('RateLimit-Limit', String(capacity));
    if (decision.allowed) {
      res.setHeader('RateLimit-Remaining', String(decision.remaining));
      return next();
    }
    res.setHeader('RateLimit-Remaining', '0');
    lingerOnRefusal(req, res);
    next(
      new AppError('RATE_LIMITED', `Too many uploads from this address: at most ${capacity} per minute; try again in ${decision.retryAfterSeconds} s`, {
        headers: { 'Retry-After': String(decision.retryAfterSeconds) },
      }),
    );
  };

  return {
    middleware,
    take,
    size: () => buckets.size,
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      buckets.clear();
    },
  };
}
