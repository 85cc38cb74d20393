/**
 * The optional IP allowlist (IDWise gives its ranges through support). The address checked is
 * the one the framework reports: Express's `req.ip`, which honours `trust proxy`, so an
 * `X-Forwarded-For` header counts only when the app trusts the proxy that set it.
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
  const ranges: Range[] = entries.map((entry) =>
    entry.includes('/') ? ipaddr.parseCIDR(entry) : toRange(normalise(ipaddr.parse(entry))),
  );
  return (address) => {
    if (!address || !ipaddr.isValid(address)) return false;
    const ip = normalise(ipaddr.parse(address));
    return ranges.some(([network, bits]) => ip.kind() === network.kind() && ip.match(network, bits));
  };
}

function toRange(ip: ipaddr.IPv4 | ipaddr.IPv6): Range {
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

// A dual-stack server reports IPv4 clients as ::ffff:a.b.c.d; compare them as IPv4.
function normalise(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}
