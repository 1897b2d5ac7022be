/**
 * Findings: evidence in, findings out. Pure rules, shared by the popup, the helpdesk decoder
 * and the CLI, so that a diagnostic code re-derives exactly the findings its user saw.
 *
 * A finding carries structure only (id, severity, system, exact entries, parameters); its
 * words live in the i18n catalog under `finding_<id>_title|body|steps` (see utils/i18n.ts).
 */
import {
  entryRef,
  type Finding,
  type FindingDetail,
  type FindingEntry,
  type Severity,
  type SystemId,
} from '../finding';
import { ENTRIES, type ProbeTargetId, RAFTR_DOMAIN } from '../profile';
import { BLOCK_PRODUCTS, type BlockProductId } from './block-products';
import type { FilterHint } from './identity';
import { CONNECTION_FAILURES, type Outcome } from './outcomes';

export const NETWORK_FINDING_IDS = [
  'all-clear',
  'offline',
  'captive-portal',
  'raftr-blocked',
  'ip-blocked',
  'port-80-blocked',
  'names-blocked',
  'proxy-block-page',
  'tls-interception',
  'blocked-by-policy',
  'blocked-by-extension',
  'raftr-server-error',
  'unexplained',
] as const;
export type NetworkFindingId = (typeof NETWORK_FINDING_IDS)[number];

export interface NetworkEvidence {
  outcomes: Record<ProbeTargetId, Outcome>;
  /** The proxy / filter product recognised from a block page or DNS block address. */
  product?: BlockProductId;
  /** What an unrecognised filter showed (classify.ts), so that IT can recognise it. */
  hint?: FilterHint;
}

/**
 * The line that says what answered instead of Raftr, when no product was recognised: the
 * status and the page title, or the host a block redirect pointed to.
 */
export function filterDetail(hint: FilterHint | undefined): FindingDetail | undefined {
  if (!hint || hint.status === undefined) return undefined;
  const status = String(hint.status);
  if (hint.redirectHost)
    return { id: 'detail_filter_redirect', params: [status, hint.redirectHost] };
  if (hint.title) return { id: 'detail_filter_page', params: [status, hint.title] };
  return { id: 'detail_filter_status', params: [status] };
}

const NAME_PROBES: readonly ProbeTargetId[] = ['app-https', 'web-https'];
const IP_PORT: Readonly<Partial<Record<ProbeTargetId, number>>> = {
  'api-ip-https': 443,
  'api-ip-http': 80,
};
const RAFTR_PROBES: readonly ProbeTargetId[] = [...NAME_PROBES, 'api-ip-https', 'api-ip-http'];

/**
 * Every network finding's words get the same substitutions, all from the profile:
 * $1 the filter product recognised (or ''), $2 the API host's address, $3 Raftr's domain.
 */
function finding(
  id: NetworkFindingId,
  severity: Severity,
  system: SystemId,
  entries: FindingEntry[] = [],
  product = '',
): Finding<NetworkFindingId> {
  const params = [product, ENTRIES['app-host-ip'].values.join(', '), RAFTR_DOMAIN];
  return { id, severity, system, entries, params };
}

/**
 * A DNS answer that led to a filter: its product when its block address is known, or "an
 * address that is not on the internet" (a private or reserved one).
 */
function withDnsDetail(
  blocked: Finding<NetworkFindingId>,
  product: BlockProductId | undefined,
): Finding<NetworkFindingId> {
  if (!product) return blocked;
  if (product === 'unknown-proxy')
    return { ...blocked, detail: { id: 'detail_dns_private', params: [] } };
  return { ...blocked, detail: { id: 'detail_dns_filter', params: [productName(product)] } };
}

export function productName(product: BlockProductId | undefined): string {
  return product ? BLOCK_PRODUCTS[product].name : '';
}

/**
 * The rules. Order of precedence: offline and captive portal explain everything else and
 * stand alone; then each cause found gets its own finding with its own system and fix.
 */
export function networkFindings(evidence: NetworkEvidence): Finding<NetworkFindingId>[] {
  const o = evidence.outcomes;
  const raftr = RAFTR_PROBES.map((id) => ({ id, outcome: o[id] }));
  const withOutcome = (outcome: Outcome) => raftr.filter((p) => p.outcome === outcome);

  if (Object.values(o).includes('offline') && CONNECTION_FAILURES.has(o.control)) {
    return [finding('offline', 'blocking', 'network-connection')];
  }
  if (Object.values(o).includes('captive-portal')) {
    return [finding('captive-portal', 'blocking', 'captive-portal')];
  }

  const found: Finding<NetworkFindingId>[] = [];
  const namesAmong = (probes: { id: ProbeTargetId }[]) =>
    probes.some((p) => NAME_PROBES.includes(p.id));
  const ipsAmong = (probes: { id: ProbeTargetId }[]) =>
    probes.filter((p) => IP_PORT[p.id] !== undefined).map((p) => IP_PORT[p.id] as number);

  const policy = withOutcome('blocked-by-policy');
  if (policy.length) {
    found.push(
      finding('blocked-by-policy', 'blocking', 'browser-policy', [entryRef('raftr-domains')]),
    );
  }
  const extension = withOutcome('blocked-by-extension');
  if (extension.length) {
    found.push(
      finding('blocked-by-extension', 'blocking', 'extension', [entryRef('raftr-domains')]),
    );
  }
  const proxied = withOutcome('proxy-blocked');
  if (proxied.length) {
    const entries: FindingEntry[] = [];
    if (namesAmong(proxied)) entries.push(entryRef('raftr-domains'));
    const ports = ipsAmong(proxied);
    if (ports.length) entries.push(entryRef('app-host-ip', ports));
    const product = evidence.product ?? 'unknown-proxy';
    const blockPage = finding(
      'proxy-block-page',
      'blocking',
      'web-proxy',
      entries,
      productName(product),
    );
    const detail = product === 'unknown-proxy' ? filterDetail(evidence.hint) : undefined;
    found.push(detail ? { ...blockPage, detail } : blockPage);
  }
  if (withOutcome('tls-untrusted').length) {
    found.push(
      finding('tls-interception', 'blocking', 'tls-inspection', [entryRef('raftr-domains')]),
    );
  }

  const cut = raftr.filter((p) => CONNECTION_FAILURES.has(p.outcome));
  const controlWorks = !CONNECTION_FAILURES.has(o.control);
  if (cut.length === RAFTR_PROBES.length && controlWorks) {
    const system: SystemId = cut.some((p) => p.outcome === 'dns-failed')
      ? 'dns-filter'
      : 'firewall';
    found.push(
      finding('raftr-blocked', 'blocking', system, [
        entryRef('app-host-ip'),
        entryRef('raftr-domains'),
      ]),
    );
  } else if (cut.length) {
    const ports = ipsAmong(cut);
    if (ports.includes(443)) {
      found.push(finding('ip-blocked', 'blocking', 'firewall', [entryRef('app-host-ip', ports)]));
    } else if (ports.includes(80)) {
      found.push(finding('port-80-blocked', 'minor', 'firewall', [entryRef('app-host-ip', [80])]));
    }
    const names = cut.filter((p) => NAME_PROBES.includes(p.id));
    if (names.length) {
      // A name that does not resolve points at DNS; a name whose connection is cut while the
      // IP answers points at a filter reading the server name (SNI / URL filtering).
      const system = names.some((p) => p.outcome === 'dns-failed') ? 'dns-filter' : 'web-filter';
      const blocked = finding('names-blocked', 'blocking', system, [entryRef('raftr-domains')]);
      found.push(system === 'dns-filter' ? withDnsDetail(blocked, evidence.product) : blocked);
    }
  }

  if (withOutcome('server-error').length) {
    found.push(finding('raftr-server-error', 'info', 'raftr'));
  }
  if (withOutcome('unknown').length) {
    const unexplained = finding('unexplained', 'blocking', 'none', [
      entryRef('app-host-ip'),
      entryRef('raftr-domains'),
    ]);
    const detail = filterDetail(evidence.hint);
    found.push(detail ? { ...unexplained, detail } : unexplained);
  }
  if (!found.length) found.push(finding('all-clear', 'ok', 'none'));
  return found;
}

export type VerdictId =
  | 'reachable'
  | 'reachable-minor'
  | 'blocked'
  | 'offline'
  | 'captive-portal'
  | 'raftr-trouble';

/** The one-line verdict, from the findings. */
export function verdictOf(findings: readonly Finding[]): VerdictId {
  const ids = new Set(findings.map((f) => f.id));
  if (ids.has('offline')) return 'offline';
  if (ids.has('captive-portal')) return 'captive-portal';
  if (findings.some((f) => f.severity === 'blocking')) return 'blocked';
  if (ids.has('raftr-server-error')) return 'raftr-trouble';
  if (findings.some((f) => f.severity === 'minor')) return 'reachable-minor';
  return 'reachable';
}
