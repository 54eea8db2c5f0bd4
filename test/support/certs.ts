// Real X.509 material for tests, made in-process (ECDSA P-256 with WebCrypto and @peculiar/x509):
// CI has Node and nothing else, so no openssl binary. Every function returns PEM text.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes, webcrypto } from "node:crypto";
import path from "node:path";
import "./reflect-metadata.js";
import * as x509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
// node's WebCrypto is the DOM Crypto the library wants, under node's own type names
x509.cryptoProvider.set(crypto as never);

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN = { name: "ECDSA", hash: "SHA-256" } as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A certificate and its private key (PKCS#8), both PEM. */
export interface CertPair {
  cert: string;
  key: string;
}

/** A certificate authority that can sign leaf certificates. */
export interface TestCa extends CertPair {
  name: string;
  /** @internal what signs the leaves */
  keys: CryptoKeyPair;
  certificate: x509.X509Certificate;
}

export interface Validity {
  /** Default: an hour ago (a little slack for clocks). */
  notBefore?: Date;
  /** Default: 30 days from now. A doctor test passes e.g. `new Date(Date.now() + 3 * 86400000)`. */
  notAfter?: Date;
}

// Positive (first byte 0x01) and unique enough for a test run.
const serial = () => "01" + randomBytes(15).toString("hex");

async function keyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

function window(v: Validity): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return {
    notBefore: v.notBefore ?? new Date(now - HOUR),
    notAfter: v.notAfter ?? new Date(now + 30 * DAY),
  };
}

/** A self-signed CA (basic constraints CA:true, keyCertSign). */
export async function createCa(
  name = "governor test CA",
  validity: Validity = {},
): Promise<TestCa> {
  const keys = await keyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    keys,
    signingAlgorithm: SIGN,
    ...window({ notAfter: new Date(Date.now() + 365 * DAY), ...validity }),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    name,
    keys,
    certificate,
    cert: certificate.toString("pem"),
    key: await keyPem(keys.privateKey),
  };
}

async function leaf(
  ca: TestCa,
  cn: string,
  usage: x509.ExtendedKeyUsage,
  validity: Validity,
  san?: x509.JsonGeneralNames,
): Promise<CertPair> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([usage]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (san) extensions.push(new x509.SubjectAlternativeNameExtension(san));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${cn}`,
    issuer: ca.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGN,
    ...window(validity),
    extensions,
  });
  return { cert: certificate.toString("pem"), key: await keyPem(keys.privateKey) };
}

/** A server certificate for localhost: SANs DNS:localhost, IP:127.0.0.1 and IP:::1. */
export function createServerCert(ca: TestCa, validity: Validity = {}): Promise<CertPair> {
  return leaf(ca, "localhost", x509.ExtendedKeyUsage.serverAuth, validity, [
    { type: "dns", value: "localhost" },
    { type: "ip", value: "127.0.0.1" },
    { type: "ip", value: "::1" },
  ]);
}

/** A client certificate (clientAuth) with subject CN=`cn`, signed by `ca`. */
export function createClientCert(
  ca: TestCa,
  cn: string,
  validity: Validity = {},
): Promise<CertPair> {
  return leaf(ca, cn, x509.ExtendedKeyUsage.clientAuth, validity);
}

/** Everything an mTLS test needs: one CA with a server and a client, and an unrelated CA with its own client. */
export interface TestPki {
  ca: TestCa;
  server: CertPair;
  client: CertPair;
  /** A CA the server does not trust, and a client certificate it signed: the "wrong" identity. */
  wrongCa: TestCa;
  wrongClient: CertPair;
}

export async function createTestPki(
  opts: { clientCn?: string; wrongClientCn?: string; client?: Validity } = {},
): Promise<TestPki> {
  const [ca, wrongCa] = await Promise.all([
    createCa("governor test CA"),
    createCa("unrelated test CA"),
  ]);
  const [server, client, wrongClient] = await Promise.all([
    createServerCert(ca),
    createClientCert(ca, opts.clientCn ?? "agent-1", opts.client),
    createClientCert(wrongCa, opts.wrongClientCn ?? "intruder"),
  ]);
  return { ca, server, client, wrongCa, wrongClient };
}

/**
 * Writes PEM files into `dir` (created if needed) as `<name>.pem`, keys readable by the owner only,
 * and returns their paths. `writePem(dir, { cert, key, ca })` gives the cert.pem/key.pem/ca.pem layout
 * GOVERNOR_IDENTITY_DIR reads.
 */
export function writePem<T extends Record<string, string>>(
  dir: string,
  files: T,
): { [K in keyof T]: string } {
  mkdirSync(dir, { recursive: true });
  const out = {} as { [K in keyof T]: string };
  for (const [name, pem] of Object.entries(files)) {
    const file = path.join(dir, `${name}.pem`);
    writeFileSync(file, pem, { mode: /key/i.test(name) ? 0o600 : 0o644 });
    out[name as keyof T] = file;
  }
  return out;
}

/** Writes `files` into `dir` the way cert-manager and spiffe-helper do: each to a temporary name,
 *  then renamed over the old one (keys mode 0600). */
export function swapFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, pem] of Object.entries(files)) {
    const tmpFile = path.join(dir, `.${name}.tmp`);
    writeFileSync(tmpFile, pem, { mode: /key/i.test(name) ? 0o600 : 0o644 });
    renameSync(tmpFile, path.join(dir, name));
  }
}
