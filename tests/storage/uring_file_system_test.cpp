// Goal: the io_uring read path returns exactly what the default file system returns.
// Method: (1) raw MultiRead on a file of known bytes, through the io_uring wrapper, many requests
// in one call (more than the ring's depth, some running past the end of the file); (2) a ChainStore
// with its UTXO set flushed to SST files, opened with the default file system and with io_uring,
// each with and without direct reads, answering the same MultiGet batches (present and missing
// keys). Direct reads are skipped with a reason where the filesystem refuses O_DIRECT.
// Scenarios:
//   - probe_io_uring reports OK on this machine or the test is skipped with its reason;
//   - raw MultiRead: every request's bytes and length, end-of-file short reads;
//   - MultiGet parity: buffered and direct, io_uring vs default, after reopening from SSTs; the
//     io_uring runs do submit reads through the ring.
#include "storage/uring_file_system.h"

#include <gtest/gtest.h>
#include <rocksdb/file_system.h>

#include <fstream>

#include "storage/chain_store.h"
#include "tests/storage/chain_fixture.h"

namespace tc::storage {
namespace {

using testing::ChainModel;
using testing::ChainModelOptions;
using testing::TempDir;

TEST(UringFileSystem, MultiReadMatchesFileContents) {
  const Status probe = probe_io_uring();
  if (!probe.is_ok()) GTEST_SKIP() << "io_uring unavailable: " << probe.to_string();
  TempDir dir;
  const std::string file = dir.sub("data");
  std::string contents(1 << 20, '\0');
  std::uint64_t rng = 99;
  for (char& c : contents) c = static_cast<char>(testing::splitmix64(&rng));
  std::ofstream(file, std::ios::binary).write(contents.data(), contents.size());

  auto fs = make_uring_file_system(rocksdb::FileSystem::Default(), UringOptions{.queue_depth = 8});
  ASSERT_TRUE(fs.is_ok());
  std::unique_ptr<rocksdb::FSRandomAccessFile> reader;
  ASSERT_TRUE((*fs)->NewRandomAccessFile(file, rocksdb::FileOptions(), &reader, nullptr).ok());

  constexpr std::size_t kRequests = 100;  // > queue depth: several submission waves
  std::vector<std::string> scratch(kRequests);
  std::vector<rocksdb::FSReadRequest> requests(kRequests);
  for (std::size_t i = 0; i < kRequests; ++i) {
    const std::size_t length = 1 + testing::splitmix64(&rng) % 20000;
    // Every tenth request starts near the end so that it runs past it.
    const std::size_t offset = i % 10 == 0 ? contents.size() - 100
                                           : testing::splitmix64(&rng) % (contents.size() - length);
    scratch[i].resize(length);
    requests[i].offset = offset;
    requests[i].len = length;
    requests[i].scratch = scratch[i].data();
  }
  ASSERT_TRUE(reader->MultiRead(requests.data(), kRequests, rocksdb::IOOptions(), nullptr).ok());
  for (std::size_t i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(requests[i].status.ok()) << i << ": " << requests[i].status.ToString();
    const std::size_t expected_length =
        std::min<std::size_t>(requests[i].len, contents.size() - requests[i].offset);
    ASSERT_EQ(requests[i].result.size(), expected_length) << i;
    EXPECT_EQ(requests[i].result.ToString(), contents.substr(requests[i].offset, expected_length))
        << i;
  }
}

// Looks up every model UTXO and as many absent outpoints, in batches of 256.
std::vector<UtxoLookup> lookup_all(ChainStore& store, const std::vector<OutPoint>& keys) {
  std::vector<UtxoLookup> out(keys.size());
  for (std::size_t begin = 0; begin < keys.size(); begin += 256) {
    const std::size_t n = std::min<std::size_t>(256, keys.size() - begin);
    Status status =
        store.multi_get(std::span(keys).subspan(begin, n), std::span(out).subspan(begin, n));
    EXPECT_TRUE(status.is_ok()) << status.to_string();
  }
  return out;
}

TEST(UringFileSystem, MultiGetParityWithDefaultFileSystem) {
  const Status probe = probe_io_uring();
  if (!probe.is_ok()) GTEST_SKIP() << "io_uring unavailable: " << probe.to_string();
  TempDir dir;
  const std::string path = dir.sub("db");
  ChainModel model(
      ChainModelOptions{.seed = 5, .genesis_outputs = 20000, .transfers_per_block = 500});
  {
    StoreOptions options;
    options.path = path;
    options.read_path = ReadPath::kDefault;
    auto store = ChainStore::open(options);
    ASSERT_TRUE(store.is_ok());
    for (int h = 0; h < 8; ++h) {
      ASSERT_TRUE((*store)->commit_block(model.next_block().commit()).is_ok());
    }
    ASSERT_TRUE((*store)->flush().is_ok());
  }
  std::vector<OutPoint> keys;
  for (const auto& [outpoint, entry] : model.utxos()) {
    keys.push_back(outpoint);
    OutPoint absent = outpoint;
    absent.txid.bytes[31] ^= 0x5a;
    keys.push_back(absent);
  }

  std::vector<UtxoLookup> reference;
  for (bool direct : {false, true}) {
    for (ReadPath read_path : {ReadPath::kDefault, ReadPath::kIoUring}) {
      StoreOptions options;
      options.path = path;
      options.read_path = read_path;
      options.use_direct_reads = direct;
      options.block_cache_bytes = 64 << 10;  // small: most lookups read from the files
      auto store = ChainStore::open(options);
      if (direct && !store.is_ok() && store.status().code() == StatusCode::kConfig) {
        GTEST_SKIP() << "direct reads unsupported here: " << store.status().to_string();
      }
      ASSERT_TRUE(store.is_ok()) << store.status().to_string();
      ASSERT_EQ((*store)->read_path(), read_path);
      const std::uint64_t submitted_before = uring_reads_submitted();
      std::vector<UtxoLookup> got = lookup_all(**store, keys);
      if (read_path == ReadPath::kIoUring) {
        EXPECT_GT(uring_reads_submitted(), submitted_before) << "MultiGet never reached io_uring";
      }
      if (reference.empty()) {
        reference = got;
        for (std::size_t i = 0; i < keys.size(); ++i) {
          ASSERT_EQ(reference[i].found, i % 2 == 0) << i;
          if (reference[i].found) {
            ASSERT_EQ(reference[i].entry, model.utxos().at(keys[i])) << i;
          }
        }
        continue;
      }
      for (std::size_t i = 0; i < keys.size(); ++i) {
        ASSERT_EQ(got[i].found, reference[i].found) << "direct " << direct << " key " << i;
        ASSERT_EQ(got[i].entry, reference[i].entry) << "direct " << direct << " key " << i;
      }
    }
  }
}

}  // namespace
}  // namespace tc::storage
