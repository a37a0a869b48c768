// Goal: ChainStore keeps the ledger's state exactly as committed and refuses what it must refuse.
// Method: real RocksDB in a temporary directory; chains from the deterministic ChainModel
// (tests/storage/chain_fixture.h) are the reference for every read-back.
// Scenarios:
//   - a fresh store has no tip; committed blocks, headers, height index and certificates read back;
//   - multi_get: one result per key in order, missing keys not-found in their slot;
//   - tx_index: every committed txid (given by the caller or hashed by the store) is found at its
//     height and index after reopening, an unknown txid is nullopt, a txid count that does not
//     match the block is refused with nothing written;
//   - the UTXO set digest equals the model's after many blocks and after reopening;
//   - an output created and spent in the same block ends absent;
//   - a block that does not extend the tip, or a certificate for another block, is refused and
//     nothing is written;
//   - a failed write (injected) makes every later write fail with the original error;
//   - opening: missing database without create_if_missing, wrong schema version (both named),
//     a schema-1 database (no tx_index family) refused as a schema mismatch, a missing column
//     family;
//   - masternode updates ride in the block batch; the peer table;
//   - pruning keeps headers, certificates and tx_index entries, drops old bodies, survives reopen;
//   - snapshot export/import round trip (the imported store has no tx_index entries for blocks up
//     to the snapshot, and indexes the blocks after it), and a damaged or unexpected snapshot
//     refused.
#include "storage/chain_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <fstream>

#include "tests/storage/chain_fixture.h"
#include "tests/storage/fault_file_system.h"

namespace tc::storage {
namespace {

using testing::ChainModel;
using testing::ChainModelOptions;
using testing::FaultFileSystem;
using testing::GeneratedBlock;
using testing::TempDir;

StoreOptions options_at(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.read_path = ReadPath::kDefault;
  return options;
}

std::unique_ptr<ChainStore> open_or_die(const StoreOptions& options) {
  auto store = ChainStore::open(options);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

TEST(ChainStore, FreshStoreHasNoTip) {
  TempDir dir;
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->tip().has_value());
  auto digest = store->utxo_set_digest();
  ASSERT_TRUE(digest.is_ok());
  EXPECT_EQ(digest->count, 0u);
}

TEST(ChainStore, CommittedBlocksReadBack) {
  TempDir dir;
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  ChainModel model(ChainModelOptions{});
  std::vector<GeneratedBlock> blocks;
  for (int h = 0; h < 20; ++h) {
    blocks.push_back(model.next_block());
    ASSERT_TRUE(store->commit_block(blocks.back().commit()).is_ok());
  }
  ASSERT_TRUE(store->tip().has_value());
  EXPECT_EQ(store->tip()->height, 19u);
  EXPECT_EQ(store->tip()->hash, blocks.back().certificate.block_hash);
  for (const GeneratedBlock& generated : blocks) {
    const std::uint64_t height = generated.block.header.height;
    auto hash = store->block_hash_at(height);
    ASSERT_TRUE(hash.is_ok());
    EXPECT_EQ(*hash, generated.certificate.block_hash);
    auto block = store->block(*hash);
    ASSERT_TRUE(block.is_ok()) << block.status().to_string();
    EXPECT_EQ(*block, generated.block);
    auto header = store->header(*hash);
    ASSERT_TRUE(header.is_ok());
    EXPECT_EQ(*header, generated.block.header);
    auto certificate = store->certificate_at(height);
    ASSERT_TRUE(certificate.is_ok());
    EXPECT_EQ(*certificate, generated.certificate);
  }
  EXPECT_EQ(store->block_hash_at(20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*store->utxo_set_digest(), model.digest());
}

TEST(ChainStore, MultiGetFillsOneSlotPerKeyInOrder) {
  TempDir dir;
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  ChainModel model(ChainModelOptions{});
  for (int h = 0; h < 5; ++h) ASSERT_TRUE(store->commit_block(model.next_block().commit()).is_ok());

  std::vector<OutPoint> keys;
  std::vector<UtxoEntry> expected;
  for (const auto& [outpoint, entry] : model.utxos()) {
    keys.push_back(outpoint);
    expected.push_back(entry);
    OutPoint missing = outpoint;
    missing.vout += 1000;  // no transaction here has that many outputs
    keys.push_back(missing);
    expected.push_back(UtxoEntry{});
  }
  std::vector<UtxoLookup> out(keys.size());
  ASSERT_TRUE(store->multi_get(keys, out).is_ok());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const bool should_exist = i % 2 == 0;
    ASSERT_EQ(out[i].found, should_exist) << i;
    if (should_exist) {
      EXPECT_EQ(out[i].entry, expected[i]) << i;
    }
  }
}

// The txids of a generated block, in block order.
std::vector<Hash256> txids_of(const GeneratedBlock& generated) {
  std::vector<Hash256> ids;
  for (const Transaction& tx : generated.block.transactions) ids.push_back(txid(tx));
  return ids;
}

TEST(ChainStore, TxIndexFindsCommittedTransactionsAfterReopen) {
  TempDir dir;
  ChainModel model(ChainModelOptions{});
  std::vector<std::vector<Hash256>> ids;
  {
    auto store = open_or_die(options_at(dir.sub("db")));
    ASSERT_NE(store, nullptr);
    for (int h = 0; h < 12; ++h) {
      GeneratedBlock block = model.next_block();
      ids.push_back(txids_of(block));
      BlockCommit commit = block.commit();
      if (h % 2 == 0) commit.txids = ids.back();  // odd heights: the store hashes them itself
      ASSERT_TRUE(store->commit_block(commit).is_ok());
    }
  }
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  std::size_t found = 0;
  for (std::uint64_t h = 0; h < ids.size(); ++h) {
    for (std::uint32_t t = 0; t < ids[h].size(); ++t) {
      auto location = store->find_transaction(ids[h][t]);
      ASSERT_TRUE(location.is_ok()) << location.status().to_string();
      ASSERT_TRUE(location->has_value()) << h << ":" << t;
      EXPECT_EQ(**location, (TxLocation{h, t}));
      ++found;
    }
  }
  EXPECT_GT(found, 12u * 4);  // coinbase plus transfers in every block
  Hash256 unknown = ids[3][1];
  unknown.bytes[31] ^= 1;
  auto missing = store->find_transaction(unknown);
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(ChainStore, TxidCountMismatchIsRefused) {
  TempDir dir;
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  ChainModel model(ChainModelOptions{});
  ASSERT_TRUE(store->commit_block(model.next_block().commit()).is_ok());
  GeneratedBlock next = model.next_block();
  std::vector<Hash256> ids = txids_of(next);
  ids.pop_back();
  BlockCommit commit = next.commit();
  commit.txids = ids;
  const Status refused = store->commit_block(commit);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.to_string();
  EXPECT_EQ(store->tip()->height, 0u);
  auto location = store->find_transaction(ids[0]);
  ASSERT_TRUE(location.is_ok());
  EXPECT_FALSE(location->has_value());
}

TEST(ChainStore, DigestMatchesModelAcrossReopen) {
  TempDir dir;
  ChainModel model(ChainModelOptions{.seed = 7, .genesis_outputs = 200, .transfers_per_block = 30});
  {
    auto store = open_or_die(options_at(dir.sub("db")));
    ASSERT_NE(store, nullptr);
    for (int h = 0; h < 60; ++h) {
      ASSERT_TRUE(store->commit_block(model.next_block().commit()).is_ok());
    }
    ASSERT_TRUE(store->flush().is_ok());
    for (int h = 0; h < 10; ++h) {  // some state only in the WAL
      ASSERT_TRUE(store->commit_block(model.next_block().commit()).is_ok());
    }
  }
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->tip()->height, 69u);
  auto digest = store->utxo_set_digest();
  ASSERT_TRUE(digest.is_ok());
  EXPECT_EQ(*digest, model.digest());
  EXPECT_EQ(digest->count, model.utxos().size());
}

TEST(ChainStore, CreatedAndSpentInOneBlockEndsAbsent) {
  TempDir dir;
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  ChainModel model(ChainModelOptions{});
  GeneratedBlock genesis = model.next_block();
  const OutPoint chained = genesis.created.front().outpoint;
  genesis.spent.push_back(chained);
  ASSERT_TRUE(store->commit_block(genesis.commit()).is_ok());
  std::vector<UtxoLookup> out(1);
  ASSERT_TRUE(store->multi_get(std::span(&chained, 1), out).is_ok());
  EXPECT_FALSE(out[0].found);
}

TEST(ChainStore, RefusesBlocksThatDoNotExtendTheTip) {
  TempDir dir;
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  ChainModel model(ChainModelOptions{});
  GeneratedBlock genesis = model.next_block();
  GeneratedBlock first = model.next_block();
  GeneratedBlock second = model.next_block();

  Status skipped = store->commit_block(first.commit());  // height 1 before genesis
  EXPECT_EQ(skipped.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(skipped.message().find("expected height 0"), std::string_view::npos);
  ASSERT_TRUE(store->commit_block(genesis.commit()).is_ok());

  GeneratedBlock wrong_parent = first;
  wrong_parent.block.header.prev_hash.bytes[0] ^= 1;
  wrong_parent.certificate.block_hash = block_hash(wrong_parent.block.header);
  EXPECT_EQ(store->commit_block(wrong_parent.commit()).code(), StatusCode::kInvalidArgument);

  GeneratedBlock wrong_certificate = first;
  wrong_certificate.certificate.block_hash = second.certificate.block_hash;
  Status refused = store->commit_block(wrong_certificate.commit());
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("certificate"), std::string_view::npos);

  EXPECT_EQ(store->tip()->height, 0u);
  EXPECT_EQ(store->block_hash_at(1).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->commit_block(first.commit()).is_ok());
}

TEST(ChainStore, FailedWriteMakesLaterWritesFail) {
  TempDir dir;
  auto fault =
      std::make_shared<FaultFileSystem>(rocksdb::FileSystem::Default(), FaultFileSystem::Options{});
  StoreOptions options = options_at(dir.sub("db"));
  options.base_file_system = fault;
  auto store = open_or_die(options);
  ASSERT_NE(store, nullptr);
  ChainModel model(ChainModelOptions{});
  ASSERT_TRUE(store->commit_block(model.next_block().commit()).is_ok());

  GeneratedBlock block = model.next_block();
  fault->set_fail_writes(true);
  Status failed = store->commit_block(block.commit());
  EXPECT_EQ(failed.code(), StatusCode::kIoError);
  fault->set_fail_writes(false);
  Status again = store->commit_block(block.commit());
  EXPECT_EQ(again.code(), StatusCode::kIoError);
  EXPECT_NE(again.message().find("refuses writes"), std::string_view::npos);
  EXPECT_NE(again.message().find("block 1"), std::string_view::npos);
  EXPECT_EQ(store->put_peer(ByteSpan(), ByteSpan()).code(), StatusCode::kIoError);
  EXPECT_EQ(store->tip()->height, 0u);
}

TEST(ChainStore, MissingDatabaseWithoutCreateIsNotFound) {
  TempDir dir;
  StoreOptions options = options_at(dir.sub("absent"));
  options.create_if_missing = false;
  auto store = ChainStore::open(options);
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
}

// Rewrites one meta key through RocksDB directly, as a different build of the program would.
void rewrite_schema_version(const std::string& path, std::uint32_t version) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == kMetaFamily) {
      std::array<std::uint8_t, 4> value;
      store_u32_le(value.data(), version);
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[i], std::string(kMetaSchemaVersion),
                          rocksdb::Slice(reinterpret_cast<const char*>(value.data()), 4))
                      .ok());
    }
  }
  for (auto* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  delete db;
}

TEST(ChainStore, WrongSchemaVersionIsRefusedNamingBoth) {
  TempDir dir;
  { ASSERT_NE(open_or_die(options_at(dir.sub("db"))), nullptr); }
  rewrite_schema_version(dir.sub("db"), kSchemaVersion + 6);
  auto store = ChainStore::open(options_at(dir.sub("db")));
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kConfig);
  const std::string message(store.status().message());
  EXPECT_NE(message.find("schema version " + std::to_string(kSchemaVersion + 6)), std::string::npos)
      << message;
  EXPECT_NE(message.find("schema version " + std::to_string(kSchemaVersion) + ";"),
            std::string::npos)
      << message;
}

// A database as schema 1 left it: every family but tx_index, schema_version 1.
TEST(ChainStore, SchemaOneDatabaseIsRefusedAsAVersionMismatch) {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (std::string_view name :
         {std::string_view("default"), kUtxoFamily, kBlocksFamily, kHeadersFamily,
          kHeightIndexFamily, kCertificatesFamily, kMetaFamily, kMasternodesFamily, kPeersFamily}) {
      descriptors.emplace_back(std::string(name), rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.sub("db"), descriptors, &handles, &db).ok());
    std::array<std::uint8_t, 4> value;
    store_u32_le(value.data(), 1);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[6], std::string(kMetaSchemaVersion),
                        rocksdb::Slice(reinterpret_cast<const char*>(value.data()), 4))
                    .ok());
    for (auto* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    delete db;
  }
  auto store = ChainStore::open(options_at(dir.sub("db")));
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kConfig) << store.status().to_string();
  EXPECT_NE(store.status().message().find("database schema version 1,"), std::string_view::npos)
      << store.status().to_string();
}

TEST(ChainStore, MissingColumnFamilyIsCorruption) {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.sub("db"), &db).ok());
    rocksdb::ColumnFamilyHandle* meta = nullptr;
    ASSERT_TRUE(
        db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), std::string(kMetaFamily), &meta)
            .ok());
    std::array<std::uint8_t, 4> value;
    store_u32_le(value.data(), kSchemaVersion);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), meta, std::string(kMetaSchemaVersion),
                        rocksdb::Slice(reinterpret_cast<const char*>(value.data()), 4))
                    .ok());
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(meta).ok());
    delete db;
  }
  auto store = ChainStore::open(options_at(dir.sub("db")));
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption);
  EXPECT_NE(store.status().message().find("'utxo' is missing"), std::string_view::npos)
      << store.status().to_string();
}

TEST(ChainStore, MasternodeUpdatesAndPeers) {
  TempDir dir;
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  ChainModel model(ChainModelOptions{});
  GeneratedBlock genesis = model.next_block();
  std::vector<RecordUpdate> updates = {{Bytes{1}, Bytes{10}}, {Bytes{2}, Bytes{20}}};
  BlockCommit commit{genesis.block, genesis.certificate, genesis.spent, genesis.created, updates};
  ASSERT_TRUE(store->commit_block(commit).is_ok());
  GeneratedBlock next = model.next_block();
  std::vector<RecordUpdate> erase = {{Bytes{1}, Bytes{}, true}};
  ASSERT_TRUE(
      store
          ->commit_block(BlockCommit{next.block, next.certificate, next.spent, next.created, erase})
          .is_ok());
  auto masternodes = store->masternodes();
  ASSERT_TRUE(masternodes.is_ok());
  ASSERT_EQ(masternodes->size(), 1u);
  EXPECT_EQ((*masternodes)[0].first, Bytes{2});
  EXPECT_EQ((*masternodes)[0].second, Bytes{20});

  const Bytes peer_key{9, 9};
  const Bytes peer_value{1, 2, 3};
  ASSERT_TRUE(store->put_peer(peer_key, peer_value).is_ok());
  auto peers = store->peers();
  ASSERT_TRUE(peers.is_ok());
  ASSERT_EQ(peers->size(), 1u);
  EXPECT_EQ((*peers)[0].second, peer_value);
  ASSERT_TRUE(store->erase_peer(peer_key).is_ok());
  EXPECT_TRUE(store->peers()->empty());
}

TEST(ChainStore, PruningKeepsHeadersCertificatesAndTxIndex) {
  TempDir dir;
  ChainModel model(ChainModelOptions{});
  std::vector<Hash256> hashes;
  std::vector<Hash256> last_txids;  // the last transaction of each block
  {
    auto store = open_or_die(options_at(dir.sub("db")));
    ASSERT_NE(store, nullptr);
    for (int h = 0; h < 30; ++h) {
      GeneratedBlock block = model.next_block();
      hashes.push_back(block.certificate.block_hash);
      last_txids.push_back(txid(block.block.transactions.back()));
      ASSERT_TRUE(store->commit_block(block.commit()).is_ok());
    }
    ASSERT_TRUE(store->prune_bodies(10).is_ok());
    EXPECT_EQ(store->pruned_below(), 20u);
  }
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->pruned_below(), 20u);
  for (std::uint64_t h = 0; h < 30; ++h) {
    auto block = store->block(hashes[h]);
    if (h < 20) {
      ASSERT_EQ(block.status().code(), StatusCode::kNotFound) << h;
      EXPECT_NE(block.status().message().find("pruned"), std::string_view::npos);
    } else {
      EXPECT_TRUE(block.is_ok()) << h;
    }
    EXPECT_TRUE(store->header(hashes[h]).is_ok()) << h;
    EXPECT_TRUE(store->certificate_at(h).is_ok()) << h;
    auto location = store->find_transaction(last_txids[h]);
    ASSERT_TRUE(location.is_ok() && location->has_value()) << h;
    EXPECT_EQ((*location)->height, h);
  }
  EXPECT_EQ(*store->utxo_set_digest(), model.digest());
}

TEST(ChainStore, SnapshotExportImportRoundTrip) {
  TempDir dir;
  ChainModel model(ChainModelOptions{.seed = 3, .genesis_outputs = 100, .transfers_per_block = 10});
  auto source = open_or_die(options_at(dir.sub("source")));
  ASSERT_NE(source, nullptr);
  for (int h = 0; h < 25; ++h)
    ASSERT_TRUE(source->commit_block(model.next_block().commit()).is_ok());
  auto exported = source->export_utxo_snapshot(dir.sub("snapshot"));
  ASSERT_TRUE(exported.is_ok()) << exported.status().to_string();
  EXPECT_EQ(exported->digest, model.digest());
  EXPECT_EQ(exported->tip, *source->tip());

  auto target = open_or_die(options_at(dir.sub("target")));
  ASSERT_NE(target, nullptr);
  // The import checks the set against the digest a certified header names, not the file's own hash.
  EXPECT_EQ(exported->digest.set_digest, model.set_digest().digest());
  Hash256 wrong = exported->digest.set_digest;
  wrong.bytes[5] ^= 1;
  EXPECT_EQ(target->import_utxo_snapshot(dir.sub("snapshot"), wrong).status().code(),
            StatusCode::kInvalidArgument);
  auto imported = target->import_utxo_snapshot(dir.sub("snapshot"), exported->digest.set_digest);
  ASSERT_TRUE(imported.is_ok()) << imported.status().to_string();
  EXPECT_EQ(*target->tip(), exported->tip);
  EXPECT_EQ(*target->utxo_set_digest(), model.digest());
  // The incremental digest resumes from the imported state.
  const auto state = target->utxo_digest_state();
  ASSERT_TRUE(state.is_ok() && state->has_value());
  EXPECT_EQ(**state, model.set_digest());
  // The snapshot carries no tx index: transactions up to its tip are unknown to the target.
  const Hash256 before = *source->block_hash_at(exported->tip.height);
  const Hash256 before_txid = txid(source->block(before)->transactions[0]);
  ASSERT_TRUE(source->find_transaction(before_txid)->has_value());
  EXPECT_FALSE(target->find_transaction(before_txid)->has_value());
  // The imported store continues the chain and indexes the new block.
  GeneratedBlock next = model.next_block();
  ASSERT_TRUE(source->commit_block(next.commit()).is_ok());
  ASSERT_TRUE(target->commit_block(next.commit()).is_ok());
  EXPECT_EQ(*target->utxo_set_digest(), *source->utxo_set_digest());
  auto after = target->find_transaction(txid(next.block.transactions[0]));
  ASSERT_TRUE(after.is_ok() && after->has_value());
  EXPECT_EQ(**after, (TxLocation{exported->tip.height + 1, 0}));
  EXPECT_EQ(target->import_utxo_snapshot(dir.sub("snapshot"), exported->digest.set_digest)
                .status()
                .code(),
            StatusCode::kInvalidArgument);  // not empty any more
}

TEST(ChainStore, UtxoDigestStateIsStoredWithTheTipAndSurvivesReopening) {
  TempDir dir;
  ChainModel model(ChainModelOptions{.seed = 5, .transfers_per_block = 4});
  {
    auto store = open_or_die(options_at(dir.sub("db")));
    ASSERT_NE(store, nullptr);
    EXPECT_FALSE(store->utxo_digest_state()->has_value());
    for (int h = 0; h < 6; ++h) {
      GeneratedBlock block = model.next_block();
      const UtxoSetDigest state = model.set_digest();
      BlockCommit commit = block.commit();
      commit.utxo_digest = &state;
      ASSERT_TRUE(store->commit_block(commit).is_ok());
    }
    // A commit without a state leaves the stored one as it was.
    const UtxoSetDigest before = model.set_digest();
    ASSERT_TRUE(store->commit_block(model.next_block().commit()).is_ok());
    EXPECT_EQ(**store->utxo_digest_state(), before);
  }
  auto store = open_or_die(options_at(dir.sub("db")));
  ASSERT_NE(store, nullptr);
  EXPECT_NE(**store->utxo_digest_state(), model.set_digest());
  EXPECT_EQ(store->utxo_set_digest()->set_digest, model.set_digest().digest());
}

TEST(ChainStore, DamagedSnapshotIsMalformed) {
  TempDir dir;
  ChainModel model(ChainModelOptions{});
  auto source = open_or_die(options_at(dir.sub("source")));
  ASSERT_NE(source, nullptr);
  for (int h = 0; h < 5; ++h)
    ASSERT_TRUE(source->commit_block(model.next_block().commit()).is_ok());
  auto exported = source->export_utxo_snapshot(dir.sub("snapshot"));
  ASSERT_TRUE(exported.is_ok());
  std::fstream file(dir.sub("snapshot"), std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(100);
  file.put('\x5a');
  file.close();
  auto target = open_or_die(options_at(dir.sub("target")));
  ASSERT_NE(target, nullptr);
  auto imported = target->import_utxo_snapshot(dir.sub("snapshot"), exported->digest.set_digest);
  ASSERT_FALSE(imported.is_ok());
  EXPECT_EQ(imported.status().code(), StatusCode::kMalformed) << imported.status().to_string();
}

}  // namespace
}  // namespace tc::storage
