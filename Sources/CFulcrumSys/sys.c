#define _GNU_SOURCE
#include "CFulcrumSys.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

const int FULCRUM_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int FULCRUM_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int FULCRUM_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const uint32_t FULCRUM_EPOLLIN = EPOLLIN;
const uint32_t FULCRUM_EPOLLOUT = EPOLLOUT;
const uint32_t FULCRUM_EPOLLERR = EPOLLERR;
const uint32_t FULCRUM_EPOLLHUP = EPOLLHUP;
const uint32_t FULCRUM_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t FULCRUM_EPOLLET = EPOLLET;

int fulcrum_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int fulcrum_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event;
    memset(&event, 0, sizeof(event));
    event.events = events;
    event.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &event);
}

int fulcrum_epoll_wait(int epfd, fulcrum_event *out, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int count = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < count; i++) {
        out[i].events = events[i].events;
        out[i].data = events[i].data.u64;
    }
    return count;
}

int fulcrum_accept(int fd, struct sockaddr_storage *address, socklen_t *length) {
    *length = sizeof(struct sockaddr_storage);
    return accept4(fd, (struct sockaddr *)address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int fulcrum_pipe(int fds[2], int size) {
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    if (size > 0) (void)fcntl(fds[1], F_SETPIPE_SZ, size);
    return fcntl(fds[1], F_GETPIPE_SZ);
}

ssize_t fulcrum_splice(int fd_in, int fd_out, size_t length) {
    return splice(fd_in, NULL, fd_out, NULL, length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

int fulcrum_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int fulcrum_eventfd_signal(int fd) {
    uint64_t one = 1;
    return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

int fulcrum_eventfd_drain(int fd) {
    uint64_t value;
    return read(fd, &value, sizeof(value)) == sizeof(value) ? 0 : -1;
}

ssize_t fulcrum_send(int fd, const void *buffer, size_t length) { return send(fd, buffer, length, MSG_NOSIGNAL); }

ssize_t fulcrum_peek(int fd, void *buffer, size_t length) { return recv(fd, buffer, length, MSG_PEEK); }

void fulcrum_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof(truncated) - 1);
    truncated[sizeof(truncated) - 1] = 0;
    pthread_setname_np(pthread_self(), truncated);
}

uint64_t fulcrum_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

uint64_t fulcrum_realtime_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

// MARK: UDP batching

#define FULCRUM_MAX_BATCH 64
#define FULCRUM_CONTROL_SIZE 64

int fulcrum_enable_pktinfo(int fd, int ipv6) {
    int one = 1;
    if (ipv6) return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
    return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
}

int fulcrum_recv_datagrams(int fd, fulcrum_datagram *slots, unsigned int count) {
    struct mmsghdr messages[FULCRUM_MAX_BATCH];
    struct iovec vectors[FULCRUM_MAX_BATCH];
    char control[FULCRUM_MAX_BATCH][FULCRUM_CONTROL_SIZE];
    if (count > FULCRUM_MAX_BATCH) count = FULCRUM_MAX_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = slots[i].buffer;
        vectors[i].iov_len = slots[i].capacity;
        messages[i].msg_hdr.msg_name = &slots[i].peer;
        messages[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = control[i];
        messages[i].msg_hdr.msg_controllen = FULCRUM_CONTROL_SIZE;
    }
    int received = recvmmsg(fd, messages, count, MSG_DONTWAIT, NULL);
    for (int i = 0; i < received; i++) {
        slots[i].length = messages[i].msg_len;
        slots[i].peer_length = messages[i].msg_hdr.msg_namelen;
        memset(&slots[i].local, 0, sizeof(slots[i].local));
        for (struct cmsghdr *header = CMSG_FIRSTHDR(&messages[i].msg_hdr); header != NULL;
             header = CMSG_NXTHDR(&messages[i].msg_hdr, header)) {
            if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO) {
                struct in_pktinfo *info = (struct in_pktinfo *)CMSG_DATA(header);
                struct sockaddr_in *local = (struct sockaddr_in *)&slots[i].local;
                local->sin_family = AF_INET;
                local->sin_addr = info->ipi_addr;
            } else if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_PKTINFO) {
                struct in6_pktinfo *info = (struct in6_pktinfo *)CMSG_DATA(header);
                struct sockaddr_in6 *local = (struct sockaddr_in6 *)&slots[i].local;
                local->sin6_family = AF_INET6;
                local->sin6_addr = info->ipi6_addr;
            }
        }
    }
    return received;
}

int fulcrum_send_datagrams(int fd, fulcrum_datagram *slots, unsigned int count) {
    struct mmsghdr messages[FULCRUM_MAX_BATCH];
    struct iovec vectors[FULCRUM_MAX_BATCH];
    char control[FULCRUM_MAX_BATCH][FULCRUM_CONTROL_SIZE];
    if (count > FULCRUM_MAX_BATCH) count = FULCRUM_MAX_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    memset(control, 0, sizeof(control[0]) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = slots[i].buffer;
        vectors[i].iov_len = slots[i].length;
        messages[i].msg_hdr.msg_name = &slots[i].peer;
        messages[i].msg_hdr.msg_namelen = slots[i].peer_length;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        if (slots[i].local.ss_family == AF_INET) {
            messages[i].msg_hdr.msg_control = control[i];
            messages[i].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
            struct cmsghdr *header = CMSG_FIRSTHDR(&messages[i].msg_hdr);
            header->cmsg_level = IPPROTO_IP;
            header->cmsg_type = IP_PKTINFO;
            header->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
            struct in_pktinfo *info = (struct in_pktinfo *)CMSG_DATA(header);
            info->ipi_spec_dst = ((struct sockaddr_in *)&slots[i].local)->sin_addr;
        } else if (slots[i].local.ss_family == AF_INET6) {
            messages[i].msg_hdr.msg_control = control[i];
            messages[i].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
            struct cmsghdr *header = CMSG_FIRSTHDR(&messages[i].msg_hdr);
            header->cmsg_level = IPPROTO_IPV6;
            header->cmsg_type = IPV6_PKTINFO;
            header->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
            struct in6_pktinfo *info = (struct in6_pktinfo *)CMSG_DATA(header);
            info->ipi6_addr = ((struct sockaddr_in6 *)&slots[i].local)->sin6_addr;
        }
    }
    return sendmmsg(fd, messages, count, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int fulcrum_recv_connected(int fd, fulcrum_datagram *slots, unsigned int count) {
    struct mmsghdr messages[FULCRUM_MAX_BATCH];
    struct iovec vectors[FULCRUM_MAX_BATCH];
    if (count > FULCRUM_MAX_BATCH) count = FULCRUM_MAX_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = slots[i].buffer;
        vectors[i].iov_len = slots[i].capacity;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received = recvmmsg(fd, messages, count, MSG_DONTWAIT, NULL);
    for (int i = 0; i < received; i++) slots[i].length = messages[i].msg_len;
    return received;
}

int fulcrum_send_connected(int fd, fulcrum_datagram *slots, unsigned int count) {
    struct mmsghdr messages[FULCRUM_MAX_BATCH];
    struct iovec vectors[FULCRUM_MAX_BATCH];
    if (count > FULCRUM_MAX_BATCH) count = FULCRUM_MAX_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = slots[i].buffer;
        vectors[i].iov_len = slots[i].length;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    return sendmmsg(fd, messages, count, MSG_DONTWAIT | MSG_NOSIGNAL);
}
