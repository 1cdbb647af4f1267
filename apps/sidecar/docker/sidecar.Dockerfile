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
RUN mkdir -p /opt/amesh/lib /run/amesh \
 && cp /opt/amesh/packages/storage/dist/native/libxds.so /opt/amesh/lib/libxds.so
COPY apps/sidecar/docker/config.yaml /usr/local/apisix/conf/config.yaml
COPY apps/sidecar/docker/entrypoint.sh /usr/local/bin/amesh-entrypoint.sh
ENV AMESH_XDS_SOCKET=/run/amesh/xds.sock \
    ISTIO_XDS_SOURCE=grpc://istiod.istio-system.svc:15010 \
    STATUS_SERVER_PORT=15020
EXPOSE 15001 15006 15020
ENTRYPOINT ["/usr/local/bin/amesh-entrypoint.sh"]
