import {
  requestWorkloadCertificate,
  withWorkloadSecrets,
  WorkloadCertificateManager,
  type ConnectionOptions,
  type WorkloadCertificateStatus,
  type XdsSnapshot,
} from '@amesh/transport';
import type { Logger } from 'pino';
import type { SidecarConfig } from '../config/sidecar-config.js';

/** Sits between the ADS client and the pipeline, adding the workload certificate to each snapshot. */
export interface WorkloadCertificates {
  /** Passes a snapshot on, with `default`/`ROOTCA` once a certificate is there. */
  submit(snapshot: XdsSnapshot): void;
  start(): void;
  /** For /status; undefined when the CA is off. */
  status(): WorkloadCertificateStatus | undefined;
  close(): void;
}

/**
 * pilot-agent's SDS side: with `config.ca`, a certificate is requested from istiod's CA, renewed
 * before expiry, and every snapshot (and the last one again on each rotation) goes to `submit` with
 * it. Snapshots are not held back until the first certificate arrives: the mTLS upstreams then point
 * at a missing ssl for that moment, where Envoy would keep those clusters warming.
 */
export function workloadCertificates(
  config: SidecarConfig,
  connection: Omit<ConnectionOptions, 'server'>,
  submit: (snapshot: XdsSnapshot) => void,
  log: Logger,
): WorkloadCertificates {
  const ca = config.ca;
  if (!ca) return { submit, start: () => undefined, status: () => undefined, close: () => undefined };
  const identity = { trustDomain: ca.trustDomain, namespace: config.node.podNamespace, serviceAccount: config.node.serviceAccount };
  const manager = new WorkloadCertificateManager({ issue: () => requestWorkloadCertificate({ ...connection, server: ca.url, identity }) });
  let last: XdsSnapshot | undefined;
  const pass = (snapshot: XdsSnapshot) => submit(withWorkloadSecrets(snapshot, manager.current()));
  manager.on('certificate', (cert) => {
    log.info({ ca: ca.url, identity: cert.uris, serial: cert.serialNumber, notAfter: new Date(cert.notAfter).toISOString() }, 'workload certificate issued');
    if (last) pass(last);
  });
  manager.on('error', (err) => {
    const s = manager.status();
    log.warn({ ca: ca.url, err: err.message, state: s.state, retryAt: s.nextAttemptAt }, s.certificate ? 'workload certificate renewal failed; keeping the current one' : 'workload certificate request failed; mTLS upstreams have no client certificate yet');
  });
  return {
    submit(snapshot) {
      last = snapshot;
      pass(snapshot);
    },
    start: () => manager.start(),
    status: () => manager.status(),
    close: () => manager.close(),
  };
}
