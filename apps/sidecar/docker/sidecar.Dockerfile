# The amesh sidecar image: Apache APISIX 3.x + the amesh agent (Node.js) + libxds.so.
# Build from the repository root:  docker build -f apps/sidecar/docker/sidecar.Dockerfile -t amesh/sidecar .
ARG APISIX_IMAGE=apache/apisix:3.11.0-debian
ARG NODE_IMAGE=node:20-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /opt/amesh
COPY . .
# gcc (in the node image) builds packages/storage/dist/native/libxds.so during the build.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npx nx run-many -t build --output-style=static \
 && npm prune --omit=dev --ignore-scripts

FROM ${APISIX_IMAGE}
USER root
# Node.js for the agent, from the official image (same Debian release as APISIX's debian image).
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /opt/amesh /opt/amesh
COPY apps/sidecar/docker/config.yaml /usr/local/apisix/conf/config.yaml
COPY apps/sidecar/docker/entrypoint.sh /usr/local/bin/amesh-entrypoint.sh
# Everything runs as uid/gid 1337, the proxy identity `amesh-sidecar iptables` exempts from capture:
# APISIX's upstream connections and the agent's stream to istiod must not loop back into 15001.
RUN groupadd -g 1337 amesh-proxy && useradd -u 1337 -g 1337 -M -s /usr/sbin/nologin amesh-proxy \
 && mkdir -p /opt/amesh/lib /run/amesh \
 && cp /opt/amesh/packages/storage/dist/native/libxds.so /opt/amesh/lib/libxds.so \
 && chown -R 1337:1337 /usr/local/apisix /run/amesh
USER 1337:1337
# Istio's secure xDS port: TLS with the mesh root CA and the projected service-account token (the
# paths Istio's injector mounts are the agent's defaults). api7/Amesh's plaintext 15010 still works.
ENV AMESH_XDS_SOCKET=/run/amesh/xds.sock \
    ISTIO_XDS_SOURCE=grpcs://istiod.istio-system.svc:15012 \
    STATUS_SERVER_PORT=15020
EXPOSE 15001 15006 15020
ENTRYPOINT ["/usr/local/bin/amesh-entrypoint.sh"]
