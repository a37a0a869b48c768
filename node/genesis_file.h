// The genesis file: the first block of a chain as a small JSON document in the node's data
// directory (DATA_DIR/genesis.json), the same on every node of a network. docs/formats/genesis.md
// specifies it:
//
//   {
//     "format": "timecoin-genesis-v1",
//     "network": "devnet",
//     "timestamp_ms": 1764662400000,
//     "allocations": [ { "address": "TIME0...", "amount_sat": 5000000000 } ],
//     "masternodes": [ { "tier": "gold", "consensus_pubkey": "<64 hex>",
//                        "reward_address": "TIME0...", "p2p_address": "127.0.0.1",
//                        "p2p_port": 24100 } ]
//   }
//
// Parsing is strict: every field above is required, no other field is allowed, and each error
// names the field ("masternodes[2].p2p_port: expected an integer in 1..65535"). The daemon commits
// the parsed genesis on its first start and checks it against the stored chain on every later
// start. Any thread; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/address.h"
#include "core/status.h"
#include "ledger/ledger.h"

namespace tc::node {

inline constexpr std::string_view kGenesisFileFormat = "timecoin-genesis-v1";
// 65,535 allocations of about 100 bytes each fit well within this.
inline constexpr std::size_t kGenesisFileBytesMax = 16u << 20;
// Genesis masternodes at most (the consensus set's bound, consensus/validator_set.h).
inline constexpr std::size_t kGenesisMasternodesMax = 1024;

struct GenesisFile {
  Network network = Network::kDevnet;
  ledger::GenesisConfig genesis;
};

// Parses a genesis document. Errors, all kMalformed, naming the field: not JSON or not an object,
// a missing, unknown or mistyped field, a format other than kGenesisFileFormat, an unknown
// network or tier, an address of another network, a pubkey that is not 64 hex characters, an IP
// address that is not a literal, a port or amount out of range, no
// allocation or more than 65,535, no masternode or more than kGenesisMasternodesMax, the same
// consensus key twice.
Result<GenesisFile> parse_genesis_file(std::string_view text);

// Reads and parses `path`. Errors: kIoError (cannot open or read), kMalformed (over
// kGenesisFileBytesMax, or as parse_genesis_file); every message starts "genesis file <path>: ".
Result<GenesisFile> read_genesis_file(const std::string& path);

// The document for `file` (what parse_genesis_file reads back to the same value), ending in a
// newline. REQUIRES: every masternode's p2p_address is an IPv4-mapped or IPv6 address.
std::string genesis_file_text(const GenesisFile& file);

}  // namespace tc::node
