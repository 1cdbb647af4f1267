// examples/bookinfo/xds.yaml is what `npm start` translates: it must load cleanly and hold the mesh
// its README describes.
import * as path from 'node:path';
import { loadXdsPaths } from './load-xds-paths.js';

const EXAMPLE = path.join(__dirname, '../../../../examples/bookinfo/xds.yaml');

test('the bookinfo example loads without a single report item', async () => {
  const result = await loadXdsPaths([EXAMPLE]);
  expect(result.report).toEqual([]);
  expect(result.sources[0]!.format).toBe('resource-list');
  const { clusters, clusterLoadAssignments, routeConfigurations, listeners } = result.resources;
  expect(clusters.map((c) => c.name)).toEqual(
    expect.arrayContaining(['outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v3|reviews.default.svc.cluster.local', 'PassthroughCluster']),
  );
  expect(clusters).toHaveLength(8);
  expect(clusterLoadAssignments).toHaveLength(7);
  expect(listeners.map((l) => l.name)).toEqual(['0.0.0.0_9080']);
  expect(routeConfigurations.map((r) => r.name)).toEqual(['9080']);
  // Every EDS cluster has its endpoints.
  const eds = clusters.filter((c) => c.name.startsWith('outbound|')).map((c) => c.name).sort();
  expect(clusterLoadAssignments.map((c) => c.clusterName).sort()).toEqual(eds);
});

test('the example has the weighted split, the fault, the retry policy and the redirect its README lists', async () => {
  const { routeConfigurations } = (await loadXdsPaths([EXAMPLE])).resources;
  const vhosts = new Map(routeConfigurations[0]!.virtualHosts.map((v) => [v.name.split('.')[0], v]));
  const split = vhosts.get('reviews')!.routes[1]!.action;
  const weighted = split.case === 'route' && split.value.clusterSpecifier.case === 'weightedClusters' ? split.value.clusterSpecifier.value : undefined;
  expect(weighted?.clusters.map((c) => [c.name.split('|')[2], c.weight?.valueOf()])).toEqual([['v2', 50], ['v3', 50]]);
  expect(split.case === 'route' && split.value.retryPolicy?.numRetries).toBe(3);
  expect(Object.keys(vhosts.get('ratings')!.routes[0]!.typedPerFilterConfig)).toEqual(['envoy.filters.http.fault']);
  const redirect = vhosts.get('productpage')!.routes[0]!.action;
  expect(redirect.case === 'redirect' && redirect.value.pathRewriteSpecifier.value).toBe('/productpage');
});
