import { ApisixValidator } from '@amesh/schema';
import { create } from '@bufbuild/protobuf';
import { SecretSchema } from '@amesh/proto';
import { fakePem, opensslCertificate, tlsSecret } from '../test/cluster-test-support.js';
import { ReportSink } from './report-sink.js';
import { clientSslFor, secretMaterials, serverSsls, serverSslFor, sslIdFor } from './secret-translator.js';
import type { ReportItem } from './translation-report.js';

describe('secret translation', () => {
  const validator = new ApisixValidator();
  const report: ReportItem[] = [];
  const materials = secretMaterials([tlsSecret('kubernetes://gw-cert'), tlsSecret('kubernetes://gw-cert')], (n) => new ReportSink(report, 'Secret', n));

  it('keeps key material and reports duplicates', () => {
    const m = materials.get('kubernetes://gw-cert')!;
    expect(m.cert).toBe(fakePem('CERTIFICATE', 'kubernetes://gw-cert'));
    expect(m.key).toBe(fakePem('PRIVATE KEY', 'kubernetes://gw-cert'));
    expect(report).toEqual([expect.objectContaining({ name: 'kubernetes://gw-cert', severity: 'dropped', path: 'name' })]);
  });

  it('ids are stable per secret name and type, and fit APISIX ids', () => {
    expect(sslIdFor('default', 'client')).toBe(sslIdFor('default', 'client'));
    expect(sslIdFor('default', 'client')).not.toBe(sslIdFor('default', 'server'));
    expect(sslIdFor('x'.repeat(500), 'server')).toMatch(/^[a-zA-Z0-9-_.]{1,64}$/);
  });

  it('server ssl: SNIs from the listener, none meaning the catch-all sni "*"; optional client CA; schema-valid', () => {
    const m = materials.get('kubernetes://gw-cert')!;
    const withSnis = serverSslFor('kubernetes://gw-cert', m, ['b.example.com', 'a.example.com', 'a.example.com'])!;
    expect(withSnis).toMatchObject({ type: 'server', snis: ['a.example.com', 'b.example.com'], desc: 'kubernetes://gw-cert' });
    const any = serverSslFor('default', m, [], fakePem('CERTIFICATE', 'ca'))!;
    expect(any).toMatchObject({ sni: '*', client: { ca: fakePem('CERTIFICATE', 'ca') } });
    expect(any.snis).toBeUndefined();
    expect(validator.validate('ssl', withSnis)).toEqual([]);
    expect(validator.validate('ssl', any)).toEqual([]);
    expect(serverSslFor('ca-only', { ca: fakePem('CERTIFICATE', 'ca') }, [])).toBeUndefined();
  });

  it('client ssl needs both cert and key; long descs are shortened', () => {
    const m = materials.get('kubernetes://gw-cert')!;
    const ssl = clientSslFor(sslIdFor('n', 'client'), 'n'.repeat(400), m)!;
    expect(ssl.type).toBe('client');
    expect(ssl.desc!.length).toBeLessThanOrEqual(256);
    expect(validator.validate('ssl', ssl)).toEqual([]);
    expect(clientSslFor('id', 'd', { cert: m.cert })).toBeUndefined();
  });

  it('serverSsls: Istio default answers any SNI with ROOTCA as client CA; other certificates serve their DNS SANs', () => {
    const pem = (name: string, san?: string) => {
      const { cert, key } = opensslCertificate(san);
      return create(SecretSchema, { name, type: { case: 'tlsCertificate', value: { certificateChain: { specifier: { case: 'inlineString', value: cert } }, privateKey: { specifier: { case: 'inlineString', value: key } } } } });
    };
    const ca = opensslCertificate().cert;
    const secrets = [
      pem('default', 'URI:spiffe://cluster.local/ns/default/sa/app'),
      create(SecretSchema, { name: 'ROOTCA', type: { case: 'validationContext', value: { trustedCa: { specifier: { case: 'inlineString', value: ca } } } } }),
      pem('kubernetes://gw', 'DNS:shop.example.com,DNS:*.shop.example.com'),
      pem('kubernetes://nosan'),
    ];
    const items: ReportItem[] = [];
    const sink = (n: string) => new ReportSink(items, 'Secret', n);
    const ssls = serverSsls(secretMaterials(secrets, sink), sink);
    expect(ssls.map((x) => [x.id, x.sni ?? x.snis])).toEqual([
      [sslIdFor('default', 'server'), '*'],
      [sslIdFor('kubernetes://gw', 'server'), ['*.shop.example.com', 'shop.example.com']],
    ]);
    expect(ssls[0]!.client).toEqual({ ca });
    for (const x of ssls) expect(validator.validate('ssl', x)).toEqual([]);
    expect(items.map((i) => `${i.name} ${i.severity}`)).toEqual(['default approximated', 'kubernetes://nosan ignored']);
  });
});
