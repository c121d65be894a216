// l34-ddos-pcap: "our link is saturated / the origin drops connections; here is a capture".
import { md, code } from './_cells.mjs';

export default {
  id: 'l34-ddos-pcap',
  prefix: 'l34',
  version: '1.1.0',
  title: 'L3/4 DDoS from a packet capture: vectors and network firewall rules',
  summary: 'Read a pcap/pcapng, chart packet rate, sizes, TCP flags and source ports, score packets against L3/4 attack signatures (SYN/ACK/RST floods, UDP reflection, ICMP), and propose network firewall rules with their backtest.',
  cells: [
    md(`
      # L3/4 DDoS from a packet capture

      **The kind of ticket this runbook answers** (an example, not this incident): *"our origin's
      uplink is full and new connections time out; here is a capture from the edge router."* Volumetric attacks show up as one
      dominant vector: a **SYN flood** (SYN only, random spoofed sources, no handshake completes), a
      **reflection/amplification** flood (UDP from port 53, 123, 1900, 11211 ... to random ports,
      large packets), an **ACK/RST flood**, or an **ICMP flood**. The vector decides the mitigation:
      SYN cookies and SYN rate limits, dropping UDP from reflection source ports, or upstream
      scrubbing when the link itself is full.

      \`capture\` is the pcap or pcapng file.

      ### Changelog
      - 1.1.0: postmortem record (attack window, peak packet and bit rate, vectors, rules); the
        verdict gives a rule's share of all attack packets and of its vector, and never prints the
        nftables form of a rule that hits legitimate packets.
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
      import { postmortem, bundledPath } from "netrunbook/notebook";
    `),
    md(`
      ## 1. Read the capture

      One row per packet with the Rules-language fields (\`ip.src\`, \`ip.proto\`, \`tcp.flags\`,
      \`udp.srcport\`, ...). Skipped packets (truncated, unknown link types) are counted with a reason.
    `),
    code(`
      // Load the capture
      const { table, report } = await loadTraffic(bundledPath(capture), { format: "pcap" });
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
      const rate = await viz.packetRate(scored.table);
      const sizes = await viz.packetSizes(scored.table);
      const flags = await viz.tcpFlagMix(scored.table);
      const ports = await viz.sourcePortSpread(scored.table);
      for (const chart of [rate, sizes, flags, ports]) display(chart);
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
      ## 4. Verdict and postmortem

      Backtest shares: **attack** is the share of *all attack packets* a rule drops; the share of its
      own vector is given beside it. A rule that drops legitimate packets is listed for review only
      and its nftables form is not offered.
    `),
    code(`
      // Summarise for the ticket and record the postmortem
      // The dominant vector's broadest rule describes the flood: its low-rate tail, which no rate
      // signature labels malicious, is still part of the attack window. When the guard rails refused
      // every rule for it (the attacked service port as a whole), the refused rule still says which
      // packets the flood was: it describes the window, it is never offered for deployment.
      const top = analysis.clusters[0];
      const describing = analysis.mitigations.filter((m) => m.kind === "network_firewall" && m.cluster === top?.id).sort((a, b) => b.clusterCoverage - a.clusterCoverage)[0]?.expression
        ?? analysis.refused.find((r) => r.kind === "network_firewall" && r.cluster === top?.id && r.guard === "protected-port")?.expression;
      const facts = postmortem.incident(scored, describing ? { alsoAttack: classify.matchRows(scored.table, describing) } : {});
      const pm = postmortem.fromAnalysis(analysis, { unit: "packets", charts: [rate.title, sizes.title, flags.title, ports.title] });
      const c = scored.counts;
      const total = c.good + c.suspicious + c.malicious;
      const pct = (x: number, d = 1) => \`\${(100 * x).toFixed(d)}%\`;
      const network = analysis.mitigations.filter((m) => m.kind === "network_firewall");
      const vectorOf = (id: string) => analysis.clusters.find((k) => k.id === id)?.name ?? id;
      const usable = network.filter((m) => !m.backtest.hitsGood);
      const refused = analysis.refused.filter((r) => r.kind === "network_firewall");
      const LEVER_NAMES: Record<string, string> = { advanced_tcp_protection: "Advanced TCP Protection", ddos_l4_override: "DDoS L4 managed ruleset override", ddos_l7_override: "DDoS L7 managed ruleset override", under_attack_mode: "Under Attack mode", super_bot_fight_mode: "Super Bot Fight Mode", spectrum: "Spectrum" };
      const firstNft = usable.find((m) => m.nftables);
      const lines = [
        \`\${c.malicious} of \${total} packets (\${pct(c.malicious / Math.max(1, total))}) match an attack vector\${facts.start && facts.end ? \`, from \${facts.start.slice(11, 23)} to \${facts.end.slice(11, 23)} UTC\` : ""}\${facts.peak ? \`; peak \${Math.round(facts.peak.attackPerSecond)} attack packets/s\` : ""}.\`,
        ...analysis.clusters.map((k) => \`- **\${k.name}**: \${k.rows} packets from \${k.sources} sources\`),
        "",
        "Network rules (backtested on this capture):",
        ...network.slice(0, 5).map((m) => \`- \\\`\${m.expression}\\\` → \${m.action}: drops \${pct(m.backtest.attack)} of all attack packets (\${pct(m.clusterCoverage)} of the \${vectorOf(m.cluster)} vector), good hit \${pct(m.backtest.good, 2)}\${m.backtest.hitsGood ? " (**hits legitimate packets: narrow it or use SYN cookies / rate limits instead**)" : ""}\`),
        ...(firstNft ? ["", \`nftables for \\\`\${firstNft.expression}\\\`:\`, "\`\`\`", firstNft.nftables ?? "", "\`\`\`"] : usable.length ? [] : ["", "No network rule spares legitimate packets: use SYN cookies, rate limits or upstream scrubbing instead."]),
        // what the guard rails refused (and why), then the Cloudflare-native levers the evidence fits
        ...(refused.length ? ["", "Refused by the guard rails (deploying these would cause the outage or break the network):", ...refused.slice(0, 5).map((r) => \`- \\\`\${r.expression}\\\` (\${r.guard}): \${r.reason}\${r.instead ? \` Instead: \${r.instead}\` : ""}\`)] : []),
        ...(analysis.levers.length ? ["", "Cloudflare levers:", ...analysis.levers.map((l) => \`- **\${LEVER_NAMES[l.kind] ?? l.kind}**: \${l.why}\`)] : []),
      ];
      display.markdown(lines.join("\\n"));
      display.json(facts);
      const names = analysis.clusters.map((k) => k.name);
      postmortem.record({
        what: names.length ? \`A volumetric network attack (\${names.slice(0, 3).join("; ")}) hit the target: \${pct(c.malicious / Math.max(1, total))} of \${total} captured packets were attack traffic\` : "No attack vector was found in the capture",
        rootCause: names.length ? \`\${names[0]} traffic from \${analysis.clusters[0]?.sources ?? 0} sources reached the target unfiltered\` : undefined,
        resolution: usable.length ? \`\${usable.length} backtested network rules drop the attack without touching legitimate packets; none was deployed when this ran\` : analysis.levers.some((l) => l.kind === "advanced_tcp_protection") ? "no network rule spares legitimate packets: Advanced TCP Protection (SYN and out-of-state TCP) is the mitigation for this vector" : "no network rule spares legitimate packets: SYN cookies, rate limits or upstream scrubbing",
        verdict: lines.join("\\n"),
        incident: facts,
        vectors: pm.vectors,
        mitigations: (pm.mitigations ?? []).filter((m) => m.kind === "network_firewall"),
        residualRisk: ["Spoofed sources make per-source blocking useless; the link can still fill upstream of the rules."],
        followUps: ["Capture again after deploying the rules (runbook rerun -p capture=NEW.pcap) and compare with runbook diff."],
      });
    `),
  ],
};
