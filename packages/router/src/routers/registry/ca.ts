// A registry's CA as a user pastes it: one PEM certificate or a bundle (intermediate and root),
// each parsed as X.509 by node:crypto. Stored normalized — the certificates only, re-encoded —
// so what reaches the nodes' ca.crt is exactly what was checked here.
import { X509Certificate } from 'node:crypto';
import { fieldError } from '../../errors.ts';

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The certificates of `text` as PEM, one after another; a 400 naming `caCert` otherwise. */
export function normalizeCaCert(text: string, now = new Date()): string {
  const certificates: string[] = [];
  for (const [block, label] of text.matchAll(pemBlock)) {
    const n = certificates.length + 1;
    if (label?.includes('PRIVATE KEY')) {
      throw fieldError('caCert', 'holds a private key: paste only the CA certificate');
    }
    if (label !== 'CERTIFICATE') {
      throw fieldError('caCert', `holds a ${label} block; only certificates belong here`);
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch {
      throw fieldError('caCert', `certificate ${n} does not parse as X.509`);
    }
    if (new Date(certificate.validTo).getTime() < now.getTime()) {
      throw fieldError(
        'caCert',
        `certificate ${n} (${certificate.subject.replace(/\n/g, ', ')}) expired on ${new Date(certificate.validTo).toISOString()}`,
      );
    }
    certificates.push(certificate.toString().trim());
  }
  if (certificates.length === 0) {
    throw fieldError('caCert', 'must be a PEM certificate (-----BEGIN CERTIFICATE----- …)');
  }
  return `${certificates.join('\n')}\n`;
}
