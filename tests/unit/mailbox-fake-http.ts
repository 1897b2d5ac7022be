/** A scripted `Http` for the mailbox adapters' tests: answers by URL, records every request. */
import type { Http, HttpRequest, HttpResponse } from '../../utils/email/mailbox/client';

export type Route = (url: URL, request: HttpRequest) => HttpResponse | Error | undefined;

export interface FakeHttp {
  http: Http;
  requests: { url: URL; request: HttpRequest }[];
}

export function json(
  status: number,
  body: unknown,
  retryAfter: string | null = null,
): HttpResponse {
  return { status, text: typeof body === 'string' ? body : JSON.stringify(body), retryAfter };
}

export function fakeHttp(...routes: Route[]): FakeHttp {
  const requests: FakeHttp['requests'] = [];
  const http: Http = async (href, request = {}) => {
    const url = new URL(href);
    requests.push({ url, request });
    for (const route of routes) {
      const answer = route(url, request);
      if (answer instanceof Error) throw answer;
      if (answer) return answer;
    }
    return json(404, { error: { code: 404, message: `no route for ${href}` } });
  };
  return { http, requests };
}
