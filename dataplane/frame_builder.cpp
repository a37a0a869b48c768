#include "dataplane/frame_builder.h"

#include <cstring>

namespace tc::dataplane {
namespace {

constexpr std::size_t kEthernetMinFrameBytes = 60;

// Appends the Ethernet header and tags; returns the offset of the L3 header.
std::size_t append_ethernet(const MacAddress& dst, const MacAddress& src, int vlan_tags,
                            std::uint16_t vlan_id, std::uint16_t ether_type, Bytes* out) {
  const std::size_t start = out->size();
  const std::size_t bytes = kEthernetHeaderBytes + static_cast<std::size_t>(vlan_tags) * 4;
  out->resize(start + bytes);
  std::uint8_t* p = out->data() + start;
  std::memcpy(p, dst.data(), 6);
  std::memcpy(p + 6, src.data(), 6);
  p += 12;
  for (int tag = 0; tag < vlan_tags; ++tag) {
    store_u16_be(p, (vlan_tags == 2 && tag == 0) ? kEtherTypeQinQ : kEtherTypeVlan);
    store_u16_be(p + 2, vlan_id);
    p += 4;
  }
  store_u16_be(p, ether_type);
  return bytes;
}

std::size_t pad_frame(std::size_t start, Bytes* out) {
  if (out->size() - start < kEthernetMinFrameBytes) out->resize(start + kEthernetMinFrameBytes);
  return out->size() - start;
}

}  // namespace

std::size_t append_udp_frame(const UdpFrameSpec& spec, ByteSpan payload, Bytes* out) {
  const std::size_t start = out->size();
  const std::size_t l3 = append_ethernet(spec.dst_mac, spec.src_mac, spec.vlan_tags, spec.vlan_id,
                                         spec.ipv6 ? kEtherTypeIpv6 : kEtherTypeIpv4, out);
  const std::size_t ip_bytes = spec.ipv6 ? kIpv6HeaderBytes : kIpv4MinHeaderBytes;
  const std::size_t udp_bytes = kUdpHeaderBytes + payload.size();
  out->resize(start + l3 + ip_bytes + udp_bytes);
  std::uint8_t* ip = out->data() + start + l3;
  std::memset(ip, 0, ip_bytes + kUdpHeaderBytes);
  ByteSpan src;
  ByteSpan dst;
  if (spec.ipv6) {
    ip[0] = 0x60;
    store_u16_be(ip + 4, static_cast<std::uint16_t>(udp_bytes));
    ip[6] = kIpProtocolUdp;
    ip[7] = 64;
    std::memcpy(ip + 8, spec.src_ipv6.data(), 16);
    std::memcpy(ip + 24, spec.dst_ipv6.data(), 16);
    src = ByteSpan(ip + 8, 16);
    dst = ByteSpan(ip + 24, 16);
  } else {
    ip[0] = 0x45;
    store_u16_be(ip + 2, static_cast<std::uint16_t>(ip_bytes + udp_bytes));
    store_u16_be(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = kIpProtocolUdp;
    store_u32_be(ip + 12, spec.src_ipv4);
    store_u32_be(ip + 16, spec.dst_ipv4);
    store_u16_be(ip + 10, checksum_finish(checksum_add(0, ByteSpan(ip, ip_bytes))));
    src = ByteSpan(ip + 12, 4);
    dst = ByteSpan(ip + 16, 4);
  }
  std::uint8_t* udp = ip + ip_bytes;
  store_u16_be(udp, spec.src_port);
  store_u16_be(udp + 2, spec.dst_port);
  store_u16_be(udp + 4, static_cast<std::uint16_t>(udp_bytes));
  if (!payload.empty()) std::memcpy(udp + kUdpHeaderBytes, payload.data(), payload.size());
  if (spec.ipv6 || spec.udp_checksum) {
    store_u16_be(udp + 6, transport_checksum(src, dst, kIpProtocolUdp, ByteSpan(udp, udp_bytes)));
  }
  return pad_frame(start, out);
}

std::size_t append_arp_request(const MacAddress& sender_mac, std::uint32_t sender_ipv4,
                               std::uint32_t target_ipv4, int vlan_tags, Bytes* out) {
  const std::size_t start = out->size();
  const MacAddress broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const std::size_t l3 = append_ethernet(broadcast, sender_mac, vlan_tags, 7, kEtherTypeArp, out);
  out->resize(start + l3 + kArpIpv4Bytes);
  std::uint8_t* arp = out->data() + start + l3;
  std::memset(arp, 0, kArpIpv4Bytes);
  store_u16_be(arp, 1);
  store_u16_be(arp + 2, kEtherTypeIpv4);
  arp[4] = 6;
  arp[5] = 4;
  store_u16_be(arp + 6, 1);
  std::memcpy(arp + 8, sender_mac.data(), 6);
  store_u32_be(arp + 14, sender_ipv4);
  store_u32_be(arp + 24, target_ipv4);
  return pad_frame(start, out);
}

std::size_t append_neighbor_solicitation(const MacAddress& sender_mac, const Ipv6Address& sender,
                                         const Ipv6Address& target, Bytes* out) {
  const std::size_t start = out->size();
  Ipv6Address group{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
  std::memcpy(group.data() + 13, target.data() + 13, 3);
  const MacAddress group_mac{0x33, 0x33, 0xff, target[13], target[14], target[15]};
  const std::size_t l3 = append_ethernet(group_mac, sender_mac, 0, 0, kEtherTypeIpv6, out);
  constexpr std::size_t kIcmpBytes = kNeighborMessageBytes + kLinkLayerOptionBytes;
  out->resize(start + l3 + kIpv6HeaderBytes + kIcmpBytes);
  std::uint8_t* ip = out->data() + start + l3;
  std::memset(ip, 0, kIpv6HeaderBytes + kIcmpBytes);
  ip[0] = 0x60;
  store_u16_be(ip + 4, kIcmpBytes);
  ip[6] = kIpProtocolIcmpv6;
  ip[7] = 255;
  std::memcpy(ip + 8, sender.data(), 16);
  std::memcpy(ip + 24, group.data(), 16);
  std::uint8_t* icmp = ip + kIpv6HeaderBytes;
  icmp[0] = 135;
  std::memcpy(icmp + 8, target.data(), 16);
  icmp[24] = 1;  // source link-layer address option
  icmp[25] = 1;
  std::memcpy(icmp + 26, sender_mac.data(), 6);
  store_u16_be(icmp + 2, transport_checksum(ByteSpan(ip + 8, 16), ByteSpan(ip + 24, 16),
                                            kIpProtocolIcmpv6, ByteSpan(icmp, kIcmpBytes)));
  return pad_frame(start, out);
}

}  // namespace tc::dataplane
