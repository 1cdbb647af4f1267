import * as path from 'node:path';
import { loadXdsPaths } from '@amesh/translator/loader';
import { edsCluster } from '../test/fixtures.js';
import { clusterSecretNames, edsServiceName, listenerRouteNames, listenerSecretNames } from './resource-types.js';

const ISTIO = path.join(__dirname, '..', '..', '..', 'testdata', 'xds', 'istio');

describe('references between resources', () => {
  it('EDS names: eds_cluster_config.service_name, else the cluster name; none for other discovery types', () => {
    expect(edsServiceName(edsCluster('outbound|80||a'))).toBe('outbound|80||a');
    expect(edsServiceName(edsCluster('outbound|80||a', 'svc-a'))).toBe('svc-a');
  });

  it('reads RDS and SDS names from a real Istio sidecar LDS and gateway CDS', async () => {
    const { resources } = await loadXdsPaths([path.join(ISTIO, 'sidecar-lds-full.configdump.yaml'), path.join(ISTIO, 'ingressgateway-full-cds-istio1.7.config_dump.json')]);
    const byName = new Map(resources.listeners.map((l) => [l.name, l]));
    expect(listenerRouteNames(byName.get('0.0.0.0_9080')!)).toEqual(['9080']);
    expect(listenerRouteNames(byName.get('10.96.0.1_443')!)).toEqual([]);
    expect(listenerSecretNames(byName.get('virtualInbound')!).sort()).toEqual(['ROOTCA', 'default']);
    const tlsCluster = resources.clusters.find((c) => c.transportSocketMatches.length > 0)!;
    expect(clusterSecretNames(tlsCluster).sort()).toEqual(['ROOTCA', 'default']);
    expect(resources.clusters.filter((c) => edsServiceName(c)).length).toBeGreaterThan(10);
  });
});
