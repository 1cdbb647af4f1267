import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIstioNode, parseLabelsFile } from './istio-node.js';

const GOLDEN = path.join(__dirname, '..', '..', '..', 'testdata', 'xds', 'istio', 'bootstrap-default_golden.json');
const ENV = {
  POD_NAME: 'reviews-v1-5d8f7c9b6-x2k4q',
  POD_NAMESPACE: 'bookinfo',
  INSTANCE_IP: '10.244.1.7',
  SERVICE_ACCOUNT: 'bookinfo-reviews',
  ISTIO_META_CLUSTER_ID: 'Kubernetes',
  ISTIO_META_MESH_ID: 'cluster.local',
  ISTIO_META_WORKLOAD_NAME: 'reviews-v1',
  ISTIO_META_APP_CONTAINERS: 'reviews',
  ISTIO_METAJSON_LABELS: '{"app":"reviews","version":"v1"}',
  ISTIO_VERSION: '1.24.2',
};

describe('buildIstioNode', () => {
  it('builds the node id, cluster and metadata pilot-agent sends', () => {
    const node = buildIstioNode(ENV, { labelsFile: '/nonexistent' });
    expect(node.id).toBe('sidecar~10.244.1.7~reviews-v1-5d8f7c9b6-x2k4q.bookinfo~bookinfo.svc.cluster.local');
    expect(node.cluster).toBe('reviews.bookinfo');
    expect(node.metadata).toEqual(
      expect.objectContaining({
        ISTIO_VERSION: '1.24.2',
        NAMESPACE: 'bookinfo',
        NAME: 'reviews-v1-5d8f7c9b6-x2k4q',
        LABELS: { app: 'reviews', version: 'v1' },
        INSTANCE_IPS: '10.244.1.7',
        SERVICE_ACCOUNT: 'bookinfo-reviews',
        CLUSTER_ID: 'Kubernetes',
        MESH_ID: 'cluster.local',
        INTERCEPTION_MODE: 'REDIRECT',
        WORKLOAD_NAME: 'reviews-v1',
        APP_CONTAINERS: 'reviews',
      }),
    );
  });

  it('carries every well-known metadata key of the pilot-agent golden bootstrap that describes the workload', () => {
    const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as { node: { metadata: Record<string, unknown> } };
    const node = buildIstioNode(ENV, { labelsFile: '/nonexistent' });
    for (const key of ['INSTANCE_IPS', 'ISTIO_VERSION', 'ENVOY_STATUS_PORT', 'ENVOY_PROMETHEUS_PORT', 'PILOT_SAN', 'PROXY_CONFIG']) {
      expect(golden.node.metadata).toHaveProperty(key);
      expect(node.metadata).toHaveProperty(key);
    }
    expect(node.metadata!.ENVOY_STATUS_PORT).toBe(golden.node.metadata.ENVOY_STATUS_PORT);
    expect(node.metadata!.ENVOY_PROMETHEUS_PORT).toBe(golden.node.metadata.ENVOY_PROMETHEUS_PORT);
  });

  it('reads labels from the downward-API file when no JSON labels are set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-labels-'));
    const file = path.join(dir, 'labels');
    fs.writeFileSync(file, 'app="ratings"\npod-template-hash="7d9c"\n');
    try {
      const { ISTIO_METAJSON_LABELS: _unused, ...env } = ENV;
      const node = buildIstioNode(env, { labelsFile: file });
      expect(node.metadata!.LABELS).toEqual({ app: 'ratings', 'pod-template-hash': '7d9c' });
      expect(node.cluster).toBe('ratings.bookinfo');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(parseLabelsFile('a="x=y"\nbad line\n')).toEqual({ a: 'x=y' });
  });

  it('names the missing variable and rejects bad JSON metadata', () => {
    expect(() => buildIstioNode({ POD_NAMESPACE: 'x', INSTANCE_IP: '1.1.1.1' })).toThrow(/pod name is unknown; set POD_NAME/);
    expect(() => buildIstioNode({ ...ENV, ISTIO_METAJSON_LABELS: '{oops' }, { labelsFile: '/nonexistent' })).toThrow(/ISTIO_METAJSON_LABELS is not valid JSON/);
  });
});
