// The mapping from the node's configuration (core/config.h: [mempool]) onto the mempool's own
// config (ledger/mempool.h), the one place where the file's keys reach the mempool. The keys carry
// MempoolConfig's names and units (tx_count_max, bytes_max, ttl_ms), so the mapping renames and
// converts nothing. The minimum fee is in neither: it is a consensus rule (LedgerParams::fee_min
// and the 0.1 %-of-outputs rule), the same on every node.
//
// Pure function of a section that parse_config() accepted (its ranges are not checked again); any
// thread.
#pragma once

#include "core/config.h"
#include "ledger/mempool.h"

namespace tc::ledger {

// tx_count_max, bytes_max and ttl_ms from the section; shard_count keeps MempoolConfig's default,
// which sizes lock contention, not policy, and is not a key of the file.
MempoolConfig mempool_config(const MempoolSection& section);

}  // namespace tc::ledger
