// Goal: the node's [mempool] section reaches the mempool through mempool_config() with its names
// and units unchanged, and the bounds it sets are the ones the mempool enforces.
// Method: parse_config on a small file, map it, and run a TestChain ledger (signed transfers from a
// genesis of 64 coins) with the mapped config.
// Scenarios: each key maps to its field and shard_count keeps its default; two transactions fill a
// pool of tx_count_max = 2 and the third is kMempoolFull; ttl_ms = 1500 expires them 1.5 s after
// admission and not a millisecond earlier; the profiles' defaults map to 600 s (devnet) and an hour
// (mainnet).
#include "ledger/mempool_config.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/config.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

using testing::hash_of;
using testing::make_transfer;
using testing::test_key;
using testing::TestChain;
using testing::TestChainOptions;

constexpr std::uint64_t kCoin = 1'000'000'000;

Transaction spend(const TestChain& chain, std::uint32_t coin, std::uint64_t fee) {
  std::vector<OutPoint> inputs{chain.coin(coin)};
  return make_transfer(chain.wallet(), inputs,
                       {TxOutput{Amount(kCoin - fee), hash_of(test_key(7))}});
}

TEST(MempoolConfigTest, ConfigSectionMapsOntoTheMempool) {
  Result<NodeConfig> node = parse_config(
      "[node]\nprofile = \"devnet\"\n[mempool]\ntx_count_max = 2\nbytes_max = 2097152\n"
      "ttl_ms = 1500\n",
      "node.toml");
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  const MempoolConfig mapped = mempool_config(node->mempool);
  EXPECT_EQ(mapped.tx_count_max, 2u);
  EXPECT_EQ(mapped.bytes_max, 2'097'152u);
  EXPECT_EQ(mapped.ttl_ms, 1'500u);
  EXPECT_EQ(mapped.shard_count, MempoolConfig{}.shard_count);

  // The mapped bounds are the ones the mempool enforces: two transactions fill it, and the TTL
  // drops them 1.5 s after admission.
  TestChainOptions options;
  options.config.mempool = mapped;
  TestChain chain(options);
  ASSERT_EQ(chain.submit(spend(chain, 0, 2'000'000), 100), RejectReason::kOk);
  ASSERT_EQ(chain.submit(spend(chain, 1, 2'000'000), 100), RejectReason::kOk);
  EXPECT_EQ(chain.submit(spend(chain, 2, 1'000'000), 100), RejectReason::kMempoolFull);
  EXPECT_EQ(chain.ledger().expire(1'599), 0u);
  EXPECT_EQ(chain.ledger().expire(1'600), 2u);

  // A profile's defaults map the same way: devnet keeps transactions 600 s, mainnet an hour.
  EXPECT_EQ(mempool_config(default_config(Network::kDevnet).mempool).ttl_ms, 600'000u);
  EXPECT_EQ(mempool_config(default_config(Network::kMainnet).mempool).ttl_ms, 3'600'000u);
}

}  // namespace
}  // namespace tc::ledger
