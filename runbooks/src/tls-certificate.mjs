// tls-certificate: "browsers say NET::ERR_CERT_DATE_INVALID / the certificate is not trusted".
import { md, code } from './_cells.mjs';

export default {
  id: 'tls-certificate',
  prefix: 'tls',
  version: '1.0.0',
  title: 'TLS certificate: what does the server present, and why is it (not) trusted?',
  summary: 'Handshake with the server as a browser would (SNI, ALPN), show the presented chain with expiry, SANs and issuer, verify it, probe TLS versions and OCSP stapling, and name the fix.',
  cells: [
    md(`
      # TLS certificate

      **Ticket this was written for:** *"Since this morning some visitors get a certificate warning
      on our site; others are fine."* Typical causes: the certificate expired or was renewed on only
      some servers, the server does not send its intermediate certificate (works in browsers that
      cached it, fails in curl and on phones), the certificate does not cover the hostname (SAN), or
      the server answers without SNI with a default certificate.

      \`host\` is where to connect (name or IP), \`servername\` the SNI and the name to verify
      (default: \`host\`), \`caFile\` an optional CA bundle (PEM) for private PKIs.

      ### Changelog
      - 1.0.0: first version: handshake, chain, verification, versions, SNI comparison, verdict.
    `),
    code(`
      // @param host host  server to connect to (name or IP address)
      const host: string = "www.example.com";
      // @param port port
      const port: string = "443";
      // @param servername hostname?  SNI and name to verify (empty: the host)
      const servername: string = "";
      // @param caFile path?  CA bundle (PEM) to verify against (empty: the system store)
      const caFile: string = "";
    `, ['parameters']),
    code(`
      // Load the steps
      import { steps, display } from "netrunbook";
      const sni = servername || host;
      const common = { port: Number(port), ...(caFile ? { caFile } : {}) };
    `),
    md(`
      ## 1. The handshake and the presented chain

      The chain as the server sends it, leaf first: subject, SANs, issuer, validity (days left) and key.
      **Verification** names the problem when there is one: *expired*, *hostname-mismatch* (the SANs
      do not cover the name), *missing-intermediate* (the server sends only its leaf: install the
      full chain file), *self-signed*. Versions shows which TLS versions the server accepts (TLS 1.0/1.1
      should be off), OCSP whether a stapled response is sent.
    `),
    code(`
      // Handshake with SNI
      const main = await steps.tls(host, { ...common, servername: sni });
      main
    `),
    md(`
      ## 2. Without SNI

      Old clients and some health checkers send no SNI. If the server presents a different
      (default) certificate here, those clients fail while browsers work: add a default certificate
      that covers the name, or make sure the checker sends SNI.
    `),
    code(`
      // Handshake without SNI
      const bare = await steps.tls(host, { ...common, servername: false, verifyHostname: sni, probeVersions: false });
      bare
    `),
    md(`
      ## 3. Verdict
    `),
    code(`
      // Summarise for the ticket
      const d = main.data;
      const leaf = d?.chain[0];
      const lines: string[] = [];
      if (!d?.connected) lines.push(\`No TLS handshake with \${host}:\${port}: \${main.error?.message ?? "unknown error"}.\`);
      else {
        lines.push(\`\${host}:\${port} (SNI \${sni}) speaks **\${d.protocol}**; verification: **\${d.verification?.reason ?? "not run"}**.\`);
        if (leaf) lines.push(\`Leaf: \${leaf.subject}, issued by \${leaf.issuer}, valid until \${leaf.notAfter} (\${leaf.daysLeft} days left).\`);
        if (leaf && leaf.daysLeft < 14 && !leaf.expired) lines.push("**Renew soon:** less than two weeks left.");
        const other = bare.data?.chain[0];
        if (other && leaf && other.serial !== leaf.serial) lines.push(\`Without SNI the server presents a different certificate (\${other.subject}).\`);
      }
      display.markdown(lines.join("\\n\\n"));
    `),
  ],
};
