// The Linux calls Fulcrum's engine needs that Swift's Glibc module does not expose (splice, accept4, pipe2,
// eventfd), or makes awkward (epoll_event is a packed struct; recvmmsg/sendmmsg with packet-info control messages).
// Thin wrappers only: no policy, no allocation.
#ifndef CFULCRUMSYS_H
#define CFULCRUMSYS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

/// One readiness event, unpacked from the kernel's packed `struct epoll_event`.
typedef struct {
    uint32_t events;
    uint64_t data;
} fulcrum_event;

int fulcrum_epoll_create(void);
/// `op` is EPOLL_CTL_ADD / MOD / DEL (1 / 3 / 2); `events` the EPOLL* mask.
int fulcrum_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits up to `timeout_ms` (-1 = forever) and unpacks up to `max` events into `out`. Returns the count or -1.
int fulcrum_epoll_wait(int epfd, fulcrum_event *out, int max, int timeout_ms);

/// epoll_ctl operations.
extern const int FULCRUM_EPOLL_CTL_ADD, FULCRUM_EPOLL_CTL_MOD, FULCRUM_EPOLL_CTL_DEL;
/// Event mask bits, re-exported as plain integers (the Glibc module exposes them as enum cases on some versions).
extern const uint32_t FULCRUM_EPOLLIN, FULCRUM_EPOLLOUT, FULCRUM_EPOLLERR, FULCRUM_EPOLLHUP, FULCRUM_EPOLLRDHUP,
    FULCRUM_EPOLLET;

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC.
int fulcrum_accept(int fd, struct sockaddr_storage *address, socklen_t *length);
/// pipe2(2) with O_NONBLOCK | O_CLOEXEC; also tries to set the pipe's capacity to `size` bytes (0 = leave it).
/// Returns the capacity the pipe has (the kernel may refuse a larger one), or -1 with errno set.
int fulcrum_pipe(int fds[2], int size);
/// splice(2) with SPLICE_F_MOVE | SPLICE_F_NONBLOCK between a socket and a pipe.
ssize_t fulcrum_splice(int fd_in, int fd_out, size_t length);
/// eventfd(2), non-blocking and close-on-exec.
int fulcrum_eventfd(void);
int fulcrum_eventfd_signal(int fd);
int fulcrum_eventfd_drain(int fd);

/// send(2) with MSG_NOSIGNAL, so a peer that went away yields EPIPE instead of SIGPIPE.
ssize_t fulcrum_send(int fd, const void *buffer, size_t length);
/// recv(2) with MSG_PEEK: look at bytes without consuming them (PROXY protocol header detection).
ssize_t fulcrum_peek(int fd, void *buffer, size_t length);

/// Names the calling thread (pthread_setname_np; at most 15 characters are kept), for `top -H` and debuggers.
void fulcrum_set_thread_name(const char *name);

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC through the vDSO).
uint64_t fulcrum_monotonic_ns(void);
/// Wall-clock time in nanoseconds since the epoch, for log records.
uint64_t fulcrum_realtime_ns(void);

// MARK: UDP batching

/// One datagram slot for recvmmsg/sendmmsg: the peer address, the local (destination) address taken from the
/// IP_PKTINFO / IPV6_PKTINFO control message, the payload buffer and its length.
typedef struct {
    struct sockaddr_storage peer;
    socklen_t peer_length;
    struct sockaddr_storage local;  // ss_family == 0 when the kernel gave no packet info
    void *buffer;
    size_t capacity;
    size_t length;
} fulcrum_datagram;

/// Enables IP_PKTINFO (IPv4) or IPV6_RECVPKTINFO (IPv6) on a UDP socket so received datagrams carry their local
/// address (needed to answer from the address the client sent to when bound to a wildcard address).
int fulcrum_enable_pktinfo(int fd, int ipv6);
/// recvmmsg(2), non-blocking, into `count` slots; fills peer, local and length. Returns datagrams received or -1.
int fulcrum_recv_datagrams(int fd, fulcrum_datagram *slots, unsigned int count);
/// sendmmsg(2) of `count` slots to each slot's `peer`, sending from each slot's `local` address when set
/// (IP_PKTINFO / IPV6_PKTINFO). Returns datagrams sent or -1.
int fulcrum_send_datagrams(int fd, fulcrum_datagram *slots, unsigned int count);
/// recvmmsg(2) on a connected socket: only payload and length are filled. Returns datagrams received or -1.
int fulcrum_recv_connected(int fd, fulcrum_datagram *slots, unsigned int count);
/// sendmmsg(2) on a connected socket. Returns datagrams sent or -1.
int fulcrum_send_connected(int fd, fulcrum_datagram *slots, unsigned int count);

#endif
