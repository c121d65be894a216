// dns-resolution: "some of our users still reach the old origin after we changed the A record".
import { md, code } from './_cells.mjs';

export default {
  id: 'dns-resolution',
  prefix: 'dns',
  version: '1.1.0',
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
      - 1.1.0: delegation (NS at parent vs child, glue, lame servers, SOA serial per server), the
        authoritative answer and how long stale resolvers keep the old one, DNSSEC chain (DS vs
        DNSKEY, delv), which resolver instance answered; verdict says "none answered" when no
        resolver replied and never "DNSSEC not requested" when it was.
      - 1.0.0: first version: compare resolvers, per-resolver detail with DNSSEC, verdict.
    `),
    code(`
      // @param name hostname  the name the customer reports
      const name: string = "www.example.com";
      // @param type A|AAAA|CNAME|MX|TXT|NS|SOA|CAA|SRV|PTR|DS|DNSKEY|HTTPS
      const type: string = "A";
      // @param resolvers resolver[]  resolvers to compare (ip[:port], IPv6 as [addr]:port)
      const resolvers: string[] = ["1.1.1.1", "8.8.8.8"];
      // @param zone hostname?  the zone to check the delegation of (empty: the name without its first label)
      const zone: string = "";
      // @param parent resolver?  a server of the parent zone to ask (empty: found through the first resolver)
      const parent: string = "";
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
      ## 3. The delegation and the authoritative answer

      The parent zone's servers are asked (without recursion) which name servers the zone is
      delegated to, and every one of them is asked for the zone's SOA. A **lame** server is listed
      but does not answer authoritatively (some resolvers fail or slow down when they pick it); a
      server with an **older SOA serial** serves an old copy of the zone (its zone transfer fails),
      so resolvers that ask it get the old record. NS sets that differ between the parent (what
      the registrar holds) and the zone itself are the classic half-finished move to the CDN.
      Then the name is asked from an authoritative server: the truth that stale resolvers are
      compared with, with how long their cached copy lives.
    `),
    code(`
      // Check the delegation and ask an authoritative server
      const zoneName = zone || name.split(".").slice(1).join(".") || name;
      const deleg = await steps.delegation(zoneName, { ...(parent ? { parent } : {}), ...(resolvers[0] ? { resolver: resolvers[0] } : {}) });
      display(deleg);
      const authServer = deleg.data?.servers.find((s) => s.authoritative);
      const port = parent && /:(\\d+)$/.test(parent) && !parent.startsWith("[") ? \`:\${parent.split(":").pop()}\` : "";
      const truth = authServer ? await steps.dig(name, { type, server: \`\${authServer.address.includes(":") ? \`[\${authServer.address}]\` : authServer.address}\${port}\`, recurse: false }) : null;
      truth ?? display.markdown("No authoritative server answered: no authoritative answer to compare with.");
    `),
    md(`
      ## 4. The DNSSEC chain and who answered

      The DS records at the parent are compared with the DNSKEYs the zone serves, by key tag,
      algorithm and digest. A DS that matches no key (**stale DS**, typically left at the registrar
      after moving DNS to the CDN) makes every validating resolver answer SERVFAIL while
      non-validating ones work. \`delv\` through the first resolver gives the validator's own verdict.
      Each resolver is also asked which instance answered (\`CH TXT id.server\`): a caching resolver
      is usually many machines, and the stale one can be named for the ticket.
    `),
    code(`
      // DS vs DNSKEY, delv, and which instances answered
      const parentServer = deleg.data?.parentServers[0];
      const chain = await steps.dnssecChain(zoneName, { ...(parentServer ? { parent: parentServer } : {}), ...(authServer ? { server: \`\${authServer.address}\${port}\` } : {}), ...(resolvers[0] ? { resolver: resolvers[0] } : {}) });
      display(chain);
      const who = [];
      for (const server of resolvers) {
        const w = await steps.whoAnswered(server);
        who.push(w);
        display(w);
      }
    `),
    md(`
      ## 5. Verdict

      A summary for the ticket, built from the results above: the fault first, the stale server by
      name and how long until its old answer expires.
    `),
    code(`
      // Summarise for the ticket
      const lines = steps.dnsVerdict({ comparison, detail, delegation: deleg, chain, authoritative: truth?.data?.status === "NOERROR" ? truth.data.values : null });
      for (const w of who) if (w.data?.idServer || w.data?.hostname) lines.push(\`- \${w.data.resolver} answered as instance **\${w.data.idServer ?? w.data.hostname}**.\`);
      display.markdown(lines.join("\\n"));
    `),
  ],
};
