// Goal: classify_frame() and the ARP / neighbour-discovery replies accept exactly the frames
// docs/formats/ingress.md describes and count every other frame under its own reason.
// Method: frames are built with frame_builder.h, then mutated byte by byte into each broken shape;
// replies are parsed back field by field and their checksums recomputed.
// Scenarios: IPv4 and IPv6 datagrams, untagged and with one or two VLAN tags; Ethernet padding;
// truncation at every header; wrong MAC, IP, port, EtherType and protocol; bad IPv4 version, IHL,
// checksum and total length; fragments; IPv6 payload length and extension headers; UDP length;
// checksum verification on and off; ARP for us and for another address; ARP reply layout; neighbour
// solicitation and advertisement; checksum helpers against RFC 1071's example.
#include "dataplane/packet.h"

#include <gtest/gtest.h>

#include "dataplane/frame_builder.h"

namespace tc::dataplane {
namespace {

LocalEndpoint local_endpoint() {
  LocalEndpoint local;
  local.mac = {0x02, 0, 0, 0, 0, 0x02};
  local.has_ipv4 = true;
  local.ipv4 = 0x0a000002;
  local.has_ipv6 = true;
  local.ipv6 = UdpFrameSpec{}.dst_ipv6;
  local.udp_port = 24002;
  return local;
}

Bytes payload_of(std::size_t n) {
  Bytes payload(n);
  for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
  return payload;
}

FrameInfo classify(const Bytes& frame, const LocalEndpoint& local = local_endpoint()) {
  FrameInfo info;
  classify_frame(ByteSpan(frame), local, &info);
  return info;
}

void expect_drop(const Bytes& frame, IngressOutcome reason,
                 const LocalEndpoint& local = local_endpoint()) {
  const FrameInfo info = classify(frame, local);
  EXPECT_EQ(info.kind, FrameKind::kDrop);
  EXPECT_EQ(ingress_outcome_name(info.drop), ingress_outcome_name(reason));
}

Bytes udp_frame(const UdpFrameSpec& spec, std::size_t payload_bytes) {
  Bytes frame;
  append_udp_frame(spec, payload_of(payload_bytes), &frame);
  return frame;
}

TEST(PacketTest, AcceptsIpv4AndIpv6WithZeroOneTwoVlanTags) {
  for (bool ipv6 : {false, true}) {
    for (int tags = 0; tags <= 2; ++tags) {
      UdpFrameSpec spec;
      spec.ipv6 = ipv6;
      spec.vlan_tags = tags;
      const Bytes frame = udp_frame(spec, 250);
      LocalEndpoint local = local_endpoint();
      local.verify_udp_checksum = true;
      const FrameInfo info = classify(frame, local);
      ASSERT_EQ(info.kind, FrameKind::kDatagram) << "ipv6=" << ipv6 << " tags=" << tags;
      EXPECT_EQ(info.payload.size(), 250u);
      EXPECT_EQ(Bytes(info.payload.begin(), info.payload.end()), payload_of(250));
      EXPECT_EQ(info.source.port, spec.src_port);
      if (ipv6) {
        EXPECT_FALSE(info.source.is_ipv4());
        EXPECT_EQ(info.source.ip, spec.src_ipv6);
      } else {
        EXPECT_TRUE(info.source.is_ipv4());
        EXPECT_EQ(info.source.ipv4(), spec.src_ipv4);
      }
    }
  }
}

TEST(PacketTest, EthernetPaddingAfterTheIpPacketIsIgnored) {
  const Bytes frame = udp_frame(UdpFrameSpec{}, 3);  // 45 bytes padded to 60
  ASSERT_EQ(frame.size(), 60u);
  const FrameInfo info = classify(frame);
  ASSERT_EQ(info.kind, FrameKind::kDatagram);
  EXPECT_EQ(info.payload.size(), 3u);
}

TEST(PacketTest, TruncationAtEveryHeaderIsTooShortOrBadLength) {
  for (bool ipv6 : {false, true}) {
    UdpFrameSpec spec;
    spec.ipv6 = ipv6;
    spec.vlan_tags = 2;
    const Bytes frame = udp_frame(spec, 100);
    const std::size_t headers = 22 + (ipv6 ? 40 : 20) + 8;
    for (std::size_t cut = 0; cut < headers; ++cut) {
      const Bytes shorter(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(cut));
      const FrameInfo info = classify(shorter);
      ASSERT_EQ(info.kind, FrameKind::kDrop) << cut;
      EXPECT_TRUE(info.drop == IngressOutcome::kTooShort || info.drop == IngressOutcome::kNotIp ||
                  info.drop == IngressOutcome::kBadIpHeader)
          << "cut " << cut << ": " << ingress_outcome_name(info.drop);
    }
    // Cut inside the payload: the IP length promises more than the frame holds.
    expect_drop(Bytes(frame.begin(), frame.end() - 10), IngressOutcome::kBadIpHeader);
  }
}

TEST(PacketTest, AddressingMismatchesAreCountedByReason) {
  UdpFrameSpec spec;
  spec.dst_mac = {0x02, 9, 9, 9, 9, 9};
  expect_drop(udp_frame(spec, 10), IngressOutcome::kNotForUs);
  spec = UdpFrameSpec{};
  spec.dst_ipv4 = 0x0a000063;
  expect_drop(udp_frame(spec, 10), IngressOutcome::kNotForUs);
  spec = UdpFrameSpec{};
  spec.dst_port = 9999;
  expect_drop(udp_frame(spec, 10), IngressOutcome::kWrongPort);
  spec.ipv6 = true;
  expect_drop(udp_frame(spec, 10), IngressOutcome::kWrongPort);
  // Broadcast destination MAC passes to the IP check.
  spec = UdpFrameSpec{};
  spec.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(classify(udp_frame(spec, 10)).kind, FrameKind::kDatagram);
  // Unknown EtherType.
  Bytes frame = udp_frame(UdpFrameSpec{}, 10);
  store_u16_be(frame.data() + 12, 0x88cc);
  expect_drop(frame, IngressOutcome::kNotIp);
  // IPv6 disabled locally.
  LocalEndpoint v4_only = local_endpoint();
  v4_only.has_ipv6 = false;
  spec = UdpFrameSpec{};
  spec.ipv6 = true;
  expect_drop(udp_frame(spec, 10), IngressOutcome::kNotIp, v4_only);
}

// Rewrites the IPv4 header checksum after a deliberate edit, so that only the edit is wrong.
void fix_ipv4_checksum(Bytes* frame) {
  std::uint8_t* ip = frame->data() + 14;
  const std::size_t header = std::size_t{ip[0] & 0x0fu} * 4;
  store_u16_be(ip + 10, 0);
  store_u16_be(ip + 10, checksum_finish(checksum_add(0, ByteSpan(ip, header))));
}

TEST(PacketTest, BadIpv4HeadersFragmentsAndProtocols) {
  const Bytes good = udp_frame(UdpFrameSpec{}, 40);
  Bytes frame = good;
  frame[14] = 0x55;  // version 5
  fix_ipv4_checksum(&frame);
  expect_drop(frame, IngressOutcome::kBadIpHeader);
  frame = good;
  frame[14] = 0x44;  // IHL 4
  expect_drop(frame, IngressOutcome::kBadIpHeader);
  frame = good;
  frame[14 + 10] ^= 0xff;  // checksum
  expect_drop(frame, IngressOutcome::kBadIpHeader);
  frame = good;
  store_u16_be(frame.data() + 16, 19);  // total length below the header
  fix_ipv4_checksum(&frame);
  expect_drop(frame, IngressOutcome::kBadIpHeader);
  frame = good;
  store_u16_be(frame.data() + 16, static_cast<std::uint16_t>(frame.size()));  // beyond the frame
  fix_ipv4_checksum(&frame);
  expect_drop(frame, IngressOutcome::kBadIpHeader);
  frame = good;
  store_u16_be(frame.data() + 20, 0x2000);  // more fragments
  fix_ipv4_checksum(&frame);
  expect_drop(frame, IngressOutcome::kFragment);
  frame = good;
  store_u16_be(frame.data() + 20, 0x0010);  // offset 128
  fix_ipv4_checksum(&frame);
  expect_drop(frame, IngressOutcome::kFragment);
  frame = good;
  frame[14 + 9] = 6;  // TCP
  fix_ipv4_checksum(&frame);
  expect_drop(frame, IngressOutcome::kNotUdp);
}

TEST(PacketTest, Ipv6LengthAndExtensionHeaders) {
  UdpFrameSpec spec;
  spec.ipv6 = true;
  const Bytes good = udp_frame(spec, 40);
  Bytes frame = good;
  store_u16_be(frame.data() + 18, 49 + 8);  // payload length beyond the frame
  expect_drop(frame, IngressOutcome::kBadIpHeader);
  for (std::uint8_t next : {0, 43, 44, 60}) {
    frame = good;
    frame[20] = next;
    expect_drop(frame, IngressOutcome::kIpv6ExtensionHeader);
  }
  frame = good;
  frame[20] = 6;
  expect_drop(frame, IngressOutcome::kNotUdp);
}

TEST(PacketTest, UdpLengthAndChecksum) {
  const Bytes good = udp_frame(UdpFrameSpec{}, 40);
  const std::size_t udp = 14 + 20;
  Bytes frame = good;
  store_u16_be(frame.data() + udp + 4, 7);
  expect_drop(frame, IngressOutcome::kBadUdpLength);
  frame = good;
  store_u16_be(frame.data() + udp + 4, 49);  // beyond the IP payload
  expect_drop(frame, IngressOutcome::kBadUdpLength);
  // A shorter UDP length inside the IP payload is honoured.
  frame = good;
  store_u16_be(frame.data() + udp + 4, 8 + 30);
  store_u16_be(frame.data() + udp + 6, 0);
  ASSERT_EQ(classify(frame).kind, FrameKind::kDatagram);
  EXPECT_EQ(classify(frame).payload.size(), 30u);

  LocalEndpoint checking = local_endpoint();
  checking.verify_udp_checksum = true;
  frame = good;
  frame[udp + 8] ^= 0x01;                                 // corrupt the payload
  EXPECT_EQ(classify(frame).kind, FrameKind::kDatagram);  // not checked by default
  expect_drop(frame, IngressOutcome::kBadUdpChecksum, checking);
  UdpFrameSpec no_checksum;
  no_checksum.udp_checksum = false;  // IPv4 checksum 0 = none
  EXPECT_EQ(classify(udp_frame(no_checksum, 40), checking).kind, FrameKind::kDatagram);
}

TEST(PacketTest, ArpRequestForUsIsAnsweredWithTagsKept) {
  const MacAddress peer{0x02, 0xaa, 0, 0, 0, 1};
  for (int tags = 0; tags <= 1; ++tags) {
    Bytes request;
    append_arp_request(peer, 0x0a000009, 0x0a000002, tags, &request);
    const FrameInfo info = classify(request);
    ASSERT_EQ(info.kind, FrameKind::kArpRequest);
    std::uint8_t reply[128];
    const std::size_t bytes =
        build_arp_reply(ByteSpan(request), info, local_endpoint(), MutableByteSpan(reply));
    ASSERT_EQ(bytes, 60u);  // padded to the Ethernet minimum
    EXPECT_TRUE(std::equal(reply, reply + 6, peer.begin()));
    EXPECT_TRUE(std::equal(reply + 6, reply + 12, local_endpoint().mac.begin()));
    const std::uint8_t* arp = reply + info.l3_offset;
    EXPECT_EQ(load_u16_be(reply + info.l3_offset - 2), kEtherTypeArp);
    EXPECT_EQ(load_u16_be(arp + 6), 2);  // reply
    EXPECT_TRUE(std::equal(arp + 8, arp + 14, local_endpoint().mac.begin()));
    EXPECT_EQ(load_u32_be(arp + 14), 0x0a000002u);
    EXPECT_TRUE(std::equal(arp + 18, arp + 24, peer.begin()));
    EXPECT_EQ(load_u32_be(arp + 24), 0x0a000009u);
    EXPECT_EQ(
        build_arp_reply(ByteSpan(request), info, local_endpoint(), MutableByteSpan(reply, 20)), 0u);
  }
  Bytes other;
  append_arp_request(peer, 0x0a000009, 0x0a000077, 0, &other);
  expect_drop(other, IngressOutcome::kNotForUs);
}

TEST(PacketTest, NeighborSolicitationForUsIsAdvertised) {
  const MacAddress peer{0x02, 0xbb, 0, 0, 0, 1};
  const Ipv6Address peer_ip = UdpFrameSpec{}.src_ipv6;
  Bytes request;
  append_neighbor_solicitation(peer, peer_ip, local_endpoint().ipv6, &request);
  const FrameInfo info = classify(request);
  ASSERT_EQ(info.kind, FrameKind::kNeighborSolicitation);
  std::uint8_t reply[128];
  const std::size_t bytes = build_neighbor_advertisement(ByteSpan(request), info, local_endpoint(),
                                                         MutableByteSpan(reply));
  ASSERT_EQ(bytes, 14u + 40u + 32u);
  const std::uint8_t* ip = reply + 14;
  EXPECT_TRUE(std::equal(ip + 24, ip + 40, peer_ip.begin()));
  const std::uint8_t* icmp = ip + 40;
  EXPECT_EQ(icmp[0], 136);
  EXPECT_EQ(icmp[4], 0x60);
  EXPECT_TRUE(std::equal(icmp + 26, icmp + 32, local_endpoint().mac.begin()));
  // The checksum verifies: summing with it in place gives 0xffff.
  std::uint32_t sum = checksum_add(0, ByteSpan(ip + 8, 32));
  std::uint8_t pseudo[8] = {0, 0, 0, 32, 0, 0, 0, kIpProtocolIcmpv6};
  sum = checksum_add(sum, ByteSpan(pseudo, 8));
  EXPECT_EQ(checksum_finish(checksum_add(sum, ByteSpan(icmp, 32))), 0);

  Ipv6Address other = local_endpoint().ipv6;
  other[5] = 0x42;
  Bytes not_ours;
  append_neighbor_solicitation(peer, peer_ip, other, &not_ours);
  expect_drop(not_ours, IngressOutcome::kNotForUs);
  request[14 + 40 + 2] ^= 0xff;  // ICMPv6 checksum
  expect_drop(request, IngressOutcome::kBadIpHeader);
}

TEST(PacketTest, ChecksumMatchesRfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
  const std::uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_finish(checksum_add(0, ByteSpan(words))), static_cast<std::uint16_t>(~0xddf2));
  EXPECT_EQ(ingress_outcome_name(IngressOutcome::kRingFull), "ring_full");
  EXPECT_EQ(ingress_outcome_name(IngressOutcome::kReplyFailed), "reply_failed");
}

}  // namespace
}  // namespace tc::dataplane
