import * as fs from 'node:fs';
import { createClient } from '@connectrpc/connect';
import { IstioCertificateService } from '@amesh/proto/gen/amesh/istio_ca_pb';
import { openConnection, type ConnectionOptions } from './connection.js';
import { createWorkloadCsr, type WorkloadIdentity } from './workload-csr.js';
import { workloadCertificateFrom, type WorkloadCertificate } from './workload-certificate.js';

/** How to reach istiod's CA (15012, like the ADS connection) and whom to ask a certificate for. */
export interface IstioCaClientOptions extends ConnectionOptions {
  identity: WorkloadIdentity;
  /** Requested lifetime (s); the CA may shorten it. Default 24 h, pilot-agent's SECRET_TTL. */
  validitySeconds?: number;
  /** Per-call deadline, default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_VALIDITY_SECONDS = 24 * 3600;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * One issuance as pilot-agent does it: a new key and CSR, `CreateCertificate` over gRPC with the
 * same TLS, bearer token and ClusterID as the xDS stream, and the checked result. A fresh
 * connection per call: issuances are hours apart and the token file rotates in between.
 */
export async function requestWorkloadCertificate(options: IstioCaClientOptions): Promise<WorkloadCertificate> {
  const { csr, privateKey } = await createWorkloadCsr(options.identity);
  const conn = openConnection(options);
  try {
    const client = createClient(IstioCertificateService, conn.transport);
    const metadata = options.clusterId ? { fields: { ClusterID: { kind: { case: 'stringValue' as const, value: options.clusterId } } } } : undefined;
    const res = await client.createCertificate(
      { csr, validityDuration: BigInt(options.validitySeconds ?? DEFAULT_VALIDITY_SECONDS), ...(metadata ? { metadata } : {}) },
      { headers: conn.headers, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    );
    return workloadCertificateFrom(res.certChain, privateKey, readRoot(options.caFile));
  } finally {
    conn.close();
  }
}

/** The mesh root the connection trusts, ROOTCA when the CA returns no chain to a root. */
function readRoot(caFile: string | undefined): string | undefined {
  if (!caFile) return undefined;
  try {
    return fs.readFileSync(caFile, 'utf8');
  } catch {
    return undefined; // openConnection already failed with a clear message if the file is unreadable.
  }
}
