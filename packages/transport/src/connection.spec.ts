import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baseUrlOf, openConnection } from './connection.js';

describe('connection options', () => {
  it('maps grpc:// to plaintext and grpcs:// to TLS, and refuses other shapes', () => {
    expect(baseUrlOf('grpc://istiod.istio-system.svc:15010')).toEqual({ baseUrl: 'http://istiod.istio-system.svc:15010', tls: false });
    expect(baseUrlOf('grpcs://istiod.istio-system.svc:15012')).toEqual({ baseUrl: 'https://istiod.istio-system.svc:15012', tls: true });
    expect(() => baseUrlOf('istiod:15012')).toThrow(/not a URL like grpc:\/\/istiod:15010 or grpcs:\/\/istiod:15012/);
  });

  it('reads the token and CA at connect time and names a missing file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-conn-'));
    try {
      fs.writeFileSync(path.join(dir, 'token'), 'abc\n');
      const conn = openConnection({ server: 'grpc://127.0.0.1:1', tokenFile: path.join(dir, 'token'), clusterId: 'Kubernetes' });
      expect(conn.headers).toEqual({ authorization: 'Bearer abc', ClusterID: 'Kubernetes' });
      conn.close();
      expect(() => openConnection({ server: 'grpc://127.0.0.1:1', tokenFile: path.join(dir, 'nope') })).toThrow(/cannot read the xDS token file .*nope/);
      expect(() => openConnection({ server: 'grpcs://127.0.0.1:1', caFile: path.join(dir, 'ca.pem') })).toThrow(/cannot read the xDS CA file .*ca\.pem/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
