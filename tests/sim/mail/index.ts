/**
 * The simulated mail world (see world.ts): plain functions, no Playwright, shared by the e2e
 * tests and the benchmark. README.md describes the contract and the verified browser facts.
 */

export { issueLeaf, type Leaf } from './certs';
export * from './constants';
export {
  type DohResponse,
  dkimKeyRecord,
  type MxRecord,
  seedRaftrRecords,
  setCustomerDomain,
  TestDns,
} from './dns';
export { gmailSearch, parseGmailQuery } from './gmail-api';
export {
  filterProperties,
  folderOfPlacement,
  parseFilter,
  WELL_KNOWN_FOLDERS,
  type WellKnownFolder,
} from './graph-api';
export { type CallRecord, Telemetry } from './http';
export { type ConsentMode, OAuthAuthority, type Provider, type TokenGrant } from './oauth';
export { CROCKFORD_ALPHABET, isAddress, makeToken, type TestMessageRequest } from './raftr-app';
export {
  type CustomerConfig,
  type DeliveryEvent,
  DeliveryLog,
  POLICIES,
  type PolicyName,
} from './receiver';
export { type DeliveryResult, type DkimMode, RaftrSender, VirtualClock } from './sender';
export {
  MailboxStore,
  type RaftrMailKind,
  type StoredMessage,
  type StoredPlacement,
} from './store';
export {
  DEFAULT_HISTORY,
  type HistoryItem,
  type MailWorld,
  type MailWorldOptions,
  type MessageOutcome,
  type SendingOptions,
  startMailWorld,
  type TestMessageHandle,
} from './world';
