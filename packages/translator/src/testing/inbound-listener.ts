import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { HttpConnectionManagerSchema, ListenerSchema, type Listener } from '@amesh/proto';
import { TrafficDirection } from '@amesh/proto/gen/envoy/config/core/v3/base_pb';
import type { RouteConfigInit } from './xds-builders.js';

/** One chain of a virtualInbound listener: its destination_port (none: any port) and inline route config. */
export interface InboundChain {
  port?: number;
  routeConfig: RouteConfigInit;
}

/** Istio's `virtualInbound` (0.0.0.0:15006, use_original_dst, INBOUND): one HCM chain per original port. */
export function virtualInbound(chains: readonly InboundChain[], listenerPort = 15006): Listener {
  return create(ListenerSchema, {
    name: 'virtualInbound',
    trafficDirection: TrafficDirection.INBOUND,
    useOriginalDst: true,
    address: { address: { case: 'socketAddress', value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: listenerPort } } } },
    filterChains: chains.map((c) => ({
      filterChainMatch: c.port === undefined ? undefined : { destinationPort: c.port },
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          configType: {
            case: 'typedConfig' as const,
            value: anyPack(HttpConnectionManagerSchema, create(HttpConnectionManagerSchema, { statPrefix: 'inbound', routeSpecifier: { case: 'routeConfig', value: c.routeConfig } })),
          },
        },
      ],
    })),
  });
}
