/*
 * Readiness watchers on raw fds, driven by libuv's uv_poll_t on the Node event loop (no thread
 * pool, no blocking reads, so close is immediate and a dump of thousands of datagrams costs one
 * JavaScript call per batch).
 *
 * watchNetlink(fd, cb): cb(errnoName | undefined, datagrams: Buffer[]) per batch read from a
 *   netlink socket. A receive-buffer overflow arrives as cb("ENOBUFS", datagrams) and polling goes
 *   on, so the caller can resync with a fresh dump (the standard netlink answer to lost messages).
 * watchConnect(fd, cb): cb(errnoName | undefined) once, when a non-blocking connect finishes.
 * Other batch watchers (watchUdp in udp.c) share this machinery through watch_batches, with a
 * batch_reader of their own.
 *
 * libuv reports POLLERR as UV_EBADF and stops the handle; we read the socket's real pending error
 * (SO_ERROR, which also clears it) instead of trusting that code.
 */
#include "petrel.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <uv.h>

/* Datagrams handed to JavaScript per wake-up, so a long dump cannot starve the event loop. */
#define NETLINK_BATCH_MAX 256
/* Larger than any datagram the kernel builds for a dump or notification (32 KiB at most). */
#define NETLINK_RECV_SIZE 65536

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  unsigned char *buffer; /* receive buffer, batch watchers only */
  batch_reader read;     /* batch watchers only */
  int fd;
  bool closing;       /* uv_close was called */
  bool closed;        /* its callback ran: the handle memory is free to go */
  bool external_gone; /* the JavaScript handle object was finalized */
} watcher;

static void release(watcher *w) {
  if (!w->closed || !w->external_gone) return;
  free(w->buffer);
  free(w);
}

static void on_closed(uv_handle_t *handle) {
  watcher *w = handle->data;
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->async);
  if (w->cleanup) napi_remove_async_cleanup_hook(w->cleanup);
  w->closed = true;
  release(w);
}

static void watch_close(watcher *w) {
  if (w->closing) return;
  w->closing = true;
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

/* Environment teardown (process exit, worker termination) closes watchers left open. */
static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *data) {
  (void)handle;
  watch_close(data);
}

static void on_external_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  watcher *w = data;
  w->external_gone = true;
  watch_close(w);
  release(w);
}

static int pending_error(int fd) {
  int pending = 0;
  socklen_t length = sizeof pending;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 ? pending : errno;
}

/* Calls the JavaScript callback inside the caller's handle scope; a throw becomes uncaught. */
static void deliver(watcher *w, int err, napi_value datagrams) {
  napi_env env = w->env;
  napi_value callback, global, argv[2];
  napi_get_reference_value(env, w->callback, &callback);
  napi_get_global(env, &global);
  argv[0] = errno_result(env, err);
  if (datagrams)
    argv[1] = datagrams;
  else
    napi_get_undefined(env, &argv[1]);
  if (napi_make_callback(env, w->async, global, callback, 2, argv, NULL) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

/*
 * Reads up to a batch of kernel datagrams into array. An overflow (ENOBUFS) or a truncated
 * datagram loses messages but leaves the socket usable, so reading goes on and the first such
 * error is returned after the batch; any other error ends the batch.
 */
static int read_netlink_batch(napi_env env, int fd, unsigned char *buffer, napi_value array,
                              uint32_t *count) {
  int lost = 0;
  for (int attempt = 0; attempt < NETLINK_BATCH_MAX; attempt++) {
    struct sockaddr_nl source;
    struct iovec iov = {.iov_base = buffer, .iov_len = NETLINK_RECV_SIZE};
    struct msghdr msg = {
        .msg_name = &source, .msg_namelen = sizeof source, .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t length = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (length < 0 && errno == EINTR) continue;
    if (length < 0 && errno == ENOBUFS) {
      if (!lost) lost = ENOBUFS;
      continue;
    }
    if (length < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? lost : errno;
    if (msg.msg_flags & MSG_TRUNC) {
      if (!lost) lost = EMSGSIZE;
      continue;
    }
    /* Only the kernel (port 0) speaks rtnetlink to us; drop anything else. */
    if (source.nl_pid != 0) continue;
    napi_value datagram;
    napi_create_buffer_copy(env, (size_t)length, buffer, NULL, &datagram);
    napi_set_element(env, array, (*count)++, datagram);
  }
  return lost;
}

/*
 * The error of a wake-up is delivered after its datagrams, so an 'error' listener that starts a
 * resync runs once the queue has been drained, when the kernel accepts notifications again.
 */
static void on_batch_ready(uv_poll_t *poll, int status, int events) {
  (void)events;
  watcher *w = poll->data;
  napi_handle_scope scope;
  napi_value array;
  uint32_t count = 0;
  int err = 0;
  napi_open_handle_scope(w->env, &scope);
  napi_create_array(w->env, &array);
  if (status < 0) {
    err = pending_error(w->fd);
    int restart = uv_poll_start(poll, UV_READABLE, on_batch_ready);
    if (restart < 0 && !err) err = -restart;
  }
  if (uv_is_active((uv_handle_t *)poll)) {
    int read_err = w->read(w->env, w->fd, w->buffer, array, &count);
    if (!err) err = read_err;
  }
  if (count > 0 || err) deliver(w, err, array);
  napi_close_handle_scope(w->env, scope);
}

static void on_connect_ready(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  watcher *w = poll->data;
  int err = pending_error(w->fd);
  if (!err) {
    /* Writable with no pending error but not connected (an error already consumed): say so. */
    struct sockaddr_storage peer;
    socklen_t length = sizeof peer;
    if (getpeername(w->fd, (struct sockaddr *)&peer, &length) != 0) err = errno;
  }
  /* One shot: the fd is about to be handed to a net.Socket, which must own its epoll entry. */
  watch_close(w);
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  deliver(w, err, NULL);
  napi_close_handle_scope(w->env, scope);
}

/*
 * Shared constructor: returns the handle object, or an errno name when the fd can't be polled.
 * The N-API resources are made before the uv handle, so each failure unwinds exactly what exists.
 */
static napi_value watch(napi_env env, napi_callback_info info, int events, uv_poll_cb cb,
                        batch_reader read, const char *name, size_t buffer_size) {
  napi_value argv[2];
  int32_t fd;
  napi_valuetype type;
  uv_loop_t *loop;
  if (!get_args(env, info, 2, argv) || !get_int32(env, argv[0], &fd)) return NULL;
  if (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "expected a callback function");
    return NULL;
  }
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  watcher *w = calloc(1, sizeof *w);
  if (!w) return errno_result(env, ENOMEM);
  w->env = env;
  w->fd = fd;
  w->read = read;
  w->poll.data = w;
  if (buffer_size > 0 && !(w->buffer = malloc(buffer_size))) {
    free(w);
    return errno_result(env, ENOMEM);
  }
  napi_value resource_name, handle;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok) {
    free(w->buffer);
    free(w);
    napi_throw_error(env, NULL, "petrel addon: could not create a watcher");
    return NULL;
  }
  if (napi_async_init(env, NULL, resource_name, &w->async) != napi_ok) {
    napi_delete_reference(env, w->callback);
    free(w->buffer);
    free(w);
    napi_throw_error(env, NULL, "petrel addon: could not create a watcher");
    return NULL;
  }
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc < 0) {
    napi_async_destroy(env, w->async);
    napi_delete_reference(env, w->callback);
    free(w->buffer);
    free(w);
    return errno_result(env, -rc);
  }
  /* From here the uv handle exists, so every exit goes through uv_close. */
  if (napi_add_async_cleanup_hook(env, on_env_cleanup, w, &w->cleanup) != napi_ok ||
      napi_create_external(env, w, on_external_finalized, NULL, &handle) != napi_ok) {
    w->external_gone = true;
    watch_close(w);
    napi_throw_error(env, NULL, "petrel addon: could not create a watcher");
    return NULL;
  }
  rc = uv_poll_start(&w->poll, events, cb);
  if (rc < 0) {
    watch_close(w);
    return errno_result(env, -rc);
  }
  return handle;
}

napi_value watch_batches(napi_env env, napi_callback_info info, batch_reader read,
                         const char *name, size_t buffer_size) {
  return watch(env, info, UV_READABLE, on_batch_ready, read, name, buffer_size);
}

static napi_value js_watch_netlink(napi_env env, napi_callback_info info) {
  return watch_batches(env, info, read_netlink_batch, "petrel.NetlinkWatch", NETLINK_RECV_SIZE);
}

static napi_value js_watch_connect(napi_env env, napi_callback_info info) {
  return watch(env, info, UV_WRITABLE, on_connect_ready, NULL, "petrel.ConnectWatch", 0);
}

static bool get_watcher(napi_env env, napi_value value, watcher **w) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, (void **)w) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a watcher handle");
    return false;
  }
  return true;
}

/* unwatch(handle): stops watching (idempotent); the fd stays open. */
static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  watcher *w;
  if (!get_args(env, info, 1, argv) || !get_watcher(env, argv[0], &w)) return NULL;
  watch_close(w);
  return errno_result(env, 0);
}

/* refWatch(handle, ref): whether the watcher keeps the event loop alive. */
static napi_value js_ref_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  watcher *w;
  bool ref;
  if (!get_args(env, info, 2, argv) || !get_watcher(env, argv[0], &w)) return NULL;
  if (napi_get_value_bool(env, argv[1], &ref) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a boolean");
    return NULL;
  }
  if (!w->closing) {
    if (ref)
      uv_ref((uv_handle_t *)&w->poll);
    else
      uv_unref((uv_handle_t *)&w->poll);
  }
  return errno_result(env, 0);
}

bool define_watch_functions(napi_env env, napi_value exports) {
  return define_function(env, exports, "watchNetlink", js_watch_netlink) &&
         define_function(env, exports, "watchConnect", js_watch_connect) &&
         define_function(env, exports, "unwatch", js_unwatch) &&
         define_function(env, exports, "refWatch", js_ref_watch);
}
