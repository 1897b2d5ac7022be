/**
 * Enterprise policy (managed storage, public/managed_schema.json): parsed and validated here,
 * purely. The browser adapter (utils/storage.ts readManagedPolicy) reads the raw object; this
 * module decides what of it is usable and lists, as values, what is not, so that a bad policy
 * shows up as a clear problem instead of a silent default.
 *
 * Chrome applies the schema's types before the extension sees a value, Firefox's
 * `3rdparty` policies do not (https://mozilla.github.io/policy-templates/#3rdparty), so the
 * types are checked again here. Keys this module does not know are left to their owners.
 */

export interface Policy {
  /** Where the "Email IT" link sends the message for IT (an addr-spec, RFC 5322 §3.4.1). */
  itContact?: string;
  /** The email check's Google OAuth client (overrides the build's WXT_GMAIL_CLIENT_ID). */
  gmailClientId?: string;
  /** Only for a Google client of type "Web application" (see utils/email/oauth.ts). */
  gmailClientSecret?: string;
  /** The email check's Microsoft Entra application (client) id, a GUID. */
  microsoftClientId?: string;
  /** The Entra tenant: a GUID, a domain, or organizations (default) / common. */
  microsoftTenant?: string;
  /** Raftr's test-message endpoint (https), overriding the build's WXT_TEST_MESSAGE_ENDPOINT. */
  testMessageEndpoint?: string;
}

export type PolicyProblemReason =
  | 'not-a-string'
  | 'not-an-email-address'
  | 'not-a-client-id'
  | 'not-a-tenant'
  | 'not-an-https-url';

export interface PolicyProblem {
  key: keyof Policy;
  reason: PolicyProblemReason;
  /** The value as configured, for the message (never personal data: it is IT's own). */
  value: string;
}

export interface ParsedPolicy {
  policy: Policy;
  problems: PolicyProblem[];
}

/**
 * Deliberately simple: one @, no spaces or characters that would break a mailto: URL's
 * address part or need quoting, and a dot in the domain. Anything stranger is a problem.
 */
const EMAIL_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/;

export function isEmailAddress(value: string): boolean {
  return EMAIL_ADDRESS.test(value);
}

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Raw managed storage in, usable policy and problems out. Never throws. */
export function parsePolicy(raw: unknown): ParsedPolicy {
  const policy: Policy = {};
  const problems: PolicyProblem[] = [];
  if (typeof raw !== 'object' || raw === null) return { policy, problems };
  const record = raw as Record<string, unknown>;

  if ('itContact' in record && record.itContact !== undefined && record.itContact !== '') {
    const value = record.itContact;
    if (typeof value !== 'string') {
      problems.push({ key: 'itContact', reason: 'not-a-string', value: display(value) });
    } else {
      // Admins paste "mailto:it@example.edu" as often as the bare address: accept both.
      const address = value.trim().replace(/^mailto:/i, '');
      if (isEmailAddress(address)) policy.itContact = address;
      else problems.push({ key: 'itContact', reason: 'not-an-email-address', value });
    }
  }
  parseEmailCheckPolicy(record, policy, problems);
  return { policy, problems };
}

/** The email check's keys; each must look like what it is, or it is a problem. */
const EMAIL_CHECK_KEYS: readonly {
  key:
    | 'gmailClientId'
    | 'gmailClientSecret'
    | 'microsoftClientId'
    | 'microsoftTenant'
    | 'testMessageEndpoint';
  reason: PolicyProblemReason;
  valid: (value: string) => boolean;
}[] = [
  // Google client ids: "<digits>-<hash>.apps.googleusercontent.com"; only URL-safe characters.
  { key: 'gmailClientId', reason: 'not-a-client-id', valid: (v) => /^[A-Za-z0-9._-]+$/.test(v) },
  {
    key: 'gmailClientSecret',
    reason: 'not-a-client-id',
    valid: (v) => /^[A-Za-z0-9._~-]+$/.test(v),
  },
  {
    key: 'microsoftClientId',
    reason: 'not-a-client-id',
    valid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  },
  // A tenant is a path segment of the authority URL: a GUID, a domain name or a keyword.
  // https://learn.microsoft.com/entra/identity-platform/msal-client-application-configuration#authority
  { key: 'microsoftTenant', reason: 'not-a-tenant', valid: (v) => /^[A-Za-z0-9.-]+$/.test(v) },
  {
    key: 'testMessageEndpoint',
    reason: 'not-an-https-url',
    valid: (v) => {
      try {
        return new URL(v).protocol === 'https:';
      } catch {
        return false;
      }
    },
  },
];

function parseEmailCheckPolicy(
  record: Record<string, unknown>,
  policy: Policy,
  problems: PolicyProblem[],
): void {
  for (const { key, reason, valid } of EMAIL_CHECK_KEYS) {
    const value = record[key];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') {
      problems.push({ key, reason: 'not-a-string', value: display(value) });
    } else if (valid(value.trim())) {
      policy[key] = value.trim();
    } else {
      // A secret is not shown back, even to the administrator who set it.
      problems.push({ key, reason, value: key === 'gmailClientSecret' ? '…' : value });
    }
  }
}
