/**
 * A test PKI made with the real openssl CLI, in a temp dir.
 *
 *   const pki = makePki();          // synchronous, ~1 s
 *   pki.rootCert                    // PEM path: "Netrunbook Test Root CA" (EC P-256, self-signed)
 *   pki.certs.valid                 // { cert, key, chain } leaf www.example.test (RSA 2048) <- intermediate <- root
 *   pki.certs.expired               // leaf expired.example.test, valid 2020-01-01..2020-02-01
 *   pki.certs.wrongSan              // leaf for other.example.test only (hostname mismatch for www.example.test)
 *   pki.certs.selfSigned            // self-signed www.example.test
 *   pki.certs.defaultCert           // self-signed default.invalid (what an SNI server sends without SNI)
 *   pki.ocspResponse                // DER OCSP response ("good") for the valid leaf, signed by the intermediate
 *   pki.remove()
 *
 * Every leaf carries SAN DNS names plus IP:127.0.0.1 except wrongSan. `chain` is leaf +
 * intermediate PEM (what a correctly configured server sends); `cert` is the leaf alone (what a
 * server missing its intermediate sends).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sh } from './ports.js';

export interface LeafFiles {
  cert: string;
  key: string;
  /** leaf + intermediate */
  chain: string;
}

export interface Pki {
  dir: string;
  rootCert: string;
  rootKey: string;
  intermediateCert: string;
  intermediateKey: string;
  certs: { valid: LeafFiles; expired: LeafFiles; wrongSan: LeafFiles; selfSigned: LeafFiles; defaultCert: LeafFiles };
  ocspResponse: string;
  remove(): void;
}

const CA_CONF = (dir: string, name: string) => `[ ca ]
default_ca = ca_${name}
[ ca_${name} ]
dir = ${dir}/${name}-db
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
countryName = optional
[ v3_intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://ocsp.example.test/
`;

function ecKey(file: string): void {
  sh('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

function rsaKey(file: string): void {
  sh('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file]);
}

function caDb(dir: string, name: string): string {
  const db = path.join(dir, `${name}-db`);
  fs.mkdirSync(path.join(db, 'new'), { recursive: true });
  fs.writeFileSync(path.join(db, 'index.txt'), '');
  fs.writeFileSync(path.join(db, 'serial'), name === 'root' ? '1000\n' : '2000\n');
  const conf = path.join(dir, `${name}.cnf`);
  fs.writeFileSync(conf, CA_CONF(dir, name));
  return conf;
}

export function makePki(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nrb-pki-'));
  const p = (f: string) => path.join(dir, f);
  // Root: self-signed, EC.
  ecKey(p('root.key'));
  sh('openssl', ['req', '-x509', '-new', '-key', p('root.key'), '-sha256', '-days', '3650', '-subj', '/C=US/O=Netrunbook Test/CN=Netrunbook Test Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', p('root.pem')]);
  const rootConf = caDb(dir, 'root');
  // Intermediate, signed by the root.
  ecKey(p('int.key'));
  sh('openssl', ['req', '-new', '-key', p('int.key'), '-subj', '/C=US/O=Netrunbook Test/CN=Netrunbook Test Intermediate CA', '-out', p('int.csr')]);
  sh('openssl', ['ca', '-batch', '-notext', '-config', rootConf, '-extensions', 'v3_intermediate', '-cert', p('root.pem'), '-keyfile', p('root.key'), '-days', '1825', '-in', p('int.csr'), '-out', p('int.pem')]);
  const intConf = caDb(dir, 'int');

  const leaf = (name: string, cn: string, sans: string, opts: { rsa?: boolean; start?: string; end?: string } = {}): LeafFiles => {
    const key = p(`${name}.key`);
    (opts.rsa ? rsaKey : ecKey)(key);
    sh('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${sans}`, '-out', p(`${name}.csr`)]);
    const dates = opts.start && opts.end ? ['-startdate', opts.start, '-enddate', opts.end] : ['-days', '90'];
    sh('openssl', ['ca', '-batch', '-notext', '-config', intConf, '-extensions', 'v3_leaf', '-cert', p('int.pem'), '-keyfile', p('int.key'), ...dates, '-in', p(`${name}.csr`), '-out', p(`${name}.pem`)]);
    fs.writeFileSync(p(`${name}.chain.pem`), fs.readFileSync(p(`${name}.pem`), 'utf8') + fs.readFileSync(p('int.pem'), 'utf8'));
    return { cert: p(`${name}.pem`), key, chain: p(`${name}.chain.pem`) };
  };
  const selfSigned = (name: string, cn: string, sans: string, rsa = false): LeafFiles => {
    const key = p(`${name}.key`);
    (rsa ? rsaKey : ecKey)(key);
    sh('openssl', ['req', '-x509', '-new', '-key', key, '-sha256', '-days', '30', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${sans}`, '-out', p(`${name}.pem`)]);
    return { cert: p(`${name}.pem`), key, chain: p(`${name}.pem`) };
  };

  const valid = leaf('valid', 'www.example.test', 'DNS:www.example.test,DNS:example.test,IP:127.0.0.1', { rsa: true });
  const expired = leaf('expired', 'expired.example.test', 'DNS:expired.example.test,DNS:www.example.test,IP:127.0.0.1', { start: '20200101000000Z', end: '20200201000000Z' });
  const wrongSan = leaf('wrongsan', 'other.example.test', 'DNS:other.example.test');
  const self = selfSigned('self', 'www.example.test', 'DNS:www.example.test,IP:127.0.0.1');
  const defaultCert = selfSigned('default', 'default.invalid', 'DNS:default.invalid', true);

  // OCSP response for the valid leaf ("good"), to staple.
  sh('openssl', ['ocsp', '-issuer', p('int.pem'), '-cert', valid.cert, '-no_nonce', '-reqout', p('ocsp.req')]);
  sh('openssl', ['ocsp', '-index', path.join(dir, 'int-db', 'index.txt'), '-rsigner', p('int.pem'), '-rkey', p('int.key'), '-CA', p('int.pem'), '-reqin', p('ocsp.req'), '-respout', p('ocsp.der'), '-ndays', '7']);

  return {
    dir,
    rootCert: p('root.pem'),
    rootKey: p('root.key'),
    intermediateCert: p('int.pem'),
    intermediateKey: p('int.key'),
    certs: { valid, expired, wrongSan, selfSigned: self, defaultCert },
    ocspResponse: p('ocsp.der'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
