#include "core/network.h"

#include <string>

#include "core/types.h"

namespace tc {

std::string_view network_name(Network network) {
  switch (network) {
    case Network::kMainnet:
      return "mainnet";
    case Network::kTestnet:
      return "testnet";
    case Network::kDevnet:
      return "devnet";
  }
  return "unknown";
}

Result<Network> parse_network(std::string_view name) {
  for (Network network : {Network::kMainnet, Network::kTestnet, Network::kDevnet}) {
    if (name == network_name(network)) return network;
  }
  return invalid_argument("unknown network \"" + std::string(name) +
                          "\" (expected mainnet, testnet or devnet)");
}

std::uint32_t network_chain_id(Network network) {
  switch (network) {
    case Network::kMainnet:
      return kChainIdMainnet;
    case Network::kTestnet:
      return kChainIdTestnet;
    case Network::kDevnet:
      return kChainIdDevnet;
  }
  return 0;
}

Result<Network> network_from_chain_id(std::uint32_t chain_id) {
  for (Network network : {Network::kMainnet, Network::kTestnet, Network::kDevnet}) {
    if (chain_id == network_chain_id(network)) return network;
  }
  return invalid_argument("chain id " + std::to_string(chain_id) +
                          " is not a known network (1 mainnet, 2 testnet, 3 devnet)");
}

}  // namespace tc
