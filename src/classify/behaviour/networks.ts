/**
 * Network classes (versioned data): which autonomous systems are hosting/cloud networks, which
 * are mobile carriers (CGNAT: many people per address) and which are broadband "eyeball"
 * networks, plus the published address ranges of the verified crawlers and of the largest
 * clouds (for origin logs, which carry no ASN).
 *
 * Source, summarised by hand from public data (2026-11): PeeringDB network records
 * (`info_type` Content / NSP / Cable-DSL-ISP, https://www.peeringdb.com), the providers' own
 * published range lists (AWS https://ip-ranges.amazonaws.com/ip-ranges.json, Google Cloud
 * https://www.gstatic.com/ipranges/cloud.json, DigitalOcean https://digitalocean.com/geo/google.csv,
 * Hetzner and OVH RIPE allocations), and the crawler lists Google
 * (https://developers.google.com/static/search/apis/ipranges/googlebot.json) and Microsoft
 * (https://www.bing.com/toolbox/bingbot.json) publish. Coarse on purpose: a class is a hint
 * that adds weight to behaviour, never a verdict on its own.
 */
import { parseIPv4 } from '../ip.js';
export const NETWORK_CLASSES_VERSION = '2026.11.0';

export type NetworkClass = 'hosting' | 'mobile' | 'eyeball' | 'crawler' | 'unknown';

const HOSTING_ASNS = [
  16509, 14618, 8987, // Amazon / AWS
  15169, 396982, 19527, // Google Cloud
  8075, 8068, // Microsoft / Azure
  14061, // DigitalOcean
  24940, 213230, // Hetzner
  16276, // OVH
  63949, // Akamai Connected Cloud (Linode)
  20473, // Vultr (Choopa)
  31898, // Oracle Cloud
  45102, 37963, // Alibaba Cloud
  132203, 45090, // Tencent Cloud
  51167, // Contabo
  12876, // Scaleway
  60781, 28753, // Leaseweb
  9009, // M247 (VPN exits)
  60068, // Datacamp / CDN77 (VPN exits)
  212238, // Datacamp
  62240, // Clouvider
  36352, // ColoCrossing
  53667, // FranTech / BuyVM
  46606, // Unified Layer
  26496, // GoDaddy
  398324, // Censys
  135377, // UCloud HK
];

const MOBILE_ASNS = [
  21928, // T-Mobile US
  22394, 6167, // Verizon Wireless
  20057, // AT&T Mobility
  12430, // Vodafone ES
  3209, // Vodafone DE
  25135, // Vodafone UK
  16135, // Turkcell
  45727, // Hutchison ID
  24203, // XL Axiata ID
  23693, // Telkomsel
  55836, // Reliance Jio
  45609, // Bharti Airtel mobile
  26599, // TIM Brasil
];

const EYEBALL_ASNS = [
  7922, 701, 7018, 20115, 22773, 11427, 20001, 5650, // US broadband
  3320, 6805, 6830, // DE
  2856, 5089, 5607, // GB
  3215, 12322, 5410, 15557, // FR
  1136, 33915, // NL
  7713, 17974, // ID (Telkom Indonesia, IndiHome)
  28573, 18881, 27699, // BR
  4134, 4837, 4812, // CN
  9829, 24560, // IN
  3269, 12874, // IT
  3352, // ES
  4766, 9318, // KR
  2516, 17676, 4713, // JP
  3356, // Lumen (business broadband / corporate)
];

const byAsn = new Map<number, NetworkClass>();
for (const a of EYEBALL_ASNS) byAsn.set(a, 'eyeball');
for (const a of MOBILE_ASNS) byAsn.set(a, 'mobile');
for (const a of HOSTING_ASNS) byAsn.set(a, 'hosting');

export function asnClass(asn: unknown): NetworkClass {
  return typeof asn === 'number' ? (byAsn.get(asn) ?? 'unknown') : 'unknown';
}

/** Published IPv4 ranges (CIDR) by class, for logs without an ASN. */
const RANGES: readonly [string, NetworkClass][] = [
  // verified crawlers (Googlebot, Bingbot)
  ['66.249.64.0/19', 'crawler'], ['157.55.39.0/24', 'crawler'], ['207.46.13.0/24', 'crawler'], ['40.77.167.0/24', 'crawler'], ['40.77.188.0/22', 'crawler'], ['52.167.144.0/24', 'crawler'],
  // clouds
  ['3.0.0.0/9', 'hosting'], ['3.128.0.0/9', 'hosting'], ['18.128.0.0/9', 'hosting'], ['34.0.0.0/8', 'hosting'], ['35.184.0.0/13', 'hosting'], ['35.192.0.0/12', 'hosting'],
  ['52.0.0.0/10', 'hosting'], ['54.0.0.0/8', 'hosting'], ['13.32.0.0/12', 'hosting'], ['20.0.0.0/11', 'hosting'], ['40.64.0.0/10', 'hosting'],
  ['104.131.0.0/16', 'hosting'], ['134.209.0.0/16', 'hosting'], ['138.68.0.0/16', 'hosting'], ['139.59.0.0/16', 'hosting'], ['159.65.0.0/16', 'hosting'], ['159.89.0.0/16', 'hosting'],
  ['161.35.0.0/16', 'hosting'], ['164.90.0.0/16', 'hosting'], ['165.22.0.0/16', 'hosting'], ['167.71.0.0/16', 'hosting'], ['167.172.0.0/16', 'hosting'], ['178.62.0.0/16', 'hosting'], ['188.166.0.0/16', 'hosting'],
  ['5.9.0.0/16', 'hosting'], ['46.4.0.0/16', 'hosting'], ['78.46.0.0/15', 'hosting'], ['88.198.0.0/16', 'hosting'], ['95.216.0.0/16', 'hosting'], ['135.181.0.0/16', 'hosting'], ['144.76.0.0/16', 'hosting'], ['148.251.0.0/16', 'hosting'], ['176.9.0.0/16', 'hosting'],
  ['51.68.0.0/16', 'hosting'], ['51.75.0.0/16', 'hosting'], ['51.77.0.0/16', 'hosting'], ['51.89.0.0/16', 'hosting'], ['54.36.0.0/16', 'hosting'], ['137.74.0.0/16', 'hosting'], ['145.239.0.0/16', 'hosting'], ['147.135.0.0/16', 'hosting'],
  ['45.33.0.0/17', 'hosting'], ['139.162.0.0/16', 'hosting'], ['172.104.0.0/15', 'hosting'], ['45.32.0.0/16', 'hosting'], ['45.63.0.0/17', 'hosting'], ['45.76.0.0/15', 'hosting'], ['108.61.0.0/16', 'hosting'], ['149.28.0.0/16', 'hosting'],
  ['185.195.232.0/22', 'hosting'], ['89.238.128.0/18', 'hosting'], ['185.59.220.0/22', 'hosting'], ['212.102.32.0/19', 'hosting'], ['156.146.32.0/19', 'hosting'], ['138.199.0.0/17', 'hosting'],
  // mobile carriers' CGNAT pools
  ['172.56.0.0/14', 'mobile'], ['172.32.0.0/11', 'mobile'], ['174.192.0.0/10', 'mobile'], ['166.128.0.0/9', 'mobile'], ['107.64.0.0/10', 'mobile'],
];

const parsed = RANGES.map(([cidr, cls]) => {
  const [a, b] = cidr.split('/') as [string, string];
  const bits = Number(b);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (parseIPv4(a) ?? 0) & mask, mask, bits, cls };
}).sort((x, y) => y.bits - x.bits); // most specific first

// by first octet (every range here is a /8 or longer), most specific first
const byOctet = new Map<number, typeof parsed>();
for (const r of parsed) {
  const o = r.base >>> 24;
  const list = byOctet.get(o) ?? [];
  list.push(r);
  byOctet.set(o, list);
}

/** Class of an address by the published ranges ('unknown' when none holds it). */
export function rangeClass(ip: unknown): NetworkClass {
  if (typeof ip !== 'string') return 'unknown';
  const x = parseIPv4(ip);
  if (x === null) return 'unknown';
  const list = byOctet.get(x >>> 24);
  if (list) for (const r of list) if (((x & r.mask) >>> 0) === r.base >>> 0) return r.cls;
  return 'unknown';
}

/** Class of a row's network: a crawler range first, then the ASN, then the ranges. */
export function networkClass(ip: unknown, asn: unknown): NetworkClass {
  const byRange = rangeClass(ip);
  if (byRange === 'crawler') return 'crawler';
  const byAs = asnClass(asn);
  return byAs !== 'unknown' ? byAs : byRange;
}
