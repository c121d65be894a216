// tunnel-health: "our Magic Transit tunnel is flapping" / "small pages load, downloads hang".
import { md, code } from './_cells.mjs';

export default {
  id: 'tunnel-health',
  prefix: 'tun',
  version: '1.0.0',
  title: 'Tunnel health: why does the tunnel flap, and does TCP fit through it?',
  summary: 'Replay Magic Transit tunnel health checks (request or reply style, degraded and down thresholds as Cloudflare documents them) over the probe packets of a capture: per-interval loss, RTT and state, the flaps and why; then the tunnel MTU and MSS for its encapsulation against the MSS the SYNs actually carry, with the clamp rule.',
  cells: [
    md(`
      # Tunnel health

      **The kind of ticket this runbook answers** (an example, not this incident): *"Our Magic
      Transit tunnel keeps flapping: traffic moves to the backup tunnel and back several times an
      hour"*, or *"since we moved to the tunnel, small pages load but downloads hang"*.

      Cloudflare checks each tunnel with ICMP probes sent **through** it. In **request style** the
      probe is an echo request from the Cloudflare side to the origin side, answered with an echo
      reply; in **reply style** (the default) the probe is an echo *reply* addressed to Cloudflare,
      which the origin router decapsulates and forwards back unchanged. A tunnel is **degraded**
      when at least 0.1% of the probes of the last five minutes failed (at least two failures), and
      **down** when all of at least three probes in the last second failed; it comes back slowly
      (down -> degraded after three good probes, degraded -> healthy after 30 good probes and a clean
      five minutes). Every change adds or removes a route-priority penalty, so traffic moves: that
      is the "flapping" the customer sees. (Source: Cloudflare's *Tunnel health checks* reference.)

      "Downloads hang" is the other classic: the tunnel's overhead lowers the MTU (GRE 24 bytes,
      VXLAN 50, IPsec more), and if the endpoints still advertise an MSS of 1460 in their SYNs,
      full-size segments do not fit. Small responses fit; large ones stall.

      \`capture\`: a pcap/pcapng taken where the tunnel's outer packets pass (the origin router's
      WAN side), so the probes are seen inside their encapsulation; the default is the bundled
      sample (a VXLAN tunnel between network namespaces, with two outages and tunnel interfaces left
      at MTU 1500). \`encap\`: the encapsulation (\`auto\` reads it from the capture), \`pathMtu\` the
      MTU of the path the outer packets take, \`interfaceMtu\` the MTU configured on the customer's
      tunnel interface (0: unknown), \`style\` and \`rate\` the tunnel's health-check settings.

      ### Changelog
      - 1.0.0: first version: health-check replay (state per interval, transitions, flaps),
        tunnel MTU/MSS with clamp rules, MSS seen in SYNs, verdict for flapping and hanging downloads.
    `),
    code(`
      // @param capture path  pcap/pcapng with the tunnel's outer packets (the default is the bundled sample)
      const capture: string = "samples/tunnel-health-sample.pcapng";
      // @param encap auto|gre|gre-esp|esp|ipip|vxlan|geneve  the tunnel's encapsulation (auto: from the capture)
      const encap: string = "auto";
      // @param pathMtu number  MTU of the path the outer packets take
      const pathMtu: number = 1500;
      // @param interfaceMtu number  MTU configured on the customer's tunnel interface (0: unknown)
      const interfaceMtu: number = 0;
      // @param style auto|request|reply  the tunnel's health-check type (auto: from the capture)
      const style: string = "auto";
      // @param rate low|mid|high  the tunnel's health-check rate
      const rate: string = "mid";
    `, ['parameters']),
    code(`
      // Load the library
      import { routing, display } from "netrunbook";
      import { loadTraffic } from "netrunbook/traffic";
      import { bundledPath } from "netrunbook/notebook";
    `),
    md(`
      ## 1. Read the capture

      One row per packet; tunnelled packets carry their inner addresses as \`ip.src\`/\`ip.dst\`
      and the outer ones as \`tunnel.outer.ip.src\`/\`dst\`, with the tunnel type. An IPsec capture
      shows only ESP from outside: take it on the decrypted side (the tunnel interface) instead.
    `),
    code(`
      // Load the capture and list its tunnels
      const { table, report } = await loadTraffic(bundledPath(capture), { format: "pcap" });
      const tunnels = new Map<string, number>();
      const types = table.columnNames().includes("tunnel.type") ? (table.array("tunnel.type") as ArrayLike<string | null>) : [];
      for (let i = 0; i < types.length; i++) { const t = types[i]; if (t) tunnels.set(t, (tunnels.get(t) ?? 0) + 1); }
      display.json(report);
      display.markdown(\`Read **\${report.rowsLoaded}** packets (skipped \${report.rowsSkipped}); tunnelled: \${[...tunnels].map(([t, n]) => \`\${n} \${t}\`).join(", ") || "none"}.\`);
    `),
    md(`
      ## 2. The health checks, replayed

      Each probe is paired with its answer (same ICMP identifier and sequence); an answer later
      than 1 s counts as a failure. The documented rules then give the tunnel state after every
      probe. **Outages** (runs of failed probes) make it *down*; **scattered loss** makes it
      *degraded*. Losses every probe interval from the start mean the probes never work: the
      origin drops them (reply-style probes are unsolicited echo replies, which stateful firewalls
      and anti-spoofing filters drop: switch the tunnel to request style) or does not route the
      answer back.
    `),
    code(`
      // Replay the health checks
      let health: routing.TunnelHealth | null = null;
      let healthError = "";
      try {
        health = routing.tunnelHealth(table, { style: style as "auto", rate: rate as "mid" });
      } catch (e) {
        healthError = (e as Error).message;
      }
      if (health) {
        const h = health;
        const ms = (x: number) => (x / 1000).toFixed(1) + " s";
        const at = (t: number) => new Date(t).toISOString().slice(11, 23);
        display.markdown([
          \`**\${h.probes}** \${h.style}-style probes from \${h.cloudflare} to \${h.target}\` + (h.outer ? \` (outer \${h.outer.cloudflare} -> \${h.outer.origin}, answers \${h.direction ?? "none"})\` : "") + \`, about \${h.probesPerSecond} per second; **\${h.lost} lost (\${h.lossPct}%)**\` + (h.rtt ? \`, RTT \${h.rtt.minMs}/\${h.rtt.avgMs}/\${h.rtt.maxMs} ms (min/avg/max)\` : "") + ".",
          \`State: **\${h.finalState}** at the end; \${h.flaps} state change(s), down \${h.downEvents} time(s); healthy \${ms(h.timeInState.healthy)}, degraded \${ms(h.timeInState.degraded)}, down \${ms(h.timeInState.down)}.\`,
          ...h.notes.map((n) => "Note: " + n),
          h.transitions.length ? "| time | frame | from | to | rule |\\n|---|---|---|---|---|\\n" + h.transitions.map((t) => \`| \${at(t.at)} | \${t.frame ?? ""} | \${t.from} | **\${t.to}** | \${t.reason} |\`).join("\\n") : "No state change: the tunnel stayed healthy.",
          \`Per \${h.intervalMs / 1000} s interval (intervals with loss or not healthy):\`,
          "| start | probes | lost | loss % | RTT avg ms | state | worst |\\n|---|---|---|---|---|---|---|\\n" + (h.intervals.filter((i) => i.lost > 0 || i.worst !== "healthy").map((i) => \`| \${at(i.start)} | \${i.probes} | \${i.lost} | \${i.lossPct} | \${i.rttAvgMs ?? "-"} | \${i.state} | \${i.worst} |\`).join("\\n") || "| - | | | | | | |"),
        ].join("\\n\\n"));
      } else display.markdown("No health-check probes could be analysed: " + healthError);
    `),
    md(`
      ## 3. Does TCP fit through the tunnel?

      The calculator gives the largest inner packet and the MSS for the encapsulation on this path,
      and the clamp rule (nftables and iptables) for the tunnel interface. Then every SYN and
      SYN-ACK of the capture: an advertised MSS **above** the tunnel's is a segment size that does
      not fit; unless something clamps it, full-size segments are fragmented or dropped, and with
      ICMP "fragmentation needed" filtered, the transfer hangs.
    `),
    code(`
      // Tunnel MTU and MSS, and the MSS the SYNs carry
      const seen = [...tunnels.keys()][0] ?? "";
      const kind = (encap !== "auto" ? encap : seen.startsWith("gre") ? "gre" : seen.startsWith("vxlan") ? "vxlan" : seen.startsWith("geneve") ? "geneve" : /^[46]in[46]/.test(seen) ? "ipip" : "gre") as routing.Encap;
      const hasCol = (c: string) => table.columnNames().includes(c) && Array.from(table.array(c) as ArrayLike<unknown>).some((v) => v !== null && v !== undefined);
      const spec: routing.TunnelSpec = { encap: kind, pathMtu, outer: (health?.outer?.cloudflare ?? "").includes(":") ? 6 : 4, inner: (health?.target ?? "").includes(":") ? 6 : 4, ...(kind === "gre" ? { gre: { key: hasCol("tunnel.gre.key"), seq: hasCol("tunnel.gre.seq") } } : {}) };
      const mtu = routing.tunnelMtu(spec);
      const syns = routing.mssAudit(table, mtu.mss);
      display.markdown([
        \`**\${kind}**\${encap === "auto" ? " (read from the capture" + (seen ? ": " + seen : ", none found: assumed") + ")" : ""} over a \${pathMtu}-byte path: overhead \${mtu.overhead} bytes (\${mtu.parts.map((p) => p.name + " " + p.bytes).join(" + ")}), tunnel MTU **\${mtu.tunnelMtu}**, TCP MSS **\${mtu.mss}**.\`,
        syns.length ? "| frame | kind | from | to | MSS | fits |\\n|---|---|---|---|---|---|\\n" + syns.map((s) => \`| \${s.frame ?? ""} | \${s.kind} | \${s.src}:\${s.srcPort} | \${s.dst}:\${s.dstPort} | \${s.mss} | \${s.exceeds ? "**no**" : "yes"} |\`).join("\\n") : "No SYN with an MSS option in the capture.",
      ].join("\\n\\n"));
    `),
    md(`
      ## 4. Verdict and what to tell the customer
    `),
    code(`
      // Verdict
      const lines: string[] = [];
      const advice: string[] = [];
      if (health) {
        const h = health;
        const runs: number[] = [];
        let run = 0;
        for (const p of h.probeList) { if (!p.answered) run++; else if (run) { runs.push(run); run = 0; } }
        if (run) runs.push(run);
        const single = runs.filter((r) => r === 1).length;
        if (h.probes > 0 && h.lost === h.probes) {
          lines.push(\`**Every probe failed** (\${h.probes} of \${h.probes}): the tunnel is down for Cloudflare the whole time.\`);
          advice.push(h.style === "reply"
            ? "Reply-style probes are echo replies nobody asked for: a stateful firewall or anti-spoofing filter on the origin router drops them. Allow them, or switch the tunnel's health check type to request."
            : "The origin does not answer the echo requests that arrive through the tunnel: check that the tunnel interface decapsulates, that ICMP to the target is allowed, and that the answer routes back (through the tunnel for bidirectional checks).");
        } else if (h.downEvents > 0) {
          lines.push(\`**The tunnel flapped**: down \${h.downEvents} time(s) (\${runs.filter((r) => r >= 3).length} outage(s) of 3 or more consecutive lost probes, the longest \${Math.max(...runs)} probes), \${h.flaps} state changes in all; each change moved traffic to another tunnel and back.\`);
          advice.push("Outages of a second or more on the path between Cloudflare and the origin router: ask the customer for the router's logs at the times above (interface flaps, IPsec rekeys, CPU spikes) and their ISP's view of the underlay path.");
        } else if (h.flaps > 0) {
          lines.push(\`**The tunnel is degraded, not down**: \${h.lost} probe(s) lost (\${h.lossPct}%), \${single} of them alone: a lossy path, which costs the tunnel its priority for at least five minutes after each loss.\`);
          advice.push("Scattered loss on the underlay: ask the customer to check the router's WAN interface errors and the ISP path (mtr between the tunnel endpoints shows where).");
        } else lines.push(\`The tunnel stayed **healthy**: \${h.probes} probes, \${h.lost} lost.\`);
        if (h.direction === "unidirectional") advice.push("The answers return outside the tunnel (unidirectional checks): a stateful firewall on that path can drop them and make a good tunnel look down; bidirectional checks keep both ways inside the tunnel.");
      } else lines.push("No health-check probes in this capture: " + healthError);
      const over = syns.filter((s) => s.exceeds);
      if (over.length) {
        lines.push(\`**\${over.length} of \${syns.length} SYN/SYN-ACK advertise an MSS above the tunnel's \${mtu.mss}** (\${[...new Set(over.map((s) => s.mss))].join(", ")}): full-size segments do not fit in the tunnel. That is "small pages load, downloads hang".\`);
        advice.push(\`Clamp TCP MSS to \${mtu.mss} on the customer's tunnel interface (replace tun0 with its name): \\\`\${mtu.clamp.nft}\\\` or \\\`\${mtu.clamp.iptables}\\\`.\`);
      } else if (syns.length) lines.push(\`Every SYN advertises an MSS that fits the tunnel (\${mtu.mss} or less).\`);
      if (interfaceMtu > mtu.tunnelMtu) advice.push(\`The tunnel interface MTU is \${interfaceMtu}, above the \${mtu.tunnelMtu} the \${kind} encapsulation leaves on a \${pathMtu}-byte path: set it to \${mtu.tunnelMtu}.\`);
      const verdict = { state: health?.finalState ?? null, probes: health?.probes ?? 0, lost: health?.lost ?? 0, downEvents: health?.downEvents ?? 0, flaps: health?.flaps ?? 0, tunnelMss: mtu.mss, mssTooLarge: over.map((s) => ({ frame: s.frame, kind: s.kind, mss: s.mss })), advice };
      display.markdown([...lines, ...(advice.length ? ["**What to tell the customer:**", ...advice.map((a) => "- " + a)] : [])].join("\\n\\n"));
      verdict
    `),
  ],
};
