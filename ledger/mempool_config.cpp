#include "ledger/mempool_config.h"

namespace tc::ledger {

MempoolConfig mempool_config(const MempoolSection& section) {
  MempoolConfig config;
  config.tx_count_max = section.tx_count_max;
  config.bytes_max = static_cast<std::size_t>(section.bytes_max);
  config.ttl_ms = section.ttl_ms;
  return config;
}

}  // namespace tc::ledger
