// Random UTXO point lookups in batches through RocksDB MultiGet: the io_uring read path
// (storage/uring_file_system.h) against RocksDB's default POSIX file system, same database, same
// key sequence, same run. Direct reads keep the page cache out, and the block cache is a small
// fraction of the database, so nearly every key costs one read from the device.
//
//   build/bin/bench_utxo_lookup   # defaults: 1M UTXOs (~90 MB of SST), 150 batches of 256
//   build/bin/bench_utxo_lookup --utxos 4000000 --batches 2000 --batch 256 --cache-mb 8
//
// The database is built by importing a synthetic UTXO snapshot into a temporary directory (--dir to
// choose where; removed afterwards). Prints keys/s per configuration and the io_uring/default
// ratio.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/sha2.h"
#include "storage/chain_store.h"
#include "storage/uring_file_system.h"
#include "tests/storage/chain_fixture.h"

namespace {

using tc::storage::testing::splitmix64;

struct Args {
  std::size_t utxos = 1'000'000;
  std::size_t batches = 150;
  std::size_t batch = 256;
  std::size_t cache_mb = 8;
  bool direct = true;
  std::string dir = "/tmp";
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--utxos")
      args.utxos = std::strtoull(value, nullptr, 10);
    else if (key == "--batches")
      args.batches = std::strtoull(value, nullptr, 10);
    else if (key == "--batch")
      args.batch = std::strtoull(value, nullptr, 10);
    else if (key == "--cache-mb")
      args.cache_mb = std::strtoull(value, nullptr, 10);
    else if (key == "--direct")
      args.direct = std::string(value) != "0";
    else if (key == "--dir")
      args.dir = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return args;
}

// Writes a snapshot of `count` random UTXOs (sorted keys) and returns their UTXO set digest (what
// the import checks the file against).
tc::Hash256 write_snapshot(const std::string& file, std::size_t count,
                           std::vector<tc::OutPoint>* keys) {
  std::uint64_t rng = 42;
  keys->resize(count);
  for (auto& key : *keys) {
    for (auto& byte : key.txid.bytes) byte = static_cast<std::uint8_t>(splitmix64(&rng));
    key.vout = static_cast<std::uint32_t>(splitmix64(&rng) % 4);
  }
  std::sort(keys->begin(), keys->end(), [](const tc::OutPoint& a, const tc::OutPoint& b) {
    return tc::storage::encode_utxo_key(a) < tc::storage::encode_utxo_key(b);
  });
  keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
  std::ofstream out(file, std::ios::binary);
  std::uint8_t header[60] = {};
  std::memcpy(header, "TCUTXOS1", 8);
  tc::store_u32_le(header + 8, tc::storage::kSchemaVersion);
  tc::store_u64_le(header + 12, 1000);
  header[20] = 1;  // any tip hash
  tc::store_u64_le(header + 52, keys->size());
  out.write(reinterpret_cast<const char*>(header), sizeof(header));
  tc::Sha256 hasher;
  tc::UtxoSetDigest set;
  for (const auto& key : *keys) {
    tc::storage::UtxoEntry entry;
    entry.output.value = tc::Amount(splitmix64(&rng) % 1'000'000'000);
    entry.height = splitmix64(&rng) % 1000;
    const auto k = tc::storage::encode_utxo_key(key);
    const auto v = tc::storage::encode_utxo_value(entry);
    hasher.update(tc::ByteSpan(k.data(), k.size())).update(tc::ByteSpan(v.data(), v.size()));
    set.add(key, entry.output, entry.height, entry.coinbase);
    out.write(reinterpret_cast<const char*>(k.data()), k.size());
    out.write(reinterpret_cast<const char*>(v.data()), v.size());
  }
  const tc::Hash256 hash = hasher.finish();
  out.write(reinterpret_cast<const char*>(hash.data()), 32);
  return set.digest();
}

// Runs `batches` MultiGet batches of random existing keys; returns keys per second.
double run(const Args& args, const std::string& path, tc::storage::ReadPath read_path,
           const std::vector<tc::OutPoint>& keys) {
  tc::storage::StoreOptions options;
  options.path = path;
  options.create_if_missing = false;
  options.read_path = read_path;
  options.use_direct_reads = args.direct;
  options.block_cache_bytes = args.cache_mb << 20;
  auto store = tc::storage::ChainStore::open(options);
  if (!store.is_ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().to_string().c_str());
    std::exit(1);
  }
  std::uint64_t rng = 7;  // the same key sequence for every configuration
  std::vector<tc::OutPoint> batch(args.batch);
  std::vector<tc::storage::UtxoLookup> out(args.batch);
  auto one_batch = [&] {
    for (auto& key : batch) key = keys[splitmix64(&rng) % keys.size()];
    tc::Status status = (*store)->multi_get(batch, out);
    if (!status.is_ok()) {
      std::fprintf(stderr, "multi_get: %s\n", status.to_string().c_str());
      std::exit(1);
    }
  };
  for (std::size_t i = 0; i < args.batches / 10; ++i) one_batch();  // warm index and filters
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < args.batches; ++i) one_batch();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(args.batches * args.batch) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  if (tc::Status probe = tc::storage::probe_io_uring(); !probe.is_ok()) {
    std::printf("io_uring unavailable (%s): nothing to compare\n", probe.to_string().c_str());
    return 0;
  }
  tc::storage::testing::TempDir scratch;  // under /tmp; --dir moves the database itself
  char pattern[4096];
  std::snprintf(pattern, sizeof(pattern), "%s/tc_bench_lookup_XXXXXX", args.dir.c_str());
  if (mkdtemp(pattern) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string db_dir = pattern;
  const std::string path = db_dir + "/db";
  std::vector<tc::OutPoint> keys;
  const tc::Hash256 hash = write_snapshot(scratch.sub("snapshot"), args.utxos, &keys);
  {
    tc::storage::StoreOptions options;
    options.path = path;
    options.read_path = tc::storage::ReadPath::kDefault;
    auto store = tc::storage::ChainStore::open(options);
    if (!store.is_ok() || !(*store)->import_utxo_snapshot(scratch.sub("snapshot"), hash).is_ok() ||
        !(*store)->flush().is_ok()) {
      std::fprintf(stderr, "building the database failed\n");
      return 1;
    }
  }
  std::uintmax_t db_bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".sst") db_bytes += entry.file_size();
  }
  std::printf(
      "utxos %zu, SST bytes %.1f MB, block cache %zu MB (%.1fx smaller), direct reads %s, "
      "batch %zu, batches %zu\n",
      keys.size(), db_bytes / 1e6, args.cache_mb,
      db_bytes / static_cast<double>(args.cache_mb << 20), args.direct ? "on" : "off", args.batch,
      args.batches);
  // Two interleaved rounds so drift on a shared machine affects both sides alike.
  double base = 0;
  double uring = 0;
  for (int round = 0; round < 2; ++round) {
    const double b = run(args, path, tc::storage::ReadPath::kDefault, keys);
    const std::uint64_t before = tc::storage::uring_reads_submitted();
    const double u = run(args, path, tc::storage::ReadPath::kIoUring, keys);
    std::printf("round %d: default FS %.0f keys/s, io_uring FS %.0f keys/s (%llu reads via ring)\n",
                round, b, u,
                static_cast<unsigned long long>(tc::storage::uring_reads_submitted() - before));
    base += b;
    uring += u;
  }
  std::printf("RATIO io_uring / default MultiGet throughput: %.2fx\n", uring / base);
  std::error_code ignored;
  std::filesystem::remove_all(db_dir, ignored);
  return 0;
}
