# The amesh agent alone (no APISIX): for etcd or apisix.yaml storage, or as an init/debug image
# (`amesh-sidecar iptables …`). Build from the repository root:
#   docker build -f apps/sidecar/docker/agent.Dockerfile -t amesh/agent .
ARG NODE_IMAGE=node:20-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /opt/amesh
COPY . .
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npx nx run-many -t build --output-style=static \
 && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}-slim
# iptables for `amesh-sidecar iptables` (the init container's job).
RUN apt-get update && apt-get install -y --no-install-recommends iptables iproute2 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/amesh /opt/amesh
ENV STATUS_SERVER_PORT=15020
EXPOSE 15020
ENTRYPOINT ["/opt/amesh/apps/sidecar/bin/amesh-sidecar.js"]
CMD ["run"]
