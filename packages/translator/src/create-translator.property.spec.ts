import fc from 'fast-check';
import { clone, create } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema, ClusterSchema, type Cluster, type ClusterLoadAssignment, type Listener, type RouteConfiguration } from '@amesh/proto';
import { createTranslator } from './create-translator.js';
import { translate } from './translate.js';
import { httpListener, routeConfig, staticCluster, type RouteInit, type VirtualHostInit } from './testing/xds-builders.js';
import type { XdsRef, XdsRefs, XdsResources } from './xds-resources.js';

// A small mesh whose resources are replaced one at a time, as a control plane's pushes do: an
// unchanged resource keeps its message object (the transport keeps it when its bytes are equal).
const SERVICES = ['a', 'b', 'c', 'd'];
const PORTS = ['80', '8080'];
const HOSTS = ['a.example', 'b.example', 'c.example', '*.example', '*'];

interface World {
  clusters: Map<string, Cluster>;
  clas: Map<string, ClusterLoadAssignment>;
  routeConfigurations: Map<string, RouteConfiguration>;
  listeners: Map<string, Listener>;
}

/** `ejectAfter`: outlier detection after that many 5xx (what APISIX's passive checks take, and routes do not read). */
function edsCluster(name: string, ringHash: boolean, ejectAfter?: number): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: 3 },
    edsClusterConfig: { serviceName: name },
    lbPolicy: ringHash ? 2 : 0,
    connectTimeout: { seconds: 1n, nanos: 0 },
    ...(ejectAfter === undefined ? {} : { outlierDetection: { consecutive5xx: ejectAfter } }),
  });
}

function cla(name: string, endpoints: readonly { host: number; weight: number }[]): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName: name,
    endpoints: [
      {
        lbEndpoints: endpoints.map((e) => ({
          hostIdentifier: {
            case: 'endpoint' as const,
            value: { address: { address: { case: 'socketAddress' as const, value: { address: `10.0.0.${e.host}`, portSpecifier: { case: 'portValue' as const, value: 8080 } } } } },
          },
          loadBalancingWeight: e.weight,
        })),
      },
    ],
  });
}

const service = fc.constantFrom(...SERVICES);
// Weight 0 is invalid in Envoy and reported: endpoint changes can change the report too.
const endpoints = fc.array(fc.record({ host: fc.integer({ min: 1, max: 9 }), weight: fc.integer({ min: 0, max: 3 }) }), { maxLength: 3 });
const action = fc.oneof(
  service.map((s) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: s } } })),
  fc.array(fc.tuple(service, fc.integer({ min: 0, max: 4 })), { minLength: 2, maxLength: 3 }).map((l) => ({
    case: 'route' as const,
    value: { clusterSpecifier: { case: 'weightedClusters' as const, value: { clusters: l.map(([name, weight]) => ({ name, weight })) } } },
  })),
  // Retries and hash keys make per-route upstream variants.
  fc.tuple(service, fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([s, retries, hash]) => ({
    case: 'route' as const,
    value: {
      clusterSpecifier: { case: 'cluster' as const, value: s },
      retryPolicy: { numRetries: retries, retryOn: 'connect-failure' },
      hashPolicy: hash ? [{ policySpecifier: { case: 'header' as const, value: { headerName: 'x-user' } } }] : [],
    },
  })),
);
// A mirror reads the target's nodes: its route must follow endpoint changes.
const mirrored = fc.tuple(action, fc.option(service, { nil: undefined })).map(([a, m]) =>
  m === undefined ? a : { ...a, value: { ...a.value, requestMirrorPolicies: [{ cluster: m }] } },
);
const route: fc.Arbitrary<RouteInit> = fc.record({
  name: fc.constantFrom('', 'r1', 'r2'),
  match: fc.constantFrom('/', '/api', '/api/v1', '/s').map((p) => ({ pathSpecifier: { case: 'prefix' as const, value: p } })),
  action: mirrored,
});
const vhost: fc.Arbitrary<VirtualHostInit> = fc.record({
  name: fc.constantFrom('v1', 'v2', 'v3'),
  domains: fc.uniqueArray(fc.constantFrom(...HOSTS, 'a.example:80', 'b.example:8080'), { minLength: 1, maxLength: 3 }),
  routes: fc.array(route, { minLength: 1, maxLength: 3 }),
});

type Op =
  | { op: 'cluster'; name: string; ringHash: boolean; ejectAfter?: number }
  | { op: 'static'; name: string; hosts: number[] }
  | { op: 'removeCluster'; name: string }
  | { op: 'endpoints'; name: string; endpoints: { host: number; weight: number }[] }
  | { op: 'removeEndpoints'; name: string }
  | { op: 'routes'; port: string; vhosts: VirtualHostInit[] }
  | { op: 'removeRoutes'; port: string }
  | { op: 'listener'; port: string; on: boolean }
  | { op: 'resend'; name: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('cluster' as const), name: service, ringHash: fc.boolean() }),
  // Changes of what only the cluster's upstream holds (the fast path for cluster pushes).
  { weight: 3, arbitrary: fc.record({ op: fc.constant('cluster' as const), name: service, ringHash: fc.constant(false), ejectAfter: fc.integer({ min: 1, max: 5 }) }) },
  fc.record({ op: fc.constant('static' as const), name: service, hosts: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 2 }) }),
  fc.record({ op: fc.constant('removeCluster' as const), name: service }),
  { weight: 6, arbitrary: fc.record({ op: fc.constant('endpoints' as const), name: service, endpoints }) },
  fc.record({ op: fc.constant('removeEndpoints' as const), name: service }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant('routes' as const), port: fc.constantFrom(...PORTS), vhosts: fc.array(vhost, { maxLength: 3 }) }) },
  fc.record({ op: fc.constant('removeRoutes' as const), port: fc.constantFrom(...PORTS) }),
  fc.record({ op: fc.constant('listener' as const), port: fc.constantFrom(...PORTS), on: fc.boolean() }),
  // The same content in a new message (a client that did not keep the instance): nothing may change.
  fc.record({ op: fc.constant('resend' as const), name: service }),
);

function apply(w: World, o: Op): void {
  switch (o.op) {
    case 'cluster':
      w.clusters.set(o.name, edsCluster(o.name, o.ringHash, o.ejectAfter));
      break;
    case 'static':
      w.clusters.set(o.name, staticCluster(o.name, ...o.hosts.map((h) => `10.0.1.${h}`)));
      break;
    case 'removeCluster':
      w.clusters.delete(o.name);
      break;
    case 'endpoints':
      w.clas.set(o.name, cla(o.name, o.endpoints));
      break;
    case 'removeEndpoints':
      w.clas.delete(o.name);
      break;
    case 'routes':
      w.routeConfigurations.set(o.port, routeConfig({ name: o.port, virtualHosts: o.vhosts }));
      break;
    case 'removeRoutes':
      w.routeConfigurations.delete(o.port);
      break;
    case 'listener':
      if (o.on) w.listeners.set(o.port, httpListener(Number(o.port), o.port));
      else w.listeners.delete(o.port);
      break;
    case 'resend': {
      const c = w.clusters.get(o.name);
      if (c) w.clusters.set(o.name, clone(ClusterSchema, c));
      const e = w.clas.get(o.name);
      if (e) w.clas.set(o.name, clone(ClusterLoadAssignmentSchema, e));
      break;
    }
  }
}

function snapshot(w: World): XdsResources {
  return {
    clusters: [...w.clusters.values()],
    clusterLoadAssignments: [...w.clas.values()],
    listeners: [...w.listeners.values()],
    routeConfigurations: [...w.routeConfigurations.values()],
    secrets: [],
  };
}

/** Every service an EDS cluster with one endpoint, and a vhost routing to it on port 80. */
function everyServiceRouted(): World {
  const world: World = { clusters: new Map(), clas: new Map(), routeConfigurations: new Map(), listeners: new Map() };
  apply(world, { op: 'listener', port: '80', on: true });
  for (const [k, s] of SERVICES.entries()) {
    apply(world, { op: 'cluster', name: s, ringHash: false });
    apply(world, { op: 'endpoints', name: s, endpoints: [{ host: k + 1, weight: 1 }] });
  }
  const vhosts = SERVICES.map((s) => ({ name: s, domains: [`${s}.example`], routes: [{ match: { pathSpecifier: { case: 'prefix' as const, value: '/' } }, action: { case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: s } } } }] }));
  apply(world, { op: 'routes', port: '80', vhosts });
  return world;
}

describe('createTranslator', () => {
  it('gives what a fresh translate() gives, for any sequence of snapshots', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 16 }), fc.constantFrom('server_port' as const, 'none' as const, 'capture' as const), (ops, portMatch) => {
        const world: World = { clusters: new Map(), clas: new Map(), routeConfigurations: new Map(), listeners: new Map() };
        apply(world, { op: 'listener', port: '80', on: true });
        const translator = createTranslator({ portMatch });
        for (const o of ops) {
          apply(world, o);
          const xds = snapshot(world);
          const incremental = translator.translate(xds);
          const fresh = translate(xds, { portMatch });
          expect(incremental).toEqual(fresh);
          expect(JSON.stringify(incremental)).toBe(JSON.stringify(fresh));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('returns the same instances for objects an endpoint change does not touch', () => {
    const world = everyServiceRouted();
    const translator = createTranslator();
    const before = translator.translate(snapshot(world));
    apply(world, { op: 'endpoints', name: 'b', endpoints: [{ host: 7, weight: 2 }] });
    const after = translator.translate(snapshot(world));

    expect(after).toEqual(translate(snapshot(world)));
    // Every route is the same object (the one of b came out the same and was interned) ...
    expect(after.config.routes).toHaveLength(SERVICES.length);
    after.config.routes.forEach((r, i) => expect(r).toBe(before.config.routes[i]));
    // ... and so is every upstream but b's, whose nodes changed.
    const changed = after.config.upstreams.filter((u, i) => u !== before.config.upstreams[i]);
    expect(changed.map((u) => u.name)).toEqual(['b']);
    expect(changed[0]!.nodes.map((n) => n.host)).toEqual(['10.0.0.7']);
  });

  it('fed references, decodes only the clusters and assignments that changed', () => {
    const world = everyServiceRouted();
    // One reference per message, as the agent keeps one per held resource; counts its decodes.
    const decoded: string[] = [];
    const refs = new Map<object, XdsRef<never>>();
    const refTo = <T extends object>(kind: string, name: string, m: T): XdsRef<T> => {
      let r = refs.get(m) as XdsRef<T> | undefined;
      if (!r) refs.set(m, (r = { name, message: () => (decoded.push(`${kind} ${name}`), m) }) as XdsRef<never>);
      return r;
    };
    const refsOfWorld = (): XdsRefs => {
      const x = snapshot(world);
      return { ...x, clusters: x.clusters.map((c) => refTo('cluster', c.name, c)), clusterLoadAssignments: x.clusterLoadAssignments.map((c) => refTo('cla', c.clusterName, c)) };
    };
    const translator = createTranslator();
    translator.translateRefs(refsOfWorld());
    expect(decoded.sort()).toEqual([...SERVICES.map((s) => `cla ${s}`), ...SERVICES.map((s) => `cluster ${s}`)].sort());

    decoded.length = 0;
    apply(world, { op: 'endpoints', name: 'b', endpoints: [{ host: 7, weight: 2 }] });
    expect(translator.translateRefs(refsOfWorld())).toEqual(translate(snapshot(world)));
    expect(decoded.sort()).toEqual(['cla b', 'cluster b']);

    decoded.length = 0;
    apply(world, { op: 'cluster', name: 'c', ringHash: true });
    expect(translator.translateRefs(refsOfWorld())).toEqual(translate(snapshot(world)));
    // Twice: tried the upstream-only way first (the load balancer is read by routes, so no), then the full pass.
    expect(decoded.sort()).toEqual(['cla c', 'cla c', 'cluster c', 'cluster c']);

    decoded.length = 0;
    apply(world, { op: 'cluster', name: 'c', ringHash: true, ejectAfter: 2 });
    translator.translateRefs(refsOfWorld());
    decoded.length = 0;
    apply(world, { op: 'cluster', name: 'c', ringHash: true, ejectAfter: 4 });
    expect(translator.translateRefs(refsOfWorld())).toEqual(translate(snapshot(world)));
    expect(decoded.sort()).toEqual(['cla c', 'cluster c']);
  });

  it('takes a cluster change that routes do not read without a full pass: only its upstream is new', () => {
    const world = everyServiceRouted();
    const translator = createTranslator();
    // Outlier detection first appears with a report item; then only its threshold changes.
    apply(world, { op: 'cluster', name: 'c', ringHash: false, ejectAfter: 3 });
    const before = translator.translate(snapshot(world));
    apply(world, { op: 'cluster', name: 'c', ringHash: false, ejectAfter: 5 });
    const after = translator.translate(snapshot(world));

    expect(after).toEqual(translate(snapshot(world)));
    // The same route list and report instances: the full pass would have built new lists.
    expect(after.config.routes).toBe(before.config.routes);
    expect(after.report).toBe(before.report);
    const changed = after.config.upstreams.filter((u, i) => u !== before.config.upstreams[i]);
    expect(changed.map((u) => u.name)).toEqual(['c']);
    expect(changed[0]!.checks?.passive).toEqual(expect.objectContaining({ unhealthy: expect.objectContaining({ http_failures: 5 }) }));
  });

  it('takes a cluster change that routes read (the load balancer) through the full pass', () => {
    const world = everyServiceRouted();
    const translator = createTranslator();
    const before = translator.translate(snapshot(world));
    apply(world, { op: 'cluster', name: 'c', ringHash: true });
    const after = translator.translate(snapshot(world));

    expect(after).toEqual(translate(snapshot(world)));
    expect(after.config.routes).not.toBe(before.config.routes);
    expect(after.config.upstreams.find((u) => u.name === 'c')!.type).toBe('chash');
  });
});
