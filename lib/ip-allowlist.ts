/**
 * The optional IP allowlist (IDWise gives its ranges through support), over the address the
 * framework reports: Express's `req.ip` counts `X-Forwarded-For` only from a trusted proxy.
 */
import ipaddr from 'ipaddr.js';

export type IpAllowlist = (address: string | undefined) => boolean;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Whether `entry` is an address or a CIDR range `parseAllowlist` accepts. */
export function isAddressOrRange(entry: string): boolean {
  return entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry);
}

/** Entries are checked first with `isAddressOrRange`; a malformed one throws here. */
export function parseAllowlist(entries: readonly string[]): IpAllowlist {
  const ranges = entries.map((entry): Range => {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const ip = ipaddr.process(entry);
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  });
  return (address) => {
    if (!address || !ipaddr.isValid(address)) return false;
    // process(): a dual-stack server reports IPv4 clients as ::ffff:a.b.c.d; compare them as IPv4.
    const ip = ipaddr.process(address);
    return ranges.some(([network, bits]) => ip.kind() === network.kind() && ip.match(network, bits));
  };
}
