// Writes classic libpcap files (the 24-byte global header, then a 16-byte record header before each
// frame; LINKTYPE_ETHERNET, microsecond timestamps, little-endian): the format DPDK's net_pcap
// driver replays with `--vdev net_pcap0,rx_pcap=FILE`.
//
// The load generator writes its traffic with it and the DPDK tests write their crafted captures.
// Not on the receive path. One PcapWriter belongs to one thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace tc::dataplane {

inline constexpr std::uint32_t kPcapMagicMicroseconds = 0xa1b2c3d4;
inline constexpr std::uint32_t kPcapLinkTypeEthernet = 1;
inline constexpr std::uint32_t kPcapSnapLength = 65'535;

class PcapWriter {
 public:
  PcapWriter() = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  ~PcapWriter();

  // Creates (truncates) `path` and writes the global header. kIoError names the path and errno.
  Status open(const std::string& path);
  // Appends one frame with the given capture time. REQUIRES: open() succeeded;
  // frame.size() <= kPcapSnapLength.
  Status write(ByteSpan frame, std::uint64_t timestamp_us);
  // Flushes and closes; a write error surfacing here is kIoError. Safe to call twice.
  Status close();

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace tc::dataplane
