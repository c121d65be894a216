// l34-ddos-pcap: "our link is saturated / the origin drops connections; here is a capture".
import { md, code } from './_cells.mjs';

export default {
  id: 'l34-ddos-pcap',
  prefix: 'l34',
  version: '1.0.0',
  title: 'L3/4 DDoS from a packet capture: vectors and network firewall rules',
  summary: 'Read a pcap/pcapng, chart packet rate, sizes, TCP flags and source ports, score packets against L3/4 attack signatures (SYN/ACK/RST floods, UDP reflection, ICMP), and propose network firewall rules with their backtest.',
  cells: [
    md(`
      # L3/4 DDoS from a packet capture

      **Ticket this was written for:** *"Our origin's uplink is full and new connections time out.
      Here is a 30-second capture from the edge router."* Volumetric attacks show up as one
      dominant vector: a **SYN flood** (SYN only, random spoofed sources, no handshake completes), a
      **reflection/amplification** flood (UDP from port 53, 123, 1900, 11211 ... to random ports,
      large packets), an **ACK/RST flood**, or an **ICMP flood**. The vector decides the mitigation:
      SYN cookies and SYN rate limits, dropping UDP from reflection source ports, or upstream
      scrubbing when the link itself is full.

      \`capture\` is the pcap or pcapng file.

      ### Changelog
      - 1.0.0: first version: load, charts, vectors, network firewall rules with backtest, verdict.
    `),
    code(`
      // @param capture path  the pcap/pcapng file
      const capture: string = "";
    `, ['parameters']),
    code(`
      // Load the library
      import { classify, viz, display } from "netrunbook";
      import { loadTraffic } from "netrunbook/traffic";
    `),
    md(`
      ## 1. Read the capture

      One row per packet with the Rules-language fields (\`ip.src\`, \`ip.proto\`, \`tcp.flags\`,
      \`udp.srcport\`, ...). Skipped packets (truncated, unknown link types) are counted with a reason.
    `),
    code(`
      // Load the capture
      const { table, report } = await loadTraffic(capture, { format: "pcap" });
      display.json(report);
      display.markdown(\`Read **\${report.rowsLoaded}** packets, skipped **\${report.rowsSkipped}**.\`);
    `),
    md(`
      ## 2. Vectors

      Packet rate by protocol shows the flood and its start; packet sizes separate small-packet
      floods (SYN, 60-byte) from amplification (large UDP); the TCP flag mix shows SYN-only or
      ACK/RST floods; the source-port spread shows reflection (one source port such as 53 or 123)
      versus random-port floods.
    `),
    code(`
      // Packet rate, sizes, TCP flags, source ports
      const scored = classify.score(table);
      display(await viz.packetRate(scored.table));
      display(await viz.packetSizes(scored.table));
      display(await viz.tcpFlagMix(scored.table));
      display(await viz.sourcePortSpread(scored.table));
    `),
    md(`
      ## 3. Signatures, clusters and network rules

      Each packet is scored against the L3/4 signatures; malicious packets are clustered by vector
      and each cluster gets network firewall rules (Rules-language expression and the equivalent
      nftables rule), backtested on the capture: **attack hit** is the share of the vector's
      packets the rule drops, **good hit** the share of legitimate packets it would also drop.
    `),
    code(`
      // Signatures that fired
      scored
    `),
    code(`
      // Clusters and backtested network rules
      const analysis = classify.analyze(scored);
      analysis
    `),
    md(`
      ## 4. Verdict
    `),
    code(`
      // Summarise for the ticket
      const c = scored.counts;
      const total = c.good + c.suspicious + c.malicious;
      const rules = analysis.mitigations.filter((m) => m.kind === "network_firewall").slice(0, 5);
      const lines = [
        \`\${c.malicious} of \${total} packets (\${((100 * c.malicious) / Math.max(1, total)).toFixed(1)}%) match an attack vector.\`,
        ...analysis.clusters.map((k) => \`- **\${k.name}**: \${k.rows} packets from \${k.sources} sources\`),
        "",
        "Network rules (backtested on this capture):",
        ...rules.map((m) => \`- \\\`\${m.expression}\\\` → \${m.action}: stops \${(m.backtest.attack * 100).toFixed(1)}% of the vector, good hit \${(m.backtest.good * 100).toFixed(2)}%\${m.backtest.hitsGood ? " (**hits legitimate packets: narrow it or use SYN cookies / rate limits instead**)" : ""}\`),
        ...rules.filter((m) => m.nftables).slice(0, 1).flatMap((m) => ["", "nftables for the first rule:", "\`\`\`", m.nftables ?? "", "\`\`\`"]),
      ];
      display.markdown(lines.join("\\n"));
    `),
  ],
};
