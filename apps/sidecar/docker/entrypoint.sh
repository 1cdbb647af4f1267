#!/bin/sh
# The sidecar container: APISIX (data plane) and the amesh agent (control-plane side) side by side.
# Either one exiting stops the container; SIGTERM/SIGINT are passed to both.
set -eu
export AMESH_XDS_SOCKET="${AMESH_XDS_SOCKET:-/run/amesh/xds.sock}"
mkdir -p "$(dirname "$AMESH_XDS_SOCKET")"

/docker-entrypoint.sh docker-start &
apisix_pid=$!
/opt/amesh/apps/sidecar/bin/amesh-sidecar.js run --storage "shdict:$AMESH_XDS_SOCKET" "$@" &
agent_pid=$!

stop() {
  kill -TERM "$agent_pid" 2>/dev/null || true
  kill -QUIT "$apisix_pid" 2>/dev/null || true
}
trap stop TERM INT

# Wait until one of them exits, then stop the other.
while kill -0 "$apisix_pid" 2>/dev/null && kill -0 "$agent_pid" 2>/dev/null; do
  sleep 1
done
stop
wait "$agent_pid" 2>/dev/null || true
wait "$apisix_pid" 2>/dev/null || true
