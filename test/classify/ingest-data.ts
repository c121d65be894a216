/**
 * Test traffic for whole-source behaviour at ingest: background browsing from many addresses and
 * one catalogue walker (a browser user agent, no assets, no referer, a new product page every 50
 * seconds) whose requests are spread evenly over the file, so that each chunk holds too few of its
 * pages for the catalogue-walk signature (30 paths) and only the whole file crosses it.
 */
import fs from 'node:fs';
import { rng } from '../../bench/logpush-gen.js';

export const WALKER_IP = '198.51.100.7';
const ROWS = 2400;
const CHUNK = 600;
const EVERY = 50;

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const UAS = [CHROME, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'curl/8.5.0'];
const PATHS = ['/', '/search', '/product/1', '/product/2', '/static/app.js', '/static/site.css', '/login'];

/** Writes the file; returns the chunk size (rows) that cuts it into 4 chunks. */
export function spreadWalker(file: string): number {
  const r = rng(7);
  const t0 = 1714564800000;
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const walker = i % EVERY === 3;
    const o = walker
      ? { ClientIP: WALKER_IP, ClientRequestMethod: 'GET', ClientRequestURI: `/product/walk-${i}`, ClientRequestUserAgent: CHROME, ClientRequestReferer: '', EdgeResponseStatus: 200 }
      : {
          ClientIP: `10.${Math.floor(r() * 4)}.${Math.floor(r() * 8)}.${1 + Math.floor(r() * 20)}`,
          ClientRequestMethod: r() < 0.1 ? 'POST' : 'GET',
          ClientRequestURI: PATHS[Math.floor(r() * PATHS.length)],
          ClientRequestUserAgent: UAS[Math.floor(r() * UAS.length)],
          ClientRequestReferer: r() < 0.6 ? 'https://shop.example.com/' : '',
          EdgeResponseStatus: r() < 0.1 ? 403 : 200,
        };
    lines.push(JSON.stringify({ EdgeStartTimestamp: new Date(t0 + i * 1000).toISOString(), RayID: `ray${String(i).padStart(6, '0')}`, ClientRequestHost: 'shop.example.com', ...o }));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return CHUNK;
}
