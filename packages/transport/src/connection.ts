import * as fs from 'node:fs';
import type * as http2 from 'node:http2';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import type { Transport } from '@connectrpc/connect';

/** How to reach the control plane. */
export interface ConnectionOptions {
  /** `grpc://host:15010` (plaintext) or `grpcs://host:15012` (TLS); http(s):// also accepted. */
  server: string;
  /** PEM CA bundle to verify the server (istio-ca-root-cert). Required for grpcs unless the system CAs apply. */
  caFile?: string;
  /** TLS server name to verify, e.g. `istiod.istio-system.svc` when connecting by IP. */
  serverName?: string;
  /** File holding a bearer token (the projected service-account token); re-read on every connect. */
  tokenFile?: string;
  /** Sent as the `ClusterID` header (istiod uses it to pick the cluster's token authenticator). */
  clusterId?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** A transport bound to one HTTP/2 session, so closing it really drops the connection. */
export interface Connection {
  transport: Transport;
  headers: Record<string, string>;
  close(): void;
}

/** Normalises grpc:// / grpcs:// to the http(s) base URL connect expects; throws with guidance otherwise. */
export function baseUrlOf(server: string): { baseUrl: string; tls: boolean } {
  const match = /^(grpcs?|https?):\/\/([^/]+)\/?$/.exec(server);
  if (!match) throw new Error(`xDS server ${JSON.stringify(server)} is not a URL like grpc://istiod:15010 or grpcs://istiod:15012`);
  const tls = match[1] === 'grpcs' || match[1] === 'https';
  return { baseUrl: `${tls ? 'https' : 'http'}://${match[2]}`, tls };
}

/** Reads the token and CA now (they rotate), and opens a fresh HTTP/2 session manager. */
export function openConnection(options: ConnectionOptions): Connection {
  const { baseUrl, tls } = baseUrlOf(options.server);
  const headers: Record<string, string> = { ...options.headers };
  if (options.tokenFile) {
    let token: string;
    try {
      token = fs.readFileSync(options.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new Error(`cannot read the xDS token file ${options.tokenFile}: ${(err as Error).message}`);
    }
    headers.authorization = `Bearer ${token}`;
  }
  if (options.clusterId) headers.ClusterID = options.clusterId;
  const nodeOptions: http2.SecureClientSessionOptions = {};
  if (tls && options.caFile) {
    try {
      nodeOptions.ca = fs.readFileSync(options.caFile);
    } catch (err) {
      throw new Error(`cannot read the xDS CA file ${options.caFile}: ${(err as Error).message}`);
    }
  }
  if (tls && options.serverName) nodeOptions.servername = options.serverName;
  const sessionManager = new Http2SessionManager(baseUrl, { pingIntervalMs: 30_000, pingTimeoutMs: 15_000 }, nodeOptions);
  const transport = createGrpcTransport({ baseUrl, sessionManager, readMaxBytes: 0x7fffffff, writeMaxBytes: 0x7fffffff });
  return { transport, headers, close: () => sessionManager.abort() };
}
