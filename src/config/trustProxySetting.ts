/**
 * TRUST_PROXY: whose `X-Forwarded-For` is believed for a client's address, which the per-IP
 * rate limit counts by. Express's `trust proxy`, limited to the safe forms.
 */
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

/** A hop count, or the addresses, subnets and names (`loopback`, `linklocal`, `uniquelocal`) of trusted proxies. */
export type TrustProxy = number | string[];

/** The default: only a proxy on this machine (a local nginx, say) is believed. */
export const DEFAULT_TRUST_PROXY: TrustProxy = ['loopback'];

/**
 * Parses TRUST_PROXY: a whole number of proxy hops in front of the service (`1` behind one load
 * balancer), or a comma-separated list such as `loopback, 10.0.0.0/8`. `true` and `*` are
 * refused: trusting every sender lets any client choose its own address and escape the limit.
 */
export const trustProxySetting = z
  .string()
  .trim()
  .transform((value, ctx): TrustProxy => {
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
    if (entries.some((entry) => entry === 'true' || entry === '*')) {
      ctx.addIssue({ code: 'custom', message: 'trusting every address would let any client pick its own IP; give a hop count (e.g. 1) or the proxies\' addresses (e.g. loopback, 10.0.0.0/8)' });
      return z.NEVER;
    }
    try {
      // The same parser Express uses: what passes here cannot fail at app.set().
      proxyaddr.compile(entries);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; give a hop count or addresses, subnets, loopback, linklocal or uniquelocal` });
      return z.NEVER;
    }
    return entries;
  });
