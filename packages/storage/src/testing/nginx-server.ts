import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LIBXDS_PATH } from '../shdict-native.js';
import { exited, freePort, waitUntil } from './wait.js';

export const NGINX_BINARY = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';
export const NGINX_MODULES = process.env.NGINX_MODULES ?? '/usr/lib/nginx/modules';
export const LUA_RESTY_CORE = process.env.LUA_RESTY_CORE ?? '/usr/share/lua/5.1';

export interface NginxOptions {
  /** Size of lua_shared_dict xds-config (default 10m; nginx's minimum is 8 pages, i.e. 32k). */
  configDictSize?: string;
  workers?: number;
  libraryPath?: string;
  /** Where libxds listens (default: xds.sock in the temp prefix). */
  socketPath?: string;
}

/** Builds libxds.so when the package has not been built yet (tests run from sources). */
export function ensureLibxds(libraryPath = LIBXDS_PATH): string {
  if (!fs.existsSync(libraryPath)) {
    execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'build-native.cjs')], { stdio: 'inherit' });
  }
  return libraryPath;
}

/**
 * nginx.conf for the bridge tests: the two dicts APISIX declares, libxds loaded the way
 * APISIX's config_xds.lua does (ffi.load + ngx_http_lua_ffi_shdict_udata_to_zone + initial) but
 * in worker 0 (stock nginx has no privileged agent), and a Lua handler to read the dicts.
 */
export function nginxConf(o: { prefix: string; port: number; libraryPath: string; configDictSize: string; workers: number }): string {
  const p = o.prefix;
  const asRoot = process.getuid?.() === 0 ? 'user root root;' : '';
  return `
load_module ${NGINX_MODULES}/ndk_http_module.so;
load_module ${NGINX_MODULES}/ngx_http_lua_module.so;
${asRoot}
daemon off;
master_process on;
worker_processes ${o.workers};
pid ${p}/nginx.pid;
error_log ${p}/error.log notice;
env AMESH_XDS_SOCKET;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${p}/tmp/body;
  proxy_temp_path ${p}/tmp/proxy;
  fastcgi_temp_path ${p}/tmp/fastcgi;
  uwsgi_temp_path ${p}/tmp/uwsgi;
  scgi_temp_path ${p}/tmp/scgi;
  lua_package_path '${LUA_RESTY_CORE}/?.lua;;';
  lua_shared_dict xds-config ${o.configDictSize};
  lua_shared_dict xds-config-version 1m;

  init_worker_by_lua_block {
    if ngx.worker.id() ~= 0 then return end
    local ffi = require("ffi")
    require("resty.core.shdict") -- declares ngx_http_lua_ffi_shdict_udata_to_zone
    ffi.cdef[[ extern void initial(void* config_zone, void* version_zone); ]]
    local lib = ffi.load("${o.libraryPath}")
    local config = ffi.cast("void*", ffi.C.ngx_http_lua_ffi_shdict_udata_to_zone(ngx.shared["xds-config"][1]))
    local version = ffi.cast("void*", ffi.C.ngx_http_lua_ffi_shdict_udata_to_zone(ngx.shared["xds-config-version"][1]))
    lib.initial(config, version)
    local f = io.open("${p}/xds-worker.pid", "w")
    f:write(tostring(ngx.worker.pid()))
    f:close()
  }

  server {
    listen 127.0.0.1:${o.port};
    location = /dump {
      content_by_lua_block {
        local dict = ngx.shared["xds-config"]
        local out = {}
        for _, k in ipairs(dict:get_keys(0)) do
          local v = dict:get(k)
          if v ~= nil then out[#out + 1] = k .. "\\t" .. v end
        end
        ngx.say(table.concat(out, "\\n"))
      }
    }
    location = /get {
      content_by_lua_block {
        local v = ngx.shared["xds-config"]:get(ngx.unescape_uri(ngx.var.arg_key or ""))
        if v == nil then return ngx.exit(404) end
        ngx.print(v)
      }
    }
    location = /version {
      content_by_lua_block {
        local v = ngx.shared["xds-config-version"]:get("version")
        if v == nil then return ngx.exit(404) end
        ngx.print(string.format("%.0f", v))
      }
    }
  }
}
`;
}

/** A real nginx + lua-nginx-module with libxds loaded in worker 0, on a free loopback port. */
export class NginxServer {
  private child?: ChildProcess;

  private constructor(
    readonly prefix: string,
    readonly port: number,
    readonly socketPath: string,
    private readonly libraryPath: string,
    private readonly workers: number,
  ) {}

  private writeConf(configDictSize: string): void {
    const conf = nginxConf({ prefix: this.prefix, port: this.port, libraryPath: this.libraryPath, configDictSize, workers: this.workers });
    fs.writeFileSync(path.join(this.prefix, 'nginx.conf'), conf);
  }

  /**
   * Reloads (SIGHUP). With a new dict size nginx creates a fresh, empty xds-config zone: only a
   * replay by the client can fill it again.
   */
  async reload(configDictSize?: string): Promise<void> {
    if (configDictSize) this.writeConf(configDictSize);
    await this.replaceBridgeWorker('reload');
  }

  static async start(options: NginxOptions = {}): Promise<NginxServer> {
    if (!fs.existsSync(NGINX_BINARY)) {
      throw new Error(`${NGINX_BINARY} not found: apt-get install nginx libnginx-mod-http-lua lua-resty-core (or set NGINX_BINARY)`);
    }
    const libraryPath = ensureLibxds(options.libraryPath);
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-nginx-'));
    fs.mkdirSync(path.join(prefix, 'tmp'));
    const server = new NginxServer(prefix, await freePort(), options.socketPath ?? path.join(prefix, 'xds.sock'), libraryPath, options.workers ?? 2);
    server.writeConf(options.configDictSize ?? '10m');
    await server.launch();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const child = spawn(NGINX_BINARY, ['-p', this.prefix, '-c', path.join(this.prefix, 'nginx.conf'), '-e', path.join(this.prefix, 'error.log')], {
      stdio: 'ignore',
      env: { ...process.env, AMESH_XDS_SOCKET: this.socketPath },
    });
    this.child = child;
    await waitUntil(
      `nginx on ${this.url} with libxds listening on ${this.socketPath}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${this.errorLog().slice(-2000)}`);
        if (!fs.existsSync(this.socketPath) || !this.bridgeWorkerPid()) return false;
        return (await fetch(`${this.url}/version`)).status > 0;
      },
      15_000,
    );
  }

  /** The pid of the worker that serves the bridge socket (worker 0). */
  bridgeWorkerPid(): number | undefined {
    try {
      return Number(fs.readFileSync(path.join(this.prefix, 'xds-worker.pid'), 'utf8')) || undefined;
    } catch {
      return undefined;
    }
  }

  errorLog(): string {
    try {
      return fs.readFileSync(path.join(this.prefix, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Everything in lua_shared_dict xds-config, read by a Lua handler. */
  async dump(): Promise<Map<string, string>> {
    const res = await fetch(`${this.url}/dump`);
    const text = (await res.text()).replace(/\n$/, '');
    const out = new Map<string, string>();
    for (const line of text ? text.split('\n') : []) {
      const tab = line.indexOf('\t');
      out.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return out;
  }

  async get(key: string): Promise<string | undefined> {
    const res = await fetch(`${this.url}/get?key=${encodeURIComponent(key)}`);
    const body = await res.text();
    return res.status === 200 ? body : undefined;
  }

  async version(): Promise<number | undefined> {
    const res = await fetch(`${this.url}/version`);
    const body = await res.text();
    return res.status === 200 ? Number(body) : undefined;
  }

  /** Sends a signal to worker 0 and waits for its replacement to serve the bridge again. */
  async replaceBridgeWorker(how: 'reload' | 'kill'): Promise<void> {
    const old = this.bridgeWorkerPid();
    if (how === 'reload') process.kill(this.child!.pid!, 'SIGHUP');
    else process.kill(old!, 'SIGKILL');
    await waitUntil(`a new nginx worker 0 after ${how}`, () => {
      const now = this.bridgeWorkerPid();
      return now !== undefined && now !== old;
    }, 15_000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const done = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    }
    fs.rmSync(this.prefix, { recursive: true, force: true });
  }
}
