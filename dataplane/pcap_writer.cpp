#include "dataplane/pcap_writer.h"

#include <cerrno>
#include <cstring>

namespace tc::dataplane {

PcapWriter::~PcapWriter() {
  (void)close();
}

Status PcapWriter::open(const std::string& path) {
  (void)close();
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return io_error("pcap " + path + ": " + std::strerror(errno));
  path_ = path;
  std::uint8_t header[24];
  store_u32_le(header, kPcapMagicMicroseconds);
  store_u16_le(header + 4, 2);  // version 2.4
  store_u16_le(header + 6, 4);
  store_u32_le(header + 8, 0);   // thiszone
  store_u32_le(header + 12, 0);  // sigfigs
  store_u32_le(header + 16, kPcapSnapLength);
  store_u32_le(header + 20, kPcapLinkTypeEthernet);
  if (std::fwrite(header, sizeof(header), 1, file_) != 1) {
    return io_error("pcap " + path + ": header write failed");
  }
  return Status::ok();
}

Status PcapWriter::write(ByteSpan frame, std::uint64_t timestamp_us) {
  std::uint8_t record[16];
  store_u32_le(record, static_cast<std::uint32_t>(timestamp_us / 1'000'000));
  store_u32_le(record + 4, static_cast<std::uint32_t>(timestamp_us % 1'000'000));
  store_u32_le(record + 8, static_cast<std::uint32_t>(frame.size()));
  store_u32_le(record + 12, static_cast<std::uint32_t>(frame.size()));
  if (std::fwrite(record, sizeof(record), 1, file_) != 1 ||
      (!frame.empty() && std::fwrite(frame.data(), frame.size(), 1, file_) != 1)) {
    return io_error("pcap " + path_ + ": record write failed");
  }
  return Status::ok();
}

Status PcapWriter::close() {
  if (file_ == nullptr) return Status::ok();
  const bool failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed) return io_error("pcap " + path_ + ": close failed");
  return Status::ok();
}

}  // namespace tc::dataplane
