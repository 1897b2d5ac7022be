/**
 * Raftr's outbound mail, as SendGrid sends it: DKIM-signed for d=raftr.com (s=s1) and, like
 * every SendGrid message, d=sendgrid.info (s=smtpapi); the VERP return path on the
 * authenticated bounce domain em1234.raftr.com; `X-SG-EID`; SendGrid's internal `(SG)` hops;
 * delivered over real SMTP (STARTTLS, certificate checked against the test root) from a
 * loopback stand-in for the sending IP, to the host the recipient domain's MX names.
 * email.md, "SendGrid (Raftr's sender)".
 *
 * Like a real MTA it retries a 4xx answer (greylisting) on a schedule and gives up on a 5xx
 * (a bounce, recorded in the delivery result).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import {
  RAFTR_DIGEST_FROM,
  RAFTR_NO_REPLY,
  SENDGRID_ACCOUNT,
  SENDGRID_BOUNCE_DOMAIN,
  type SenderRole,
  STAND_INS,
} from './constants';
import type { TestDns } from './dns';
import type { RaftrMailKind } from './store';

/** The DKIM keys of the run: made fresh at start (RSA 2048, as SendGrid's are). */
export interface DkimKeys {
  raftr: { privateKey: string; publicKey: string };
  sendgrid: { privateKey: string; publicKey: string };
  /** A key published nowhere: a signature made with it fails verification (a rotated or wrong key). */
  stray: { privateKey: string; publicKey: string };
}

function rsaPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function generateDkimKeys(): DkimKeys {
  return { raftr: rsaPair(), sendgrid: rsaPair(), stray: rsaPair() };
}

/**
 * Per-message time, for messages that pretend to be older (history) or later (a greylisting
 * delay longer than the test waits): virtual now = real now + the message's offset. Keyed by
 * Message-ID, so the receivers need no marker in the message itself.
 */
export class VirtualClock {
  private readonly offsets = new Map<string, number>();

  set(messageId: string, virtualNow: number): void {
    this.offsets.set(messageId, virtualNow - Date.now());
  }

  shift(messageId: string, byMs: number): void {
    this.offsets.set(messageId, (this.offsets.get(messageId) ?? 0) + byMs);
  }

  now(messageId: string | undefined): number {
    return Date.now() + (messageId ? (this.offsets.get(messageId) ?? 0) : 0);
  }
}

/** How the message is signed: `stray-key` signs with a key DNS does not publish. */
export type DkimMode = 'valid' | 'stray-key' | 'none';

export interface RaftrMailSpec {
  kind: RaftrMailKind;
  to: string;
  /** Access-check token (test messages). */
  token?: string;
  /** The message's own time (Date, SendGrid's hops); default now. Older = history. */
  at?: number;
  /** Which sending host it leaves from; default SendGrid's first IP. */
  from?: SenderRole;
  dkim?: DkimMode;
  /** Envelope sender; default SendGrid's VERP bounce address. */
  mailFrom?: string;
}

export interface DeliveryAttempt {
  /** Real time of the attempt. */
  at: number;
  mx: string;
  code: number | null;
  response: string;
}

export type DeliveryStatus = 'accepted' | 'bounced' | 'undeliverable' | 'gave-up';

export interface DeliveryResult {
  messageId: string;
  to: string;
  kind: RaftrMailKind;
  token?: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
}

export interface SenderOptions {
  dns: TestDns;
  keys: DkimKeys;
  clock: VirtualClock;
  /** Root CA the MX certificates chain to (STARTTLS is verified, as SendGrid's opportunistic TLS would not be: stricter is fine). */
  ca: string;
  /** The local SMTP port serving an MX host name, if the world runs one. */
  smtpPort(mxHost: string): number | undefined;
  /** Delays between attempts after a 4xx; default 1.5 s, 3 s, 5 s, 8 s, 13 s. */
  retryDelaysMs?: number[];
}

const SUBJECTS: Record<RaftrMailKind, (token?: string) => string> = {
  test: (token) => `Your Raftr email check [Raftr check ${token}]`,
  verification: () => 'Verify your email address for Raftr',
  reset: () => 'Reset your Raftr password',
  digest: () => 'Your week on Raftr: 3 new posts in your communities',
  other: () => 'A message from Raftr',
};

function body(kind: RaftrMailKind, token: string | undefined): { text: string; html: string } {
  // SendGrid link branding rewrites links to url1234.raftr.com; a gateway that rewrites them
  // again (Proofpoint URL Defense) changes the body and breaks the DKIM body hash.
  const link = `https://url1234.raftr.com/ls/click?upn=${randomBytes(24).toString('base64url')}`;
  const lines: Record<RaftrMailKind, string> = {
    test: `This is the test message you asked for from the Raftr Access Check extension. Check code: ${token}. You do not need to do anything.`,
    verification: 'Welcome to Raftr! Confirm your email address to join your campus community.',
    reset:
      'Someone asked to reset the password of your Raftr account. If it was you, choose a new password.',
    digest: 'Here is what happened in your communities this week.',
    other: 'A message from Raftr.',
  };
  const text = `${lines[kind]}\r\n\r\n${link}\r\n\r\nRaftr, 548 Market St, San Francisco, CA 94104\r\n`;
  const html = `<!doctype html><html><body><p>${lines[kind]}</p><p><a href="${link}">Open Raftr</a></p><p style="color:#888">Raftr, 548 Market St, San Francisco, CA 94104</p></body></html>`;
  return { text, html };
}

/**
 * Header names as SendGrid writes them ("X-SG-EID", not nodemailer's default "X-Sg-Eid"); the
 * rest in the usual Word-Word form.
 */
function normalizeHeaderKey(key: string): string {
  const exact: Record<string, string> = {
    'x-sg-eid': 'X-SG-EID',
    'x-sg-id': 'X-SG-ID',
    'mime-version': 'MIME-Version',
    'message-id': 'Message-ID',
  };
  const lower = key.toLowerCase();
  return (
    exact[lower] ?? lower.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()).replace(/-Id$/, '-ID')
  );
}

/** SendGrid's VERP return path: bounces+<account>-<hash>-<local>=<domain>@em1234.raftr.com. */
export function bounceAddress(to: string): string {
  const [local, domain] = to.split('@');
  return `bounces+${SENDGRID_ACCOUNT}-${randomBytes(2).toString('hex')}-${local}=${domain}@${SENDGRID_BOUNCE_DOMAIN}`;
}

/** RFC 5322 date in UTC ("Tue, 26 Nov 2025 13:00:00 +0000"). */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

export class RaftrSender {
  private readonly retryDelaysMs: number[];
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly results: DeliveryResult[] = [];

  constructor(private readonly options: SenderOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? [1500, 3000, 5000, 8000, 13000];
  }

  /** Builds the message (without sending): nodemailer options and the envelope. */
  compose(spec: RaftrMailSpec): {
    mail: Mail.Options;
    messageId: string;
    dkim: DkimMode;
    role: SenderRole;
  } {
    const role = spec.from ?? 'sendgrid1';
    const messageId = `<${randomBytes(12).toString('base64url')}@geopod-ismtpd-${1 + ((randomBytes(1)[0] as number) % 6)}>`;
    const at = spec.at ?? Date.now();
    this.options.clock.set(messageId, at);
    const { text, html } = body(spec.kind, spec.token);
    const from =
      spec.kind === 'digest'
        ? `"Raftr Digest" <${RAFTR_DIGEST_FROM}>`
        : `"Raftr" <${RAFTR_NO_REPLY}>`;
    const sgTime = new Date(at - 800);
    const headers: { key: string; value: string }[] = [
      // SendGrid's own hops (email.md: "internal hops `Received: from … by geopod-ismtpd-N (SG)`").
      {
        key: 'Received',
        value: `by filterdrecv-6f7c9d8b5-x2kqp with SMTP id filterdrecv-6f7c9d8b5-x2kqp-1-${randomBytes(4).toString('hex').toUpperCase()}-7 ${sgTime.toISOString().replace('T', ' ').replace('Z', '')} +0000 UTC m=+${(Math.random() * 9e5).toFixed(3)}`,
      },
      {
        key: 'Received',
        value: `from ${randomBytes(6).toString('base64')} (unknown) by geopod-ismtpd-3 (SG) with HTTP id ${randomBytes(16).toString('base64url')} ${rfc5322Date(at - 900)} (UTC)`,
      },
      { key: 'X-SG-EID', value: randomBytes(120).toString('base64') },
      { key: 'X-Entity-ID', value: randomBytes(16).toString('base64') },
    ];
    if (spec.kind === 'test' && spec.token)
      headers.push({ key: 'X-Raftr-Access-Check', value: spec.token });
    if (spec.kind === 'digest') {
      headers.push(
        {
          key: 'List-Unsubscribe',
          value: `<https://app.raftr.com/unsubscribe/${randomBytes(8).toString('hex')}>, <mailto:unsubscribe@digest.raftr.com>`,
        },
        { key: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      );
    }
    const dkim = spec.dkim ?? 'valid';
    const keys = this.options.keys;
    const signingDomain = spec.kind === 'digest' ? 'digest.raftr.com' : 'raftr.com';
    const mail: Mail.Options = {
      normalizeHeaderKey,
      envelope: { from: spec.mailFrom ?? bounceAddress(spec.to), to: spec.to },
      from,
      to: spec.to,
      subject: SUBJECTS[spec.kind](spec.token),
      text,
      html,
      messageId,
      date: new Date(at),
      headers,
      ...(dkim === 'none'
        ? {}
        : {
            dkim: {
              keys: [
                {
                  domainName: signingDomain,
                  keySelector: 's1',
                  privateKey: dkim === 'valid' ? keys.raftr.privateKey : keys.stray.privateKey,
                },
                {
                  domainName: 'sendgrid.info',
                  keySelector: 'smtpapi',
                  privateKey: keys.sendgrid.privateKey,
                },
              ],
            },
          }),
    };
    return { mail, messageId, dkim, role };
  }

  /**
   * Sends and resolves when the message is accepted, bounced or given up on (after the retry
   * schedule). The promise never rejects.
   */
  async send(spec: RaftrMailSpec): Promise<DeliveryResult> {
    const { mail, messageId, role } = this.compose(spec);
    const result: DeliveryResult = {
      messageId,
      to: spec.to,
      kind: spec.kind,
      token: spec.token,
      status: 'gave-up',
      attempts: [],
    };
    this.results.push(result);
    const domain = spec.to.split('@')[1] ?? '';
    const mxHosts = await this.options.dns.mxHosts(domain);
    const mx = mxHosts.find((host) => this.options.smtpPort(host) !== undefined);
    if (!mx) {
      result.status = 'undeliverable';
      result.attempts.push({
        at: Date.now(),
        mx: mxHosts[0] ?? '(no MX)',
        code: null,
        response: `no reachable MX for ${domain}`,
      });
      return result;
    }
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return result;
      const outcome = await deliverOnce(
        mail,
        mx,
        this.options.smtpPort(mx) as number,
        STAND_INS[role],
        this.options.ca,
      );
      result.attempts.push({ at: Date.now(), mx, ...outcome });
      if (outcome.code !== null && outcome.code < 400) {
        result.status = 'accepted';
        return result;
      }
      if (outcome.code !== null && outcome.code >= 500) {
        result.status = 'bounced';
        return result;
      }
      const delay = this.retryDelaysMs[attempt];
      if (delay === undefined) return result;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(timer);
          resolve();
        }, delay);
        this.pending.add(timer);
      });
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}

/** One SMTP transaction from a stand-in address; resolves with the server's final reply. */
export async function deliverOnce(
  mail: Mail.Options,
  mxHost: string,
  port: number,
  from: { loopback: string; helo: string },
  ca: string,
): Promise<{ code: number | null; response: string }> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    localAddress: from.loopback,
    name: from.helo,
    // Opportunistic STARTTLS, verified against the test root for the MX's own name.
    tls: { ca: [ca], servername: mxHost },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  try {
    const info = await transport.sendMail(mail);
    const code = Number.parseInt(String(info.response).slice(0, 3), 10);
    return { code: Number.isFinite(code) ? code : 250, response: String(info.response) };
  } catch (error) {
    const e = error as { responseCode?: number; response?: string; message?: string };
    return { code: e.responseCode ?? null, response: e.response ?? e.message ?? String(error) };
  } finally {
    transport.close();
  }
}
