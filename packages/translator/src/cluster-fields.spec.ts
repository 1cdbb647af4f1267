import { create } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_ClusterProtocolSelection } from '@amesh/proto';
import { clusterFieldsReport } from './cluster-fields.js';
import { ReportSink } from './report-sink.js';
import type { ReportItem } from './translation-report.js';

function reported(init: Parameters<typeof create<typeof ClusterSchema>>[1]): string[] {
  const out: ReportItem[] = [];
  clusterFieldsReport(create(ClusterSchema, { name: 'c', ...init }), new ReportSink(out, 'Cluster', 'c'));
  return out.map((i) => `${i.severity} ${i.path}`);
}

describe('clusterFieldsReport presence tests', () => {
  it('reports bool and enum fields only when they differ from their zero value', () => {
    expect(reported({})).toEqual([]);
    expect(reported({ closeConnectionsOnHostHealthFailure: false, trackTimeoutBudgets: false })).toEqual([]);
    expect(reported({ closeConnectionsOnHostHealthFailure: true, trackTimeoutBudgets: true, connectionPoolPerDownstreamConnection: true })).toEqual([
      'ignored close_connections_on_host_health_failure',
      'ignored track_timeout_budgets',
      'ignored connection_pool_per_downstream_connection',
    ]);
    expect(reported({ protocolSelection: Cluster_ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL })).toEqual(['approximated protocol_selection']);
  });

  it('reports message and list fields when present', () => {
    expect(reported({ perConnectionBufferLimitBytes: 1, filters: [{ name: 'f' }] })).toEqual([
      'ignored per_connection_buffer_limit_bytes',
      'ignored filters',
    ]);
  });
});
