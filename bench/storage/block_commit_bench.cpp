// Block commit throughput, in transactions per second, for blocks of 2-in-2-out transactions: what
// the execute and commit stages cost in storage per block — look up every input (one batched
// lookup), then commit the block as one synced WriteBatch. With the UTXO cache
// (storage/utxo_cache.h) in front and without it (ChainStore::multi_get straight to RocksDB), same
// blocks, same run; the ratio is cache / no cache.
//
//   build/bin/bench_block_commit              # 1k-tx blocks x 20 and 10k-tx blocks x 4
//   build/bin/bench_block_commit --full       # adds 100k-tx blocks x 2 (several minutes)
//
// Blocks come from the deterministic ChainModel (tests/storage/chain_fixture.h) and are generated
// before timing starts. The database lives in a temporary directory under /tmp.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "storage/chain_store.h"
#include "storage/utxo_cache.h"
#include "tests/storage/chain_fixture.h"

namespace {

using tc::storage::testing::ChainModel;
using tc::storage::testing::ChainModelOptions;
using tc::storage::testing::GeneratedBlock;

// Commits `blocks` (after genesis, which is untimed); returns transactions per second.
double run(const std::vector<GeneratedBlock>& blocks, bool with_cache) {
  tc::storage::testing::TempDir dir;
  tc::storage::StoreOptions options;
  options.path = dir.sub("db");
  auto opened = tc::storage::ChainStore::open(options);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
    std::exit(1);
  }
  tc::storage::ChainStore& store = **opened;
  tc::storage::UtxoCache cache(&store, tc::storage::UtxoCacheOptions{.capacity_entries = 1u << 20});
  auto check = [](const tc::Status& status) {
    if (!status.is_ok()) {
      std::fprintf(stderr, "%s\n", status.to_string().c_str());
      std::exit(1);
    }
  };
  // Genesis goes straight to the store: the cache starts cold, as after a restart.
  check(store.commit_block(blocks[0].commit()));
  std::vector<tc::storage::UtxoLookup> found;
  std::size_t txs = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t b = 1; b < blocks.size(); ++b) {
    const GeneratedBlock& block = blocks[b];
    found.resize(block.spent.size());
    if (with_cache) {
      check(cache.multi_get(block.spent, found));
      check(cache.commit_block(block.commit()));
    } else {
      check(store.multi_get(block.spent, found));
      check(store.commit_block(block.commit()));
    }
    for (const auto& lookup : found) {
      if (!lookup.found) {
        std::fprintf(stderr, "input missing in block %zu\n", b);
        std::exit(1);
      }
    }
    txs += block.block.transactions.size();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(txs) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const bool full = argc > 1 && std::strcmp(argv[1], "--full") == 0;
  struct Shape {
    std::size_t txs;
    std::size_t blocks;
  };
  std::vector<Shape> shapes = {{1000, 20}, {10000, 4}};
  if (full) shapes.push_back({100000, 2});
  std::printf("%-10s %-7s %-16s %-16s %s\n", "block txs", "blocks", "no cache tx/s", "cache tx/s",
              "ratio");
  for (const Shape& shape : shapes) {
    ChainModel model(ChainModelOptions{
        .seed = 1, .genesis_outputs = 4 * shape.txs, .transfers_per_block = shape.txs});
    std::vector<GeneratedBlock> blocks;
    for (std::size_t b = 0; b <= shape.blocks; ++b) blocks.push_back(model.next_block());
    const double no_cache = run(blocks, false);
    const double cache = run(blocks, true);
    std::printf("%-10zu %-7zu %-16.0f %-16.0f %.2fx\n", shape.txs, shape.blocks, no_cache, cache,
                cache / no_cache);
  }
  return 0;
}
