// SPDX-License-Identifier: GPL-2.0
/*
 * rawsend IFACE DST_MAC SRC_IP DST_IP COUNT SIZE [bypass|xsk|routed]: send
 * COUNT Ethernet frames of SIZE bytes (IPv4/UDP to port 9) out of IFACE
 * through an AF_PACKET socket. Their IPv4 header checksum is 0, so that a
 * receiving stack drops them silently (no ICMP answer is charged to the
 * cap besides them); with "routed" it is right, for a router to forward
 * them. With "bypass", set PACKET_QDISC_BYPASS, which hands
 * the frames to the driver directly, past the qdisc and tc (not past
 * netfilter egress, since Linux 5.17); with "xsk", through an AF_XDP
 * socket in copy mode on queue 0, whose frames the kernel hands to the
 * driver past the qdisc, tc and netfilter egress. Tests only: IFACE is a
 * device the test made or moved, the addresses are from 198.18.0.0/15.
 * Frames the stack refuses (ENOBUFS: a hook dropped them) are counted;
 * prints "sent N refused M".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>

static int parse_mac(const char *s, unsigned char mac[ETH_ALEN])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

#define XSK_FRAMES	64
#define XSK_FRAME_SIZE	2048

/* One AF_XDP ring as mmap()ed: producer, consumer, descriptors. */
struct xsk_ring {
	__u32 *producer, *consumer;
	void *desc;
	void *map;
	size_t len;
};

/* The IPv4 header checksum (RFC 791), so that a router forwards the frame. */
static unsigned short ip_csum(const void *hdr, size_t len)
{
	const unsigned char *p = hdr;
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (unsigned long)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((unsigned short)~sum);
}

static int xsk_map(int fd, const struct xdp_ring_offset *off, size_t entry, off_t pgoff,
		   struct xsk_ring *r)
{
	r->len = off->desc + XSK_FRAMES * entry;
	r->map = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, pgoff);
	if (r->map == MAP_FAILED)
		return -1;
	r->producer = (__u32 *)((char *)r->map + off->producer);
	r->consumer = (__u32 *)((char *)r->map + off->consumer);
	r->desc = (char *)r->map + off->desc;
	return 0;
}

/*
 * COUNT copies of frame out of ifindex by AF_XDP (copy mode, queue 0):
 * a umem of XSK_FRAMES frames, each filled once; a frame is reused when
 * the completion ring gives it back. Returns how many were sent, or -1.
 */
static long xsk_send(int ifindex, const unsigned char *frame, long size, long count)
{
	struct xdp_umem_reg mr = { .len = XSK_FRAMES * XSK_FRAME_SIZE,
				   .chunk_size = XSK_FRAME_SIZE };
	struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP, .sxdp_ifindex = (__u32)ifindex,
				     .sxdp_queue_id = 0, .sxdp_flags = XDP_COPY };
	struct xdp_mmap_offsets off;
	socklen_t optlen = sizeof(off);
	struct xsk_ring tx, cq, fq;
	int fd, n = XSK_FRAMES, i, spins = 0;
	unsigned char *umem;
	long sent = 0, done = 0;
	__u32 free_frames = XSK_FRAMES, next = 0;

	umem = mmap(NULL, mr.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (umem == MAP_FAILED)
		return -1;
	for (i = 0; i < XSK_FRAMES; i++)
		memcpy(umem + (size_t)i * XSK_FRAME_SIZE, frame, (size_t)size);
	mr.addr = (__u64)(unsigned long)umem;
	fd = socket(AF_XDP, SOCK_RAW, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) < 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) < 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) < 0 ||
	    setsockopt(fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n)) < 0 ||
	    getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen) < 0 ||
	    xsk_map(fd, &off.tx, sizeof(struct xdp_desc), XDP_PGOFF_TX_RING, &tx) < 0 ||
	    xsk_map(fd, &off.cr, sizeof(__u64), XDP_UMEM_PGOFF_COMPLETION_RING, &cq) < 0 ||
	    xsk_map(fd, &off.fr, sizeof(__u64), XDP_UMEM_PGOFF_FILL_RING, &fq) < 0 ||
	    bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) < 0) {
		perror("rawsend: AF_XDP");
		return -1;
	}
	/* Bounded: give up after 100,000 rounds without progress. */
	while (done < count && spins < 100000) {
		__u32 prod = __atomic_load_n(tx.producer, __ATOMIC_RELAXED);
		__u32 cprod = __atomic_load_n(cq.producer, __ATOMIC_ACQUIRE);
		__u32 ccons = *cq.consumer;
		bool progress = false;

		if (cprod != ccons) {
			done += cprod - ccons;
			free_frames += cprod - ccons;
			__atomic_store_n(cq.consumer, cprod, __ATOMIC_RELEASE);
			progress = true;
		}
		while (free_frames && sent < count) {
			struct xdp_desc *d = (struct xdp_desc *)tx.desc + (prod & (XSK_FRAMES - 1));

			d->addr = (__u64)(next++ % XSK_FRAMES) * XSK_FRAME_SIZE;
			d->len = (__u32)size;
			d->options = 0;
			prod++;
			free_frames--;
			sent++;
			progress = true;
		}
		__atomic_store_n(tx.producer, prod, __ATOMIC_RELEASE);
		/* The kick: in copy mode, sendto() transmits what the ring holds. */
		if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS) {
			perror("rawsend: AF_XDP sendto");
			return -1;
		}
		spins = progress ? 0 : spins + 1;
	}
	close(fd);
	return done;
}

int main(int argc, char **argv)
{
	unsigned char frame[ETH_FRAME_LEN];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	struct ethhdr *eth = (struct ethhdr *)frame;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	struct in_addr src, dst;
	struct ifreq ifr = { 0 };
	int fd, one = 1;
	long count, size, i, sent = 0, refused = 0;

	if (argc < 7) {
		fprintf(stderr, "usage: rawsend IFACE DST_MAC SRC_IP DST_IP COUNT SIZE [bypass]\n");
		return 2;
	}
	count = atol(argv[5]);
	size = atol(argv[6]);
	if (parse_mac(argv[2], eth->h_dest) || !inet_aton(argv[3], &src) ||
	    !inet_aton(argv[4], &dst) || count < 1 || count > 1000000 ||
	    size < (long)(sizeof(*eth) + sizeof(*ip) + sizeof(*udp)) || size > ETH_FRAME_LEN ||
	    (ntohl(dst.s_addr) & 0xfffe0000) != 0xc6120000) {
		fprintf(stderr, "rawsend: bad arguments (the destination must be in 198.18.0.0/15)\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("rawsend: socket");
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("rawsend: interface");
		return 1;
	}
	sll.sll_ifindex = if_nametoindex(argv[1]);
	memcpy(eth->h_source, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(sll.sll_addr, eth->h_dest, ETH_ALEN);
	if (argc > 7 && strcmp(argv[7], "bypass") && strcmp(argv[7], "xsk") &&
	    strcmp(argv[7], "routed")) {
		fprintf(stderr, "rawsend: unknown mode '%s' (bypass, xsk or routed)\n", argv[7]);
		return 2;
	}
	if (argc > 7 && !strcmp(argv[7], "bypass") &&
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		perror("rawsend: PACKET_QDISC_BYPASS");
		return 1;
	}

	memset(frame + sizeof(*eth), 0, (size_t)size - sizeof(*eth));
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((unsigned short)(size - (long)sizeof(*eth)));
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	udp->source = htons(9);
	udp->dest = htons(9);
	udp->len = htons((unsigned short)(size - (long)sizeof(*eth) - (long)sizeof(*ip)));
	if (argc > 7 && !strcmp(argv[7], "routed"))
		ip->check = ip_csum(ip, sizeof(*ip));	/* the UDP checksum stays 0: none */

	if (argc > 7 && !strcmp(argv[7], "xsk")) {
		sent = xsk_send(sll.sll_ifindex, frame, size, count);
		if (sent < 0)
			return 1;
		printf("sent %ld refused %ld\n", sent, count - sent);
		return 0;
	}
	for (i = 0; i < count; i++) {
		if (sendto(fd, frame, (size_t)size, 0, (struct sockaddr *)&sll, sizeof(sll)) == size) {
			sent++;
		} else if (errno == ENOBUFS) {
			refused++;
		} else {
			perror("rawsend: sendto");
			return 1;
		}
	}
	printf("sent %ld refused %ld\n", sent, refused);
	close(fd);
	return 0;
}
