/**
 * The simulated network's packet filter: nftables rules in the namespace's own table
 * (netns.ts creates it), set per scenario and removed when the scenario ends.
 *
 * - `drop`: SYNs vanish, as with a firewall's DROP; the browser waits until our probe bound.
 * - `reject`: a TCP reset answers the SYN, as a closed port or a firewall's REJECT does
 *   (`net::ERR_CONNECTION_REFUSED` / `NS_ERROR_CONNECTION_REFUSED`).
 * - `redirect`: the connection is handed to a local middlebox port (middlebox.ts) without the
 *   browser noticing: it still believes it talks to the original address, and webRequest's `ip`
 *   says so. This is how transparent proxies and SNI filters sit in a campus path.
 * https://wiki.nftables.org/wiki-nftables/index.php/Performing_Network_Address_Translation_(NAT)
 *
 * Every browser and server of the simulation is on this host: redirects act in the `output`
 * hook, where locally generated connections are translated; drops and rejects in `input`.
 */
import { execFileSync } from 'node:child_process';
import { isIPv4 } from 'node:net';

/** The namespace's table (inet: IPv4 and IPv6 alike). */
export const FIREWALL_TABLE = 'raftr_sim';

export type FirewallRule =
  | { action: 'drop' | 'reject'; to?: string; ports?: readonly number[] }
  | { action: 'redirect'; to?: string; ports: readonly number[]; toPort: number };

function match(to: string | undefined, ports: readonly number[] | undefined): string {
  if (to !== undefined && !isIPv4(to)) throw new Error(`firewall: not an IPv4 address: ${to}`);
  const address = to === undefined ? '' : `ip daddr ${to} `;
  const port = ports?.length ? `tcp dport { ${ports.join(', ')} } ` : 'meta l4proto tcp ';
  return `${address}${port}`;
}

/** The nft script for a rule set (exported for unit tests). */
export function firewallScript(rules: readonly FirewallRule[]): string {
  const lines = [
    `flush table inet ${FIREWALL_TABLE}`,
    `table inet ${FIREWALL_TABLE} {`,
    '  chain nat_output { type nat hook output priority -100; policy accept; }',
    // Drops and rejects in the input hook: locally generated packets to a local address pass
    // output, then input; a TCP reset sent from input reaches the client (from output it does not).
    '  chain filter_input { type filter hook input priority 0; policy accept; }',
    '}',
  ];
  for (const rule of rules) {
    switch (rule.action) {
      case 'redirect':
        lines.push(
          `add rule inet ${FIREWALL_TABLE} nat_output ${match(rule.to, rule.ports)}redirect to :${rule.toPort}`,
        );
        break;
      case 'drop':
        lines.push(
          `add rule inet ${FIREWALL_TABLE} filter_input ${match(rule.to, rule.ports)}drop`,
        );
        break;
      case 'reject':
        lines.push(
          // SYNs only: the reset itself goes to the same local address and must not be rejected.
          `add rule inet ${FIREWALL_TABLE} filter_input ${match(rule.to, rule.ports)}tcp flags syn reject with tcp reset`,
        );
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Replaces the table's rules with `rules` (an empty list clears them). */
export function applyFirewall(rules: readonly FirewallRule[]): void {
  execFileSync('nft', ['-f', '-'], {
    input: firewallScript(rules),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

export function clearFirewall(): void {
  applyFirewall([]);
}
