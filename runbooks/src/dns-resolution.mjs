// dns-resolution: "some of our users still reach the old origin after we changed the A record".
import { md, code } from './_cells.mjs';

export default {
  id: 'dns-resolution',
  prefix: 'dns',
  version: '1.0.0',
  title: 'DNS resolution: what do resolvers answer for a name?',
  summary: 'Ask several resolvers the same question, compare answers, TTLs, CNAME chains and DNSSEC status, and decide whether the problem is the zone, a stale cache or validation.',
  cells: [
    md(`
      # DNS resolution

      **Ticket this was written for:** *"We moved www to a new origin an hour ago. Some users still
      land on the old server, others get errors."* The usual causes: a resolver still caching the old
      record (TTL not yet expired), a split-horizon or stale zone on one resolver, a broken delegation,
      or DNSSEC validation failing (SERVFAIL at validating resolvers only).

      Set \`name\`, \`type\` and \`resolvers\` below (or pass \`-p name=... -p resolvers=1.1.1.1,8.8.8.8:53\`
      to \`runbook run dns-resolution\`). Each resolver is \`ip[:port]\`; IPv6 as \`[addr]:port\`.

      ### Changelog
      - 1.0.0: first version: compare resolvers, per-resolver detail with DNSSEC, verdict.
    `),
    code(`
      // @param name hostname  the name the customer reports
      const name: string = "www.example.com";
      // @param type A|AAAA|CNAME|MX|TXT|NS|SOA|CAA|SRV|PTR|DS|DNSKEY|HTTPS
      const type: string = "A";
      // @param resolvers resolver[]  resolvers to compare (ip[:port], IPv6 as [addr]:port)
      const resolvers: string[] = ["1.1.1.1", "8.8.8.8"];
    `, ['parameters']),
    code(`
      // Load the steps
      import { steps, display } from "netrunbook";
    `),
    md(`
      ## 1. Do the resolvers agree?

      One question to every resolver. **All agree** and the answer is the new address: the change has
      propagated; look at the client side (local caches, hosts files, a proxy). **They disagree**: the
      table groups resolvers by answer; a resolver returning the old value with a TTL above zero is
      still caching it (it clears when the TTL runs out; nothing to fix in the zone). A resolver with
      SERVFAIL while others answer points at DNSSEC or a broken delegation: step 2 tells which.
    `),
    code(`
      // Compare the answers of all resolvers
      const comparison = await steps.compareResolvers(name, resolvers, { type });
      comparison
    `),
    md(`
      ## 2. Each resolver in detail

      The full answer of each resolver with DNSSEC records requested: status, flags (\`aa\`
      authoritative, \`ad\` validated), the answer with TTLs, the CNAME chain, and the DNSSEC outcome.
      **bogus** means the signatures do not validate (expired RRSIGs, a DS that does not match the
      DNSKEY): the zone owner must re-sign or fix the DS at the registrar; validating resolvers will
      keep answering SERVFAIL until then.
    `),
    code(`
      // Ask each resolver with DNSSEC
      const detail = [];
      for (const server of resolvers) {
        const r = await steps.dig(name, { type, server, dnssec: true });
        detail.push(r);
        display(r);
      }
    `),
    md(`
      ## 3. Verdict

      A one-paragraph summary for the ticket, built from the results above.
    `),
    code(`
      // Summarise for the ticket
      const lines: string[] = [];
      const d = comparison.data;
      if (d) {
        lines.push(d.agree
          ? \`All \${d.answers.length} resolvers agree: **\${d.groups[0]?.status}** \${d.groups[0]?.values.join(", ") || "(no records)"}.\`
          : \`Resolvers **disagree** (\${d.groups.length} distinct answers):\`);
        if (!d.agree) for (const g of d.groups) lines.push(\`- \${g.resolvers.join(", ")}: \${g.status} \${g.values.join(", ") || "(no records)"}\`);
      }
      for (const r of detail) {
        const v = r.data?.dnssec?.validation;
        if (v === "bogus") lines.push(\`- DNSSEC is **bogus** at \${r.data?.server}: \${r.data?.dnssec?.reason ?? ""}\`);
      }
      display.markdown(lines.join("\\n"));
    `),
  ],
};
