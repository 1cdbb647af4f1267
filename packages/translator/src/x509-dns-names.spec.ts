import { opensslCertificate } from '../test/cluster-test-support.js';
import { certificateDnsNames } from './x509-dns-names.js';

describe('certificateDnsNames', () => {
  it('reads the DNS names of the subjectAltName, skipping IP and URI entries', () => {
    const { cert } = opensslCertificate('DNS:a.example.com,DNS:*.b.example.com,IP:192.0.2.1,URI:spiffe://cluster.local/ns/x/sa/y');
    expect(certificateDnsNames(cert)).toEqual(['a.example.com', '*.b.example.com']);
  });

  it('reads only the first certificate of a chain', () => {
    const leaf = opensslCertificate('DNS:leaf.example.com').cert;
    const other = opensslCertificate('DNS:ca.example.com').cert;
    expect(certificateDnsNames(leaf + other)).toEqual(['leaf.example.com']);
  });

  it('a certificate without subjectAltName has no DNS names; garbage gives undefined', () => {
    expect(certificateDnsNames(opensslCertificate().cert)).toEqual([]);
    expect(certificateDnsNames('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toBeUndefined();
    expect(certificateDnsNames('not a pem')).toBeUndefined();
    expect(certificateDnsNames('-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----')).toBeUndefined();
  });
});
