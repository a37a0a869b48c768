// Goal: the UTXO cache answers exactly what the store would, stays within its bound, and serves
// repeated lookups from memory.
// Method: a ChainStore in a temporary directory with a small UtxoCache in front; every answer of
// the cache is compared with the store's own multi_get and with the ChainModel. Scenarios:
//   - second lookup of the same outpoints is all hits; missing outpoints are not-found and counted
//     as misses each time;
//   - after each committed block, spent outputs are not found and created ones are (from memory);
//   - a cache far smaller than the set never holds more than its capacity, evicts, and still
//     answers every lookup correctly over many blocks.
#include "storage/utxo_cache.h"

#include <gtest/gtest.h>

#include "tests/storage/chain_fixture.h"

namespace tc::storage {
namespace {

using testing::ChainModel;
using testing::ChainModelOptions;
using testing::GeneratedBlock;
using testing::TempDir;

std::unique_ptr<ChainStore> open_store(const TempDir& dir) {
  StoreOptions options;
  options.path = dir.sub("db");
  options.read_path = ReadPath::kDefault;
  auto store = ChainStore::open(options);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return std::move(store).value();
}

TEST(UtxoCache, RepeatedLookupsHit) {
  TempDir dir;
  auto store = open_store(dir);
  UtxoCache cache(store.get(), UtxoCacheOptions{.capacity_entries = 4096, .shard_count = 4});
  ChainModel model(ChainModelOptions{});
  GeneratedBlock genesis = model.next_block();
  ASSERT_TRUE(store->commit_block(genesis.commit()).is_ok());  // behind the cache's back: cold

  std::vector<OutPoint> keys;
  for (const CreatedUtxo& created : genesis.created) keys.push_back(created.outpoint);
  OutPoint absent = keys.front();
  absent.vout = 9999;
  keys.push_back(absent);
  std::vector<UtxoLookup> out(keys.size());
  ASSERT_TRUE(cache.multi_get(keys, out).is_ok());
  EXPECT_EQ(cache.stats().misses, keys.size());
  ASSERT_TRUE(cache.multi_get(keys, out).is_ok());
  EXPECT_EQ(cache.stats().hits, keys.size() - 1);
  EXPECT_EQ(cache.stats().misses, keys.size() + 1);
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    ASSERT_TRUE(out[i].found);
    EXPECT_EQ(out[i].entry, genesis.created[i].entry);
  }
  EXPECT_FALSE(out.back().found);
}

TEST(UtxoCache, CommitsUpdateTheCache) {
  TempDir dir;
  auto store = open_store(dir);
  UtxoCache cache(store.get(), UtxoCacheOptions{.capacity_entries = 1 << 14, .shard_count = 8});
  ChainModel model(ChainModelOptions{.seed = 2, .genesis_outputs = 64, .transfers_per_block = 10});
  for (int h = 0; h < 20; ++h) {
    GeneratedBlock block = model.next_block();
    ASSERT_TRUE(cache.commit_block(block.commit()).is_ok());
    std::vector<OutPoint> keys = block.spent;
    for (const CreatedUtxo& created : block.created) keys.push_back(created.outpoint);
    std::vector<UtxoLookup> out(keys.size());
    const std::uint64_t misses_before = cache.stats().misses;
    ASSERT_TRUE(cache.multi_get(keys, out).is_ok());
    for (std::size_t i = 0; i < block.spent.size(); ++i) EXPECT_FALSE(out[i].found);
    for (std::size_t i = 0; i < block.created.size(); ++i) {
      ASSERT_TRUE(out[block.spent.size() + i].found);
      EXPECT_EQ(out[block.spent.size() + i].entry, block.created[i].entry);
    }
    // Only the spent outputs (gone from the cache) went to RocksDB.
    EXPECT_EQ(cache.stats().misses - misses_before, block.spent.size());
  }
  EXPECT_EQ(*store->utxo_set_digest(), model.digest());
}

TEST(UtxoCache, SmallCacheStaysBoundedAndCorrect) {
  TempDir dir;
  auto store = open_store(dir);
  constexpr std::size_t kCapacity = 256;
  UtxoCache cache(store.get(), UtxoCacheOptions{.capacity_entries = kCapacity, .shard_count = 4});
  ChainModel model(
      ChainModelOptions{.seed = 4, .genesis_outputs = 2000, .transfers_per_block = 40});
  std::uint64_t rng = 1;
  for (int h = 0; h < 25; ++h) {
    ASSERT_TRUE(cache.commit_block(model.next_block().commit()).is_ok());
    std::vector<OutPoint> keys;
    for (const auto& [outpoint, entry] : model.utxos()) {
      if (testing::splitmix64(&rng) % 4 == 0) keys.push_back(outpoint);
    }
    std::vector<UtxoLookup> cached(keys.size());
    std::vector<UtxoLookup> direct(keys.size());
    ASSERT_TRUE(cache.multi_get(keys, cached).is_ok());
    ASSERT_TRUE(store->multi_get(keys, direct).is_ok());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      ASSERT_TRUE(cached[i].found);
      ASSERT_EQ(cached[i].entry, direct[i].entry);
      ASSERT_EQ(cached[i].entry, model.utxos().at(keys[i]));
    }
    EXPECT_LE(cache.stats().entries, kCapacity);
  }
  EXPECT_GT(cache.stats().evictions, 0u);
}

}  // namespace
}  // namespace tc::storage
