import type { XdsTypeUrl } from '@amesh/proto';
import type { XdsRefs } from '@amesh/translator';

/** A resource as received, with the version the server gave it (Delta) or its response's (SotW). */
export interface ReceivedResource {
  typeUrl: XdsTypeUrl;
  name: string;
  version: string;
}

/** A NACK the client sent: what was rejected and why. */
export interface NackRecord {
  at: number;
  typeUrl: XdsTypeUrl;
  /** Names of the rejected resources (empty when the whole response was rejected). */
  names: string[];
  reason: string;
  /** The version the client kept. */
  keptVersion: string;
}

/**
 * A consistent view of what the control plane sent: every cluster has its endpoints and every
 * listener its routes. Consumers get only these; never a partial state from a dropped stream.
 */
export interface XdsSnapshot {
  /** Clusters and assignments by reference: held as wire bytes, decoded when read (XdsRef.message()). */
  resources: XdsRefs;
  /** Last accepted version per type. */
  versions: Partial<Record<XdsTypeUrl, string>>;
  /** Every resource in `resources` as received (type, name, version): what the config dump shows. */
  received: ReceivedResource[];
}

/**
 * A snapshot whose `received` list is made when first read. Only the debug dump reads it, and
 * making it on every push copied one entry per resource (20,000 at 10k services, a large-object
 * allocation that brought on full GCs) for one endpoint change.
 */
export class LazyReceivedSnapshot implements XdsSnapshot {
  private list: ReceivedResource[] | undefined;

  constructor(
    readonly resources: XdsRefs,
    readonly versions: Partial<Record<XdsTypeUrl, string>>,
    private make: (() => ReceivedResource[]) | undefined,
  ) {}

  get received(): ReceivedResource[] {
    if (!this.list) {
      this.list = this.make!();
      this.make = undefined;
    }
    return this.list;
  }

  set received(list: ReceivedResource[]) {
    this.list = list;
    this.make = undefined;
  }

  toJSON(): XdsSnapshot {
    return { resources: this.resources, versions: this.versions, received: this.received };
  }
}

export type StreamState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export interface AdsClientStatus {
  state: StreamState;
  protocol: 'sotw' | 'delta';
  server: string;
  versions: Partial<Record<XdsTypeUrl, string>>;
  lastError?: string;
  connectedAt?: number;
  lastMessageAt?: number;
  reconnects: number;
  nacks: NackRecord[];
  /** The initial sync completed and a snapshot was published. */
  synced?: boolean;
  /** Resources held per type (including ones still warming). */
  resources?: Partial<Record<XdsTypeUrl, number>>;
  /** Names subscribed per type (`*` for wildcard types). */
  subscriptions?: Partial<Record<XdsTypeUrl, string[]>>;
}
