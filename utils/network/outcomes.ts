/**
 * The probe outcome vocabulary. Each probe ends in exactly one of these.
 * FIXED ORDER, append only: the diagnostic code stores the index.
 */
export const OUTCOMES = [
  'ok',
  'dns-failed',
  'refused',
  'reset',
  'timeout',
  'tls-untrusted',
  'proxy-blocked',
  'captive-portal',
  'blocked-by-policy',
  'blocked-by-extension',
  'server-error',
  'offline',
  'unknown',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** Failures of the path to the host itself (as opposed to something answering in its place). */
export const CONNECTION_FAILURES: ReadonlySet<Outcome> = new Set<Outcome>([
  'dns-failed',
  'refused',
  'reset',
  'timeout',
  'offline',
]);
