// The floor of the sidecar bench: the agent's own ADS client (same transport, same node flags) that
// translates nothing and writes nothing, and reports each snapshot with the agent's log lines. Its
// push-to-"applied" time is what the harness (server, gRPC leg, decode, log pipe, this machine's
// scheduling) costs before the agent does any work of its own.
//
// Run by sidecar-bench.ts as a child process: node ads-floor-client.js grpc://host:port
import * as fs from 'node:fs';
import { AdsClient, buildIstioNode } from '@amesh/transport';

function line(fields: Record<string, unknown>): void {
  // Synchronous, as the agent's pino destination is: the line leaves when the snapshot is handled.
  fs.writeSync(2, JSON.stringify(fields) + '\n');
}

function main(server: string | undefined): void {
  if (!server) throw new Error('usage: ads-floor-client.js grpc://host:port');
  const node = buildIstioNode({ POD_NAME: 'bench-floor-0', POD_NAMESPACE: 'default', INSTANCE_IP: '10.255.0.2' });
  const ads = new AdsClient({ server, node });
  let ready = false;
  ads.onSnapshot((snapshot) => {
    if (!ready) {
      ready = true;
      line({ msg: 'first complete snapshot written; ready', objects: 0 });
      // As the agent's heap compactor does after its first apply: the sync's garbage would
      // otherwise be collected during the timed pushes (the launcher's flags expose gc).
      setTimeout(() => (globalThis as { gc?: () => void }).gc?.(), 0);
    }
    line({ msg: 'snapshot applied', changes: 0, translateMs: 0, applyMs: 0, versions: snapshot.versions });
  });
  line({ msg: 'amesh-sidecar started', url: '' });
  ads.start();
  process.once('SIGTERM', () => void ads.close().then(() => process.exit(0)));
}

main(process.argv[2]);
