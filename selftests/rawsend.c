// SPDX-License-Identifier: GPL-2.0
/*
 * rawsend IFACE DST_MAC SRC_IP DST_IP COUNT SIZE [bypass]: send COUNT
 * Ethernet frames of SIZE bytes (IPv4/UDP to port 9) out of IFACE through
 * an AF_PACKET socket; with "bypass", set PACKET_QDISC_BYPASS, which hands
 * the frames to the driver directly, past the qdisc, tc and netfilter
 * egress hooks. Tests only: IFACE is a veth the test made, the addresses
 * are from 198.18.0.0/15. Frames the stack refuses (ENOBUFS: a hook
 * dropped them) are counted; prints "sent N refused M".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/udp.h>

static int parse_mac(const char *s, unsigned char mac[ETH_ALEN])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
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
