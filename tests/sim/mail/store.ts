/**
 * The mailbox store: what the receiving gateways deliver and the Gmail / Graph emulators read.
 * A message is kept as the raw RFC 5322 text the mailbox holds (the receiver's trace headers
 * prepended), with its placement and arrival time. Quarantined and rejected messages are never
 * stored: a mailbox API cannot see them (email.md: "High-confidence spam may be quarantined").
 */
import { randomBytes } from 'node:crypto';
import type { MailboxPlatform } from './constants';

/** Where a stored message sits ('missing' is the absence of a message). */
export type StoredPlacement = 'inbox' | 'spam' | 'archived' | 'trash';

/** What Raftr mail a message is (the e2e tests and the benchmark look messages up by kind). */
export type RaftrMailKind = 'test' | 'verification' | 'reset' | 'digest' | 'other';

export interface HeaderField {
  name: string;
  value: string;
}

export interface StoredMessage {
  /** Recipient mailbox (lower case). */
  owner: string;
  platform: MailboxPlatform;
  /** Gmail message id: 16 hex digits. */
  gmailId: string;
  /** Graph message id: an opaque base64 string, as Exchange's are. */
  graphId: string;
  raw: string;
  /** Unfolded header fields, top first. */
  headers: HeaderField[];
  fromAddress: string;
  fromName: string;
  subject: string;
  internetMessageId: string;
  /** When the mailbox platform accepted it (Gmail internalDate, Graph receivedDateTime), epoch ms. */
  receivedAt: number;
  /**
   * When the store really got it (real clock, epoch ms): from then on the APIs list it. Unlike
   * `receivedAt`, which is stamped from the message's virtual clock (history, greylisting) and
   * a little after the SMTP transaction, as a mailbox would.
   */
  storedAt: number;
  placement: StoredPlacement;
  /** Gmail labels for this placement (INBOX + a category tab, SPAM, TRASH, or a user label). */
  labels: string[];
  kind: RaftrMailKind;
  /** The access-check token, for test messages. */
  token?: string;
  isRead: boolean;
}

/** Splits the header block of a raw message into unfolded fields (RFC 5322 §2.2.3). */
export function parseHeaderFields(raw: string): HeaderField[] {
  const end = raw.search(/\r?\n\r?\n/);
  const block = end < 0 ? raw : raw.slice(0, end);
  const fields: HeaderField[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) {
      (fields[fields.length - 1] as HeaderField).value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name.toLowerCase() === name.toLowerCase())?.value;
}

/** "Raftr <no-reply@raftr.com>" → { name, address }. */
export function parseAddress(value: string | undefined): { name: string; address: string } {
  if (!value) return { name: '', address: '' };
  const angle = /^(.*)<([^>]+)>\s*$/.exec(value);
  if (angle)
    return {
      name: (angle[1] as string).trim().replace(/^"|"$/g, ''),
      address: (angle[2] as string).trim().toLowerCase(),
    };
  return { name: '', address: value.trim().toLowerCase() };
}

/** Gmail's labels for a placement: Raftr's notifications land in the Updates tab. */
export function gmailLabelsFor(placement: StoredPlacement, kind: RaftrMailKind): string[] {
  switch (placement) {
    case 'inbox':
      return [
        'UNREAD',
        'IMPORTANT',
        kind === 'digest' ? 'CATEGORY_SOCIAL' : 'CATEGORY_UPDATES',
        'INBOX',
      ];
    case 'spam':
      return ['UNREAD', 'SPAM'];
    case 'trash':
      return ['TRASH'];
    case 'archived':
      // A filter "Skip the Inbox, Apply the label: Raftr" (a user label's id is Label_<n>).
      return ['UNREAD', 'Label_4207', 'CATEGORY_UPDATES'];
  }
}

export class MailboxStore {
  private readonly messages: StoredMessage[] = [];
  private readonly listeners = new Set<(message: StoredMessage) => void>();

  add(
    input: Omit<
      StoredMessage,
      | 'gmailId'
      | 'graphId'
      | 'headers'
      | 'fromAddress'
      | 'fromName'
      | 'subject'
      | 'internetMessageId'
      | 'labels'
      | 'isRead'
      | 'storedAt'
    >,
  ): StoredMessage {
    const headers = parseHeaderFields(input.raw);
    const from = parseAddress(headerValue(headers, 'From'));
    const message: StoredMessage = {
      ...input,
      owner: input.owner.toLowerCase(),
      // Gmail ids are hex and grow with time; the first digits follow the arrival time.
      gmailId: `${Math.floor(input.receivedAt).toString(16).slice(-11)}${randomBytes(3).toString('hex').slice(0, 5)}`,
      graphId: `AAMkADk0ZTFjN2E1LWI2ZGQtNDE1ZC1hYjA2LTM3YmZhNTQ3YjI3ZABGAAAAAAC${randomBytes(36).toString('base64url')}AAA=`,
      headers,
      fromAddress: from.address,
      fromName: from.name,
      subject: headerValue(headers, 'Subject') ?? '',
      internetMessageId: headerValue(headers, 'Message-ID') ?? '',
      labels: gmailLabelsFor(input.placement, input.kind),
      isRead: false,
      storedAt: Date.now(),
    };
    this.messages.push(message);
    for (const listener of this.listeners) listener(message);
    return message;
  }

  /** A mailbox's messages, newest first (how both APIs order by default). */
  list(owner: string): StoredMessage[] {
    const key = owner.toLowerCase();
    return this.messages.filter((m) => m.owner === key).sort((a, b) => b.receivedAt - a.receivedAt);
  }

  all(): StoredMessage[] {
    return [...this.messages];
  }

  byGmailId(owner: string, id: string): StoredMessage | undefined {
    return this.messages.find((m) => m.owner === owner.toLowerCase() && m.gmailId === id);
  }

  byGraphId(owner: string, id: string): StoredMessage | undefined {
    return this.messages.find((m) => m.owner === owner.toLowerCase() && m.graphId === id);
  }

  byToken(token: string): StoredMessage | undefined {
    return this.messages.find((m) => m.token === token);
  }

  /** Moves a message (the user dragging it out of Junk, a rule running late). */
  move(message: StoredMessage, placement: StoredPlacement): void {
    message.placement = placement;
    message.labels = gmailLabelsFor(placement, message.kind);
  }

  /** Deletes a message for good (the user emptying it from Trash). */
  remove(message: StoredMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }

  onAdd(listener: (message: StoredMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
