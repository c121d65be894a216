/**
 * CDN egress ranges: the addresses a CDN connects to origins from. An origin log whose client
 * column holds these shows the CDN, not the visitor.
 *
 * Cloudflare publishes its ranges at https://www.cloudflare.com/ips-v4 and
 * https://www.cloudflare.com/ips-v6 (also https://api.cloudflare.com/client/v4/ips). This copy
 * was written on 2026-12-02 from the well-known published list, NOT fetched (the machine that
 * wrote it has no internet access); the list has been stable since 2021. Refresh it with
 * `curl -s https://www.cloudflare.com/ips-v4 https://www.cloudflare.com/ips-v6` and update
 * `retrieved`.
 */
export interface CdnRanges {
  readonly cdn: string;
  readonly source: readonly string[];
  /** When this copy was written (ISO date), and how. */
  readonly retrieved: string;
  readonly how: string;
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}

export const CLOUDFLARE: CdnRanges = {
  cdn: 'Cloudflare',
  source: ['https://www.cloudflare.com/ips-v4', 'https://www.cloudflare.com/ips-v6'],
  retrieved: '2026-12-02',
  how: 'written from the well-known published list, not fetched',
  v4: [
    '173.245.48.0/20',
    '103.21.244.0/22',
    '103.22.200.0/22',
    '103.31.4.0/22',
    '141.101.64.0/18',
    '108.162.192.0/18',
    '190.93.240.0/20',
    '188.114.96.0/20',
    '197.234.240.0/22',
    '198.41.128.0/17',
    '162.158.0.0/15',
    '104.16.0.0/13',
    '104.24.0.0/14',
    '172.64.0.0/13',
    '131.0.72.0/22',
  ],
  v6: ['2400:cb00::/32', '2606:4700::/32', '2803:f800::/32', '2405:b500::/32', '2405:8100::/32', '2a06:98c0::/29', '2c0f:f248::/32'],
};

export const CDN_RANGES: readonly CdnRanges[] = [CLOUDFLARE];
