// Goal: the one network type maps to its name and chain id and back, and refuses anything else by
// naming it. Method: every network both ways, and the exact error messages.
// Scenarios: names and chain ids round-trip for mainnet, testnet and devnet; the chain ids are
// core/types.h's; an unknown name (case matters) and an unknown chain id are kInvalidArgument.
#include "core/network.h"

#include <gtest/gtest.h>

#include "core/types.h"

namespace tc {
namespace {

TEST(NetworkTest, NamesAndChainIdsMapBothWays) {
  for (Network network : {Network::kMainnet, Network::kTestnet, Network::kDevnet}) {
    EXPECT_EQ(*parse_network(network_name(network)), network);
    EXPECT_EQ(*network_from_chain_id(network_chain_id(network)), network);
  }
  EXPECT_EQ(network_name(Network::kDevnet), "devnet");
  EXPECT_EQ(network_chain_id(Network::kMainnet), kChainIdMainnet);
  EXPECT_EQ(network_chain_id(Network::kTestnet), kChainIdTestnet);
  EXPECT_EQ(network_chain_id(Network::kDevnet), kChainIdDevnet);
}

TEST(NetworkTest, UnknownNamesAndChainIdsAreRefused) {
  const Result<Network> name = parse_network("Mainnet");
  ASSERT_FALSE(name.is_ok());
  EXPECT_EQ(name.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(name.status().message(),
            "unknown network \"Mainnet\" (expected mainnet, testnet or devnet)");
  const Result<Network> chain = network_from_chain_id(7);
  ASSERT_FALSE(chain.is_ok());
  EXPECT_EQ(chain.status().message(),
            "chain id 7 is not a known network (1 mainnet, 2 testnet, 3 devnet)");
}

}  // namespace
}  // namespace tc
