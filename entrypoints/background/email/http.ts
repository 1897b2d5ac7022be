import type { Http } from '@/utils/email/mailbox/client';

/** Every request is bounded: a hung API must not hold a poll (and its worker) forever. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The email check's one way out to the network (mailbox APIs, the token endpoint, DNS over
 * HTTPS, Raftr's test-message endpoint): no cache, no cookies, a timeout.
 */
export const http: Http = async (url, request = {}) => {
  const response = await fetch(url, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    cache: 'no-store',
    credentials: 'omit',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: response.status,
    text: await response.text(),
    retryAfter: response.headers.get('retry-after'),
  };
};
