// Ledger benchmarks (docs/benchmarks.md, "Ledger"):
//   - BM_MempoolAdmit/threads:T: mempool admission of pre-encoded transfers (stateless checks,
//   txid,
//     UTXO lookup, stateful checks, outpoint locks, fee index) from T producer threads; the ratio
//     T=2 / T=1 is the scaling of the sharded design. Signatures are not part of admission (the
//     verify stage checks them first), so these transfers are unsigned.
//   - BM_BuildBlock/N: building a 2 MB block from an N-transaction mempool (N = 10k, 100k).
//   - BM_ExecuteBlock/batch and /single: executing (all checks, no commit) a block of 2,000 signed
//     one-input transfers, signatures through BatchVerifierCpu in one batch against the named
//     baseline verify_single per input, in the same run.
//   - BM_UtxoDigestOfBlock: the UTXO set digest update of that same block (2,000 removes, 2,001+
//     adds, one digest), against BM_ExecuteBlock/batch which includes it.
//   - BM_RegistryBlock/N: one whole block cycle (build, execute, commit) of an otherwise empty
//     block with N masternodes registered (N - 1 free-tier genesis records and one gold
//     proposer), N = 100 against N = 100,000 in the same run: the registry's per-block work
//     (coinbase windows, erasures, commit) must not grow with N. items_per_second is blocks.
// items_per_second is transactions per second in the other cases.
#include <benchmark/benchmark.h>

#include <memory>
#include <thread>
#include <vector>

#include "core/codec.h"
#include "core/hashing.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

using testing::hash_of;
using testing::test_key;

constexpr std::uint64_t kCoinValue = 1'000'000'000;

// A ledger over a MemoryBackend whose genesis holds `coins` outputs owned by the wallet key,
// committed straight to the backend (genesis through the ledger holds at most 65,535).
struct BenchChain {
  explicit BenchChain(std::size_t coins, SignatureCheck check = SignatureCheck::kBatch) {
    const KeyPair wallet = test_key(1);
    wallet_hash = hash_of(wallet);
    wallet_pubkey = wallet.pubkey();
    Block genesis;
    genesis.header.chain_id = kChainIdDevnet;
    CommitCertificate certificate;
    certificate.block_hash = block_hash(genesis.header);
    genesis_txid.bytes.fill(0x42);
    std::vector<storage::CreatedUtxo> created;
    UtxoSetDigest utxo;
    for (std::uint32_t i = 0; i < coins; ++i) {
      created.push_back(storage::CreatedUtxo{
          OutPoint{genesis_txid, i},
          storage::UtxoEntry{TxOutput{Amount(kCoinValue), wallet_hash}, 0, true}});
      utxo.add(created.back().outpoint, created.back().entry.output, 0, true);
    }
    proposer = test_key(100).pubkey();
    MasternodeRecord validator;
    validator.tier = MasternodeTier::kGold;
    validator.consensus_pubkey = proposer;
    std::vector<storage::RecordUpdate> records{
        storage::RecordUpdate{Bytes(proposer.bytes.begin(), proposer.bytes.end()),
                              encode_masternode_record(validator), false}};
    (void)backend.commit(
        storage::BlockCommit{genesis, certificate, {}, created, records, {}, &utxo});
    LedgerConfig config;
    config.mempool.tx_count_max = coins + 1;
    config.mempool.bytes_max = std::size_t{1} << 40;
    config.signature_check = check;
    ledger = std::move(Ledger::open(config, &backend).value());
  }
  Bytes transfer(std::uint32_t coin, std::uint64_t fee, const KeyPair* signer) const {
    Transaction tx;
    tx.chain_id = kChainIdDevnet;
    tx.inputs.push_back(TxInput{OutPoint{genesis_txid, coin}, wallet_pubkey, {}});
    tx.outputs.push_back(TxOutput{Amount(kCoinValue - fee), wallet_hash});
    if (signer != nullptr) sign_transaction(*signer, &tx);
    Bytes bytes;
    encode(tx, &bytes);
    return bytes;
  }
  BlockTemplate next_template() const {
    BlockTemplate tmpl;
    tmpl.height = 1;
    tmpl.prev_hash = ledger->tip()->hash;
    // Above the genesis header's 0: block execution refuses a timestamp not above the tip's.
    tmpl.timestamp_ms = 1;
    tmpl.proposer = proposer;
    return tmpl;
  }
  MemoryBackend backend;
  std::unique_ptr<Ledger> ledger;
  Hash256 genesis_txid;
  PubkeyHash wallet_hash;
  Pubkey wallet_pubkey;
  Pubkey proposer;
};

void BM_MempoolAdmit(benchmark::State& state) {
  const std::size_t count = 20'000;
  const int producers = static_cast<int>(state.range(0));
  std::vector<Bytes> txs;
  {
    BenchChain shape(0);
    for (std::uint32_t i = 0; i < count; ++i)
      txs.push_back(shape.transfer(i, 1'000'000 + i, nullptr));
  }
  for (auto _ : state) {
    state.PauseTiming();
    auto chain = std::make_unique<BenchChain>(count);
    state.ResumeTiming();
    std::vector<std::thread> threads;
    for (int t = 0; t < producers; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t i = t; i < count; i += producers) {
          (void)chain->ledger->submit(*TransactionView::parse(txs[i]), 0);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    state.PauseTiming();
    if (chain->ledger->mempool().size() != count) state.SkipWithError("not all admitted");
    chain.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}
BENCHMARK(BM_MempoolAdmit)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_BuildBlock(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  BenchChain chain(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const Bytes tx = chain.transfer(i, 1'000'000 + (i * 7919) % 100'000, nullptr);
    (void)chain.ledger->submit(*TransactionView::parse(tx), 0);
  }
  BuildStats stats;
  for (auto _ : state) {
    auto block = chain.ledger->build_block(chain.next_template(), 0, &stats);
    benchmark::DoNotOptimize(block);
  }
  state.counters["block_txs"] = static_cast<double>(stats.included);
  state.counters["block_bytes"] = static_cast<double>(stats.block_bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stats.included));
}
BENCHMARK(BM_BuildBlock)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_ExecuteBlock(benchmark::State& state, SignatureCheck check) {
  constexpr std::size_t kTxs = 2'000;
  BenchChain chain(kTxs, check);
  const KeyPair wallet = test_key(1);
  for (std::uint32_t i = 0; i < kTxs; ++i) {
    const Bytes tx = chain.transfer(i, 1'000'000, &wallet);
    (void)chain.ledger->submit(*TransactionView::parse(tx), 0);
  }
  Block block = chain.ledger->build_block(chain.next_template()).value();
  Bytes bytes;
  encode(block, &bytes);
  for (auto _ : state) {
    auto executed = chain.ledger->execute_block(bytes);
    if (!executed.is_ok()) state.SkipWithError(executed.status().to_string().c_str());
    benchmark::DoNotOptimize(executed);
  }
  state.SetItemsProcessed(
      static_cast<std::int64_t>(state.iterations() * (block.transactions.size() - 1)));
}
BENCHMARK_CAPTURE(BM_ExecuteBlock, batch, SignatureCheck::kBatch)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ExecuteBlock, single, SignatureCheck::kSingle)->Unit(benchmark::kMillisecond);

// The UTXO set digest's share of executing that block: the state after the block from the tip's
// (one remove per spent output, one add per created one, the digest), measured against
// BM_ExecuteBlock/batch, which includes it.
void BM_UtxoDigestOfBlock(benchmark::State& state) {
  constexpr std::size_t kTxs = 2'000;
  BenchChain chain(kTxs);
  const KeyPair wallet = test_key(1);
  for (std::uint32_t i = 0; i < kTxs; ++i) {
    const Bytes tx = chain.transfer(i, 1'000'000, &wallet);
    (void)chain.ledger->submit(*TransactionView::parse(tx), 0);
  }
  const Block block = chain.ledger->build_block(chain.next_template()).value();
  const ExecutedBlock executed = chain.ledger->execute_block(block).value();
  const TxOutput spent_output{Amount(kCoinValue), chain.wallet_hash};
  for (auto _ : state) {
    UtxoSetDigest after = chain.ledger->utxo_digest();
    for (const OutPoint& spent : executed.spent) after.remove(spent, spent_output, 0, true);
    for (const storage::CreatedUtxo& created : executed.created) {
      after.add(created.outpoint, created.entry.output, created.entry.height,
                created.entry.coinbase);
    }
    const Hash256 digest = after.digest();
    benchmark::DoNotOptimize(digest);
    if (digest != block.header.utxo_digest) state.SkipWithError("digest differs from the header");
  }
  state.counters["elements"] = static_cast<double>(executed.spent.size() + executed.created.size());
  state.SetItemsProcessed(
      static_cast<std::int64_t>(state.iterations() * (block.transactions.size() - 1)));
}
BENCHMARK(BM_UtxoDigestOfBlock)->Unit(benchmark::kMillisecond);

void BM_RegistryBlock(benchmark::State& state) {
  const auto records = static_cast<std::size_t>(state.range(0));
  const KeyPair proposer = test_key(100);
  GenesisConfig genesis;
  genesis.timestamp_ms = 1'700'000'000'000ull;
  genesis.allocations.push_back(TxOutput{Amount::from_time(10), hash_of(proposer)});
  MasternodeRecord gold;
  gold.tier = MasternodeTier::kGold;
  gold.consensus_pubkey = proposer.pubkey();
  gold.reward_pubkey_hash = hash_of(proposer);
  genesis.masternodes.push_back(gold);
  for (std::size_t i = 1; i < records; ++i) {
    MasternodeRecord free;
    for (std::size_t b = 0; b < 4; ++b) {
      free.consensus_pubkey.bytes[b] = static_cast<std::uint8_t>(i >> (8 * b));
      free.reward_pubkey_hash.bytes[b] = static_cast<std::uint8_t>(i >> (8 * b));
    }
    free.consensus_pubkey.bytes[31] = 0xf5;
    genesis.masternodes.push_back(free);
  }
  MemoryBackend backend;
  auto ledger = std::move(Ledger::open(LedgerConfig{}, &backend).value());
  if (!ledger->commit_genesis(genesis).is_ok()) state.SkipWithError("genesis");
  for (auto _ : state) {
    const auto tip = ledger->tip();
    BlockTemplate tmpl;
    tmpl.height = tip->height + 1;
    tmpl.prev_hash = tip->hash;
    tmpl.timestamp_ms = genesis.timestamp_ms + tmpl.height * 1'000;
    tmpl.proposer = proposer.pubkey();
    auto block = ledger->build_block(tmpl);
    if (!block.is_ok()) {
      state.SkipWithError(block.status().to_string().c_str());
      break;
    }
    auto executed = ledger->execute_block(*block);
    if (!executed.is_ok()) {
      state.SkipWithError(executed.status().to_string().c_str());
      break;
    }
    CommitCertificate certificate;
    certificate.height = tmpl.height;
    certificate.block_hash = executed->hash;
    auto committed = ledger->commit_block(*executed, certificate);
    benchmark::DoNotOptimize(committed);
  }
  state.counters["records"] = static_cast<double>(ledger->registry().size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RegistryBlock)->Arg(100)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tc::ledger

BENCHMARK_MAIN();
