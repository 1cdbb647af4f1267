// npm run bench -- translate [--services N] [--runs R]
// Times, in one process, the two halves of what the sidecar does per full push: binary decode of
// the DiscoveryResponses (+ unpacking each resource's Any) and translation to APISIX objects.
import { performance } from 'node:perf_hooks';
import { clone, fromBinary, type Message } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { ClusterLoadAssignmentSchema, DiscoveryResponseSchema } from '@amesh/proto';
import { createTranslator, emptyXdsResources, translate, type TranslateResult, type XdsResources } from '@amesh/translator';
import { resourceTypeOf } from '@amesh/transport';
import { benchGc } from './bench-gc.js';
import { generateMesh, meshAsDiscoveryResponses } from './mesh-generator.js';

export interface TranslateBenchOptions {
  services: number;
  runs: number;
}

export interface TranslateBenchResult {
  services: number;
  runs: number;
  /** Median wall time of decoding every DiscoveryResponse and unpacking its resources, ms. */
  decodeMs: number;
  /** Median wall time of translate() on the decoded snapshot, ms. */
  translateMs: number;
  ratio: number;
  /** process.memoryUsage().heapUsed right after the runs: includes whatever garbage is not collected yet. */
  heapUsedBytes: number;
  /** heapUsed after a forced full GC, with the last result (and the encoded responses) still alive. */
  heapUsedAfterGcBytes: number;
  wireBytes: number;
  /** Median time of an incremental translator's update for one changed ClusterLoadAssignment, ms. */
  incrementalMs: number;
  output: { routes: number; upstreams: number; reportItems: number };
}

/** What a client does with a push: decode each response, unpack each resource into its message. */
export function decodeResponses(responses: readonly Uint8Array[]): XdsResources {
  const xds = emptyXdsResources();
  for (const bytes of responses) {
    const response = fromBinary(DiscoveryResponseSchema, bytes);
    const type = resourceTypeOf(response.typeUrl);
    if (!type) throw new Error(`unexpected type ${response.typeUrl}`);
    const list = xds[type.key] as Message[];
    for (const any of response.resources) {
      const message = anyUnpack(any, type.schema);
      if (!message) throw new Error(`resource of type ${any.typeUrl} in a ${response.typeUrl} response`);
      list.push(message);
    }
  }
  return xds;
}

export function parseTranslateBenchArgs(args: readonly string[]): TranslateBenchOptions {
  const options: TranslateBenchOptions = { services: 10_000, runs: 5 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split('=', 2) as [string, string | undefined];
    const raw = inline ?? args[++i];
    const value = Number(raw);
    if ((flag !== '--services' && flag !== '--runs') || !Number.isInteger(value) || value < 1) {
      throw new Error(`usage: npm run bench -- translate [--services N] [--runs R] (N, R positive integers; got ${args.join(' ')})`);
    }
    options[flag === '--services' ? 'services' : 'runs'] = value;
  }
  return options;
}

/**
 * What the sidecar's translator does per endpoint push: a snapshot equal to the last but for one
 * new ClusterLoadAssignment message (the transport keeps every unchanged message object).
 */
function endpointUpdateTimes(xds: XdsResources, pushes: number): number[] {
  const translator = createTranslator();
  translator.translate(xds);
  const times: number[] = [];
  let clas = xds.clusterLoadAssignments;
  for (let i = 0; i < pushes; i++) {
    const k = (i * 7919) % clas.length;
    const cla = clone(ClusterLoadAssignmentSchema, clas[k]!);
    const lbe = cla.endpoints[0]?.lbEndpoints[0];
    if (lbe) lbe.loadBalancingWeight = 1 + (i % 5);
    clas = clas.slice();
    clas[k] = cla;
    const t0 = performance.now();
    translator.translate({ ...xds, clusterLoadAssignments: clas });
    times.push(performance.now() - t0);
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** heapUsed after a full, forced GC. */
function heapAfterFullGc(): number {
  const gc = benchGc();
  gc();
  gc(); // a second pass collects what the first one's finalization released
  return process.memoryUsage().heapUsed;
}

export function runTranslateBench(options: TranslateBenchOptions): TranslateBenchResult {
  const responses = meshAsDiscoveryResponses(generateMesh({ services: options.services }));
  const wireBytes = responses.reduce((n, r) => n + r.length, 0);
  let last: TranslateResult = translate(decodeResponses(responses)); // warm-up: JIT, registries, caches
  const decodeTimes: number[] = [];
  const translateTimes: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const t0 = performance.now();
    const xds = decodeResponses(responses);
    const t1 = performance.now();
    last = translate(xds);
    const t2 = performance.now();
    decodeTimes.push(t1 - t0);
    translateTimes.push(t2 - t1);
  }
  const decodeMs = median(decodeTimes);
  const translateMs = median(translateTimes);
  const heapUsedBytes = process.memoryUsage().heapUsed;
  const heapUsedAfterGcBytes = heapAfterFullGc(); // `last` is read below: it stays alive
  const incrementalMs = median(endpointUpdateTimes(decodeResponses(responses), 50));
  return {
    services: options.services,
    runs: options.runs,
    decodeMs,
    translateMs,
    ratio: translateMs / decodeMs,
    heapUsedBytes,
    heapUsedAfterGcBytes,
    incrementalMs,
    wireBytes,
    output: { routes: last.config.routes.length, upstreams: last.config.upstreams.length, reportItems: last.report.length },
  };
}

export function formatTranslateBench(r: TranslateBenchResult): string {
  const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return [
    `translate benchmark: N = ${r.services} services (${mb(r.wireBytes)} of DiscoveryResponses), median of ${r.runs} runs after 1 warm-up`,
    `  decode     ${r.decodeMs.toFixed(1)} ms  (fromBinary + anyUnpack of every resource)`,
    `  translate  ${r.translateMs.toFixed(1)} ms  (${r.output.routes} routes, ${r.output.upstreams} upstreams, ${r.output.reportItems} report items)`,
    `  ratio translate/decode ${r.ratio.toFixed(2)} (goal <= 0.5)`,
    `  heapUsed   ${mb(r.heapUsedBytes)} raw (uncollected garbage included), ${mb(r.heapUsedAfterGcBytes)} after a forced full GC (last result alive)`,
    `  incremental (createTranslator) after one ClusterLoadAssignment change: ${r.incrementalMs.toFixed(2)} ms median of 50`,
  ].join('\n');
}

export function main(args: readonly string[]): void {
  console.log(formatTranslateBench(runTranslateBench(parseTranslateBenchArgs(args))));
}
