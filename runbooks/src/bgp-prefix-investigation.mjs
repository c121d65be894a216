// bgp-prefix-investigation: "our prefix is unreachable from some networks / someone announces our /24 / RPKI invalid".
import { md, code } from './_cells.mjs';

export default {
  id: 'bgp-prefix-investigation',
  prefix: 'bgp',
  version: '1.1.0',
  title: 'BGP prefix investigation: who announces the customer\'s prefix, and is it RPKI valid?',
  summary: 'Look at a prefix from each vantage router (best path, origin AS, more-specifics, RPKI state), check the RPKI cache, read the history from MRT updates, and name the hijacking or misconfigured announcement with what to tell the customer.',
  cells: [
    md(`
      # BGP prefix investigation

      **Tickets this was written for:** *"Our prefix is unreachable from some networks"*, *"someone
      else is announcing our /24"*, *"our routes are RPKI invalid since this morning"*. The usual
      causes: a **more-specific** announced by another AS (a hijack or a leak: routers prefer the
      longest match, so the /25 wins wherever it is accepted), the **same prefix from another origin**
      (MOAS), the customer's own route made **RPKI invalid** by a ROA with the wrong AS or a too
      short maxLength, or the route **withdrawn** at some vantage points.

      Set \`prefix\` and \`origin\` (the customer's prefix and AS), \`routers\` (vantage routers running
      FRR: a network namespace name, which is also the router's FRR pathspace, or \`local\` for the
      FRR on this host), and optionally \`mrt\` (an MRT updates file: RouteViews/RIS, or \`dump bgp
      updates\` of a router), \`vrps\` (a VRP JSON export, to check ROV here as well) and
      \`relationships\` (AS relationships in CAIDA as-rel format, \`provider|customer|-1\` and
      \`peer|peer|0\`, to check every path is valley-free: a **route leak** is an AS passing a route
      from one provider or peer on to another; \`samples/as-rel-lab.txt\` is a tiny example).

      ### Changelog
      - 1.1.0: valley-free check of the vantage routers' paths and the MRT history against an AS
        relationships file: the verdict names a leaking AS, what it leaked and to whom.
      - 1.0.0: first version: view per vantage router, RPKI cache and states, MRT history, verdict and advice.
    `),
    code(`
      // @param prefix cidr  the customer's prefix
      const prefix: string = "203.0.113.0/24";
      // @param origin asn  the AS that should originate it (the customer's)
      const origin: string = "AS64500";
      // @param routers string[]  vantage routers: netns name (= FRR pathspace), or "local"
      const routers: string[] = ["local"];
      // @param mrt path?  MRT updates file with the prefix's history (empty: none)
      const mrt: string = "";
      // @param vrps path?  VRP JSON (rpki-client / stayrtr format) to validate against here (empty: none)
      const vrps: string = "";
      // @param relationships path?  AS relationships, CAIDA as-rel format (empty: no leak check)
      const relationships: string = "";
    `, ['parameters']),
    code(`
      // Load the steps
      import { steps, routing, display } from "netrunbook";
      import fs from "node:fs";
      const originAs = Number(origin.replace(/^AS/i, ""));
      const at = (r: string) => (r === "local" ? {} : { netns: r, pathspace: r });
    `),
    md(`
      ## 1. The prefix at each vantage router

      The best match for the prefix and every more-specific inside it, with the AS path, the origin
      AS and the RPKI state the router computed. **Origin AS different from the customer's** on the
      prefix or on a more-specific is the hijack (or leak) signature. **No route** at a router means
      the announcement does not reach that network: a withdrawal, a filter, or an RPKI-invalid route
      dropped by ROV there.
    `),
    code(`
      // Best match and more-specifics at every vantage router
      const views: { router: string; result: Awaited<ReturnType<typeof steps.bgp.route>> }[] = [];
      for (const r of routers) {
        const v = await steps.bgp.route(prefix, { ...at(r), longer: true });
        views.push({ router: r, result: v });
        display(v);
      }
    `),
    md(`
      ## 2. RPKI at each vantage router

      The RTR cache session and the VRPs the router holds for the prefix. A route is **valid** when a
      VRP covers it with the same origin AS and a maxLength at least its length; **invalid** when
      VRPs cover it but none matches (wrong AS, or too long for maxLength); **not found** without a
      covering VRP. A disconnected cache means the router is not validating at all.
    `),
    code(`
      // RTR cache and the VRPs covering the prefix
      const rpkiViews: { router: string; result: Awaited<ReturnType<typeof steps.bgp.rpki>> }[] = [];
      for (const r of routers) {
        const x = await steps.bgp.rpki(at(r));
        rpkiViews.push({ router: r, result: x });
        display(x);
      }
      const covering = (p: string) => {
        const q = routing.parsePrefix(p);
        return (rpkiViews.find((v) => v.result.data)?.result.data?.vrps ?? []).filter((v) => {
          const vp = routing.parsePrefix(v.prefix);
          return vp && q && routing.covers(vp, q);
        });
      };
      const roas = covering(prefix);
      display.markdown(roas.length
        ? "VRPs covering " + prefix + ": " + roas.map((v) => v.prefix + " maxLength " + v.maxLength + " AS" + v.asn).join("; ")
        : "No VRP covers " + prefix + ": the customer has no ROA, every announcement of it is RPKI **not found**.");
    `),
    md(`
      ## 3. History from MRT updates

      When did each origin start announcing the prefix and its more-specifics, and from how many
      peers. A more-specific that appeared recently from a foreign AS is the event that started the
      ticket; its first-seen time is what to quote to the customer and the upstream.
    `),
    code(`
      // Origins of the prefix and its more-specifics over time (MRT updates)
      type Origins = { prefix: string; origins: number[]; first_seen: number; last_seen: number; peers: number };
      let history: Origins[] | null = null;
      if (mrt) {
        const loaded = await routing.loadMrt(mrt);
        const inside = (p: string) => {
          const a = routing.parsePrefix(prefix);
          const b = routing.parsePrefix(p);
          return a && b && routing.covers(a, b);
        };
        const rows = (routing.originsByPrefix(loaded.table).objects() as Origins[]).filter((r) => inside(r.prefix));
        history = rows;
        display(loaded.report);
        display.markdown(rows.length
          ? rows.map((r) => "- " + r.prefix + ": origin " + r.origins.map((o) => "AS" + o).join(", ") + ", first seen " + new Date(r.first_seen).toISOString() + ", last seen " + new Date(r.last_seen).toISOString() + ", from " + r.peers + " peer(s)").join("\\n")
          : "The MRT file has no announcement of " + prefix + " or inside it.");
      } else display.markdown("No MRT file given: no history.");
    `),
    md(`
      ## 4. Route leaks: are the paths valley-free?

      With AS relationships, every path to the prefix and its more-specifics (at each vantage
      router, its own AS first, and in the MRT history) is checked: seen from the origin, a route
      may go up to providers, across one peering, then only down to customers. An AS that sends a
      route learned from a provider or a peer on to another provider or peer **leaks** it (RFC 7908):
      traffic then detours through that AS, often congesting it. Links missing from the file are
      not judged.
    `),
    code(`
      // Valley-free check of the paths seen (needs the relationships file)
      type Leak = { router: string; prefix: string; asPath: number[]; leaker: number; receivedFrom: number; sentTo: number; kind: string };
      const leaks: Leak[] = [];
      let relChecked = 0;
      let relIncomplete = 0;
      if (relationships) {
        const rels = routing.parseAsRel(fs.readFileSync(relationships, "utf8"));
        if (rels.issues.length) display.markdown(rels.issues.length + " malformed line(s) in " + relationships + " (not loaded): " + rels.issues.slice(0, 5).map((i) => "line " + i.line + ": " + i.reason).join("; "));
        for (const v of views) {
          const d = v.result.data;
          if (!d) continue;
          const nb = await steps.bgp.neighbors(at(v.router));
          const local = nb.data?.neighbors.find((n) => n.localAs !== null)?.localAs ?? null;
          for (const p of [...(d.prefix === prefix ? d.paths : []), ...(d.moreSpecifics ?? [])]) {
            if (!p.asPath.length) continue;
            const c = routing.valleyFree(local !== null ? [local, ...p.asPath] : p.asPath, rels);
            relChecked++;
            if (c.valleyFree === null) relIncomplete++;
            for (const l of c.leaks) leaks.push({ router: v.router, prefix: p.prefix, asPath: c.path, ...l });
          }
        }
        if (mrt) {
          const loaded = await routing.loadMrt(mrt);
          const outer = routing.parsePrefix(prefix);
          const r = routing.routeLeaks(loaded.table, rels, { prefix: (x) => { const q = routing.parsePrefix(x); return !!(outer && q && routing.covers(outer, q)); } });
          relChecked += r.checked;
          relIncomplete += r.incomplete;
          for (const l of r.leaks) leaks.push({ router: "MRT " + l.peer, prefix: l.prefix, asPath: l.asPath, leaker: l.leaker, receivedFrom: l.receivedFrom, sentTo: l.sentTo, kind: l.kind });
        }
        display.markdown(leaks.length
          ? "| seen at | prefix | AS path | leaker | from | to | kind |\\n|---|---|---|---|---|---|---|\\n" + leaks.slice(0, 50).map((l) => "| " + l.router + " | " + l.prefix + " | " + l.asPath.join(" ") + " | AS" + l.leaker + " | AS" + l.receivedFrom + " | AS" + l.sentTo + " | " + l.kind + " |").join("\\n")
          : relChecked + " path(s) checked: no leak" + (relIncomplete ? " (" + relIncomplete + " with links the file does not know)" : "") + ".");
      } else display.markdown("No relationships file given: no valley-free check.");
    `),
    md(`
      ## 5. Verdict and what to tell the customer

      Built from the views above: the hijacking AS, the more-specific and its RPKI state, the
      vantage routers that carry it, the upstream to contact, and ROA / maxLength advice.
    `),
    code(`
      // Verdict
      const index = vrps ? new routing.VrpIndex(routing.parseVrps(fs.readFileSync(vrps, "utf8"), vrps).vrps) : null;
      type Seen = { prefix: string; originAs: number | null; rpki: string | null; routers: Set<string>; upstreams: Set<number> };
      const seen = new Map<string, Seen>();
      const missing: string[] = [];
      const unasked: string[] = [];
      for (const v of views) {
        const d = v.result.data;
        if (!d) {
          unasked.push(v.router + " (" + (v.result.error?.message ?? "no answer") + ")");
          continue;
        }
        const paths = [...(d?.prefix === prefix ? d.paths : []), ...(d?.moreSpecifics ?? [])];
        if (!paths.some((p) => p.prefix === prefix)) missing.push(v.router);
        for (const p of paths) {
          const key = p.prefix + " " + p.originAs;
          const s = seen.get(key) ?? { prefix: p.prefix, originAs: p.originAs, rpki: p.rpki, routers: new Set(), upstreams: new Set() };
          s.routers.add(v.router);
          if (p.asPath.length >= 2) s.upstreams.add(p.asPath[p.asPath.length - 2]);
          if (index) {
            const ours = index.validate(p.prefix, p.originAs).state;
            if (p.rpki && ours !== p.rpki) display.markdown("Note: " + p.prefix + " from AS" + p.originAs + " is " + p.rpki + " at " + v.router + " but " + ours + " against " + vrps + " (the router's cache is stale or has other VRPs).");
            s.rpki = s.rpki ?? ours;
          }
          seen.set(key, s);
        }
      }
      const all = [...seen.values()];
      const foreign = all.filter((s) => s.originAs !== originAs);
      const own = all.filter((s) => s.prefix === prefix && s.originAs === originAs);
      const first = (p: string, asn: number | null) => history?.find((h) => h.prefix === p && (asn === null || h.origins.includes(asn)));
      const lines: string[] = [];
      const advice: string[] = [];
      for (const h of foreign) {
        const kind = h.prefix === prefix ? "the same prefix (MOAS)" : "the more-specific **" + h.prefix + "**";
        const since = first(h.prefix, h.originAs);
        lines.push("**HIJACK: AS" + h.originAs + "** announces " + kind + ", RPKI **" + (h.rpki ?? "unknown") + "**, seen at " + h.routers.size + " of " + routers.length + " vantage routers (" + [...h.routers].join(", ") + ")" + (since ? ", first seen " + new Date(since.first_seen).toISOString() : "") + ".");
        if (h.prefix !== prefix) lines.push("Traffic to " + h.prefix + " goes to AS" + h.originAs + " wherever that route is accepted: the longest match wins over the customer's " + prefix + ".");
        if (h.upstreams.size) advice.push("Contact the upstream of AS" + h.originAs + " (AS" + [...h.upstreams].join(", AS") + ", the AS before it in the path) and ask them to filter " + h.prefix + ".");
        if (h.rpki === "invalid") advice.push("The customer's ROA already makes " + h.prefix + " from AS" + h.originAs + " RPKI invalid: networks that drop invalid routes (ROV) are protected; the rest are not until the upstream filters it.");
        else advice.push("Create a ROA for " + prefix + " with origin AS" + originAs + " so " + h.prefix + " from AS" + h.originAs + " becomes RPKI invalid and ROV networks drop it.");
        if (h.prefix !== prefix) {
          const len = Number(h.prefix.split("/")[1]);
          const maxLen = Math.max(0, ...roas.filter((v) => v.asn === originAs).map((v) => v.maxLength));
          advice.push("As a stopgap the customer can announce the same more-specifics (" + h.prefix + " and its sibling) from AS" + originAs + (maxLen < len ? ", but only after raising the ROA maxLength to " + len + " (it is " + (maxLen || "none") + " now), or their own more-specifics are RPKI invalid too; lower it again afterwards (a loose maxLength lets anyone with a forged path announce more-specifics)." : "."));
        }
      }
      for (const o of own) if (o.rpki === "invalid") {
        lines.push("The customer's own announcement of " + prefix + " from AS" + originAs + " is RPKI **invalid** at " + [...o.routers].join(", ") + ".");
        advice.push("Fix the ROA: it must name AS" + originAs + " with maxLength at least " + prefix.split("/")[1] + " (covering VRPs now: " + (roas.map((v) => v.prefix + "-" + v.maxLength + " AS" + v.asn).join(", ") || "none") + ").");
      } else if (o.rpki === "notfound") advice.push("There is no ROA for " + prefix + ": create one for AS" + originAs + " with maxLength " + prefix.split("/")[1] + ".");
      const leakers = new Map<number, Leak[]>();
      for (const l of leaks) leakers.set(l.leaker, [...(leakers.get(l.leaker) ?? []), l]);
      for (const [asn, ls] of leakers) {
        const l = ls[0]!;
        const role = (k: string, i: number) => k.split("-to-")[i];
        lines.push("**ROUTE LEAK: AS" + asn + "** passes " + [...new Set(ls.map((x) => x.prefix))].join(", ") + " from AS" + l.receivedFrom + " (its " + role(l.kind, 0) + ") on to AS" + l.sentTo + " (its " + role(l.kind, 1) + "), seen in " + ls.length + " path(s) (" + [...new Set(ls.map((x) => x.router))].slice(0, 4).join(", ") + ").");
        advice.push("Ask AS" + asn + " to fix its export filters (routes from providers and peers go to customers only), and AS" + l.sentTo + " to filter what AS" + asn + " sends it; a ROA does not stop a leak, since the origin is right.");
      }
      if (relationships && !leaks.length && relChecked) lines.push("Every path checked against the relationships (" + relChecked + ") is valley-free" + (relIncomplete ? ", " + relIncomplete + " of them only in part (links the file does not know)" : "") + ": no route leak.");
      if (unasked.length) lines.push("Could not ask " + unasked.join("; ") + ": these vantage points are not in the verdict.");
      if (missing.length) lines.push("No route for " + prefix + " at " + missing.join(", ") + ": the announcement does not reach there (withdrawn, filtered, or dropped as RPKI invalid).");
      if (!foreign.length && own.length && !missing.length) lines.push("No hijack: " + prefix + " is announced only by AS" + originAs + " (RPKI " + (own[0].rpki ?? "unknown") + ") at every vantage router, and no other AS announces a more-specific.");
      const verdict = { leaks: [...leakers.keys()], hijackers: foreign.map((h) => ({ prefix: h.prefix, originAs: h.originAs, rpki: h.rpki, routers: [...h.routers], upstreams: [...h.upstreams] })), missing, unasked, advice };
      display.markdown([...lines, ...(advice.length ? ["**What to tell the customer:**", ...advice.map((a) => "- " + a)] : [])].join("\\n\\n"));
      verdict
    `),
  ],
};
