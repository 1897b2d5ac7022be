/**
 * The simulated internet itself, checked without our extension: each scenario must give
 * Chromium the network error (or HTTP answer, from the address) it stands for, so that a
 * failing network-check test points at the extension and not at the simulation. Navigations by
 * a plain page show the browser's own net error in Playwright's message (`page.goto: net::ERR_…`).
 */
import { expect, type Page, test } from '@playwright/test';
import { type ProbeTargetId, probeTargets } from '@/utils/profile';
import { CAPTIVE_PORTAL_HOST, RAFTR_IP } from '../sim/addresses';
import { launchInScenario } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';
import { SCENARIOS, type ScenarioName } from '../sim/scenarios';

/** What the extension probes, navigated to by a plain page. */
const URLS = Object.fromEntries(probeTargets().map((t) => [t.id, t.url])) as Record<
  ProbeTargetId,
  string
>;

/** What a navigation ended in: a net error, "timeout", or the final status and URL. */
interface Navigation {
  error?: string;
  status?: number;
  url?: string;
  body?: string;
  /** The address the answer came from (Playwright's `response.serverAddr()`). */
  ip?: string;
}

/** Expected: a net error name (`ERR_…` / "timeout") or an HTTP status, maybe with more. */
type Expected = string | number | { status: number; url?: string; body?: string; ip?: string };

async function navigate(page: Page, url: string, expectNoContent: boolean): Promise<Navigation> {
  if (expectNoContent) {
    // A navigation to a 204 is aborted by design (nothing to show): load the origin (the
    // control server answers 404 there), then fetch the path same-origin to read its status.
    const origin = await navigate(page, new URL('/', url).href, false);
    if (origin.error) return origin;
    const status = await page.evaluate(
      async (u) => (await fetch(u, { cache: 'no-store' })).status,
      url,
    );
    return { status, url, body: '' };
  }
  // The main request's own failure, as soon as it happens: page.goto() itself can wait ~3 s
  // longer for a certificate error, while Chromium's SSL error handler runs its own captive
  // portal check before it shows the interstitial (a navigation-only delay).
  const failed = new Promise<Navigation>((resolve) => {
    page.on('requestfailed', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        const text = request.failure()?.errorText ?? '';
        resolve({ error: /net::(ERR_[A-Z_]+)/.exec(text)?.[1] ?? text });
      }
    });
  });
  // 2 s is far above any answer on this host: only a silent drop gets there.
  const loaded = page.goto(url, { timeout: 2_000 }).then(
    async (response): Promise<Navigation> => ({
      status: response?.status(),
      url: page.url(),
      body: (await response?.text()) ?? '',
      ip: (await response?.serverAddr())?.ipAddress,
    }),
    (error: unknown): Navigation => {
      const message = String(error);
      if (/Timeout \d+ms exceeded/.test(message)) return { error: 'timeout' };
      return { error: /net::(ERR_[A-Z_]+)/.exec(message)?.[1] ?? message };
    },
  );
  return Promise.race([failed, loaded]);
}

const CN_INVALID = 'ERR_CERT_COMMON_NAME_INVALID';
const EXPECTED: Record<ScenarioName, Partial<Record<ProbeTargetId, Expected>>> = {
  healthy: {
    'app-https': { status: 200, body: '<title>Raftr</title>', ip: RAFTR_IP },
    'web-https': { status: 200, body: 'WordPress', ip: RAFTR_IP },
    'api-ip-https': CN_INVALID,
    'api-ip-http': { status: 200, url: 'https://app.raftr.com/' },
    control: 204,
  },
  'dns-failure': {
    'app-https': 'ERR_NAME_NOT_RESOLVED',
    'web-https': 'ERR_NAME_NOT_RESOLVED',
    'api-ip-https': CN_INVALID,
    control: 204,
  },
  'dns-filter': {
    // Umbrella's block server presents a certificate from Umbrella's root, not trusted here.
    'app-https': 'ERR_CERT_AUTHORITY_INVALID',
    'api-ip-https': CN_INVALID,
    control: 204,
  },
  'ip-dropped': {
    'app-https': { status: 200, ip: RAFTR_IP },
    'api-ip-https': 'timeout',
    'api-ip-http': 'timeout',
  },
  refused: {
    'app-https': 'ERR_CONNECTION_REFUSED',
    'web-https': 'ERR_CONNECTION_REFUSED',
    'api-ip-https': 'ERR_CONNECTION_REFUSED',
    'api-ip-http': 'ERR_CONNECTION_REFUSED',
    control: 204,
  },
  'sni-reset': {
    'app-https': 'ERR_CONNECTION_RESET',
    'web-https': 'ERR_CONNECTION_RESET',
    'api-ip-https': CN_INVALID,
  },
  'proxy-block-page': {
    'app-https': { status: 403, body: 'FortiGuard Web Filtering', ip: RAFTR_IP },
    'web-https': { status: 403, body: 'Web Page Blocked' },
    'api-ip-https': CN_INVALID,
  },
  'tls-interception': {
    'app-https': 'ERR_CERT_AUTHORITY_INVALID',
    'web-https': 'ERR_CERT_AUTHORITY_INVALID',
    'api-ip-https': 'ERR_CERT_AUTHORITY_INVALID',
  },
  'captive-portal': {
    'app-https': 'ERR_CONNECTION_REFUSED',
    'api-ip-http': { status: 200, url: `http://${CAPTIVE_PORTAL_HOST}/portal` },
    control: { status: 200, url: `http://${CAPTIVE_PORTAL_HOST}/portal`, body: 'Campus Wi-Fi' },
  },
  'browser-policy': {
    'app-https': 'ERR_BLOCKED_BY_ADMINISTRATOR',
    'web-https': 'ERR_BLOCKED_BY_ADMINISTRATOR',
    'api-ip-https': CN_INVALID,
    control: 204,
  },
  'other-extension': {
    'app-https': 'ERR_BLOCKED_BY_CLIENT',
    'web-https': 'ERR_BLOCKED_BY_CLIENT',
    'api-ip-https': CN_INVALID,
    control: 204,
  },
  offline: {
    'app-https': 'ERR_INTERNET_DISCONNECTED',
    'api-ip-https': 'ERR_INTERNET_DISCONNECTED',
    'api-ip-http': 'ERR_INTERNET_DISCONNECTED',
    control: 'ERR_INTERNET_DISCONNECTED',
  },
  'raftr-503': {
    'app-https': { status: 503, body: 'Service Unavailable' },
    'web-https': 503,
    'api-ip-https': CN_INVALID,
    'api-ip-http': 503,
  },
};

let pki: TestPki;
test.beforeAll(() => {
  pki = createPki();
});
test.afterAll(() => pki?.cleanup());

test.describe('simulated internet', () => {
  for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
    test(`${name}: Chromium meets ${SCENARIOS[name].title}`, async () => {
      const browser = await launchInScenario({ scenario: name, pki });
      try {
        for (const [target, expected] of Object.entries(EXPECTED[name])) {
          // A fresh tab each time: a certificate interstitial left in a tab disturbs the next
          // navigation there.
          const page = await browser.context.newPage();
          const noContent = typeof expected === 'number' && expected === 204;
          const got = await navigate(page, URLS[target as ProbeTargetId], noContent);
          await page.close();
          const label = `${name} ${target}`;
          if (typeof expected === 'string') {
            expect(got.error, label).toBe(expected);
          } else {
            const want = typeof expected === 'number' ? { status: expected } : expected;
            expect(got.error, label).toBeUndefined();
            expect(got.status, label).toBe(want.status);
            if (want.url) expect(got.url, label).toContain(want.url);
            if (want.body) expect(got.body, label).toContain(want.body);
            if (want.ip) expect(got.ip, label).toBe(want.ip);
          }
        }
      } finally {
        await browser.close();
      }
    });
  }
});
