// l7-ddos-triage: "our origin is melting, 52x everywhere, is this an attack and what do we block?"
import { md, code } from './_cells.mjs';

export default {
  id: 'l7-ddos-triage',
  prefix: 'l7',
  version: '1.1.0',
  title: 'L7 DDoS triage: from request logs to backtested mitigations',
  summary: 'Load request logs, score every request against attack signatures, cluster the attack, chart it, and propose WAF / rate-limit / IP-list rules with their backtest on the same traffic.',
  cells: [
    md(`
      # L7 DDoS triage

      **The kind of ticket this runbook answers** (an example, not this incident): *"our origin returns
      503s and CPU is pinned; traffic is up 20x. Is this an attack, and what can we block without
      blocking customers?"*

      The runbook loads the request logs (Cloudflare Logpush NDJSON, nginx/Apache access logs, CSV or
      HAR; gzip is fine), scores every request with the signature pack (header order, user agents,
      JA3/JA4 fingerprints, cookie-less floods, path randomisation, request rates), groups the
      malicious requests into attack clusters, and synthesises mitigations. Every proposed rule is
      **backtested** on the same traffic: the share of attack requests it would stop and the share of
      good requests it would hit. Only rules with a good-traffic hit close to 0% are safe to deploy.

      With no parameters it runs on the bundled sample (\`samples/l7-ddos-sample.ndjson.gz\`).

      The last step records the postmortem (summary, attack window computed from the data, impact,
      vectors, mitigations with thresholds and list contents) that \`runbook export\` turns into the
      document you send. If you deployed the safe rules, set \`mitigatedAt\` to when they went live.

      ### Changelog
      - 1.1.0: postmortem record (attack window by change point, impact, complete mitigations);
        the bundled sample is found from any folder; \`mitigatedAt\` records the deployment.
      - 1.0.0: first version: load, score, clusters, charts, mitigations, backtest, verdict.
    `),
    code(`
      // @param traffic path  request log file (the default is the bundled sample)
      const traffic: string = "samples/l7-ddos-sample.ndjson.gz";
      // @param format auto|logpush|firewall_events|combined|common|csv|har
      const format: string = "auto";
      // @param mitigatedAt string?  when the recommended rules went live (ISO time); empty: not deployed yet
      const mitigatedAt: string = "";
    `, ['parameters']),
    code(`
      // Load the library
      import { classify, viz, display } from "netrunbook";
      import { loadTraffic } from "netrunbook/traffic";
      import { postmortem, bundledPath } from "netrunbook/notebook";
    `),
    md(`
      ## 1. Load the logs

      The load report counts rows read and rows skipped (with the reason and line numbers). A high
      skip count means the format was not recognised or the export is truncated: fix that before
      trusting any number below.
    `),
    code(`
      // Load the request logs
      const { table, report } = await loadTraffic(bundledPath(traffic), { format: format as "auto" });
      display.json(report);
      display.markdown(\`Loaded **\${report.rowsLoaded}** requests, skipped **\${report.rowsSkipped}**, columns: \${table.columnNames().length}.\`);
    `),
    md(`
      ## 2. Score every request

      Each signature that fires adds its weight to a request's score: 60 or more is **malicious**, 30
      or more **suspicious**, the rest **good**. Known-good traffic (verified bots, allow-listed
      ranges) is never labelled malicious. The table lists how many requests each signature caught.
    `),
    code(`
      // Score with the signature pack
      const scored = classify.score(table);
      scored
    `),
    md(`
      ## 3. What the attack looks like

      Requests over time by label show when the attack started and whether it is still going; the top
      sources show whether a few addresses (block them) or a botnet of thousands (rate limit or WAF
      rule on a signature) is behind it; the path heat map shows which endpoints are targeted (a
      login or search endpoint suggests an application-layer attack on expensive pages); the status
      chart shows whether the origin is already failing (5xx).
    `),
    code(`
      // Requests over time, stacked by label
      const overTime = await viz.trafficOverTime(scored.table, mitigatedAt ? { mitigationAt: mitigatedAt } : {});
      overTime
    `),
    code(`
      // Top sources
      const sources = await viz.topSources(scored.table);
      sources
    `),
    code(`
      // Targeted paths and response status over time
      const paths = await viz.pathHeatmap(scored.table);
      const statuses = await viz.statusOverTime(scored.table);
      display(paths);
      display(statuses);
    `),
    code(`
      // Score distribution and which signatures fired together
      display(await viz.scoreDistribution(scored.table));
      display(await viz.signatureMatrix(scored.table));
    `),
    md(`
      ## 4. Attack clusters and proposed mitigations

      Malicious requests are grouped by what they share (fingerprint, user agent, path pattern,
      source network). For each cluster the engine proposes rules in the Rules language (the same
      language as Cloudflare WAF custom rules) and backtests each one: **attack hit** is the share of
      the cluster's requests the rule would stop, **good hit** the share of good requests it would
      also stop. A rule marked *HITS GOOD TRAFFIC* needs narrowing before it is deployed.
    `),
    code(`
      // Clusters and backtested mitigations
      const analysis = classify.analyze(scored);
      analysis
    `),
    md(`
      ## 5. Verdict and postmortem

      The attack window is computed from the data (a change point on the per-bin rate of malicious
      requests, in the charts' bins), with the peak rate, the 5xx share during the attack and the
      share of attack requests that reached the origin. Rules with a good-traffic hit below 0.1% are
      safe to deploy now; the others need narrowing first.
    `),
    code(`
      // Verdict and postmortem record
      const facts = postmortem.incident(scored, mitigatedAt ? { mitigatedAt } : {});
      const pm = postmortem.fromAnalysis(analysis, { unit: "requests", charts: [overTime.title, sources.title, paths.title, statuses.title] });
      const c = scored.counts;
      const total = c.good + c.suspicious + c.malicious;
      const pct = (x: number, d = 1) => \`\${(100 * x).toFixed(d)}%\`;
      const hhmm = (iso: string | null) => (iso ? iso.slice(11, 19) : "?");
      const safe = (pm.mitigations ?? []).filter((m) => m.status === "recommended");
      const names = analysis.clusters.map((k) => k.name);
      const window = facts.start && facts.end
        ? \`from \${hhmm(facts.start)} to \${hhmm(facts.end)} UTC on \${facts.start.slice(0, 10)}\${facts.ongoing ? " (still going when the logs end)" : ""}\`
        : "with no clear start in these logs";
      const lines = [
        \`**\${pct(c.malicious / Math.max(1, total))}** of \${total} requests are malicious (\${pct(c.suspicious / Math.max(1, total))} suspicious), \${window}.\`,
        facts.peak ? \`Peak \${facts.peak.attackPerSecond.toFixed(1)} attack req/s at \${hhmm(facts.peak.at)}\${facts.errorShare5xx !== undefined ? \`; \${pct(facts.errorShare5xx)} 5xx during the attack\` : ""}\${facts.attackOriginShare !== undefined ? \`; \${pct(facts.attackOriginShare)} of attack requests reached the origin\` : ""}.\` : "",
        \`Attack clusters: \${analysis.clusters.map((k) => \`\${k.name} (\${k.rows} requests)\`).join("; ") || "none"}.\`,
        safe.length ? "Safe to deploy now:" : "No rule is safe to deploy without review.",
        ...(facts.mitigation ? [\`After the rules went live at \${hhmm(facts.mitigation.at)}: attack \${facts.mitigation.attackPerSecondBefore.toFixed(1)} → \${facts.mitigation.attackPerSecondAfter.toFixed(1)} req/s, share \${pct(facts.mitigation.shareBefore)} → \${pct(facts.mitigation.shareAfter)}.\`] : []),
        ...safe.map((m) => \`- \${m.kind} \\\`\${m.expression}\\\` → \${m.action} (stops \${pct(m.backtest?.attack ?? 0)} of \${m.attackOf}, hits \${pct(m.backtest?.good ?? 0, 3)} of good traffic)\`),
      ].filter(Boolean);
      display.markdown(lines.join("\\n"));
      display.json(facts);
      const deployed = mitigatedAt ? safe : [];
      postmortem.record({
        what: names.length ? \`An application-layer attack (\${names.slice(0, 3).join("; ")}\${names.length > 3 ? \` and \${names.length - 3} smaller clusters\` : ""}) hit the site: \${pct(c.malicious / Math.max(1, total))} of \${total} requests are malicious\` : "No attack traffic was found in the logs",
        rootCause: names.length ? \`attack traffic matching \${analysis.clusters.flatMap((k) => k.signatures).filter((x, i, a) => a.indexOf(x) === i).slice(0, 6).join(", ")} was forwarded to the origin\${facts.attackOriginShare !== undefined ? \` (\${pct(facts.attackOriginShare)} of attack requests reached it)\` : ""}\` : undefined,
        resolution: deployed.length ? \`\${deployed.length} backtested rules went live at \${mitigatedAt}\` : safe.length ? \`\${safe.length} backtested rules are safe to deploy now (good-traffic hit below 0.1%); none was deployed when this ran\` : "no rule is safe to deploy without review",
        verdict: lines.join("\\n"),
        incident: facts,
        vectors: pm.vectors,
        mitigations: (pm.mitigations ?? []).map((m) => (deployed.includes(m) ? { ...m, status: "applied" as const, appliedAt: new Date(mitigatedAt).toISOString() } : m)),
        residualRisk: [
          ...(facts.ongoing ? ["The attack was still running when the logs end."] : []),
          ...((pm.mitigations ?? []).some((m) => m.status === "review") ? ["Rules that hit good traffic were not recommended; the traffic they would stop is still reaching the origin."] : []),
          "Attackers rotate sources and fingerprints; IP lists age quickly.",
        ],
        followUps: [
          "Re-run this runbook on logs from after the deployment (runbook rerun -p traffic=NEW_LOGS) and compare with runbook diff to measure the effect.",
          "Keep the rate-limit thresholds under review against the busiest legitimate clients.",
        ],
      });
    `),
  ],
};
