#!/usr/bin/env node
// Generates protobuf-es code for the Envoy types amesh uses, and a descriptor-set image of every
// Envoy v3 type so that unknown typed configs in real dumps can still be decoded.
// The .proto sources come from @grpc/grpc-js-xds (Apache-2.0) at build time; nothing is committed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const pkgDir = path.resolve(__dirname, '..');
const vendor = path.join(pkgDir, 'vendor');
const xdsDeps = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')) + '/deps';
// grpc-js-xds carries an old validate.proto (no ignore_empty); protoc-gen-validate's npm package has a current one.
const validateProto = path.join(path.dirname(require.resolve('protoc-gen-validate/package.json')), 'src/proto/validate.proto');
const buf = path.join(path.dirname(require.resolve('@bufbuild/buf/package.json')), 'bin', 'buf');

// buf refuses module paths outside its directory, hence symlinks inside the package.
fs.rmSync(vendor, { recursive: true, force: true });
fs.mkdirSync(path.join(vendor, 'pgv', 'validate'), { recursive: true });
fs.symlinkSync(path.join(xdsDeps, 'envoy-api'), path.join(vendor, 'envoy-api'));
fs.symlinkSync(path.join(xdsDeps, 'xds'), path.join(vendor, 'xds'));
fs.symlinkSync(path.join(xdsDeps, 'googleapis'), path.join(vendor, 'googleapis'));
fs.symlinkSync(validateProto, path.join(vendor, 'pgv', 'validate', 'validate.proto'));

// Files that do not compile for lack of opencensus/opentelemetry/prometheus protos; nothing we use imports them.
const broken = [
  'envoy/extensions/access_loggers/open_telemetry',
  'envoy/service/metrics',
  'envoy/service/trace',
  'envoy/extensions/stat_sinks/open_telemetry',
  'envoy/extensions/tracers/opencensus',
  'envoy/config/trace/v2',
  'envoy/config/metrics/v2',
];

const roots = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/random/v3/random.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  'envoy/extensions/load_balancing_policies/cluster_provided/v3/cluster_provided.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'udpa/type/v1/typed_struct.proto',
  'xds/type/v3/typed_struct.proto',
  'google/rpc/status.proto',
  // Our own definition of istiod's CA service (proto/, committed): the workload certificate.
  'amesh/istio_ca.proto',
];

const bufYaml = `version: v2
modules:
  - path: vendor/envoy-api
    excludes: [${broken.map((b) => 'vendor/envoy-api/' + b).join(', ')}]
  - path: vendor/xds
  - path: vendor/googleapis
  - path: vendor/pgv
  - path: proto
lint:
  use: [MINIMAL]
`;
const bufGen = `version: v2
clean: true
plugins:
  - local: protoc-gen-es
    out: src/gen
    include_imports: true
    strategy: all
    opt: [target=ts, import_extension=js]
`;
fs.writeFileSync(path.join(pkgDir, 'buf.yaml'), bufYaml);
fs.writeFileSync(path.join(pkgDir, 'buf.gen.yaml'), bufGen);
const env = { ...process.env, PATH: `${path.join(pkgDir, '..', '..', 'node_modules', '.bin')}:${process.env.PATH}` };
const run = (args) => execFileSync(buf, args, { cwd: pkgDir, stdio: ['ignore', 'inherit', 'inherit'], env });
// The paths given to buf are relative to the module roots, so we pass the module-relative file paths.
const rootPaths = roots.flatMap((r) => ['--path', locate(r)]);
run(['generate', ...rootPaths]);
// Every other v3 type (unknown typed configs met in real dumps) comes from this descriptor set.
const imagePaths = [
  ...listProtos('envoy-api', 'envoy').filter((f) => /\/v3(alpha)?\//.test(f) && !broken.some((b) => f.includes(b)) && !/(opencensus|config\/trace\/v3\/trace)\.proto$/.test(f)),
  ...listProtos('xds', 'xds'),
  ...listProtos('xds', 'udpa'),
  path.join('vendor', 'googleapis', 'google', 'rpc', 'status.proto'),
];
run(['build', '-o', 'src/gen/envoy-image.binpb', ...imagePaths.flatMap((p) => ['--path', p])]);

function listProtos(module, sub) {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.proto')) out.push(path.relative(pkgDir, p));
    }
  };
  walk(path.join(vendor, module, sub));
  return out.sort();
}

function locate(rel) {
  for (const m of ['envoy-api', 'xds', 'googleapis', 'pgv']) {
    if (fs.existsSync(path.join(vendor, m, rel))) return path.join('vendor', m, rel);
  }
  if (fs.existsSync(path.join(pkgDir, 'proto', rel))) return path.join('proto', rel);
  throw new Error(`proto root ${rel} not found under ${vendor}`);
}

// An index of every generated file descriptor, for the type registry (protoc-gen-es builds none).
const genDir = path.join(pkgDir, 'src', 'gen');
const pbFiles = listTs(genDir).filter((f) => f.endsWith('_pb.ts')).sort();
const lines = ['// Generated by scripts/generate.cjs. Do not edit.', "import type { GenFile } from '@bufbuild/protobuf/codegenv2';"];
const names = [];
for (const f of pbFiles) {
  const rel = './' + path.relative(genDir, f).replace(/\.ts$/, '.js');
  const src = fs.readFileSync(f, 'utf8');
  const m = /export const (file_[A-Za-z0-9_]+): GenFile/.exec(src);
  if (!m) throw new Error(`no file descriptor export in ${f}`);
  lines.push(`import { ${m[1]} } from '${rel}';`);
  names.push(m[1]);
}
lines.push(`export const generatedFiles: readonly GenFile[] = [\n  ${names.join(',\n  ')},\n];`);
fs.writeFileSync(path.join(genDir, 'files.ts'), lines.join('\n') + '\n');

function listTs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}
