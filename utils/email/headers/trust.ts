/**
 * The trust boundary of a header block: which fields the receiving organisation wrote itself,
 * and which it only carried in from earlier hops (the sender, a forwarder, another Exchange
 * Online tenant, a mailing list). Only the receiver's own fields say what happened to the
 * message there.
 *
 * The rules, top of the block first (a receiving host adds its fields at the top, RFC 5321 §4.4
 * and RFC 5322 §3.6.7):
 * - Received hops are walked from the top past the receiving organisation's internal hops (no
 *   sending host at all, a private address, final delivery by LMTP, hosts of one organisation,
 *   Exchange Online's internal servers) and past its filtering gateways, to the first hop from
 *   outside: the edge ("entry") hop. The address in its from-clause is what the edge saw.
 *   A hop from one gateway host into another (the sender's outbound gateway handing over to
 *   the receiver's) is the edge: a gateway's shared domain does not make them one organisation.
 * - Everything below the next Received field after the entry hop was written before the
 *   receiving organisation had the message: Authentication-Results there are someone else's
 *   (RFC 8601 §5 and §7.2), and so are spam-filter fields.
 * - An Authentication-Results field carrying the receiver's own authserv-id is the receiver's
 *   wherever it sits (RFC 8601 §5: the receiver removes forged copies of its own id); some
 *   receivers (Proton) insert theirs below the hops they carry in.
 * - ARC-Authentication-Results, X-MS-Exchange-Authentication-Results, *-Original and
 *   *-Untrusted copies are other fields altogether: never read as the receiver's results.
 * - Exchange Online writes its own fields (X-Forefront-Antispam-Report, X-MS-Exchange-
 *   Organization-*, X-Microsoft-Antispam-Mailbox-Delivery) at the bottom of the block, below
 *   the sender's fields, and its header firewall strips or renames (-Untrusted) those fields
 *   when they arrive from outside the organisation
 *   (https://learn.microsoft.com/exchange/mail-flow/mail-routing/header-firewall): they are
 *   the receiver's when the receiver is Exchange Online, whatever their position. So is its
 *   inbound Authentication-Results (compauth, and the address of its own report's CIP) when
 *   none sits above the boundary: a copy Exchange wrote out again (an attached item) puts every
 *   Received field first.
 *
 * Pure: no `browser.*`, no Node APIs.
 */
import type { MailSystemId } from '../evidence';
import {
  isGatewaySystem,
  isMicrosoftOutboundHost,
  organizationalDomain,
  providerOfHost,
  sameOrganization,
  systemOfRelayHost,
} from '../mail-systems';
import {
  type HeaderField,
  ipInSpfComment,
  isPrivateIp,
  parseAuthenticationResults,
  parseForefrontReport,
  parseReceived,
  parseReceivedSpf,
  type ReceivedHop,
  type ReceivedSpf,
  type TrustedAuthResults,
  trustedAuthResults,
} from './parse';

export interface TracedHop {
  hop: ReceivedHop;
  /** Index of the Received field in the block. */
  field: number;
  /** The field's value, as written. */
  value: string;
}

export interface TrustBoundary {
  /** Every Received hop, top first. */
  hops: TracedHop[];
  /**
   * Index (into `hops`) of the receiving organisation's edge: the first hop, from the top, from
   * a host outside the organisation and its gateways. -1 when no such hop shows.
   */
  entry: number;
  /**
   * Index of the first field written before the receiving organisation had the message (the
   * first Received field below the entry hop); the number of fields when there is none.
   */
  boundary: number;
  /** The hops the receiving organisation wrote, its gateways' included: top to the entry hop. */
  receiverHops: TracedHop[];
  /** A filtering gateway of the receiving organisation that the walk went through. */
  gateway: MailSystemId | null;
}

/** Exchange Online's internal servers: Microsoft hosts other than its outbound relays. */
function isMicrosoftInternal(host: string | null): boolean {
  return providerOfHost(host) === 'microsoft' && !isMicrosoftOutboundHost(host);
}

/** A hop between two hosts of the receiving organisation (its provider's included). */
function isInternalHop(hop: ReceivedHop): boolean {
  // No sending host at all ("Received: by 2002:…", a queue moving inside one host).
  if (!hop.ip && !hop.helo && !hop.rdns) return true;
  // LMTP is local delivery inside the organisation (RFC 2033 §1).
  if (hop.with && /^lmtps?a?$/i.test(hop.with)) return true;
  if (hop.ip && isPrivateIp(hop.ip)) return true;
  const from = hop.rdns ?? hop.helo;
  if (isMicrosoftInternal(hop.by) && isMicrosoftInternal(from)) return true;
  // The receiver looked the sending address up (reverse DNS) and it is one of its own hosts.
  // Not for two different hosts of a filtering gateway: its domain (pphosted.com, mimecast.com,
  // iphmx.com) is shared by all its customers, so it says nothing about one organisation.
  if (hop.rdns === null || !sameOrganization(hop.rdns, hop.by)) return false;
  const gateway = systemOfRelayHost(hop.by);
  return !(
    gateway &&
    isGatewaySystem(gateway) &&
    normalizedHost(hop.rdns) !== normalizedHost(hop.by)
  );
}

/** A host name compared as DNS compares it: case and a trailing dot do not count. */
function normalizedHost(host: string | null): string {
  return (host ?? '').trim().toLowerCase().replace(/\.$/, '');
}

/** The system of the sending host, preferring the receiver's reverse-DNS name to the HELO. */
function senderSystem(hop: ReceivedHop): MailSystemId | null {
  return systemOfRelayHost(hop.rdns) ?? systemOfRelayHost(hop.helo);
}

export interface TraceOptions {
  /**
   * Addresses of gateway hosts known to be the sender's own outbound gateway: a hop from one of
   * them is the receiving organisation's edge, not a hop inside it (see `senderGatewayIps`).
   */
  senderGatewayIps?: ReadonlySet<string>;
}

/** Walks the Received hops and finds the receiving organisation's edge and trust boundary. */
export function traceReceived(
  fields: readonly HeaderField[],
  options: TraceOptions = {},
): TrustBoundary {
  const hops: TracedHop[] = [];
  fields.forEach((field, index) => {
    if (field.name.toLowerCase() === 'received') {
      hops.push({ hop: parseReceived(field.value), field: index, value: field.value });
    }
  });
  let gateway: MailSystemId | null = null;
  let entry = -1;
  for (let i = 0; i < hops.length; i++) {
    const { hop } = hops[i] as TracedHop;
    const by = systemOfRelayHost(hop.by);
    if (by && isGatewaySystem(by)) gateway ??= by;
    if (isInternalHop(hop)) continue;
    // A hop from the receiving organisation's own filtering gateway (Proofpoint, Mimecast…
    // in front of the mailbox): the gateway's edge is further down.
    const from = senderSystem(hop);
    const senders = options.senderGatewayIps;
    // A hop from another gateway host into the receiver's gateway over a public address is the
    // sender's outbound gateway handing the message over (the same products filter both
    // directions under the same host names, and many organisations share their domains:
    // mx0a-00069f02.pphosted.com is Oracle's Proofpoint, mx0a-0016f401.pphosted.com Marvell's).
    // A gateway moves mail between its own nodes over loopback or private addresses (Proofpoint's
    // "pps.filterd" / "pps.reinject" at 127.0.0.1), which are internal hops above. So this is
    // the receiving organisation's edge.
    const intoGateway = by !== null && isGatewaySystem(by);
    if (
      from &&
      isGatewaySystem(from) &&
      !(hop.ip && senders?.has(hop.ip)) &&
      !(intoGateway && hop.ip && normalizedHost(hop.rdns ?? hop.helo) !== normalizedHost(hop.by))
    ) {
      gateway ??= from;
      continue;
    }
    entry = i;
    break;
  }
  const below = entry >= 0 ? hops[entry + 1] : undefined;
  return {
    hops,
    entry,
    boundary: entry >= 0 && below ? below.field : fields.length,
    receiverHops: entry >= 0 ? hops.slice(0, entry + 1) : hops,
    gateway,
  };
}

/** The values of the fields called `name` that the receiving organisation wrote, top first. */
export function receiverValues(
  fields: readonly HeaderField[],
  trace: TrustBoundary,
  name: string,
): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i < trace.boundary && i < fields.length; i++) {
    const field = fields[i] as HeaderField;
    if (field.name.toLowerCase() === lower) out.push(field.value);
  }
  return out;
}

/** The organisational domains of the hosts that wrote the receiver's hops. */
function receiverDomains(trace: TrustBoundary): Set<string> {
  const domains = new Set<string>();
  for (const { hop } of trace.receiverHops) {
    const domain = organizationalDomain(hop.by);
    if (domain) domains.add(domain);
  }
  return domains;
}

/**
 * The receiving organisation's Authentication-Results: those above the boundary or, when there
 * are none there, those carrying one of the receiver's host names as authserv-id; of these the
 * topmost and the ones directly below it with the same authserv-id (`trustedAuthResults`).
 */
export function receiverAuthResults(
  fields: readonly HeaderField[],
  trace: TrustBoundary,
): TrustedAuthResults | null {
  const above = receiverValues(fields, trace, 'Authentication-Results');
  if (above.length > 0) return trustedAuthResults(above);
  const domains = receiverDomains(trace);
  if (domains.size === 0) return null;
  const own = fields
    .filter((field) => field.name.toLowerCase() === 'authentication-results')
    .map((field) => field.value)
    .filter((value) => {
      const id = parseAuthenticationResults(value).authservId?.replace(/\/.*$/, '');
      const domain = organizationalDomain(id);
      return domain !== null && domains.has(domain);
    });
  return trustedAuthResults(own);
}

/**
 * Exchange Online's own inbound Authentication-Results, wherever it sits, for a receiver that is
 * Exchange Online when no Authentication-Results sits above the boundary: a copy of the message
 * that Exchange wrote out again (an item attached in Outlook) lists every Received field first
 * and its own fields after them, so its stamp is below the hops. Only a stamp that is certainly
 * Exchange's counts: Microsoft's layout (results first, no authserv-id) with `compauth`, the
 * composite authentication Exchange Online evaluates on inbound mail
 * (https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo, "Authentication-
 * results message header fields"), whose SPF comment names the connecting address Exchange
 * recorded in its own X-Forefront-Antispam-Report (CIP), a field its header firewall keeps
 * for itself. Earlier stamps Exchange renamed on arrival (Authentication-Results-Original,
 * X-MS-Exchange-Authentication-Results) are other fields and are never read.
 */
export function exchangeInboundAuthResults(
  fields: readonly HeaderField[],
): TrustedAuthResults | null {
  const report = fields.find((f) => f.name.toLowerCase() === 'x-forefront-antispam-report');
  const cip = report ? parseForefrontReport(report.value).cip?.toLowerCase() : undefined;
  if (!cip) return null;
  const own = fields
    .filter((field) => field.name.toLowerCase() === 'authentication-results')
    .map((field) => field.value)
    .filter((value) => {
      const parsed = parseAuthenticationResults(value);
      const spf = parsed.results.find((r) => r.method === 'spf');
      return (
        parsed.dialect === 'microsoft' &&
        parsed.results.some((r) => r.method === 'compauth') &&
        ipInSpfComment(spf) === cip
      );
    });
  return own.length === 1 ? trustedAuthResults(own) : null;
}

/** The receiving organisation's Received-SPF (RFC 7208 §9.1): the topmost above the boundary. */
export function receiverReceivedSpf(
  fields: readonly HeaderField[],
  trace: TrustBoundary,
): ReceivedSpf | null {
  const value = receiverValues(fields, trace, 'Received-SPF')[0];
  return value === undefined ? null : parseReceivedSpf(value);
}

/** Exchange Online's own fields, present only when it processed the message itself. */
const EXCHANGE_FIELD =
  /^(x-ms-exchange-organization-|x-forefront-antispam-report$|x-microsoft-antispam-mailbox-delivery$)/i;

/**
 * Whether the receiving organisation is Exchange Online (Microsoft 365 or Outlook.com), so that
 * its bottom-of-the-block fields are the receiver's: its servers wrote the receiver's hops, or,
 * with no hop to tell, its Authentication-Results dialect or its organisation-only fields
 * (which the header firewall strips from mail arriving from outside) are there.
 */
export function exchangeReceives(
  fields: readonly HeaderField[],
  trace: TrustBoundary,
  auth: TrustedAuthResults | null,
): boolean {
  if (trace.receiverHops.length > 0) {
    return trace.receiverHops.some(({ hop }) => providerOfHost(hop.by) === 'microsoft');
  }
  if (auth?.dialect === 'microsoft') return true;
  return fields.some((field) => EXCHANGE_FIELD.test(field.name));
}

/**
 * Gateway hosts that are the sender's outbound gateway, not the receiver's filter in front of
 * its mailbox (Proofpoint, Mimecast… serve both directions under the same host names):
 * - the receiving system's SPF check passed for the gateway's address: the sender's domain
 *   authorises that gateway to send for it, while a receiving gateway in front of the mailbox
 *   makes SPF fail or soft-fail there (shared/reference/email.md);
 * - the gateway's own verdict field says it scanned the message as outbound mail (Proofpoint's
 *   "policy=outbound"), and no field shows it scanning inbound mail.
 * Returns the addresses of the hops from such gateways.
 */
export function senderGatewayIps(
  fields: readonly HeaderField[],
  trace: TrustBoundary,
  spf: { result: string | null; ip: string | null },
): Set<string> {
  const ips = new Set<string>();
  const proofpoint = fields
    .filter((field) => field.name.toLowerCase() === 'x-proofpoint-spam-details')
    .map((field) => /\bpolicy=([\w-]+)/i.exec(field.value)?.[1]?.toLowerCase() ?? '');
  const proofpointOutbound = proofpoint.length > 0 && proofpoint.every((p) => p === 'outbound');
  for (const { hop } of trace.hops) {
    const from = senderSystem(hop);
    if (!hop.ip || !from || !isGatewaySystem(from)) continue;
    if (spf.result === 'pass' && spf.ip === hop.ip) ips.add(hop.ip);
    if (from === 'proofpoint' && proofpointOutbound) ips.add(hop.ip);
  }
  return ips;
}
