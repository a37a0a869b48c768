// Builds Ethernet frames carrying one UDP datagram (IPv4 or IPv6, with up to two VLAN tags), ARP
// requests and IPv6 neighbour solicitations: what a sender on the wire would put there.
//
// The load generator uses it to write pcap files for DPDK's net_pcap replay, and the tests and
// benchmarks use it to craft good and deliberately broken frames for the parser in packet.h. It is
// not on the receive path. Free functions; any thread.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "dataplane/packet.h"

namespace tc::dataplane {

// Addressing of one synthetic UDP datagram. Ports are host byte order; IPv4 addresses host order.
struct UdpFrameSpec {
  MacAddress src_mac{0x02, 0, 0, 0, 0, 0x01};
  MacAddress dst_mac{0x02, 0, 0, 0, 0, 0x02};
  int vlan_tags = 0;  // 0, 1 (802.1Q) or 2 (802.1ad outer, 802.1Q inner)
  std::uint16_t vlan_id = 7;
  bool ipv6 = false;
  std::uint32_t src_ipv4 = 0x0a000001;  // 10.0.0.1
  std::uint32_t dst_ipv4 = 0x0a000002;  // 10.0.0.2
  Ipv6Address src_ipv6{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  Ipv6Address dst_ipv6{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  std::uint16_t src_port = 40000;
  std::uint16_t dst_port = 24002;
  bool udp_checksum = true;  // IPv4 only: false writes 0 ("no checksum"); IPv6 always has one
};

// Appends to *out one Ethernet frame (no FCS) carrying `payload` in a UDP datagram per `spec`,
// with a valid IPv4 header checksum (DF set, TTL 64) or IPv6 header (hop limit 64), and a valid UDP
// checksum. Frames shorter than 60 bytes are zero-padded to the Ethernet minimum. Returns the
// frame's length. REQUIRES: payload.size() <= 65'507.
std::size_t append_udp_frame(const UdpFrameSpec& spec, ByteSpan payload, Bytes* out);

// Appends an ARP request ("who has target_ipv4? tell sender_ipv4") broadcast from `sender_mac`.
std::size_t append_arp_request(const MacAddress& sender_mac, std::uint32_t sender_ipv4,
                               std::uint32_t target_ipv4, int vlan_tags, Bytes* out);

// Appends an IPv6 neighbour solicitation for `target` from `sender` (with the source link-layer
// option), sent to target's solicited-node multicast address with a valid ICMPv6 checksum.
std::size_t append_neighbor_solicitation(const MacAddress& sender_mac, const Ipv6Address& sender,
                                         const Ipv6Address& target, Bytes* out);

}  // namespace tc::dataplane
