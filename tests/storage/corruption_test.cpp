// Goal: a damaged database is refused with a clear error, never silently rebuilt, and a torn WAL
// tail (what a crash mid-commit leaves) recovers to the last whole block.
// Method: build a store from the deterministic ChainModel, close it, damage its files on disk, and
// reopen (wrong schema versions are covered in chain_store_test.cpp).
// Scenarios:
//   - a truncated SST file: open fails with kCorruption naming the file;
//   - a flipped byte inside a UTXO SST data block: open succeeds (RocksDB checks blocks on read)
//     and the lookup that reads it fails with kCorruption;
//   - a WAL cut inside its last record: kStrict refuses with kCorruption; the default
//     point-in-time recovery opens at the previous block with the model's UTXO set for it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/chain_store.h"
#include "tests/storage/chain_fixture.h"

namespace tc::storage {
namespace {

using testing::ChainModel;
using testing::ChainModelOptions;
using testing::TempDir;

StoreOptions options_at(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.read_path = ReadPath::kDefault;
  return options;
}

// The largest file with `extension` in `dir` (the UTXO family's SST, or the live WAL).
std::filesystem::path largest_file(const std::string& dir, const std::string& extension) {
  std::filesystem::path best;
  std::uintmax_t best_size = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == extension && entry.file_size() > best_size) {
      best = entry.path();
      best_size = entry.file_size();
    }
  }
  return best;
}

// Commits `blocks` blocks; with `flush`, everything ends up in SST files.
void build(const std::string& path, ChainModel* model, int blocks, bool flush) {
  auto store = ChainStore::open(options_at(path));
  EXPECT_TRUE(store.is_ok());
  for (int h = 0; h < blocks; ++h) {
    EXPECT_TRUE((*store)->commit_block(model->next_block().commit()).is_ok());
  }
  if (flush) {
    EXPECT_TRUE((*store)->flush().is_ok());
  }
}

const ChainModelOptions kModel{.seed = 9, .genesis_outputs = 3000, .transfers_per_block = 50};

TEST(Corruption, TruncatedSstIsRefused) {
  TempDir dir;
  ChainModel model(kModel);
  build(dir.sub("db"), &model, 10, true);
  const auto sst = largest_file(dir.sub("db"), ".sst");
  ASSERT_FALSE(sst.empty());
  std::filesystem::resize_file(sst, std::filesystem::file_size(sst) / 2);
  auto store = ChainStore::open(options_at(dir.sub("db")));
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption) << store.status().to_string();
  EXPECT_NE(store.status().message().find(sst.filename().string()), std::string_view::npos)
      << store.status().to_string();
}

TEST(Corruption, FlippedSstByteFailsTheLookup) {
  TempDir dir;
  ChainModel model(kModel);
  build(dir.sub("db"), &model, 10, true);
  const auto sst = largest_file(dir.sub("db"), ".sst");
  ASSERT_FALSE(sst.empty());
  {
    std::fstream file(sst, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(200);
    const char original = static_cast<char>(file.get());
    file.seekp(200);
    file.put(static_cast<char>(original ^ 0x40));
  }
  auto store = ChainStore::open(options_at(dir.sub("db")));
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  std::vector<OutPoint> keys;
  for (const auto& [outpoint, entry] : model.utxos()) keys.push_back(outpoint);
  std::vector<UtxoLookup> out(keys.size());
  Status status = (*store)->multi_get(keys, out);
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
  EXPECT_NE(status.message().find("utxo lookup"), std::string_view::npos) << status.to_string();
}

TEST(Corruption, TornWalTailStrictRefusesPointInTimeRecovers) {
  TempDir dir;
  ChainModel model(kModel);
  build(dir.sub("db"), &model, 9, false);
  const UtxoSetScan before_last = model.digest();
  {
    auto store = ChainStore::open(options_at(dir.sub("db")));
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->commit_block(model.next_block().commit()).is_ok());
  }
  const auto wal = largest_file(dir.sub("db"), ".log");
  ASSERT_FALSE(wal.empty());
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 20);

  StoreOptions strict = options_at(dir.sub("db"));
  strict.wal_recovery = WalRecovery::kStrict;
  auto refused = ChainStore::open(strict);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption) << refused.status().to_string();

  auto store = ChainStore::open(options_at(dir.sub("db")));
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  ASSERT_TRUE((*store)->tip().has_value());
  EXPECT_EQ((*store)->tip()->height, 8u);
  EXPECT_EQ(*(*store)->utxo_set_digest(), before_last);
}

}  // namespace
}  // namespace tc::storage
