/**
 * What the preparation needs besides the mailbox (utils/email/check/sequences.ts
 * PreparationIo): the mail system behind the address's domain, from DNS over HTTPS, and the
 * test message from Raftr's endpoint, when the address may go there.
 */
import { browser } from 'wxt/browser';
import type { PreparationIo } from '@/utils/email/check/sequences';
import type { MailSystemId } from '@/utils/email/evidence';
import { parseDohMxAnswer, systemOfMxHosts } from '@/utils/email/mail-systems';
import {
  networkFailure,
  parseTestMessageResponse,
  testMessageRequest,
} from '@/utils/email/mailbox/client';
import { ADDRESS_DATA_COLLECTION, type EmailCheckConfig } from '@/utils/email/oauth';
import { PROFILE } from '@/utils/profile';
import { http } from './http';

/** The mail system behind the domain's MX records; 'unknown' without permission or answer. */
async function lookUpMxSystem(domain: string): Promise<MailSystemId> {
  const origins = [...PROFILE.dnsHostPermissions];
  try {
    if (!(await browser.permissions.contains({ origins }))) return 'unknown';
    const url = `https://dns.google/resolve?name=${encodeURIComponent(domain)}&type=MX`;
    const response = await http(url, { headers: { accept: 'application/dns-json' } });
    const answer = parseDohMxAnswer(response.text);
    if (!answer.ok) return 'unknown';
    const system = systemOfMxHosts(answer.hosts);
    // An MX host no rule knows says little (consumer domains have their own); the headers
    // show a real on-premises relay better than a guess from the name.
    return system === 'other' ? 'unknown' : system;
  } catch {
    return 'unknown';
  }
}

/**
 * Whether the user's address may go to Raftr's test-message endpoint. In Firefox it is data
 * collection the user grants (manifest `data_collection_permissions`, optional
 * `personallyIdentifyingInfo`, asked at the click: components/EmailCheck.tsx); without it the
 * check guides the user to a password reset instead and sends the address nowhere.
 * https://extensionworkshop.com/documentation/develop/firefox-builtin-data-consent/
 */
async function mayShareAddress(): Promise<boolean> {
  if (!import.meta.env.FIREFOX) return true;
  try {
    return await browser.permissions.contains({
      data_collection: [ADDRESS_DATA_COLLECTION],
    } as Parameters<typeof browser.permissions.contains>[0]);
  } catch {
    return false;
  }
}

export async function preparationIo(config: EmailCheckConfig): Promise<PreparationIo> {
  const endpoint = (await mayShareAddress()) ? config.testMessageEndpoint : null;
  return {
    lookUpMxSystem,
    requestTestMessage: endpoint
      ? async (to) => {
          try {
            return parseTestMessageResponse(
              await http(endpoint, testMessageRequest(to)),
              Date.now(),
            );
          } catch (error) {
            return { ok: false, failure: networkFailure(error) };
          }
        }
      : null,
  };
}
