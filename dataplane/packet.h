// Frame parsing for the ingress path: Ethernet (untagged, one or two VLAN tags), IPv4, IPv6 and UDP
// down to the transaction datagram, plus the ARP and IPv6 neighbour-discovery replies a
// kernel-bypass port must answer itself, and the outcome enum every ingress counter is indexed by.
//
// Everything here is a free function over spans: it reads the frame in place, allocates nothing and
// keeps no state, so any polling thread may call it on its own packets. Layouts are the IEEE 802.3
// / 802.1Q, RFC 791, RFC 8200, RFC 768, RFC 826 and RFC 4861 ones; docs/formats/ingress.md lists
// what is accepted and which counter each rejection lands in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"

namespace tc::dataplane {

// ---- Layout constants (network byte order on the wire)
// -------------------------------------------

inline constexpr std::size_t kEthernetHeaderBytes = 14;  // dst mac [6] | src mac [6] | type u16
inline constexpr std::size_t kVlanTagBytes = 4;          // TCI u16 | inner type u16
inline constexpr std::size_t kIpv4MinHeaderBytes = 20;   // version/IHL | ... | src [4] | dst [4]
inline constexpr std::size_t kIpv6HeaderBytes = 40;      // fixed header; extension headers dropped
inline constexpr std::size_t kUdpHeaderBytes = 8;        // src port | dst port | length | checksum
inline constexpr std::size_t kArpIpv4Bytes = 28;         // htype|ptype|hlen|plen|op|sha|spa|tha|tpa
inline constexpr std::size_t kNeighborMessageBytes = 24;  // ICMPv6 type|code|sum|flags|target [16]
inline constexpr std::size_t kLinkLayerOptionBytes = 8;   // ND option type|length|mac [6]
inline constexpr std::size_t kMaxFrameBytes = 1'518 + 2 * kVlanTagBytes;  // largest frame we parse

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;  // 802.1Q customer tag
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;  // 802.1ad service tag
inline constexpr std::uint8_t kIpProtocolUdp = 17;
inline constexpr std::uint8_t kIpProtocolIcmpv6 = 58;

using MacAddress = std::array<std::uint8_t, 6>;
using Ipv6Address = std::array<std::uint8_t, 16>;

// ---- Outcomes
// ------------------------------------------------------------------------------------

// What became of one received frame or datagram. Every frame gets exactly one outcome, so the
// counters indexed by this enum add up to the frames received. kMalformedTx is broken down further
// by DecodeError in IngressCounters.
enum class IngressOutcome : std::uint8_t {
  kAccepted = 0,         // a transaction descriptor reached the verify ring
  kArpReplied,           // an ARP request for our IPv4 address, answered
  kNeighborAdvertised,   // an IPv6 neighbour solicitation for our address, answered
  kTooShort,             // the frame ends inside a header (Ethernet, VLAN, IP, UDP, ARP)
  kNotIp,                // an EtherType we do not serve, or ARP/ICMPv6 not addressed to us
  kBadIpHeader,          // IPv4 version/IHL/checksum/total length or IPv6 payload length wrong
  kFragment,             // an IPv4 fragment (MF set or offset > 0); datagrams fit one frame
  kIpv6ExtensionHeader,  // an IPv6 next header other than UDP or ICMPv6
  kNotForUs,             // destination MAC or IP is not ours (nor broadcast/multicast where ok)
  kNotUdp,               // an IP protocol other than UDP
  kWrongPort,            // UDP destination port is not the ingress port
  kBadUdpLength,         // UDP length field below 8 or beyond the IP payload
  kBadUdpChecksum,       // checksum verification on (or NIC-reported bad) and it failed
  kTooLong,              // datagram payload above kMaxDatagramTransactionBytes
  kMalformedTx,          // decode_transaction_view() rejected the payload
  kRateLimited,          // the source's token bucket was empty
  kDuplicate,            // the payload's dedup key is in the recent set
  kRingFull,             // the verify ring had no room: dropped at the edge, never blocking
  kReplyFailed,          // an ARP/NS reply could not be sent (no mbuf, TX queue full)
  kCount,                // not an outcome: the number of them (CounterSet sizes by it)
};
inline constexpr std::size_t kIngressOutcomeCount =
    static_cast<std::size_t>(IngressOutcome::kCount);

// "accepted", "arp_replied", "too_short", ... : stable names used in metrics and logs.
std::string_view ingress_outcome_name(IngressOutcome outcome);

// ---- Addresses
// -----------------------------------------------------------------------------------

// The source of a datagram, as the rate limiter and descriptors see it: IPv4 as an IPv4-mapped IPv6
// address (::ffff:a.b.c.d), so one type serves both families.
struct SourceAddress {
  Ipv6Address ip{};
  std::uint16_t port = 0;  // host byte order

  static SourceAddress from_ipv4(std::uint32_t ipv4_host_order, std::uint16_t port);
  bool is_ipv4() const;
  // REQUIRES: is_ipv4().
  std::uint32_t ipv4() const;
  friend bool operator==(const SourceAddress&, const SourceAddress&) = default;
};

// Who we are on the port, for filtering and for answering ARP / neighbour solicitation. A family
// with has_* false is not served: its frames are dropped as kNotIp.
struct LocalEndpoint {
  MacAddress mac{};
  bool has_ipv4 = false;
  std::uint32_t ipv4 = 0;  // host byte order
  bool has_ipv6 = false;
  Ipv6Address ipv6{};
  std::uint16_t udp_port = 0;  // the ingress port, host byte order
  // Check the UDP checksum in software when it is non-zero (IPv4) / always (IPv6). Off by default:
  // the Ethernet FCS already covers the link, and a corrupted transaction fails decode or its
  // signature; operators whose NICs validate checksums get that for free through the backend.
  bool verify_udp_checksum = false;
};

// ---- Frame classification
// ------------------------------------------------------------------------

enum class FrameKind : std::uint8_t {
  kDatagram,              // a UDP datagram to our port: payload and source are set
  kArpRequest,            // an ARP request for our IPv4 address: build_arp_reply() answers it
  kNeighborSolicitation,  // an NS for our IPv6 address: build_neighbor_advertisement() answers it
  kDrop,                  // drop is set
};

struct FrameInfo {
  FrameKind kind = FrameKind::kDrop;
  IngressOutcome drop = IngressOutcome::kNotIp;  // meaningful for kDrop
  ByteSpan payload;                              // kDatagram: the UDP payload, inside the frame
  SourceAddress source;                          // kDatagram: sender IP and port
  std::uint16_t l3_offset = 0;                   // offset of the IP / ARP header in the frame
};

// Classifies one Ethernet frame (without FCS) against `local`. Accepts up to two VLAN tags (0x8100
// or 0x88a8) and ignores their VLAN ids. Frames for another unicast MAC are kNotForUs (broadcast
// and multicast destinations pass to the IP check). IPv4: version 4, IHL >= 5 and within the
// frame, header checksum valid, total length >= IHL*4 and <= what the frame holds (Ethernet padding
// after it is ignored), no fragments, destination = local.ipv4. IPv6: payload length within the
// frame, next header UDP (or ICMPv6 for neighbour solicitation), destination = local.ipv6.
// UDP: length >= 8 and <= the IP payload, destination port = local.udp_port, checksum when
// local.verify_udp_checksum. Payload length bounds and the transaction decode are the pipeline's
// (ingress.h). Never reads outside `frame`. Pure; any thread.
void classify_frame(ByteSpan frame, const LocalEndpoint& local, FrameInfo* out);

// Writes the ARP reply to the request `frame` (classified kArpRequest) into `out`, keeping the
// request's VLAN tags, and returns its length, or 0 when `out` is too small. The reply is padded to
// the 60-byte Ethernet minimum. REQUIRES: info is the kArpRequest result for `frame`.
std::size_t build_arp_reply(ByteSpan frame, const FrameInfo& info, const LocalEndpoint& local,
                            MutableByteSpan out);

// Writes the solicited neighbour advertisement (RFC 4861 4.4, with the target link-layer address
// option) answering `frame` (classified kNeighborSolicitation) into `out`; returns its length, or 0
// when `out` is too small. REQUIRES: info is the kNeighborSolicitation result for `frame`.
std::size_t build_neighbor_advertisement(ByteSpan frame, const FrameInfo& info,
                                         const LocalEndpoint& local, MutableByteSpan out);

// ---- Checksums
// -----------------------------------------------------------------------------------

// The RFC 1071 ones'-complement sum of `bytes` folded into `sum` (not complemented), for building
// IPv4 header, UDP and ICMPv6 checksums incrementally.
std::uint32_t checksum_add(std::uint32_t sum, ByteSpan bytes);
// Folds and complements a running sum into the 16-bit checksum field value (host byte order).
std::uint16_t checksum_finish(std::uint32_t sum);

// The UDP (or ICMPv6 when `protocol` says so) checksum over the pseudo-header and `segment` (the
// UDP header with a zero checksum field, then the payload), in host byte order. For IPv4 a
// computed 0 is returned as 0xffff (RFC 768). `src`/`dst` are 4 or 16 bytes.
std::uint16_t transport_checksum(ByteSpan src, ByteSpan dst, std::uint8_t protocol,
                                 ByteSpan segment);

// Big-endian loads and stores for header fields. The caller guarantees the bounds.
inline std::uint16_t load_u16_be(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_u32_be(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
}
inline void store_u16_be(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_u32_be(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

}  // namespace tc::dataplane
