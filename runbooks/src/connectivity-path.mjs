// connectivity-path: "our origin is reachable from some places but not others; large responses hang".
import { md, code } from './_cells.mjs';

export default {
  id: 'connectivity-path',
  prefix: 'path',
  version: '1.2.0',
  title: 'Connectivity path: where does the path break, and what is its MTU?',
  summary: 'Trace the path to a target (TCP to the service port and ICMP), measure loss and latency per hop with mtr, find the path MTU with DF probes and tracepath, and name the encapsulation that lowers it with the MSS clamp that fits.',
  cells: [
    md(`
      # Connectivity path

      **The kind of ticket this runbook answers** (an example, not this incident): *"Our origin is
      reachable from some places but not others"*, or *"small pages load, but downloads hang"*. A
      path that stops at one hop is a routing or firewall problem; loss that starts at a hop and
      carries on to the target is where packets die; a path MTU below 1500 with nothing clamping
      TCP's MSS makes large transfers hang while small ones work.

      For a Magic Transit / GRE / IPsec tunnel that **flaps**, or to check the MSS in the SYNs
      against the tunnel's, run the \`tunnel-health\` runbook on a capture from the tunnel router:
      it replays Cloudflare's tunnel health checks and computes the tunnel MTU for its encapsulation.

      \`target\` is the host, \`port\` the service port (TCP traceroute goes through firewalls that
      drop UDP/ICMP probes), \`netns\` optionally a network namespace to run from (VRFs, test paths).

      ### Changelog
      - 1.2.0: mtr (loss and latency per hop over 10 cycles, with a chart); the MSS clamp is
        computed for the target's IP version (MTU - 40 for IPv4, - 60 for IPv6) with the nft and
        iptables rules; a reduced path MTU names the encapsulations that leave exactly that much;
        tunnel flapping and health checks moved to the tunnel-health runbook.
      - 1.1.0: checks that the name resolves first (a name that does not resolve is a DNS problem,
        not the path); the verdict uses the MTU a router reported ("fragmentation needed") when no
        echo reply came back; long probes say what they are doing.
      - 1.0.0: first version: TCP and ICMP traceroute, path MTU (ping bisection + tracepath), verdict.
    `),
    code(`
      // @param target host
      const target: string = "www.example.com";
      // @param port port
      const port: string = "443";
      // @param netns string?  network namespace to run from (empty: this host)
      const netns: string = "";
    `, ['parameters']),
    code(`
      // Load the steps
      import { steps, routing, viz, display } from "netrunbook";
      import { lookup } from "node:dns/promises";
      import { isIP } from "node:net";
      const where = netns ? { netns } : {};
    `),
    md(`
      ## 0. Does the name resolve?

      A name that does not resolve fails every probe below for a reason that has nothing to do with
      the network path: that is a DNS problem (run the \`dns-resolution\` runbook).
    `),
    code(`
      // Resolve the target (the system resolver, as traceroute and ping use it)
      interface Resolution { name: string; addresses: string[]; error: string | null }
      let resolution: Resolution;
      if (isIP(target)) resolution = { name: target, addresses: [target], error: null };
      else {
        try {
          resolution = { name: target, addresses: (await lookup(target, { all: true })).map((a) => a.address), error: null };
        } catch (e) {
          resolution = { name: target, addresses: [], error: (e as { code?: string }).code ?? String(e) };
        }
      }
      display.json(resolution);
    `),
    md(`
      ## 1. The path, hop by hop

      TCP probes to the service port first. Stars (\`*\`) at a hop that still forwards are normal
      (routers rate-limit ICMP); the path **stopping** at a hop, with stars to the end, is where
      traffic dies: the last answering hop's network owns the problem. Large latency jumps show
      long-haul links or congestion.
    `),
    code(`
      // TCP traceroute to the service port
      const tcpProgress = display.text(\`tracing the path to \${target}:\${port} over TCP (up to 20 hops, 1 s per probe) ...\`, { display_id: true });
      const tcp = await steps.traceroute(target, { protocol: "tcp", port: Number(port), maxHops: 20, wait: 1, ...where });
      tcpProgress.update(\`TCP traceroute done: \${tcp.data?.hops.length ?? 0} hops\`);
      tcp
    `),
    code(`
      // ICMP traceroute for comparison
      const icmp = await steps.traceroute(target, { protocol: "icmp", maxHops: 20, wait: 1, ...where });
      icmp
    `),
    md(`
      ## 2. Loss and latency per hop (mtr)

      mtr sends 10 probes to every hop. Loss at a middle hop that the later hops do not show is
      that router rate-limiting its ICMP answers (amber in the chart): harmless. Loss that starts
      at a hop and carries on to the target (red) is real: the link into that hop, or the hop
      itself, drops packets. A latency step that carries on to the target is a long or congested link.
    `),
    code(`
      // mtr: 10 cycles to the target
      const mtrProgress = display.text(\`mtr to \${target}: 10 probes per hop ...\`, { display_id: true });
      const path = await steps.mtr(target, { cycles: 10, interval: 0.2, ...where });
      mtrProgress.update(\`mtr done: \${path.data?.hops.length ?? 0} hops\`);
      display(path);
      if (path.data && path.data.hops.length) display(await viz.mtrChart(path));
    `),
    md(`
      ## 3. Path MTU

      Ping with the don't-fragment bit at growing sizes (bisection) finds the largest packet that
      gets through; tracepath reports the hop where the MTU drops. **1500** is a clean Ethernet path;
      less is an encapsulation (the verdict names the ones that leave exactly that MTU) or PPPoE
      (1492). Below 1500, the tunnel endpoint must clamp TCP's MSS to what fits; the verdict gives
      the value for the target's IP version and the rule.
    `),
    code(`
      // Find the path MTU
      const t0 = Date.now();
      const mtuProgress = display.text(\`probing the path MTU to \${target}: DF pings by bisection, then tracepath (can take a minute when ICMP is filtered) ...\`, { display_id: true });
      const mtu = await steps.pathMtu(target, { ...where });
      mtuProgress.update(\`path MTU probe done in \${((Date.now() - t0) / 1000).toFixed(1)} s: \${mtu.data?.probes.length ?? 0} probes\`);
      mtu
    `),
    md(`
      ## 4. Verdict
    `),
    code(`
      // Summarise for the ticket
      const lines: string[] = [];
      if (resolution.addresses.length === 0) {
        lines.push(\`**\${target} does not resolve** (\${resolution.error ?? "no address"}): this is a DNS problem, not the network path. The traceroute and MTU probes below fail for that reason alone; run the dns-resolution runbook for this name.\`);
      } else {
        const t = tcp.data;
        if (t) {
          const last = [...t.hops].reverse().find((h) => h.addresses.length > 0);
          lines.push(t.reached ? \`TCP port \${port} on \${target} is reachable in \${t.hops.length} hops.\` : \`TCP probes to port \${port} do **not** reach \${target}; the last hop that answered is \${last?.addresses[0] ?? "none"} (hop \${last?.hop ?? "-"}).\`);
        }
        const pd = path.data;
        if (pd?.reached) {
          const dst = pd.destination;
          if (pd.lossFrom !== null) {
            const from = pd.hops.find((h) => h.hop === pd.lossFrom);
            lines.push(\`mtr: **\${dst?.lossPct ?? 0}% loss at the target**, starting at hop \${pd.lossFrom} (\${from?.host ?? "???"}) and carrying on to the end: packets die on the link into that hop or at it.\`);
          } else lines.push(\`mtr: no loss at the target over \${pd.cycles} cycles (average \${dst?.avgMs ?? "-"} ms)\${pd.hops.some((h) => h.lossPct > 0) ? "; the loss at middle hops is ICMP rate limiting, not packet loss" : ""}.\`);
        } else if (pd) lines.push(\`mtr does not reach \${target}; the last hop that answered is \${[...pd.hops].reverse().find((h) => h.host)?.host ?? "none"}.\`);
        const m = mtu.data;
        const hints = (m?.probes ?? []).map((p) => p.mtuHint).filter((x): x is number => x !== null);
        const hint = hints.length ? Math.min(...hints) : (m?.tracepath?.pmtu ?? null);
        const inner = (resolution.addresses[0] ?? "").includes(":") ? 6 : 4;
        const clamp = (v: number) => {
          const c = routing.mssClamp(v, { inner });
          const encaps = routing.encapsulationsFor(v).map((e) => e.name);
          return \` (below 1500: \${encaps.length ? "the overhead of " + encaps.join(" or ") : "a tunnel or PPPoE"} on the path; clamp TCP MSS to \${c.mss} on the tunnel interface: \\\`\${c.nft}\\\` or \\\`\${c.iptables}\\\`, with its name for tun0)\`;
        };
        const reported = hint ? \` (a router on the path reported "fragmentation needed" with MTU \${hint})\` : "";
        const best = m?.pathMtu && hint ? Math.min(m.pathMtu, hint) : (m?.pathMtu ?? null);
        if (best) {
          lines.push(\`Path MTU: **\${best}** bytes\${reported}\${best < 1500 ? clamp(best) : ""}.\`);
        } else if (hint) {
          lines.push(\`No DF echo got an answer (the target filters ping), but a router on the path reported "fragmentation needed" with MTU **\${hint}**: the path MTU is \${hint} bytes\${hint < 1500 ? clamp(hint) : ""}.\`);
        } else lines.push("No DF probe got through and no router reported an MTU: ICMP is filtered or the target is unreachable.");
        if (m?.blackHole) lines.push("Large DF packets vanish without any \\"fragmentation needed\\" coming back: a PMTU black hole (ICMP filtered on the path). TCP never learns the smaller MTU; clamp TCP MSS at the tunnel endpoint.");
      }
      display.markdown(lines.join("\\n\\n"));
    `),
  ],
};
