/** Close codes the event server uses, by name. 4000–4999 are ours. */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  UNAUTHORIZED: 1008,
  MESSAGE_TOO_BIG: 1009,
  SERVER_ERROR: 1011,
  /** The client read too slowly and its send buffer passed the cap. */
  SLOW_CONSUMER: 4000,
} as const;
