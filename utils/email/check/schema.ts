/**
 * The stored email check, checked when it is read back (storage.ts): a value written by
 * another version of the extension, or damaged, never reaches the popup or the transitions as
 * if it were a check; and a check older than EMAIL_RESULT_TTL_MS is gone (privacy: the consent
 * text promises it, and a week-old verdict says little about today).
 * https://valibot.dev/guides/schemas/
 */
import * as v from 'valibot';
import { PLACEMENTS } from '../evidence';
import { EMAIL_RESULT_TTL_MS, type EmailCheckState } from './state';

const nullableNumber = v.nullable(v.number());

const VerdictSchema = v.looseObject({
  evidence: v.looseObject({ placement: v.picklist(PLACEMENTS) }),
  basis: v.string(),
  at: v.number(),
  arrivedAt: nullableNumber,
  sentAt: nullableNumber,
});

const EmailCheckSchema = v.looseObject({
  id: v.pipe(v.string(), v.minLength(1)),
  phase: v.picklist(['idle', 'authorizing', 'preparing', 'waiting', 'done', 'error']),
  provider: v.nullable(v.picklist(['gmail', 'microsoft'])),
  mode: v.nullable(v.picklist(['test-message', 'reset-email'])),
  startedAt: v.number(),
  deadline: nullableNumber,
  token: v.nullable(v.string()),
  seenIds: v.array(v.string()),
  cache: v.record(v.string(), v.unknown()),
  failures: v.number(),
  verdict: v.nullable(VerdictSchema),
  error: v.nullable(v.looseObject({ reason: v.string() })),
  resumes: v.number(),
});

/** When the check last changed for the user: its verdict, or its start. */
export function emailCheckAge(state: EmailCheckState, now: number): number {
  return now - (state.verdict?.at ?? state.startedAt);
}

/** The check, if `value` is one and not older than EMAIL_RESULT_TTL_MS; otherwise null. */
export function parseEmailCheck(value: unknown, now: number): EmailCheckState | null {
  if (value === null || value === undefined) return null;
  if (!v.safeParse(EmailCheckSchema, value).success) return null;
  const state = value as EmailCheckState;
  return emailCheckAge(state, now) > EMAIL_RESULT_TTL_MS ? null : state;
}
