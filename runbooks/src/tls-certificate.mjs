// tls-certificate: "browsers say NET::ERR_CERT_DATE_INVALID / the certificate is not trusted".
import { md, code } from './_cells.mjs';

export default {
  id: 'tls-certificate',
  prefix: 'tls',
  version: '1.1.0',
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
      - 1.1.0: one handshake per resolved address (A and AAAA) compared, the edge-to-origin
        reading (525/526), accepted cipher suites per version with weak ones flagged, the CAA
        record set and whether it allows the certificate's CA.
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
      ## 3. Every address, and the origin as the edge sees it

      The ticket's own cause: a certificate **renewed on only some servers**. The same handshake
      (same SNI) is made to every address the name resolves to (A and AAAA); the table shows
      which address presents which certificate. When \`host\` is an address (an origin behind the
      CDN), the handshake is the one the edge makes to it: no handshake means **525** at the edge,
      a certificate that fails verification means **526** under SSL mode Full (strict).
    `),
    code(`
      // Per address, and as the edge's origin
      const isIp = /^[0-9.]+$|:/.test(host);
      const perAddress = await steps.tlsPerAddress(sni, { port: Number(port), ...(isIp ? { addresses: [host] } : {}), ...(caFile ? { caFile } : {}) });
      display(perAddress);
      const asOrigin = isIp ? await steps.originTls(sni, host, { port: Number(port), ...(caFile ? { caFile } : {}) }) : null;
      if (asOrigin) display(asOrigin);
    `),
    md(`
      ## 4. Cipher suites and CAA

      Every cipher suite OpenSSL knows is offered alone, per protocol version; the accepted ones
      are listed and weak ones flagged (TLS 1.0/1.1, RSA key exchange without forward secrecy,
      CBC with SHA-1, 3DES/RC4). The CAA records that govern the name say which CAs may issue for
      it: a CAA that does not list the certificate's CA makes the next renewal fail.
      (\`steps.ocspQuery(certFile, issuerFile)\` asks the OCSP responder directly when stapling is off.)
    `),
    code(`
      // Cipher suites per version, CAA
      const ciphers = await steps.cipherScan(host, { port: Number(port), servername: sni });
      display(ciphers);
      const caa = await steps.caaCheck(sni);
      display(caa);
    `),
    md(`
      ## 5. Verdict
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
      const pa = perAddress.data;
      if (pa && !pa.same) lines.push(\`**Different certificates per address**: \${pa.groups.map((g) => \`\${g.addresses.join(", ")} valid until \${g.notAfter ?? "(no handshake)"}\`).join("; ")}: renew or redeploy on the stale address(es).\`);
      if (asOrigin?.data) lines.push(\`As an origin behind the CDN: \${asOrigin.data.explanation}.\`);
      const weak = ciphers.data?.weak ?? [];
      if (weak.length) lines.push(\`Weak cipher suites accepted (\${weak.length}): \${[...new Set(weak.map((w) => w.weak))].join("; ")}.\`);
      if (caa.data && caa.data.records.length) lines.push(\`CAA (at \${caa.data.foundAt}) allows: \${caa.data.issuers.join(", ") || "no CA"}; check that the issuer of the certificate is one of them before renewal.\`);
      display.markdown(lines.join("\\n\\n"));
    `),
  ],
};
