/** Packet captures (pcap, pcapng): a thin entry over ../pcap.ts, which does the work. */
import { loadPcap } from '../pcap.js';
import { isPcap } from '../sniff.js';
import type { FormatModule } from '../types.js';

const pcap: FormatModule = {
  format: 'pcap',
  summary: 'packet capture, pcap or pcapng (tcpdump -w, Wireshark, tshark)',
  sniff: (input) => (isPcap(input.head) ? 1 : 0),
  load: (src, opts) => loadPcap(src, { maxSkippedListed: opts.maxSkippedListed }),
};
export default pcap;
