#include "dataplane/packet.h"

#include <cstring>

namespace tc::dataplane {
namespace {

constexpr std::uint16_t kArpOpRequest = 1;
constexpr std::uint16_t kArpOpReply = 2;
constexpr std::uint8_t kIcmpv6NeighborSolicitation = 135;
constexpr std::uint8_t kIcmpv6NeighborAdvertisement = 136;
constexpr std::uint8_t kNdOptionTargetLinkLayer = 2;
constexpr std::size_t kEthernetMinFrameBytes = 60;  // without FCS

bool is_group_mac(const std::uint8_t* mac) {
  return (mac[0] & 1) != 0;
}  // broadcast/multicast

void drop(FrameInfo* out, IngressOutcome reason) {
  out->kind = FrameKind::kDrop;
  out->drop = reason;
}

void classify_arp(ByteSpan frame, std::size_t offset, const LocalEndpoint& local, FrameInfo* out) {
  if (frame.size() - offset < kArpIpv4Bytes) return drop(out, IngressOutcome::kTooShort);
  const std::uint8_t* arp = frame.data() + offset;
  // Ethernet / IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4.
  if (load_u16_be(arp) != 1 || load_u16_be(arp + 2) != kEtherTypeIpv4 || arp[4] != 6 ||
      arp[5] != 4) {
    return drop(out, IngressOutcome::kNotIp);
  }
  if (load_u16_be(arp + 6) != kArpOpRequest || !local.has_ipv4 ||
      load_u32_be(arp + 24) != local.ipv4) {
    return drop(out, IngressOutcome::kNotForUs);
  }
  out->kind = FrameKind::kArpRequest;
  out->l3_offset = static_cast<std::uint16_t>(offset);
}

void classify_udp(const std::uint8_t* udp, std::size_t ip_payload_bytes, ByteSpan src_ip,
                  ByteSpan dst_ip, bool ipv6, const LocalEndpoint& local, FrameInfo* out) {
  if (ip_payload_bytes < kUdpHeaderBytes) return drop(out, IngressOutcome::kTooShort);
  const std::uint16_t udp_bytes = load_u16_be(udp + 4);
  if (udp_bytes < kUdpHeaderBytes || udp_bytes > ip_payload_bytes) {
    return drop(out, IngressOutcome::kBadUdpLength);
  }
  if (load_u16_be(udp + 2) != local.udp_port) return drop(out, IngressOutcome::kWrongPort);
  const std::uint16_t checksum = load_u16_be(udp + 6);
  if (local.verify_udp_checksum && (ipv6 || checksum != 0)) {
    // Summing the segment with its checksum field in place gives 0xffff when it is right.
    std::uint32_t sum = checksum_add(0, src_ip);
    sum = checksum_add(sum, dst_ip);
    std::uint8_t pseudo[4] = {0, kIpProtocolUdp, 0, 0};
    store_u16_be(pseudo + 2, udp_bytes);
    sum = checksum_add(sum, ByteSpan(pseudo, 4));
    sum = checksum_add(sum, ByteSpan(udp, udp_bytes));
    if (checksum_finish(sum) != 0) return drop(out, IngressOutcome::kBadUdpChecksum);
  }
  out->kind = FrameKind::kDatagram;
  out->payload = ByteSpan(udp + kUdpHeaderBytes, udp_bytes - kUdpHeaderBytes);
  if (ipv6) {
    std::memcpy(out->source.ip.data(), src_ip.data(), 16);
    out->source.port = load_u16_be(udp);
  } else {
    out->source = SourceAddress::from_ipv4(load_u32_be(src_ip.data()), load_u16_be(udp));
  }
}

void classify_ipv4(ByteSpan frame, std::size_t offset, const LocalEndpoint& local, FrameInfo* out) {
  const std::size_t available = frame.size() - offset;
  if (available < kIpv4MinHeaderBytes) return drop(out, IngressOutcome::kTooShort);
  const std::uint8_t* ip = frame.data() + offset;
  const std::size_t header_bytes = std::size_t{ip[0] & 0x0fu} * 4;
  const std::uint16_t total_bytes = load_u16_be(ip + 2);
  if ((ip[0] >> 4) != 4 || header_bytes < kIpv4MinHeaderBytes || header_bytes > available ||
      total_bytes < header_bytes || total_bytes > available) {
    return drop(out, IngressOutcome::kBadIpHeader);
  }
  if (checksum_finish(checksum_add(0, ByteSpan(ip, header_bytes))) != 0) {
    return drop(out, IngressOutcome::kBadIpHeader);
  }
  // MF flag or a non-zero fragment offset: a transaction always fits one unfragmented datagram.
  if ((load_u16_be(ip + 6) & 0x3fffu) != 0) return drop(out, IngressOutcome::kFragment);
  if (!local.has_ipv4 || load_u32_be(ip + 16) != local.ipv4) {
    return drop(out, IngressOutcome::kNotForUs);
  }
  if (ip[9] != kIpProtocolUdp) return drop(out, IngressOutcome::kNotUdp);
  out->l3_offset = static_cast<std::uint16_t>(offset);
  classify_udp(ip + header_bytes, total_bytes - header_bytes, ByteSpan(ip + 12, 4),
               ByteSpan(ip + 16, 4), false, local, out);
}

bool is_solicited_node_multicast_of(const std::uint8_t* dst, const Ipv6Address& address) {
  static constexpr std::uint8_t kPrefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
  return std::memcmp(dst, kPrefix, 13) == 0 && std::memcmp(dst + 13, address.data() + 13, 3) == 0;
}

void classify_ipv6(ByteSpan frame, std::size_t offset, const LocalEndpoint& local, FrameInfo* out) {
  const std::size_t available = frame.size() - offset;
  if (available < kIpv6HeaderBytes) return drop(out, IngressOutcome::kTooShort);
  const std::uint8_t* ip = frame.data() + offset;
  const std::size_t payload_bytes = load_u16_be(ip + 4);
  if ((ip[0] >> 4) != 6 || payload_bytes > available - kIpv6HeaderBytes) {
    return drop(out, IngressOutcome::kBadIpHeader);
  }
  if (!local.has_ipv6) return drop(out, IngressOutcome::kNotIp);
  const std::uint8_t next_header = ip[6];
  const std::uint8_t* dst = ip + 24;
  out->l3_offset = static_cast<std::uint16_t>(offset);
  if (next_header == kIpProtocolIcmpv6) {
    const std::uint8_t* icmp = ip + kIpv6HeaderBytes;
    const bool for_us = std::memcmp(dst, local.ipv6.data(), 16) == 0 ||
                        is_solicited_node_multicast_of(dst, local.ipv6);
    if (payload_bytes < kNeighborMessageBytes || !for_us ||
        icmp[0] != kIcmpv6NeighborSolicitation || icmp[1] != 0 || ip[7] != 255 ||
        std::memcmp(icmp + 8, local.ipv6.data(), 16) != 0) {
      return drop(out, IngressOutcome::kNotForUs);
    }
    std::uint32_t sum = checksum_add(0, ByteSpan(ip + 8, 32));
    std::uint8_t pseudo[8] = {};
    store_u32_be(pseudo, static_cast<std::uint32_t>(payload_bytes));
    pseudo[7] = kIpProtocolIcmpv6;
    sum = checksum_add(sum, ByteSpan(pseudo, 8));
    sum = checksum_add(sum, ByteSpan(icmp, payload_bytes));
    if (checksum_finish(sum) != 0) return drop(out, IngressOutcome::kBadIpHeader);
    out->kind = FrameKind::kNeighborSolicitation;
    return;
  }
  if (next_header != kIpProtocolUdp) {
    // Hop-by-hop, routing, fragment, destination options, ...: senders of one small datagram
    // have no reason to use them, and walking the chain would be unbounded work per packet.
    return drop(out, (next_header == 0 || next_header == 43 || next_header == 44 ||
                      next_header == 60 || next_header == 51 || next_header == 50)
                         ? IngressOutcome::kIpv6ExtensionHeader
                         : IngressOutcome::kNotUdp);
  }
  if (std::memcmp(dst, local.ipv6.data(), 16) != 0) return drop(out, IngressOutcome::kNotForUs);
  classify_udp(ip + kIpv6HeaderBytes, payload_bytes, ByteSpan(ip + 8, 16), ByteSpan(ip + 24, 16),
               true, local, out);
}

// Writes the Ethernet header of a reply: destination = the request's source, source = us, the
// request's VLAN tags kept. Returns the offset of the reply's L3 header (= the request's).
std::size_t write_reply_ethernet(ByteSpan request, const FrameInfo& info, const MacAddress& mac,
                                 std::uint8_t* out) {
  std::memcpy(out, request.data() + 6, 6);
  std::memcpy(out + 6, mac.data(), 6);
  std::memcpy(out + 12, request.data() + 12, info.l3_offset - 12);  // tags and EtherType
  return info.l3_offset;
}

}  // namespace

std::string_view ingress_outcome_name(IngressOutcome outcome) {
  static constexpr std::string_view kNames[kIngressOutcomeCount] = {"accepted",
                                                                    "arp_replied",
                                                                    "neighbor_advertised",
                                                                    "too_short",
                                                                    "not_ip",
                                                                    "bad_ip_header",
                                                                    "fragment",
                                                                    "ipv6_extension_header",
                                                                    "not_for_us",
                                                                    "not_udp",
                                                                    "wrong_port",
                                                                    "bad_udp_length",
                                                                    "bad_udp_checksum",
                                                                    "too_long",
                                                                    "malformed_tx",
                                                                    "rate_limited",
                                                                    "duplicate",
                                                                    "ring_full",
                                                                    "reply_failed"};
  const auto index = static_cast<std::size_t>(outcome);
  return index < kIngressOutcomeCount ? kNames[index] : "unknown";
}

SourceAddress SourceAddress::from_ipv4(std::uint32_t ipv4_host_order, std::uint16_t port) {
  SourceAddress address;
  address.ip[10] = 0xff;
  address.ip[11] = 0xff;
  store_u32_be(address.ip.data() + 12, ipv4_host_order);
  address.port = port;
  return address;
}

bool SourceAddress::is_ipv4() const {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(ip.data(), kMapped, 12) == 0;
}

std::uint32_t SourceAddress::ipv4() const {
  return load_u32_be(ip.data() + 12);
}

void classify_frame(ByteSpan frame, const LocalEndpoint& local, FrameInfo* out) {
  out->kind = FrameKind::kDrop;
  out->payload = ByteSpan();
  if (frame.size() < kEthernetHeaderBytes) return drop(out, IngressOutcome::kTooShort);
  const std::uint8_t* data = frame.data();
  if (!is_group_mac(data) && std::memcmp(data, local.mac.data(), 6) != 0) {
    return drop(out, IngressOutcome::kNotForUs);
  }
  std::size_t offset = 12;
  std::uint16_t ether_type = load_u16_be(data + offset);
  for (int tags = 0; tags < 2 && (ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ);
       ++tags) {
    offset += kVlanTagBytes;
    if (frame.size() < offset + 2) return drop(out, IngressOutcome::kTooShort);
    ether_type = load_u16_be(data + offset);
  }
  offset += 2;
  switch (ether_type) {
    case kEtherTypeIpv4:
      return classify_ipv4(frame, offset, local, out);
    case kEtherTypeIpv6:
      return classify_ipv6(frame, offset, local, out);
    case kEtherTypeArp:
      return classify_arp(frame, offset, local, out);
    default:
      return drop(out, IngressOutcome::kNotIp);
  }
}

std::size_t build_arp_reply(ByteSpan frame, const FrameInfo& info, const LocalEndpoint& local,
                            MutableByteSpan out) {
  const std::size_t bytes = info.l3_offset + kArpIpv4Bytes;
  const std::size_t padded = bytes < kEthernetMinFrameBytes ? kEthernetMinFrameBytes : bytes;
  if (out.size() < padded) return 0;
  std::memset(out.data(), 0, padded);
  std::uint8_t* arp = out.data() + write_reply_ethernet(frame, info, local.mac, out.data());
  const std::uint8_t* request = frame.data() + info.l3_offset;
  std::memcpy(arp, request, 6);  // htype, ptype, hlen, plen
  store_u16_be(arp + 6, kArpOpReply);
  std::memcpy(arp + 8, local.mac.data(), 6);  // sender: us
  store_u32_be(arp + 14, local.ipv4);
  std::memcpy(arp + 18, request + 8, 10);  // target: the requester's sha and spa
  return padded;
}

std::size_t build_neighbor_advertisement(ByteSpan frame, const FrameInfo& info,
                                         const LocalEndpoint& local, MutableByteSpan out) {
  constexpr std::size_t kIcmpBytes = kNeighborMessageBytes + kLinkLayerOptionBytes;
  const std::size_t bytes = info.l3_offset + kIpv6HeaderBytes + kIcmpBytes;
  if (out.size() < bytes) return 0;
  std::memset(out.data(), 0, bytes);
  std::uint8_t* ip = out.data() + write_reply_ethernet(frame, info, local.mac, out.data());
  const std::uint8_t* request = frame.data() + info.l3_offset;
  static constexpr std::uint8_t kUnspecified[16] = {};
  const bool unspecified_source = std::memcmp(request + 8, kUnspecified, 16) == 0;
  ip[0] = 0x60;
  store_u16_be(ip + 4, kIcmpBytes);
  ip[6] = kIpProtocolIcmpv6;
  ip[7] = 255;
  std::memcpy(ip + 8, local.ipv6.data(), 16);
  if (unspecified_source) {
    // RFC 4861 7.2.4: a solicitation from :: (duplicate address detection) is answered to
    // all-nodes.
    static constexpr std::uint8_t kAllNodes[16] = {0xff, 2, 0, 0, 0, 0, 0, 0,
                                                   0,    0, 0, 0, 0, 0, 0, 1};
    std::memcpy(ip + 24, kAllNodes, 16);
  } else {
    std::memcpy(ip + 24, request + 8, 16);
  }
  std::uint8_t* icmp = ip + kIpv6HeaderBytes;
  icmp[0] = kIcmpv6NeighborAdvertisement;
  icmp[4] = unspecified_source ? 0x20 : 0x60;  // solicited (unless DAD) | override
  std::memcpy(icmp + 8, local.ipv6.data(), 16);
  icmp[24] = kNdOptionTargetLinkLayer;
  icmp[25] = 1;  // length in units of 8 bytes
  std::memcpy(icmp + 26, local.mac.data(), 6);
  store_u16_be(icmp + 2, transport_checksum(ByteSpan(ip + 8, 16), ByteSpan(ip + 24, 16),
                                            kIpProtocolIcmpv6, ByteSpan(icmp, kIcmpBytes)));
  return bytes;
}

std::uint32_t checksum_add(std::uint32_t sum, ByteSpan bytes) {
  std::uint64_t wide = sum;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) wide += load_u16_be(bytes.data() + i);
  if (i < bytes.size()) wide += static_cast<std::uint32_t>(bytes[i]) << 8;
  while (wide >> 32) wide = (wide & 0xffffffffu) + (wide >> 32);
  return static_cast<std::uint32_t>(wide);
}

std::uint16_t checksum_finish(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint16_t transport_checksum(ByteSpan src, ByteSpan dst, std::uint8_t protocol,
                                 ByteSpan segment) {
  std::uint32_t sum = checksum_add(0, src);
  sum = checksum_add(sum, dst);
  std::uint8_t pseudo[8] = {};
  if (src.size() == 4) {
    pseudo[1] = protocol;
    store_u16_be(pseudo + 2, static_cast<std::uint16_t>(segment.size()));
    sum = checksum_add(sum, ByteSpan(pseudo, 4));
  } else {
    store_u32_be(pseudo, static_cast<std::uint32_t>(segment.size()));
    pseudo[7] = protocol;
    sum = checksum_add(sum, ByteSpan(pseudo, 8));
  }
  const std::uint16_t checksum = checksum_finish(checksum_add(sum, segment));
  return (checksum == 0 && src.size() == 4) ? 0xffff : checksum;
}

}  // namespace tc::dataplane
