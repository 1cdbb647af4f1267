import { create } from '@bufbuild/protobuf';
import { RouteSchema } from '@amesh/proto';
import { prefixRoute, type RouteInit } from '../testing/xds-builders.js';
import { actionClusters, envoyRouteAction } from './envoy-action.js';

const action = (init: RouteInit) => envoyRouteAction(create(RouteSchema, init));

describe('envoyRouteAction', () => {
  it('reads clusters, weighted clusters, redirects and direct responses', () => {
    expect(action(prefixRoute('/', 'c0'))).toEqual({ kind: 'cluster', cluster: 'c0' });
    const split = action({ action: { case: 'route', value: { clusterSpecifier: { case: 'weightedClusters', value: { clusters: [{ name: 'a', weight: 3 }, { name: 'b', weight: 0 }] } } } } });
    expect(split).toEqual({ kind: 'weighted_clusters', clusters: [{ name: 'a', weight: 3 }, { name: 'b', weight: 0 }] });
    expect(actionClusters(split)).toEqual(['a']);
    expect(action({ action: { case: 'redirect', value: { hostRedirect: 'x.example' } } })).toEqual({ kind: 'redirect', host: 'x.example' });
    expect(action({ action: { case: 'directResponse', value: { status: 503, body: { specifier: { case: 'inlineString', value: 'down' } } } } })).toEqual({ kind: 'direct_response', status: 503, body: 'down' });
    expect(action({ action: { case: 'route', value: { clusterSpecifier: { case: 'clusterHeader', value: 'x-c' } } } })).toEqual({ kind: 'other', detail: 'cluster specifier clusterHeader' });
    expect(actionClusters({ kind: 'redirect', host: '' })).toEqual([]);
  });
});
