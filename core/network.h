// Network: which chain a node, a key file or an address belongs to (mainnet, testnet, devnet), one
// type for the configuration's profile (core/config.h), addresses (core/address.h) and the tools.
// Each network has its own chain_id (core/types.h), which every sighash commits to. Pure functions;
// any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace tc {

enum class Network : std::uint8_t {
  kMainnet,
  kTestnet,
  kDevnet,
};

// "mainnet", "testnet", "devnet".
std::string_view network_name(Network network);
// The inverse of network_name (exact, lower case). Error: kInvalidArgument naming the text and the
// accepted names.
Result<Network> parse_network(std::string_view name);
// kChainIdMainnet, kChainIdTestnet or kChainIdDevnet.
std::uint32_t network_chain_id(Network network);
// The inverse of network_chain_id. Error: kInvalidArgument "chain id 7 is not a known network
// (1 mainnet, 2 testnet, 3 devnet)".
Result<Network> network_from_chain_id(std::uint32_t chain_id);

}  // namespace tc
