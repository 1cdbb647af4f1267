import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as koffi from 'koffi';
import type { KoffiFunc } from 'koffi';
import { decodeResults, replyCapacity, type ItemResult } from './shdict-protocol.js';

/** Where the package build puts the bridge (the same file APISIX must find on its lua_package_cpath). */
export const LIBXDS_PATH = path.join(__dirname, '..', 'dist', 'native', 'libxds.so');

/** The socket libxds listens on when AMESH_XDS_SOCKET is not set (in nginx: `env AMESH_XDS_SOCKET;`). */
export const DEFAULT_XDS_SOCKET = '/tmp/amesh-xds.sock';

interface Bindings {
  connect: KoffiFunc<(path: string) => number>;
  request: KoffiFunc<
    (fd: number, op: number, body: Buffer, bodyLen: number, count: number, reply: Buffer, replyCap: number, timeoutMs: number) => number
  >;
  alive: KoffiFunc<(fd: number) => number>;
  close: KoffiFunc<(fd: number) => void>;
}

const loaded = new Map<string, Bindings>();

function bind(libPath: string): Bindings {
  let b = loaded.get(libPath);
  if (b) return b;
  if (!fs.existsSync(libPath)) {
    throw new Error(`${libPath} does not exist: build @amesh/storage with a C compiler available (gcc, or set CC): npm run build -w @amesh/storage`);
  }
  const lib = koffi.load(libPath);
  b = {
    connect: lib.func('int xds_client_connect(const char *path)'),
    request: lib.func(
      'int xds_client_request(int fd, uint32_t op, const void *body, uint32_t body_len, uint32_t count, void *reply, uint32_t reply_cap, int timeout_ms)',
    ),
    alive: lib.func('int xds_client_alive(int fd)'),
    close: lib.func('void xds_client_close(int fd)'),
  };
  loaded.set(libPath, b);
  return b;
}

/** A failure of the socket itself (errno name, e.g. ENOENT, ECONNREFUSED, ECONNRESET). */
export class BridgeTransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeTransportError';
  }
}

function errnoName(negative: number): string {
  const n = -negative;
  if (n > 1000) return `server status ${n - 1000}`;
  const found = Object.entries(os.constants.errno).find(([, v]) => v === n);
  return found ? found[0] : `errno ${n}`;
}

/** One connection to the libxds server inside nginx. Calls run off the event loop (koffi async). */
export class BridgeConnection {
  private constructor(
    private readonly b: Bindings,
    private fd: number,
  ) {}

  static connect(socketPath: string, libPath = LIBXDS_PATH): BridgeConnection {
    const b = bind(libPath);
    const fd = b.connect(socketPath);
    if (fd < 0) {
      const code = errnoName(fd);
      const hint =
        code === 'ENOENT' || code === 'ECONNREFUSED'
          ? ' (is nginx/APISIX running with libxds.so loaded, and AMESH_XDS_SOCKET the same on both sides?)'
          : '';
      throw new BridgeTransportError(code, `cannot connect to ${socketPath}: ${code}${hint}`);
    }
    return new BridgeConnection(b, fd);
  }

  get open(): boolean {
    return this.fd >= 0;
  }

  /** False once nginx's side went away (worker exit, reload, kill -9). */
  alive(): boolean {
    return this.fd >= 0 && this.b.alive(this.fd) === 1;
  }

  async request(op: number, body: Buffer, count: number, timeoutMs: number): Promise<ItemResult[]> {
    if (this.fd < 0) throw new BridgeTransportError('EBADF', 'connection closed');
    const reply = Buffer.alloc(replyCapacity(count));
    const n = await new Promise<number>((resolve, reject) =>
      this.b.request.async(this.fd, op, body, body.length, count, reply, reply.length, timeoutMs, (err: unknown, res) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res),
      ),
    );
    if (n < 0) {
      this.close();
      const code = errnoName(n);
      throw new BridgeTransportError(code, `libxds request failed: ${code}`);
    }
    return decodeResults(reply, n, count);
  }

  close(): void {
    if (this.fd >= 0) this.b.close(this.fd);
    this.fd = -1;
  }
}
