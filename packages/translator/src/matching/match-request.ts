import type { CapturePorts, TrafficDirection } from '../listener-scope.js';
import { stripPort } from '../vhost-hosts.js';

/** A request as the matchers see it: what a client sends and where its connection was going. */
export interface MatchRequest {
  /** The Host / :authority header as sent, possibly with a port (`reviews:9080`). */
  readonly authority: string;
  /** The original destination port (the listener port); undefined when unknown. */
  readonly port?: number;
  /** The original destination address; undefined when unknown (then only wildcard listeners serve it). */
  readonly address?: string;
  /** Into the pod or out of it: Envoy then uses only listeners of that direction; undefined: any listener. */
  readonly direction?: TrafficDirection;
  /**
   * The port nginx accepted the connection on (`$server_port`) when it is not `port`: the capture
   * port under REDIRECT interception (see `captured`).
   */
  readonly serverPort?: number;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Header names lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}

/** APISIX's `$host`: the authority lower-cased, without its port. */
export function requestHost(req: MatchRequest): string {
  return stripPort(req.authority.toLowerCase());
}

/** The request as APISIX sees it behind REDIRECT interception: on the capture port of its direction (outbound by default). */
export function captured(req: MatchRequest, ports: CapturePorts): MatchRequest {
  return { ...req, serverPort: ports[req.direction ?? 'outbound'] };
}
