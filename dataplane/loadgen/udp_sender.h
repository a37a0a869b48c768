// UdpSender: sends transaction datagrams to an ingress port through the kernel, in batches
// (sendmmsg), optionally paced to a target rate. The load generator's network output; tests use it
// as the "real kernel UDP sender". One UdpSender belongs to one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace tc::dataplane {

class UdpSender {
 public:
  UdpSender() = default;
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;
  ~UdpSender();

  // Opens a UDP socket connected to `address`:`port` (an IPv4 or IPv6 literal). kConfig for a bad
  // address; kIoError with errno text when the socket cannot be made.
  Status open(const std::string& address, std::uint16_t port);

  // Sends each payload as one datagram, in order, with sendmmsg in batches of up to 64. Returns how
  // many the kernel accepted (a full socket buffer stops the batch early: the caller may retry);
  // kIoError on any other failure.
  Result<std::size_t> send(std::span<const Bytes> payloads);

  void close();

 private:
  int fd_ = -1;
};

}  // namespace tc::dataplane
