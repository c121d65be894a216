/** Source prefixes for "top sources": IPv4 /24 and IPv6 /64, the units attacks rotate within. */

function expand6(addr: string): number[] | undefined {
  const zone = addr.indexOf('%');
  let a = zone >= 0 ? addr.slice(0, zone) : addr;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number);
    if (o.some((x) => !(x >= 0 && x <= 255))) return undefined;
    tail = [((o[0] ?? 0) << 8) | (o[1] ?? 0), ((o[2] ?? 0) << 8) | (o[3] ?? 0)];
    a = a.slice(0, -v4[1].length) + (a.endsWith(`::${v4[1]}`) ? '' : '0');
    if (a.endsWith(':0') && !a.endsWith('::0')) a = a.slice(0, -2);
  }
  const parts = a.split('::');
  if (parts.length > 2) return undefined;
  const head = parts[0] ? parts[0].split(':') : [];
  const rest = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
  const groups = [...head, ...rest];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const nums = groups.map((g) => parseInt(g, 16));
  const need = 8 - tail.length;
  if (parts.length === 1) return nums.length === need ? [...nums, ...tail] : undefined;
  const fill = need - nums.length;
  if (fill < 0) return undefined;
  return [...head.map((g) => parseInt(g, 16)), ...new Array<number>(fill).fill(0), ...rest.map((g) => parseInt(g, 16)), ...tail];
}

/** "203.0.113.7" -> "203.0.113.0/24"; "2001:db8:1:2::5" -> "2001:db8:1:2::/64"; otherwise the input. */
export function sourcePrefix(ip: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (m) return `${m[1]}.${m[2]}.${m[3]}.0/24`;
  if (ip.includes(':')) {
    const g = expand6(ip);
    if (g) return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
  }
  return ip;
}
