/**
 * The trace and verdict headers each receiving system writes, in its own dialect, from real
 * mailauth results. Formats: shared/reference/email.md ("Headers"), RFC 8601
 * (Authentication-Results), RFC 7208 §9.1 (Received-SPF), RFC 5321 §4.4 (Received), and
 * Microsoft's https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo
 * (X-Forefront-Antispam-Report, X-Microsoft-Antispam, X-Microsoft-Antispam-Mailbox-Delivery).
 */
import { randomBytes } from 'node:crypto';
import type { AuthenticateResult } from 'mailauth';
import { rfc5322Date } from './sender';

export type AuthOutcome =
  | 'pass'
  | 'fail'
  | 'softfail'
  | 'neutral'
  | 'none'
  | 'temperror'
  | 'permerror';

/** mailauth's results, reduced to what the headers need. */
export interface AuthSummary {
  spf: AuthOutcome;
  /** Envelope sender (MAIL FROM) and its domain, as SPF checked them. */
  mailFrom: string;
  mailFromDomain: string;
  /** The address SPF was checked for (the connecting IP, or the one before a trusted gateway). */
  ip: string;
  helo: string;
  /** One row per DKIM signature. */
  dkim: {
    result: AuthOutcome;
    domain: string;
    selector: string;
    b: string;
    comment: string;
    aligned: boolean;
  }[];
  dmarc: AuthOutcome;
  /** The From domain DMARC evaluated, and its published policy (p / sp). */
  fromDomain: string;
  dmarcPolicy: string;
  dmarcSubPolicy: string;
  /** The policy that applies to this From domain (p, or sp for a subdomain without its own record). */
  dmarcEffective: string;
}

function outcome(value: string | undefined): AuthOutcome {
  const v = (value ?? 'none').toLowerCase();
  if (v === 'temperr') return 'temperror';
  return (
    (['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror'] as const).find(
      (o) => o === v,
    ) ?? 'none'
  );
}

export function summarizeAuth(
  result: AuthenticateResult,
  input: { ip: string; helo: string; mailFrom: string },
): AuthSummary {
  const spf = result.spf || undefined;
  const dmarc = result.dmarc || undefined;
  const dkimRows = (result.dkim?.results ?? []).map((row) => {
    const status = row.status as { result?: string; comment?: string; aligned?: string | boolean };
    const signature = (row as { signature?: string }).signature ?? '';
    return {
      result: outcome(status.result),
      domain: row.signingDomain ?? '',
      selector: row.selector ?? '',
      b: signature.slice(0, 8) || randomBytes(6).toString('base64').slice(0, 8),
      comment: status.comment ?? '',
      aligned: Boolean(status.aligned),
    };
  });
  const mailFromDomain = (input.mailFrom.split('@')[1] ?? input.mailFrom).toLowerCase();
  const d = dmarc as
    | { status?: { result?: string }; domain?: string; p?: string; sp?: string; policy?: string }
    | undefined;
  return {
    spf: outcome((spf as { status?: { result?: string } } | undefined)?.status?.result),
    mailFrom: input.mailFrom,
    mailFromDomain,
    ip: input.ip,
    helo: input.helo,
    dkim: dkimRows,
    dmarc: outcome(d?.status?.result),
    fromDomain:
      d?.domain ?? (result.dkim as { headerFrom?: string[] })?.headerFrom?.[0]?.split('@')[1] ?? '',
    dmarcPolicy: d?.p ?? d?.policy ?? 'none',
    dmarcSubPolicy: d?.sp ?? d?.p ?? 'none',
    dmarcEffective: (d?.policy ?? d?.p ?? 'none').toLowerCase(),
  };
}

/** The DKIM row that decides (the one aligned with From, else the first). */
function primaryDkim(auth: AuthSummary): AuthSummary['dkim'][number] | undefined {
  return (
    auth.dkim.find((r) => r.aligned) ??
    auth.dkim.find((r) => r.domain === auth.fromDomain) ??
    auth.dkim[0]
  );
}

// ------------------------------------------------------------------------------------------
// Gmail (mx.google.com).

/** Gmail's Received-SPF wording per result (as in "Show original"). */
export function gmailReceivedSpf(auth: AuthSummary): string {
  const who = auth.mailFrom;
  const ip = auth.ip;
  switch (auth.spf) {
    case 'pass':
      return `pass (google.com: domain of ${who} designates ${ip} as permitted sender) client-ip=${ip};`;
    case 'softfail':
      return `softfail (google.com: domain of transitioning ${who} does not designate ${ip} as permitted sender) client-ip=${ip};`;
    case 'fail':
      return `fail (google.com: domain of ${who} does not designate ${ip} as permitted sender) client-ip=${ip};`;
    case 'neutral':
      return `neutral (google.com: ${ip} is neither permitted nor denied by best guess record for domain of ${who}) client-ip=${ip};`;
    default:
      return `${auth.spf} (google.com: ${who} does not designate permitted sender hosts) client-ip=${ip};`;
  }
}

export function gmailAuthenticationResults(auth: AuthSummary): string {
  const parts = ['mx.google.com'];
  for (const row of auth.dkim) {
    // Gmail calls a body that no longer matches its hash "neutral (body hash did not verify)".
    const bodyHash = /body hash/i.test(row.comment);
    const result =
      bodyHash && row.result === 'fail' ? 'neutral (body hash did not verify)' : row.result;
    parts.push(`dkim=${result} header.i=@${row.domain} header.s=${row.selector} header.b=${row.b}`);
  }
  const spfComment = gmailReceivedSpf(auth)
    .replace(/ client-ip=.*$/, '')
    .replace(/^\S+ /, '');
  parts.push(`spf=${auth.spf} ${spfComment} smtp.mailfrom="${auth.mailFrom}"`);
  if (auth.fromDomain) {
    const p = auth.dmarcPolicy.toUpperCase();
    const sp = auth.dmarcSubPolicy.toUpperCase();
    const dis = auth.dmarc === 'pass' ? 'NONE' : p;
    parts.push(`dmarc=${auth.dmarc} (p=${p} sp=${sp} dis=${dis}) header.from=${auth.fromDomain}`);
  }
  return parts.join(';\r\n       ');
}

/** Gmail's edge hop: `from helo (rdns. [ip]) by mx.google.com with ESMTPS id … for <rcpt>`. */
export function gmailReceived(input: {
  helo: string;
  rdns: string | null;
  ip: string;
  rcpt: string;
  at: number;
}): string {
  const id = `${randomBytes(10).toString('base64url').slice(0, 14)}.${Math.floor(Math.random() * 900) + 100}`;
  const from = input.rdns
    ? `${input.helo} (${input.rdns}. [${input.ip}])`
    : `${input.helo} ([${input.ip}])`;
  return `from ${from}\r\n        by mx.google.com with ESMTPS id a640c23a62f3a-${id}\r\n        for <${input.rcpt}>\r\n        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\r\n        ${rfc5322Date(input.at)} (UTC)`;
}

// ------------------------------------------------------------------------------------------
// Microsoft 365 (Exchange Online Protection).

export const EOP_EDGE = 'BN1NAM02FT034.mail.protection.outlook.com';
export const EOP_EDGE_INTERNAL = 'BN1NAM02FT034.eop-nam02.prod.protection.outlook.com';
const EOP_FRONTEND = 'SA9PR03CA0012.outlook.office365.com';
const EOP_FRONTEND_INTERNAL = 'SA9PR03CA0012.namprd03.prod.outlook.com';
const EXO_MAILBOX = 'PH0PR12MB7885.namprd12.prod.outlook.com';

const MS_DKIM_COMMENT: Partial<Record<AuthOutcome, string>> = {
  pass: 'signature was verified',
  fail: 'signature did not verify',
  none: 'message not signed',
};

/**
 * Microsoft's compauth (composite authentication): pass/100 when DMARC passes, fail/000 when it
 * fails under a quarantine or reject policy, softpass or none otherwise.
 * https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo#authentication-results-message-header-fields
 */
export function compauth(auth: AuthSummary): { result: string; reason: string } {
  if (auth.dmarc === 'pass') return { result: 'pass', reason: '100' };
  if (auth.dmarc === 'fail' && auth.dmarcPolicy !== 'none')
    return { result: 'fail', reason: '000' };
  if (auth.spf === 'pass' || auth.dkim.some((r) => r.result === 'pass'))
    return { result: 'softpass', reason: '109' };
  return { result: 'none', reason: '905' };
}

/**
 * Microsoft's non-conforming Authentication-Results: no authserv-id first, the receiving domain
 * written after the SPF and DKIM results (email.md, "Headers").
 */
export function microsoftAuthenticationResults(
  auth: AuthSummary,
  recipientDomain: string,
  dmarcAction: string,
): string {
  const dkim = primaryDkim(auth);
  const dkimResult = dkim?.result ?? 'none';
  const dkimComment = /body hash/i.test(dkim?.comment ?? '')
    ? 'body hash did not verify'
    : (MS_DKIM_COMMENT[dkimResult] ?? dkim?.comment ?? '');
  const ca = compauth(auth);
  return (
    `spf=${auth.spf} (sender IP is ${auth.ip})\r\n smtp.mailfrom=${auth.mailFromDomain}; ${recipientDomain}; dkim=${dkimResult} (${dkimComment})\r\n` +
    ` header.d=${dkim?.domain || 'none'};${recipientDomain}; dmarc=${auth.dmarc} action=${dmarcAction}\r\n` +
    ` header.from=${auth.fromDomain};compauth=${ca.result} reason=${ca.reason}`
  );
}

export function microsoftReceivedSpf(auth: AuthSummary): string {
  const tail = `receiver=protection.outlook.com; client-ip=${auth.ip}; helo=${auth.helo}; pr=C`;
  switch (auth.spf) {
    case 'pass':
      return `Pass (protection.outlook.com: domain of ${auth.mailFromDomain} designates ${auth.ip} as permitted sender) ${tail}`;
    case 'softfail':
      return `SoftFail (protection.outlook.com: domain of transitioning ${auth.mailFromDomain} discourages use of ${auth.ip} as permitted sender) ${tail}`;
    case 'fail':
      return `Fail (protection.outlook.com: domain of ${auth.mailFromDomain} does not designate ${auth.ip} as permitted sender) ${tail}`;
    default:
      return `${auth.spf[0]?.toUpperCase()}${auth.spf.slice(1)} (protection.outlook.com: ${auth.mailFromDomain} does not designate permitted sender hosts) ${tail}`;
  }
}

/** EOP's hops, newest first: mailbox server ← frontend ← edge ← the connecting host. */
export function microsoftReceivedChain(input: { helo: string; ip: string; at: number }): string[] {
  const tls =
    'with Microsoft SMTP Server (version=TLS1_3,\r\n cipher=TLS_AES_256_GCM_SHA384) id 15.20.8182.16';
  return [
    `from ${EOP_FRONTEND_INTERNAL} (2603:10b6:806:12b::17)\r\n by ${EXO_MAILBOX} (2603:10b6:510:27e::13) ${tls}; ${rfc5322Date(input.at + 500)}`,
    `from ${EOP_EDGE_INTERNAL}\r\n (2603:10b6:806:12b:cafe::3c) by ${EOP_FRONTEND}\r\n (2603:10b6:806:12b::17) ${tls} via Frontend Transport; ${rfc5322Date(input.at + 300)}`,
    `from ${input.helo} (${input.ip}) by\r\n ${EOP_EDGE} (10.13.2.95) ${tls} via Frontend Transport; ${rfc5322Date(input.at)}`,
  ];
}

/** The verdict Microsoft stamps (SFV / SCL / CAT), from the filter's decision. */
export type MicrosoftVerdict =
  | { kind: 'clean' }
  | { kind: 'spam' }
  | { kind: 'spoof' }
  | { kind: 'blocked-sender' }
  | { kind: 'ip-allowed' };

export function forefrontReport(input: {
  cip: string;
  helo: string;
  ptr: string | null;
  verdict: MicrosoftVerdict;
}): string {
  const { verdict } = input;
  const fields: Record<string, string> = { SFV: 'NSPM', SCL: '1', CAT: 'NONE', IPV: 'NLI' };
  switch (verdict.kind) {
    case 'spam':
      Object.assign(fields, { SFV: 'SPM', SCL: '5', CAT: 'SPM' });
      break;
    case 'spoof':
      Object.assign(fields, { SFV: 'SPM', SCL: '5', CAT: 'SPOOF' });
      break;
    case 'blocked-sender':
      // The user's Blocked Senders list: filtering skipped, message to Junk (SFV:BLK).
      Object.assign(fields, { SFV: 'BLK', SCL: '6', CAT: 'NONE' });
      break;
    case 'ip-allowed':
      // Connection filter IP Allow List: IPV:CAL, filtering skipped (SCL -1).
      Object.assign(fields, { SFV: 'SKN', SCL: '-1', IPV: 'CAL' });
      break;
    case 'clean':
      break;
  }
  return [
    `CIP:${input.cip}`,
    'CTRY:US',
    'LANG:en',
    `SCL:${fields.SCL}`,
    'SRV:',
    `IPV:${fields.IPV}`,
    `SFV:${fields.SFV}`,
    `H:${input.helo}`,
    `PTR:${input.ptr ?? ''}`,
    `CAT:${fields.CAT}`,
    'SFS:(13230040)(4022899009)(1032899013)(69100299015)(8096899003)',
    'DIR:INB',
    '',
  ].join(';');
}

export function microsoftMailboxDelivery(junk: boolean): string {
  return junk
    ? 'ucf:0;jmr:0;auth:0;dest:J;RF:JunkEmail;OFR:SpamFilterAuthJ;ENG:(910005)(944506478)(944626604)(920097)(930097)(3100021)(140003);'
    : 'ucf:0;jmr:0;auth:0;dest:I;ENG:(910005)(944506478)(944626604)(920097)(930097)(3100021)(140003);';
}

// ------------------------------------------------------------------------------------------
// Gateways in front of the mailbox.

/** The hop a gateway received the message on. */
export interface GatewayHop {
  helo: string;
  rdns: string | null;
  ip: string;
  rcpt: string;
  at: number;
}

/** `helo (rdns [ip])`: the from-part of a gateway's Received field. */
function receivedFrom(hop: GatewayHop): string {
  return hop.rdns ? `${hop.helo} (${hop.rdns} [${hop.ip}])` : `${hop.helo} ([${hop.ip}])`;
}

export function proofpointHeaders(input: GatewayHop): string[] {
  const from = receivedFrom(input);
  return [
    `Received: from ${from}\r\n\tby mx0a-00123.pphosted.com (PPS) with ESMTPS id 4336a8${randomBytes(3).toString('hex')}-1\r\n\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT)\r\n\tfor <${input.rcpt}>; ${rfc5322Date(input.at)}`,
    'X-Proofpoint-Virus-Version: vendor=baseguard\r\n engine=ICAP:2.0.293,Aquarius:18.0.1039,Hydra:6.0.680,FMLib:17.12.62.30\r\n definitions=2024-11-26_10,2024-11-26_01,2024-11-25_01 signatures=0',
    'X-Proofpoint-Spam-Details: rule=notspam policy=default score=0 mlxscore=0 bulkscore=0\r\n spamscore=0 adultscore=0 classifier=spam adjust=0 reason=mlx engine=8.19.0-2409260000',
    `X-Proofpoint-GUID: ${randomBytes(16).toString('base64url')}`,
  ];
}

export function mimecastHeaders(input: GatewayHop): string[] {
  const from = receivedFrom(input);
  return [
    `Received: from ${from} by relay.mimecast.com with ESMTP with STARTTLS\r\n (version=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384) id\r\n uk-mta-12-${randomBytes(12).toString('base64url')}-1; ${rfc5322Date(input.at)}`,
    `X-MC-Unique: ${randomBytes(12).toString('base64url')}-1`,
    'X-Mimecast-Spam-Score: 0',
    'X-Mimecast-MFC-AGG-ID: 00123',
  ];
}
