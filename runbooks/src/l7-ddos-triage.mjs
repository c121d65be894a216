// l7-ddos-triage: "our origin is melting, 52x everywhere, is this an attack and what do we block?"
import { md, code } from './_cells.mjs';

export default {
  id: 'l7-ddos-triage',
  prefix: 'l7',
  version: '1.0.0',
  title: 'L7 DDoS triage: from request logs to backtested mitigations',
  summary: 'Load request logs, score every request against attack signatures, cluster the attack, chart it, and propose WAF / rate-limit / IP-list rules with their backtest on the same traffic.',
  cells: [
    md(`
      # L7 DDoS triage

      **Ticket this was written for:** *"Since 14:05 our origin returns 503s and CPU is pinned. Traffic
      is up 20x. Is this an attack, and what can we block without blocking customers?"*

      The runbook loads the request logs (Cloudflare Logpush NDJSON, nginx/Apache access logs, CSV or
      HAR; gzip is fine), scores every request with the signature pack (header order, user agents,
      JA3/JA4 fingerprints, cookie-less floods, path randomisation, request rates), groups the
      malicious requests into attack clusters, and synthesises mitigations. Every proposed rule is
      **backtested** on the same traffic: the share of attack requests it would stop and the share of
      good requests it would hit. Only rules with a good-traffic hit close to 0% are safe to deploy.

      With no parameters it runs on the bundled sample (\`samples/l7-ddos-sample.ndjson.gz\`).

      ### Changelog
      - 1.0.0: first version: load, score, clusters, charts, mitigations, backtest, verdict.
    `),
    code(`
      // @param traffic path  request log file (relative paths are relative to the runbooks directory)
      const traffic: string = "samples/l7-ddos-sample.ndjson.gz";
      // @param format auto|logpush|firewall_events|combined|common|csv|har
      const format: string = "auto";
    `, ['parameters']),
    code(`
      // Load the library
      import { classify, viz, display } from "netrunbook";
      import { loadTraffic } from "netrunbook/traffic";
    `),
    md(`
      ## 1. Load the logs

      The load report counts rows read and rows skipped (with the reason and line numbers). A high
      skip count means the format was not recognised or the export is truncated: fix that before
      trusting any number below.
    `),
    code(`
      // Load the request logs
      const { table, report } = await loadTraffic(traffic, { format: format as "auto" });
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
      await viz.trafficOverTime(scored.table)
    `),
    code(`
      // Top sources
      await viz.topSources(scored.table)
    `),
    code(`
      // Targeted paths and response status over time
      display(await viz.pathHeatmap(scored.table));
      display(await viz.statusOverTime(scored.table));
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
      ## 5. Verdict for the ticket

      A short summary to paste into the ticket: the attack share, the clusters, and the rules that
      are safe to deploy now (good-traffic hit below 0.1%).
    `),
    code(`
      // Summarise
      const c = scored.counts;
      const total = c.good + c.suspicious + c.malicious;
      const pct = (n: number) => \`\${((100 * n) / Math.max(1, total)).toFixed(1)}%\`;
      const safe = analysis.mitigations.filter((m) => !m.backtest.hitsGood && m.backtest.good < 0.001);
      const lines = [
        \`**\${pct(c.malicious)}** of \${total} requests are malicious, \${pct(c.suspicious)} suspicious, \${pct(c.good)} good.\`,
        \`Attack clusters: \${analysis.clusters.map((k) => \`\${k.name} (\${k.rows} requests)\`).join("; ") || "none"}.\`,
        safe.length ? "Safe to deploy now:" : "No rule is safe to deploy without review.",
        ...safe.map((m) => \`- \${m.kind} \\\`\${m.expression}\\\` → \${m.action} (stops \${(m.backtest.attack * 100).toFixed(1)}% of the attack, hits \${(m.backtest.good * 100).toFixed(3)}% of good traffic)\`),
      ];
      display.markdown(lines.join("\\n"));
    `),
  ],
};
