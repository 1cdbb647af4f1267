/*
 * libxds: the bridge between amesh and APISIX's `xds` config provider.
 *
 * Server side (inside nginx): APISIX's config_xds.lua ffi.load()s this library in one process
 * (privileged agent; worker 0 in our tests) and calls initial(config_zone, version_zone). We start
 * a thread that serves a Unix socket (one more thread per connection) and writes what it receives
 * into the two shared dicts with lua-nginx-module's own FFI store function (safe store: "no memory"
 * is an error, never an eviction).
 *
 * Client side (inside the amesh sidecar, called through koffi): connect, send a batch frame,
 * read the per-item statuses, close.
 *
 * Why a store from our own thread is safe: ngx_http_lua_ffi_shdict_store takes the zone's slab
 * mutex (ngx_shmtx_lock(&ctx->shpool->mutex)) around every rbtree/LRU/slab change and releases it
 * before returning; Lua readers in every worker take the same mutex. The mutex is an atomic word in
 * shared memory (plus a POSIX semaphore for sleeping waiters), so it excludes threads as well as
 * processes. The function otherwise reads only immutable globals (the crc32 table) and the cached
 * time (used for expiry, which we never set). Shared dicts set log_nomem = 0, so a full dict does
 * not log from our thread. The only other nginx function we call is ..._shdict_flush_all, which
 * takes the same mutex.
 *
 * Wire format (host byte order: both ends are on one machine).
 *   request  = header{u32 magic, u32 op, u32 count, u32 body_len} body
 *   body     = count * item{u8 dict, u8 type, u16 reserved, u32 key_len, u32 val_len, key, val}
 *   reply    = header{u32 magic, u32 status, u32 count, u32 body_len} body
 *   body     = count * result{i32 rc, u32 msg_len, msg}
 * dict: 0 = xds-config, 1 = xds-config-version. type: 0 = nil (delete), 3 = number (8-byte
 * double), 4 = string. op: 1 = batch, 2 = flush xds-config, 3 = ping.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define XDS_MAGIC 0x31445841u /* "AXD1" */
#define XDS_OP_BATCH 1u
#define XDS_OP_FLUSH 2u
#define XDS_OP_PING 3u
#define XDS_MAX_BODY (256u * 1024u * 1024u)
#define XDS_DEFAULT_SOCKET "/tmp/amesh-xds.sock"
#define XDS_SOCKET_ENV "AMESH_XDS_SOCKET"

/* lua-nginx-module's op flag: fail with "no memory" instead of evicting other entries. */
#define SHDICT_SAFE_STORE 0x0004
#define SHDICT_TNIL 0
#define SHDICT_TNUMBER 3
#define SHDICT_TSTRING 4

#define RC_OK 0
#define RC_NO_MEMORY 1
#define RC_ERROR 2
#define RC_BAD_ITEM 3

typedef int (*shdict_store_fn)(void *zone, int op, const unsigned char *key, size_t key_len,
                               int value_type, const unsigned char *str_value_buf,
                               size_t str_value_len, double num_value, long exptime,
                               int user_flags, char **errmsg, int *forcible);
typedef int (*shdict_flush_all_fn)(void *zone);

struct xds_header {
    uint32_t magic;
    uint32_t op_or_status;
    uint32_t count;
    uint32_t body_len;
};

struct xds_item_header {
    uint8_t dict;
    uint8_t type;
    uint16_t reserved;
    uint32_t key_len;
    uint32_t val_len;
};

static void *config_zone;
static void *version_zone;
static shdict_store_fn store_fn;
static shdict_flush_all_fn flush_all_fn;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static int server_started;

/* ---------- shared helpers ---------- */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* Reads exactly len bytes; timeout_ms < 0 waits forever. Returns 0, -errno, or -ECONNRESET on EOF. */
static int read_all(int fd, void *buf, size_t len, int timeout_ms)
{
    char *p = buf;
    while (len > 0) {
        if (timeout_ms >= 0) {
            struct pollfd pfd = { .fd = fd, .events = POLLIN };
            int r = poll(&pfd, 1, timeout_ms);
            if (r < 0) {
                if (errno == EINTR) continue;
                return -errno;
            }
            if (r == 0) return -ETIMEDOUT;
        }
        ssize_t n = recv(fd, p, len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (n == 0) return -ECONNRESET;
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

static const char *socket_path(void)
{
    const char *path = getenv(XDS_SOCKET_ENV);
    return (path && *path) ? path : XDS_DEFAULT_SOCKET;
}

/* ---------- server side (inside nginx) ---------- */

static int store_item(const struct xds_item_header *h, const unsigned char *key,
                      const unsigned char *val, const char **err)
{
    void *zone = h->dict == 0 ? config_zone : h->dict == 1 ? version_zone : NULL;
    char *errmsg = NULL;
    int forcible = 0;
    double num = 0;
    int rc;

    if (zone == NULL) {
        *err = "unknown dict";
        return RC_BAD_ITEM;
    }
    if (h->type == SHDICT_TNUMBER) {
        if (h->val_len != sizeof(double)) {
            *err = "number value must be 8 bytes";
            return RC_BAD_ITEM;
        }
        memcpy(&num, val, sizeof(double));
        rc = store_fn(zone, SHDICT_SAFE_STORE, key, h->key_len, SHDICT_TNUMBER, NULL, 0, num, 0,
                      0, &errmsg, &forcible);
    } else if (h->type == SHDICT_TSTRING || h->type == SHDICT_TNIL) {
        rc = store_fn(zone, SHDICT_SAFE_STORE, key, h->key_len, h->type, val, h->val_len, 0, 0,
                      0, &errmsg, &forcible);
    } else {
        *err = "unknown value type";
        return RC_BAD_ITEM;
    }
    if (rc == 0) return RC_OK;
    *err = errmsg ? errmsg : "store failed";
    return strcmp(*err, "no memory") == 0 ? RC_NO_MEMORY : RC_ERROR;
}

/* Applies one request body; fills the reply body. Items are applied in order, each on its own. */
static int handle_batch(const unsigned char *body, uint32_t body_len, uint32_t count,
                        unsigned char **reply, uint32_t *reply_len)
{
    size_t cap = (size_t) count * 40 + 16, used = 0;
    unsigned char *out = malloc(cap);
    uint32_t off = 0;
    if (!out) return -ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        struct xds_item_header h;
        const char *err = "";
        int32_t rc;
        if (body_len - off < sizeof h) {
            free(out);
            return -EPROTO;
        }
        memcpy(&h, body + off, sizeof h);
        off += sizeof h;
        if ((uint64_t) h.key_len + h.val_len > body_len - off) {
            free(out);
            return -EPROTO;
        }
        rc = store_item(&h, body + off, body + off + h.key_len, &err);
        off += h.key_len + h.val_len;
        uint32_t msg_len = rc == RC_OK ? 0 : (uint32_t) strlen(err);
        if (used + 8 + msg_len > cap) {
            cap = (cap + 8 + msg_len) * 2;
            unsigned char *bigger = realloc(out, cap);
            if (!bigger) {
                free(out);
                return -ENOMEM;
            }
            out = bigger;
        }
        memcpy(out + used, &rc, 4);
        memcpy(out + used + 4, &msg_len, 4);
        memcpy(out + used + 8, err, msg_len);
        used += 8 + msg_len;
    }
    *reply = out;
    *reply_len = (uint32_t) used;
    return 0;
}

static void serve_connection(int fd)
{
    for (;;) {
        struct xds_header req, rep = { XDS_MAGIC, 0, 0, 0 };
        unsigned char *body = NULL, *reply = NULL;
        uint32_t reply_len = 0;
        int rc;
        if (read_all(fd, &req, sizeof req, -1) != 0) return;
        if (req.magic != XDS_MAGIC || req.body_len > XDS_MAX_BODY) return;
        if (req.body_len > 0) {
            body = malloc(req.body_len);
            if (!body) return;
            if (read_all(fd, body, req.body_len, 30000) != 0) {
                free(body);
                return;
            }
        }
        if (req.op_or_status == XDS_OP_BATCH) {
            rc = handle_batch(body, req.body_len, req.count, &reply, &reply_len);
            if (rc != 0) {
                rep.op_or_status = (uint32_t) -rc;
            } else {
                rep.count = req.count;
                rep.body_len = reply_len;
            }
        } else if (req.op_or_status == XDS_OP_FLUSH) {
            rep.op_or_status = flush_all_fn && flush_all_fn(config_zone) == 0 ? 0 : EIO;
        } else if (req.op_or_status != XDS_OP_PING) {
            rep.op_or_status = EINVAL;
        }
        free(body);
        rc = write_all(fd, &rep, sizeof rep);
        if (rc == 0 && reply_len > 0) rc = write_all(fd, reply, reply_len);
        free(reply);
        if (rc != 0) return;
    }
}

static void *connection_main(void *arg)
{
    int fd = (int) (intptr_t) arg;
    serve_connection(fd);
    close(fd);
    return NULL;
}

/*
 * One thread per connection, so a stuck or stale client (a frozen old sidecar) cannot block a new
 * one. Threads inherit this thread's mask: every signal stays blocked. Concurrent stores are
 * serialized by the dict's own mutex.
 */
static void *server_main(void *arg)
{
    int lfd = (int) (intptr_t) arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        pthread_t tid;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
            continue;
        }
        if (pthread_create(&tid, &attr, connection_main, (void *) (intptr_t) fd) != 0) close(fd);
    }
    return NULL;
}

static void *find_symbol(const char *http_name, const char *meta_name)
{
    void *sym = dlsym(RTLD_DEFAULT, http_name);
    return sym ? sym : dlsym(RTLD_DEFAULT, meta_name);
}

/* Called by APISIX (config_xds.lua) with the two zones from ngx_http_lua_ffi_shdict_udata_to_zone. */
void initial(void *config, void *version)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const char *path = socket_path();
    sigset_t all, old;
    pthread_t tid;
    pthread_attr_t attr;
    int lfd;

    pthread_mutex_lock(&start_lock);
    config_zone = config;
    version_zone = version;
    if (server_started) goto out;

    store_fn = (shdict_store_fn) find_symbol("ngx_http_lua_ffi_shdict_store",
                                             "ngx_meta_lua_ffi_shdict_store");
    flush_all_fn = (shdict_flush_all_fn) find_symbol("ngx_http_lua_ffi_shdict_flush_all",
                                                     "ngx_meta_lua_ffi_shdict_flush_all");
    if (!store_fn) {
        fprintf(stderr, "libxds: neither ngx_http_lua_ffi_shdict_store nor "
                        "ngx_meta_lua_ffi_shdict_store is loaded\n");
        goto out;
    }
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "libxds: socket path too long: %s\n", path);
        goto out;
    }
    strcpy(addr.sun_path, path);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        fprintf(stderr, "libxds: socket: %s\n", strerror(errno));
        goto out;
    }
    /* A previous worker (before reload or kill -9) may have left its socket file behind. */
    unlink(path);
    if (bind(lfd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(lfd, 16) != 0) {
        fprintf(stderr, "libxds: cannot listen on %s: %s\n", path, strerror(errno));
        close(lfd);
        goto out;
    }
    chmod(path, 0600);

    /* nginx handles its signals on the main thread: the server thread must never receive one. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &attr, server_main, (void *) (intptr_t) lfd) == 0) {
        server_started = 1;
    } else {
        fprintf(stderr, "libxds: pthread_create failed\n");
        close(lfd);
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
    pthread_mutex_unlock(&start_lock);
}

/* ---------- client side (inside the sidecar, through koffi) ---------- */

/* Returns a connected fd, or -errno (e.g. -ENOENT: no socket file, -ECONNREFUSED: nobody listens). */
int xds_client_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;
    if (!path || !*path) path = socket_path();
    if (strlen(path) >= sizeof addr.sun_path) return -ENAMETOOLONG;
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

/*
 * Sends one request and reads the reply. `reply` receives the reply body (per-item results) and
 * must hold reply_cap bytes. Returns the reply body length, -errno on transport failure, or
 * -(1000 + status) when the server refused the whole request.
 */
int xds_client_request(int fd, uint32_t op, const unsigned char *body, uint32_t body_len,
                       uint32_t count, unsigned char *reply, uint32_t reply_cap, int timeout_ms)
{
    struct xds_header req = { XDS_MAGIC, op, count, body_len }, rep;
    int rc = write_all(fd, &req, sizeof req);
    if (rc == 0 && body_len > 0) rc = write_all(fd, body, body_len);
    if (rc == 0) rc = read_all(fd, &rep, sizeof rep, timeout_ms);
    if (rc != 0) return rc;
    if (rep.magic != XDS_MAGIC) return -EPROTO;
    if (rep.op_or_status != 0) return -(1000 + (int) rep.op_or_status);
    if (rep.body_len > reply_cap) return -EMSGSIZE;
    rc = read_all(fd, reply, rep.body_len, timeout_ms);
    return rc != 0 ? rc : (int) rep.body_len;
}

/* 1 while the peer is there, 0 once it closed (worker exited) or the fd is broken. */
int xds_client_alive(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int r = poll(&pfd, 1, 0);
    if (r < 0) return 0;
    if (r == 0) return 1;
    /* The server never talks unprompted: readable or hung up means it went away. */
    return 0;
}

void xds_client_close(int fd)
{
    if (fd >= 0) close(fd);
}
