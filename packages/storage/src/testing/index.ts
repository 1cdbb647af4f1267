// Test helpers (real etcd, real nginx); exported as @amesh/storage/testing, not from the main entry.
export { EtcdServer, ETCD_BINARY } from './etcd-server.js';
export { NginxServer, nginxConf, ensureLibxds, NGINX_BINARY, NGINX_MODULES, LUA_RESTY_CORE, type NginxOptions } from './nginx-server.js';
export { waitUntil, freePort, exited } from './wait.js';
