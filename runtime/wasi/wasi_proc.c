/*
 * WASI preview1: arguments, environment, clocks, random bytes, poll_oneoff,
 * process exit and yield, and the socket functions (which answer ENOTSUP:
 * kiln hands no sockets to the guest).
 *
 * Invariants: every guest range is checked before the first byte is written,
 * so a call that fails with EFAULT has changed nothing in guest memory.
 * poll_oneoff reads all subscriptions into host memory before it writes an
 * event, so overlapping in/out arrays behave as if copied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "kiln_common.h"
#include "wasi.h"

/* ---- args and environment ------------------------------------------------------ */

static wasi_errno strings_sizes_get(wasi_mem *mem, uint32_t count, uint32_t buf_size,
                                    uint32_t count_ptr, uint32_t size_ptr)
{
    uint8_t *count_out = wasi_mem_range(mem, count_ptr, 4);
    uint8_t *size_out = wasi_mem_range(mem, size_ptr, 4);
    if (count_out == NULL || size_out == NULL)
        return WASI_EFAULT;
    kiln_write_u32le(count_out, count);
    kiln_write_u32le(size_out, buf_size);
    return WASI_ESUCCESS;
}

/* Writes the pointer array and the packed strings (see pack_strings). */
static wasi_errno strings_get(wasi_mem *mem, const char *buf, uint32_t count,
                              uint32_t buf_size, uint32_t array_ptr, uint32_t buf_ptr)
{
    uint8_t *array = wasi_mem_range(mem, array_ptr, (uint64_t)count * 4);
    uint8_t *dest = wasi_mem_range(mem, buf_ptr, buf_size);
    if (array == NULL || dest == NULL)
        return WASI_EFAULT;
    if (buf_size != 0)
        memmove(dest, buf, buf_size);
    uint32_t pos = 0;
    for (uint32_t i = 0; i < count; i++) {
        kiln_write_u32le(array + (size_t)i * 4, buf_ptr + pos);
        pos += (uint32_t)strlen(buf + pos) + 1;
    }
    return WASI_ESUCCESS;
}

wasi_errno wasi_args_sizes_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return strings_sizes_get(mem, wasi->argc, wasi->args_buf_size, wasi_arg_u32(args, 0),
                             wasi_arg_u32(args, 1));
}

wasi_errno wasi_args_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return strings_get(mem, wasi->args_buf, wasi->argc, wasi->args_buf_size,
                       wasi_arg_u32(args, 0), wasi_arg_u32(args, 1));
}

wasi_errno wasi_environ_sizes_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return strings_sizes_get(mem, wasi->envc, wasi->env_buf_size, wasi_arg_u32(args, 0),
                             wasi_arg_u32(args, 1));
}

wasi_errno wasi_environ_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return strings_get(mem, wasi->env_buf, wasi->envc, wasi->env_buf_size,
                       wasi_arg_u32(args, 0), wasi_arg_u32(args, 1));
}

/* ---- clocks ---------------------------------------------------------------------- */

static bool host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return true;
    case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    case WASI_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case WASI_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t ts_to_ns(struct timespec ts)
{
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static wasi_errno clock_now(uint32_t id, uint64_t *out_ns)
{
    clockid_t clock;
    if (!host_clock(id, &clock))
        return WASI_EINVAL;
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return wasi_errno_from_host(errno);
    *out_ns = ts_to_ns(ts);
    return WASI_ESUCCESS;
}

wasi_errno wasi_clock_res_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)wasi;
    clockid_t clock;
    if (!host_clock(wasi_arg_u32(args, 0), &clock))
        return WASI_EINVAL;
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 1), 8);
    if (out == NULL)
        return WASI_EFAULT;
    struct timespec ts;
    if (clock_getres(clock, &ts) != 0)
        return wasi_errno_from_host(errno);
    kiln_write_u64le(out, ts_to_ns(ts));
    return WASI_ESUCCESS;
}

wasi_errno wasi_clock_time_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)wasi;
    /* args[1] is the precision the guest can tolerate: the host clock is
     * always at least as precise as we can make it, so it is not used. */
    uint64_t now = 0;
    wasi_errno e = clock_now(wasi_arg_u32(args, 0), &now);
    if (e != WASI_ESUCCESS)
        return e;
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 2), 8);
    if (out == NULL)
        return WASI_EFAULT;
    kiln_write_u64le(out, now);
    return WASI_ESUCCESS;
}

/* ---- random, yield, exit --------------------------------------------------------- */

wasi_errno wasi_random_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)wasi;
    uint32_t len = wasi_arg_u32(args, 1);
    uint8_t *buf = wasi_mem_range(mem, wasi_arg_u32(args, 0), len);
    if (buf == NULL)
        return WASI_EFAULT;
    int host_errno = 0;
    if (!wasi_os_random(buf, len, &host_errno))
        return wasi_errno_from_host(host_errno);
    return WASI_ESUCCESS;
}

wasi_errno wasi_sched_yield(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)wasi;
    (void)mem;
    (void)args;
    sched_yield();
    return WASI_ESUCCESS;
}

wasi_errno wasi_proc_exit(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)wasi;
    /* The adapter turns the request into kiln_caller_exit, which unwinds
     * the whole call chain; the exit code is the process's exit status. */
    mem->exit_requested = true;
    mem->exit_code = args[0].of.i32;
    return WASI_ESUCCESS;
}

wasi_errno wasi_proc_raise(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)wasi;
    (void)mem;
    (void)args;
    /* Delivering host signals on behalf of a guest is not something a
     * sandbox should do; preview1 dropped the function for that reason. */
    return WASI_ENOSYS;
}

/* ---- sockets --------------------------------------------------------------------- */

/* kiln never hands a socket to a guest (no sock_open in preview1 and no
 * socket preopens), so a descriptor is either not open (EBADF), not a socket
 * (ENOTSOCK), or a stdio socket we do not drive (ENOTSUP). */
static wasi_errno sock_answer(kiln_wasi *wasi, uint32_t fd)
{
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, fd, 0, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    if (entry->filetype != WASI_FILETYPE_SOCKET_STREAM &&
        entry->filetype != WASI_FILETYPE_SOCKET_DGRAM)
        return WASI_ENOTSOCK;
    return WASI_ENOTSUP;
}

wasi_errno wasi_sock_accept(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    return sock_answer(wasi, wasi_arg_u32(args, 0));
}

wasi_errno wasi_sock_recv(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    return sock_answer(wasi, wasi_arg_u32(args, 0));
}

wasi_errno wasi_sock_send(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    return sock_answer(wasi, wasi_arg_u32(args, 0));
}

wasi_errno wasi_sock_shutdown(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    return sock_answer(wasi, wasi_arg_u32(args, 0));
}

/* ---- poll_oneoff ----------------------------------------------------------------- */

typedef struct poll_sub {
    uint64_t userdata;
    uint8_t type;        /* WASI_EVENTTYPE_* */
    wasi_errno error;    /* set when the subscription itself is bad */
    uint32_t clock_id;   /* clock subscriptions */
    uint64_t deadline;   /* absolute, in ns of clock_id */
    int poll_index;      /* fd subscriptions: index in the pollfd array, or -1 */
    int host_fd;
    bool regular_file;
} poll_sub;

/* Nanoseconds until the earliest clock deadline (0 when one has passed),
 * or UINT64_MAX when there is no clock subscription. */
static uint64_t earliest_timeout(const poll_sub *subs, uint32_t count)
{
    uint64_t best = UINT64_MAX;
    for (uint32_t i = 0; i < count; i++) {
        if (subs[i].type != WASI_EVENTTYPE_CLOCK || subs[i].error != WASI_ESUCCESS)
            continue;
        uint64_t now = 0;
        if (clock_now(subs[i].clock_id, &now) != WASI_ESUCCESS)
            continue;
        uint64_t left = subs[i].deadline > now ? subs[i].deadline - now : 0;
        if (left < best)
            best = left;
    }
    return best;
}

static void write_event(uint8_t *out, uint64_t userdata, wasi_errno error, uint8_t type,
                        uint64_t nbytes, uint16_t flags)
{
    memset(out, 0, WASI_EVENT_SIZE);
    kiln_write_u64le(out, userdata);
    out[8] = (uint8_t)error;
    out[9] = (uint8_t)(error >> 8);
    out[10] = type;
    kiln_write_u64le(out + 16, nbytes);
    out[24] = (uint8_t)flags;
    out[25] = (uint8_t)(flags >> 8);
}

/* Bytes a read would return now: what is left of a regular file, or what
 * the host says is queued on a stream. */
static uint64_t readable_bytes(const poll_sub *sub)
{
    if (!sub->regular_file)
        return wasi_os_bytes_readable(sub->host_fd);
    struct stat st;
    off_t pos = lseek(sub->host_fd, 0, SEEK_CUR);
    if (fstat(sub->host_fd, &st) != 0 || pos < 0 || st.st_size < pos)
        return 0;
    return (uint64_t)(st.st_size - pos);
}

/* Parses the subscriptions; fd ones get a pollfd, bad ones an error. */
static wasi_errno parse_subscriptions(kiln_wasi *wasi, const uint8_t *in, uint32_t count,
                                      poll_sub *subs, struct pollfd *pfds, nfds_t *npfds)
{
    *npfds = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *s = in + (size_t)i * WASI_SUBSCRIPTION_SIZE;
        poll_sub *sub = &subs[i];
        memset(sub, 0, sizeof *sub);
        sub->userdata = kiln_read_u64le(s);
        sub->type = s[8];
        sub->poll_index = -1;
        if (sub->type == WASI_EVENTTYPE_CLOCK) {
            sub->clock_id = kiln_read_u32le(s + 16);
            uint64_t timeout = kiln_read_u64le(s + 24);
            uint16_t flags = kiln_read_u16le(s + 40);
            uint64_t now = 0;
            sub->error = clock_now(sub->clock_id, &now);
            if (sub->error != WASI_ESUCCESS)
                continue;
            if ((flags & WASI_SUBCLOCK_ABSTIME) != 0)
                sub->deadline = timeout;
            else
                sub->deadline = timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
        } else if (sub->type == WASI_EVENTTYPE_FD_READ ||
                   sub->type == WASI_EVENTTYPE_FD_WRITE) {
            wasi_fd *entry = NULL;
            uint64_t right = sub->type == WASI_EVENTTYPE_FD_READ ? WASI_RIGHT_FD_READ
                                                                 : WASI_RIGHT_FD_WRITE;
            sub->error = wasi_fd_lookup(wasi, kiln_read_u32le(s + 16),
                                        right | WASI_RIGHT_POLL_FD_READWRITE, &entry);
            if (sub->error != WASI_ESUCCESS)
                continue;
            sub->host_fd = entry->host_fd;
            sub->regular_file = entry->filetype == WASI_FILETYPE_REGULAR_FILE;
            sub->poll_index = (int)*npfds;
            pfds[*npfds].fd = entry->host_fd;
            pfds[*npfds].events = sub->type == WASI_EVENTTYPE_FD_READ ? POLLIN : POLLOUT;
            pfds[*npfds].revents = 0;
            (*npfds)++;
        } else {
            return WASI_EINVAL;
        }
    }
    return WASI_ESUCCESS;
}

/* Waits up to timeout_ns (UINT64_MAX: forever) for the pollfds. */
static wasi_errno wait_events(struct pollfd *pfds, nfds_t npfds, uint64_t timeout_ns)
{
    if (npfds == 0) {
        if (timeout_ns == UINT64_MAX)
            return WASI_EINVAL; /* nothing could ever wake us */
        struct timespec ts = {(time_t)(timeout_ns / 1000000000u),
                              (long)(timeout_ns % 1000000000u)};
        while (nanosleep(&ts, &ts) != 0) {
            if (errno != EINTR)
                return wasi_errno_from_host(errno);
        }
        return WASI_ESUCCESS;
    }
    int ms = -1;
    if (timeout_ns != UINT64_MAX) {
        uint64_t rounded = (timeout_ns + 999999u) / 1000000u; /* never wake early */
        ms = rounded > INT32_MAX ? INT32_MAX : (int)rounded;
    }
    if (poll(pfds, npfds, ms) < 0 && errno != EINTR)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

wasi_errno wasi_poll_oneoff(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    uint32_t count = wasi_arg_u32(args, 2);
    const uint8_t *in = wasi_mem_range(mem, wasi_arg_u32(args, 0),
                                       (uint64_t)count * WASI_SUBSCRIPTION_SIZE);
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 1),
                                  (uint64_t)count * WASI_EVENT_SIZE);
    uint8_t *nevents_out = wasi_mem_range(mem, wasi_arg_u32(args, 3), 4);
    if (in == NULL || out == NULL || nevents_out == NULL)
        return WASI_EFAULT;
    if (count == 0)
        return WASI_EINVAL; /* would block forever */
    poll_sub *subs = kiln_calloc(count, sizeof *subs);
    struct pollfd *pfds = kiln_calloc(count, sizeof *pfds);
    wasi_errno e = WASI_ENOMEM;
    if (subs == NULL || pfds == NULL)
        goto out;
    nfds_t npfds = 0;
    e = parse_subscriptions(wasi, in, count, subs, pfds, &npfds);
    if (e != WASI_ESUCCESS)
        goto out;
    uint32_t nevents = 0;
    for (;;) {
        bool have_errors = false;
        for (uint32_t i = 0; i < count; i++)
            have_errors = have_errors || subs[i].error != WASI_ESUCCESS;
        /* A bad subscription is an event already: do not wait. */
        uint64_t timeout = have_errors ? 0 : earliest_timeout(subs, count);
        e = wait_events(pfds, npfds, timeout);
        if (e != WASI_ESUCCESS)
            goto out;
        for (uint32_t i = 0; i < count; i++) {
            poll_sub *sub = &subs[i];
            uint8_t *ev = out + (size_t)nevents * WASI_EVENT_SIZE;
            if (sub->error != WASI_ESUCCESS) {
                write_event(ev, sub->userdata, sub->error, sub->type, 0, 0);
                nevents++;
            } else if (sub->type == WASI_EVENTTYPE_CLOCK) {
                uint64_t now = 0;
                if (clock_now(sub->clock_id, &now) == WASI_ESUCCESS && now >= sub->deadline) {
                    write_event(ev, sub->userdata, WASI_ESUCCESS, sub->type, 0, 0);
                    nevents++;
                }
            } else {
                short revents = pfds[sub->poll_index].revents;
                if (revents == 0)
                    continue;
                uint16_t flags = (revents & POLLHUP) != 0 ? WASI_EVENT_FD_READWRITE_HANGUP : 0;
                wasi_errno fd_error = (revents & POLLNVAL) != 0 ? WASI_EBADF : WASI_ESUCCESS;
                uint64_t nbytes =
                    sub->type == WASI_EVENTTYPE_FD_READ ? readable_bytes(sub) : 0;
                write_event(ev, sub->userdata, fd_error, sub->type, nbytes, flags);
                nevents++;
            }
        }
        if (nevents != 0)
            break;
    }
    kiln_write_u32le(nevents_out, nevents);
    e = WASI_ESUCCESS;
out:
    kiln_free(subs);
    kiln_free(pfds);
    return e;
}
