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
  | 'not-a-client-secret'
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
 * Deliberately strict: a dot-atom addr-spec (RFC 5322 §3.4.1) whose characters a `mailto:` URL
 * may carry without percent-encoding (RFC 6068 §2: unreserved and the "some-delims" that
 * atext allows), because utils/report.ts mailtoLink writes the address as it is. So `?`, `#`,
 * `&` and `%` (which would add headers, cut off the subject or change the address once
 * decoded), `/`, `=` and quoting are refused. Letters beyond ASCII are kept (RFC 6531): the
 * URL parser percent-encodes them as UTF-8, which mail clients decode back. Anything stranger
 * is a problem for IT to fix, not something to repair here.
 */
const ATOM_CHARACTER = String.raw`(?:[A-Za-z0-9!$'*+_~-]|[^\p{ASCII}\p{White_Space}\p{C}])`;
const LABEL_CHARACTER = String.raw`(?:[A-Za-z0-9-]|[^\p{ASCII}\p{White_Space}\p{C}])`;
const EMAIL_ADDRESS = new RegExp(
  `^${ATOM_CHARACTER}+(?:\\.${ATOM_CHARACTER}+)*@${LABEL_CHARACTER}+(?:\\.${LABEL_CHARACTER}+)+$`,
  'u',
);

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
    reason: 'not-a-client-secret',
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
    // A secret is not shown back, even to the administrator who set it, even when malformed.
    const shown = (text: string) => (key === 'gmailClientSecret' ? '…' : text);
    if (typeof value !== 'string') {
      problems.push({ key, reason: 'not-a-string', value: shown(display(value)) });
    } else if (valid(value.trim())) {
      policy[key] = value.trim();
    } else {
      problems.push({ key, reason, value: shown(value) });
    }
  }
}

/** The words for a problem: a message name and its substitutions, for any translator. */
export interface PolicyProblemMessage {
  name: string;
  substitutions: string[];
}

/**
 * The message for a problem, named after both its key and its reason
 * (`policy_problem_<key>_<reason>` in public/_locales): the key says what IT set and what
 * stops working because of it (the "Email IT" link, one provider of the email check, the
 * test message), the reason says what is wrong with it. $1 is the value as configured; the
 * client secret's messages have no $1.
 */
export function policyProblemMessage(problem: PolicyProblem): PolicyProblemMessage {
  const key = problem.key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  const reason = problem.reason.replace(/-/g, '_');
  return { name: `policy_problem_${key}_${reason}`, substitutions: [problem.value] };
}
