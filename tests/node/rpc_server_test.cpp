// Goal: the RPC layer answers every method correctly through real HTTP, and every kind of bad
// request gets the right JSON-RPC or HTTP error while the server keeps serving.
//
// Method: a real ChainStore in a temp dir under a real Ledger (StoreBackend), with a genesis and
// three committed blocks built by the ledger's own block builder (tests/ledger/ledger_fixture.h).
// An RpcServer on a kernel-chosen loopback port serves the methods; requests go through
// cpp-httplib's client with the cookie the server wrote. sendrawtransaction goes through a
// NodeControl that does what the daemon's verify stage does (ledger precheck, every signature in
// the CPU batch verifier, admission). Snapshots are published as the stages would. time-cli is run
// as a process against the same server. /metrics is scraped and checked with Debian's promtool.
//
// Scenarios:
//   chain:        getblockchaininfo, getblockcount, getbestblockhash, getblockhash (and out of
//                 range), getblock at verbosity 0/1/2 (and 3, unknown hash), getblockheader.
//   transactions: getrawtransaction committed/pending/unknown, gettxout unspent/spent/claimed,
//                 gettransactionstatus unknown/pending/finalized, sendrawtransaction accepted,
//                 duplicate, bad hex, truncated, bad signature, missing input, dust, timeout.
//   addresses:    getbalance and listunspent, a malformed and a wrong-network address.
//   node:         getmempoolinfo, getrawmempool, listmasternodes, getconsensusinfo (before and
//                 after publishing), getpeerinfo, getnetworkinfo, getverifyinfo, uptime, stop.
//   protocol:     malformed JSON, deep nesting, invalid requests, unknown method, wrong parameter
//                 count/type/sign/name, named parameters, string and numeric ids, notifications,
//                 batches (mixed, empty, over the limit), seeded mutations of a valid batch,
//                 warm-up.
//   HTTP:         missing, wrong and right credentials (cookie and token; checked before the
//                 body is read), the cookie file's mode
//                 and removal at stop, oversized bodies, unknown paths, a port in use.
//   metrics:      /metrics without credentials, the RPC counters in it, promtool check metrics.
//   time-cli:     results, an RPC error, usage errors naming the option, wrong credentials.
#include "node/rpc/rpc_server.h"

#include <httplib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "core/address.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "gtest/gtest.h"
#include "ledger/utxo_view.h"
#include "node/app/tx_verifier.h"
#include "node/rpc/cookie.h"
#include "node/rpc/json_rpc.h"
#include "node/rpc/methods.h"
#include "storage/chain_store.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::rpc {
namespace {

namespace fs = std::filesystem;
using ledger::testing::encode_tx;
using ledger::testing::hash_of;
using ledger::testing::make_transfer;
using ledger::testing::TestChain;
using ledger::testing::TestChainOptions;

constexpr std::size_t kBodyBytesMax = 64 * 1024;
constexpr std::size_t kBatchSizeMax = 8;

// What the daemon's verify stage does with an RPC transaction, done inline: the ledger's
// pre-check, every input signature through the CPU batch verifier, then admission.
class LedgerNodeControl final : public NodeControl {
 public:
  explicit LedgerNodeControl(ledger::Ledger* ledger) : ledger_(ledger) {
    EXPECT_TRUE(verifier_.init(kChainIdDevnet, gpu::BatchVerifierCpuConfig{}).is_ok());
  }

  SubmitOutcome submit_transaction(ByteSpan bytes, std::chrono::milliseconds) override {
    if (time_out_.load()) return SubmitOutcome{SubmitOutcome::Kind::kTimedOut};
    auto view = TransactionView::parse(bytes);
    EXPECT_TRUE(view.is_ok()) << "RPC hands over decoded transactions only";
    SubmitOutcome outcome;
    outcome.txid = txid(*view);
    ledger::TxFailure failure;
    ledger::RejectReason reason = ledger_->precheck(*view, &failure);
    if (reason == ledger::RejectReason::kOk) {
      std::uint8_t valid = 0;
      {
        std::lock_guard lock(mutex_);
        verifier_.verify(std::span(&*view, 1), std::span(&valid, 1));
      }
      reason =
          valid == 1 ? ledger_->submit(*view, 0, &failure) : ledger::RejectReason::kBadSignature;
    }
    if (reason == ledger::RejectReason::kOk) return outcome;
    outcome.kind = SubmitOutcome::Kind::kRejected;
    outcome.reason = reason;
    outcome.status = ledger::reject_status(reason, outcome.txid, failure);
    return outcome;
  }
  void request_stop() override { stop_requested_.store(true); }

  bool stop_requested() const { return stop_requested_.load(); }
  void set_time_out(bool on) { time_out_.store(on); }

 private:
  ledger::Ledger* ledger_;
  std::mutex mutex_;
  node::TxBatchVerifier verifier_;  // GUARDED_BY(mutex_)
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> time_out_{false};
};

class RpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/timecoin-rpc-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    storage::StoreOptions options;
    options.path = (dir_ / "chain").string();
    options.read_path = storage::ReadPath::kDefault;
    auto store = storage::ChainStore::open(options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
    backend_ = std::make_unique<ledger::StoreBackend>(store_.get(), nullptr);
    TestChainOptions chain_options;
    chain_options.coin_count = 8;
    chain_options.backend = backend_.get();
    chain_ = std::make_unique<TestChain>(std::move(chain_options));
    ASSERT_TRUE(chain_->genesis_status().is_ok()) << chain_->genesis_status().to_string();
    // Block 1 spends coin 0 into two outputs for a second key; blocks 2 and 3 are empty.
    first_transfer_ = make_transfer(chain_->wallet(), std::vector<OutPoint>{chain_->coin(0)},
                                    {TxOutput{Amount::from_time(3), hash_of(other_key())},
                                     TxOutput{Amount(chain_->coin_value().satoshis() -
                                                     Amount::from_time(3).satoshis() - 10'000'000),
                                              hash_of(chain_->wallet())}});
    ASSERT_EQ(chain_->submit(first_transfer_), ledger::RejectReason::kOk);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(chain_->produce_block().is_ok());

    control_ = std::make_unique<LedgerNodeControl>(&chain_->ledger());
    dispatcher_ = std::make_unique<Dispatcher>(DispatcherConfig{kBatchSizeMax}, &metrics_);
    RpcContext context;
    context.network = Network::kDevnet;
    context.store = store_.get();
    context.ledger = &chain_->ledger();
    context.snapshots = &snapshots_;
    context.control = control_.get();
    context.unspent_count_max = 4;
    add_all_methods(context, dispatcher_.get());
    start_server(/*token=*/"");
  }

  void TearDown() override {
    if (server_) server_->stop();
    fs::remove_all(dir_);
  }

  static KeyPair other_key() { return ledger::testing::test_key(7); }

  void start_server(const std::string& token) {
    RpcServerConfig config;
    config.data_dir = dir_.string();
    config.token = token;
    config.body_bytes_max = kBodyBytesMax;
    config.worker_threads = 2;
    auto server = RpcServer::start(config, dispatcher_.get(), &metrics_);
    ASSERT_TRUE(server.is_ok()) << server.status().to_string();
    server_ = std::move(server).value();
    if (token.empty()) {
      auto cookie = read_cookie(dir_.string());
      ASSERT_TRUE(cookie.is_ok()) << cookie.status().to_string();
      authorization_ = basic_authorization(*cookie);
    } else {
      authorization_ = bearer_authorization(token);
    }
  }

  httplib::Client client() const {
    httplib::Client http("127.0.0.1", server_->port());
    http.set_read_timeout(std::chrono::seconds(10));
    return http;
  }

  // POSTs `body` with the server's credentials (or `authorization` when given).
  httplib::Result post(const std::string& body, std::optional<std::string> authorization = {}) {
    httplib::Headers headers;
    headers.emplace("Authorization", authorization.value_or(authorization_));
    return client().Post("/", headers, body, "application/json");
  }

  // One call; returns the whole response object. Fails the test on an HTTP-level problem.
  Json call_raw(const std::string& method, const Json& params = Json::array()) {
    const Json request = {{"jsonrpc", "2.0"}, {"id", 7}, {"method", method}, {"params", params}};
    httplib::Result response = post(request.dump());
    EXPECT_TRUE(response) << "no HTTP response to " << method;
    if (!response) return Json();
    EXPECT_EQ(response->status, 200) << method;
    Json parsed = Json::parse(response->body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << response->body;
    EXPECT_EQ(parsed["id"], 7);
    return parsed;
  }
  Json call(const std::string& method, const Json& params = Json::array()) {
    Json response = call_raw(method, params);
    EXPECT_FALSE(response.contains("error")) << method << ": " << response.dump();
    return response["result"];
  }
  // The error code of a call that must fail.
  int error_code(const std::string& method, const Json& params = Json::array()) {
    Json response = call_raw(method, params);
    EXPECT_TRUE(response.contains("error")) << method << ": " << response.dump();
    return response.contains("error") ? response["error"]["code"].get<int>() : 0;
  }
  std::string error_message(const std::string& method, const Json& params) {
    Json response = call_raw(method, params);
    return response.contains("error") ? response["error"]["message"].get<std::string>() : "";
  }
  // The server still answers a plain call correctly.
  void expect_serving() { EXPECT_EQ(call("getblockcount"), 3); }

  std::string hash_at(std::uint64_t height) { return to_hex(*store_->block_hash_at(height)); }

  fs::path dir_;
  std::unique_ptr<storage::ChainStore> store_;
  std::unique_ptr<ledger::StoreBackend> backend_;
  std::unique_ptr<TestChain> chain_;
  Transaction first_transfer_;
  std::unique_ptr<LedgerNodeControl> control_;
  MetricsRegistry metrics_;
  NodeSnapshots snapshots_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<RpcServer> server_;
  std::string authorization_;
};

// ---- chain

TEST_F(RpcServerTest, ChainTipMethods) {
  EXPECT_EQ(call("getblockcount"), 3);
  EXPECT_EQ(call("getbestblockhash"), to_hex(store_->tip()->hash));
  const Json info = call("getblockchaininfo");
  EXPECT_EQ(info["chain"], "devnet");
  EXPECT_EQ(info["chain_id"], kChainIdDevnet);
  EXPECT_EQ(info["blocks"], 3);
  EXPECT_EQ(info["bestblockhash"], hash_at(3));
  EXPECT_EQ(info["genesis_hash"], hash_at(0));
  EXPECT_EQ(info["pruned"], false);
  EXPECT_EQ(info["timestamp_ms"], store_->header(store_->tip()->hash)->timestamp_ms);
}

TEST_F(RpcServerTest, GetBlockHashByHeightAndOutOfRange) {
  for (std::uint64_t height = 0; height <= 3; ++height) {
    EXPECT_EQ(call("getblockhash", {height}), hash_at(height));
  }
  EXPECT_EQ(error_code("getblockhash", {4}), -8);
  EXPECT_EQ(error_code("getblockhash", {-1}), -32602);
  EXPECT_EQ(error_code("getblockhash", {"1"}), -32602);
  EXPECT_EQ(error_code("getblockhash", {1.5}), -32602);
  EXPECT_EQ(error_code("getblockhash", Json::array()), -32602);
  EXPECT_EQ(error_code("getblockhash", {1, 2}), -32602);
}

TEST_F(RpcServerTest, GetBlockAtEachVerbosity) {
  const Hash256 hash = *store_->block_hash_at(1);
  const Block block = *store_->block(hash);
  Bytes encoded;
  encode(block, &encoded);
  EXPECT_EQ(call("getblock", {to_hex(hash), 0}), to_hex(encoded));

  const Json verbose = call("getblock", {to_hex(hash)});  // verbosity 1 by default
  EXPECT_EQ(verbose["hash"], to_hex(hash));
  EXPECT_EQ(verbose["height"], 1);
  EXPECT_EQ(verbose["confirmations"], 3);
  EXPECT_EQ(verbose["previousblockhash"], hash_at(0));
  EXPECT_EQ(verbose["nextblockhash"], hash_at(2));
  EXPECT_EQ(verbose["size_bytes"], encoded.size());
  ASSERT_EQ(verbose["tx"].size(), block.transactions.size());
  ASSERT_EQ(block.transactions.size(), 2u);  // coinbase and the transfer
  EXPECT_EQ(verbose["tx"][1], to_hex(txid(first_transfer_)));
  EXPECT_EQ(verbose["certificate"]["round"], block.header.round);

  const Json decoded = call("getblock", {to_hex(hash), 2});
  ASSERT_EQ(decoded["tx"].size(), 2u);
  EXPECT_EQ(decoded["tx"][0]["kind"], "coinbase");
  EXPECT_EQ(decoded["tx"][1]["txid"], to_hex(txid(first_transfer_)));
  EXPECT_EQ(decoded["tx"][1]["outputs"][0]["value_sat"], Amount::from_time(3).satoshis());

  EXPECT_EQ(call("getblock", {hash_at(3)})["nextblockhash"], nullptr);
  EXPECT_EQ(error_code("getblock", {to_hex(hash), 3}), -32602);
  EXPECT_EQ(error_code("getblock", {std::string(64, 'a')}), -5);
  EXPECT_EQ(error_code("getblock", {"abc"}), -32602);
  EXPECT_EQ(error_code("getblock", {std::string(63, 'a') + "g"}), -32602);
}

TEST_F(RpcServerTest, GetBlockHeaderVerboseAndHex) {
  const Hash256 hash = *store_->block_hash_at(2);
  const BlockHeader header = *store_->header(hash);
  Bytes encoded;
  encode(header, &encoded);
  EXPECT_EQ(call("getblockheader", {to_hex(hash), false}), to_hex(encoded));
  const Json verbose = call("getblockheader", {to_hex(hash)});
  EXPECT_EQ(verbose["height"], 2);
  EXPECT_EQ(verbose["tx_root"], to_hex(header.tx_root));
  EXPECT_EQ(verbose["utxo_digest"], to_hex(header.utxo_digest));
  EXPECT_EQ(verbose["proposer"], to_hex(chain_->proposer().pubkey()));
  EXPECT_EQ(verbose["confirmations"], 2);
  EXPECT_EQ(error_code("getblockheader", {std::string(64, '0')}), -5);
  EXPECT_EQ(error_code("getblockheader", {to_hex(hash), 1}), -32602);
}

// ---- transactions

TEST_F(RpcServerTest, GetRawTransactionCommittedPendingAndUnknown) {
  const Hash256 id = txid(first_transfer_);
  EXPECT_EQ(call("getrawtransaction", {to_hex(id)}), to_hex(encode_tx(first_transfer_)));
  const Json verbose = call("getrawtransaction", {to_hex(id), true});
  EXPECT_EQ(verbose["state"], "finalized");
  EXPECT_EQ(verbose["height"], 1);
  EXPECT_EQ(verbose["blockhash"], hash_at(1));
  EXPECT_EQ(verbose["confirmations"], 3);
  EXPECT_EQ(verbose["txid"], to_hex(id));

  const Transaction pending = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(1)},
      {TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  EXPECT_EQ(call("sendrawtransaction", {to_hex(encode_tx(pending))}), to_hex(txid(pending)));
  EXPECT_EQ(call("getrawtransaction", {to_hex(txid(pending))}), to_hex(encode_tx(pending)));
  EXPECT_EQ(call("getrawtransaction", {to_hex(txid(pending)), true})["state"], "pending");

  EXPECT_EQ(error_code("getrawtransaction", {std::string(64, 'f')}), -5);
}

TEST_F(RpcServerTest, GetTxOutUnspentSpentAndClaimed) {
  const Hash256 id = txid(first_transfer_);
  const Json out = call("gettxout", {to_hex(id), 0});
  EXPECT_EQ(out["value_sat"], Amount::from_time(3).satoshis());
  EXPECT_EQ(out["address"], encode_address(Network::kDevnet, hash_of(other_key())));
  EXPECT_EQ(out["height"], 1);
  EXPECT_EQ(out["confirmations"], 3);
  EXPECT_EQ(out["coinbase"], false);
  EXPECT_EQ(out["bestblock"], hash_at(3));
  // Coin 0 was spent by the transfer; vout 9 never existed; a vout past u32 cannot exist.
  EXPECT_EQ(call("gettxout", {to_hex(chain_->coin(0).txid), 0}), nullptr);
  EXPECT_EQ(call("gettxout", {to_hex(id), 9}), nullptr);
  EXPECT_EQ(call("gettxout", {to_hex(id), 1ull << 40}), nullptr);

  // Coin 2 claimed by a pending transaction: gone with include_mempool, there without it.
  const Transaction pending = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(2)},
      {TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  ASSERT_EQ(call("sendrawtransaction", {to_hex(encode_tx(pending))}), to_hex(txid(pending)));
  EXPECT_EQ(call("gettxout", {to_hex(chain_->coin(2).txid), 2}), nullptr);
  EXPECT_EQ(call("gettxout", {to_hex(chain_->coin(2).txid), 2, false})["value_sat"],
            chain_->coin_value().satoshis());
}

TEST_F(RpcServerTest, TransactionStatusFollowsTheTransaction) {
  const Transaction tx = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(3)},
      {TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  const std::string id = to_hex(txid(tx));
  EXPECT_EQ(call("gettransactionstatus", {id})["state"], "unknown");
  ASSERT_EQ(call("sendrawtransaction", {to_hex(encode_tx(tx))}), id);
  EXPECT_EQ(call("gettransactionstatus", {id})["state"], "pending");
  ASSERT_TRUE(chain_->produce_block().is_ok());
  const Json status = call("gettransactionstatus", {id});
  EXPECT_EQ(status["state"], "finalized");
  EXPECT_EQ(status["height"], 4);
  EXPECT_EQ(status["confirmations"], 1);
}

TEST_F(RpcServerTest, SendRawTransactionVerdicts) {
  const Transaction good = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(4)},
      {TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  const std::string hex = to_hex(encode_tx(good));
  EXPECT_EQ(call("sendrawtransaction", {hex}), to_hex(txid(good)));
  // Already pending: the txid again, as Bitcoin Core answers.
  EXPECT_EQ(call("sendrawtransaction", {hex}), to_hex(txid(good)));

  EXPECT_EQ(error_code("sendrawtransaction", {"zz"}), -22);
  EXPECT_EQ(error_code("sendrawtransaction", {hex.substr(0, hex.size() - 2)}), -22);
  EXPECT_EQ(error_code("sendrawtransaction", {hex.substr(0, hex.size() - 1)}), -22);
  EXPECT_EQ(error_code("sendrawtransaction", {12}), -32602);

  Transaction bad_sig = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(5)},
      {TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  bad_sig.inputs[0].sig.bytes[5] ^= 1;
  EXPECT_EQ(error_code("sendrawtransaction", {to_hex(encode_tx(bad_sig))}), -26);
  EXPECT_NE(error_message("sendrawtransaction", {to_hex(encode_tx(bad_sig))}).find("bad_signature"),
            std::string::npos);

  // Coin 0 was spent in block 1.
  const Transaction replay = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(0)},
      {TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  EXPECT_EQ(error_code("sendrawtransaction", {to_hex(encode_tx(replay))}), -25);
  EXPECT_NE(error_message("sendrawtransaction", {to_hex(encode_tx(replay))}).find("missing_input"),
            std::string::npos);

  const Transaction dust = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(6)},
      {TxOutput{Amount(1), hash_of(other_key())},
       TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  const std::string dust_message = error_message("sendrawtransaction", {to_hex(encode_tx(dust))});
  EXPECT_NE(dust_message.find("dust"), std::string::npos) << dust_message;
  EXPECT_EQ(error_code("sendrawtransaction", {to_hex(encode_tx(dust))}), -26);

  control_->set_time_out(true);
  EXPECT_EQ(error_code("sendrawtransaction", {to_hex(encode_tx(dust))}), -25);
  control_->set_time_out(false);
  expect_serving();
}

// ---- addresses

TEST_F(RpcServerTest, BalanceAndUnspentOfAnAddress) {
  const std::string other = encode_address(Network::kDevnet, hash_of(other_key()));
  const Json balance = call("getbalance", {other});
  EXPECT_EQ(balance["balance_sat"], Amount::from_time(3).satoshis());
  EXPECT_EQ(balance["utxo_count"], 1);
  EXPECT_EQ(balance["height"], 3);

  // The wallet holds coins 1..7 and the change of block 1: 8 outputs, 4 listed (the limit).
  const std::string wallet = encode_address(Network::kDevnet, hash_of(chain_->wallet()));
  const Json unspent = call("listunspent", {wallet});
  EXPECT_EQ(unspent["utxo_count"], 8);
  EXPECT_EQ(unspent["utxos"].size(), 4u);
  EXPECT_EQ(unspent["truncated"], true);
  const std::uint64_t expected = 7 * chain_->coin_value().satoshis() +
                                 chain_->coin_value().satoshis() - Amount::from_time(3).satoshis() -
                                 10'000'000;
  EXPECT_EQ(unspent["balance_sat"], expected);
  EXPECT_EQ(unspent["utxos"][0]["locked"], false);

  EXPECT_EQ(error_code("getbalance", {"TIME0notanaddress"}), -5);
  EXPECT_EQ(error_code("getbalance", {encode_address(Network::kMainnet, hash_of(other_key()))}),
            -5);
  EXPECT_EQ(call("getbalance", {encode_address(Network::kDevnet, PubkeyHash{})})["utxo_count"], 0);
}

// ---- node

TEST_F(RpcServerTest, MempoolInfoAndContents) {
  const Transaction tx = make_transfer(
      chain_->wallet(), std::vector<OutPoint>{chain_->coin(7)},
      {TxOutput{Amount(chain_->coin_value().satoshis() - 10'000'000), hash_of(other_key())}});
  EXPECT_EQ(call("getmempoolinfo")["size"], 0);
  ASSERT_EQ(call("sendrawtransaction", {to_hex(encode_tx(tx))}), to_hex(txid(tx)));
  const Json info = call("getmempoolinfo");
  EXPECT_EQ(info["size"], 1);
  EXPECT_EQ(info["bytes"], encode_tx(tx).size());
  EXPECT_EQ(info["fee_min_sat"], 1'000);
  EXPECT_EQ(call("getrawmempool"), Json::array({to_hex(txid(tx))}));
  const Json verbose = call("getrawmempool", {true});
  ASSERT_EQ(verbose.size(), 1u);
  EXPECT_EQ(verbose[0]["fee_sat"], 10'000'000);
  EXPECT_EQ(verbose[0]["size_bytes"], encode_tx(tx).size());
}

TEST_F(RpcServerTest, ListMasternodesShowsTheGenesisValidator) {
  const Json list = call("listmasternodes");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["consensus_pubkey"], to_hex(chain_->proposer().pubkey()));
  EXPECT_EQ(list[0]["tier"], "gold");
  EXPECT_EQ(list[0]["state"], "active");
  EXPECT_EQ(list[0]["collateral"], nullptr);
  EXPECT_EQ(list[0]["registered_height"], 0);
}

TEST_F(RpcServerTest, StageSnapshotsBeforeAndAfterPublishing) {
  EXPECT_EQ(error_code("getconsensusinfo"), -28);
  EXPECT_EQ(error_code("getpeerinfo"), -28);
  EXPECT_EQ(error_code("getnetworkinfo"), -28);
  EXPECT_EQ(error_code("getverifyinfo"), -28);

  snapshots_.consensus.publish(ConsensusSnapshot{4,
                                                 1,
                                                 consensus::Step::kPrevote,
                                                 {{chain_->proposer().pubkey(), 100}},
                                                 std::chrono::microseconds(1'250'000)});
  PeerSnapshot peer;
  peer.key = other_key().pubkey();
  peer.address = "127.0.0.1:24100";
  peer.inbound = true;
  peer.tip_height = 3;
  snapshots_.network.publish(NetworkSnapshot{"127.0.0.1", 24100, 5, 1, {peer}});
  VerifySnapshot verify;
  verify.backend = "cpu";
  verify.device = "cpu: 2 threads";
  verify.batch_size_max = 64;
  verify.batches_in_flight_max = 2;
  verify.cpu_threads = 2;
  verify.metrics.counters[static_cast<std::size_t>(gpu::EngineCounter::kGpuFallbackTimeout)] = 3;
  snapshots_.verify.publish(verify);

  const Json consensus = call("getconsensusinfo");
  EXPECT_EQ(consensus["height"], 4);
  EXPECT_EQ(consensus["round"], 1);
  EXPECT_EQ(consensus["step"], "prevote");
  EXPECT_EQ(consensus["validators"][0]["pubkey"], to_hex(chain_->proposer().pubkey()));
  EXPECT_EQ(consensus["total_voting_power"], 100);
  EXPECT_DOUBLE_EQ(consensus["last_commit_latency_seconds"].get<double>(), 1.25);
  const Json peers = call("getpeerinfo");
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0]["pubkey"], to_hex(other_key().pubkey()));
  EXPECT_EQ(peers[0]["inbound"], true);
  const Json network = call("getnetworkinfo");
  EXPECT_EQ(network["network"], "devnet");
  EXPECT_EQ(network["connections"], 1);
  EXPECT_EQ(network["connections_in"], 1);
  EXPECT_EQ(network["banned_peers"], 1);
  const Json verify_info = call("getverifyinfo");
  EXPECT_EQ(verify_info["backend"], "cpu");
  EXPECT_EQ(verify_info["batch_size_max"], 64);
  EXPECT_EQ(verify_info["fallbacks"]["timeout"], 3);
}

TEST_F(RpcServerTest, UptimeAndStop) {
  EXPECT_GE(call("uptime").get<std::int64_t>(), 0);
  EXPECT_FALSE(control_->stop_requested());
  EXPECT_EQ(call("stop"), "timecoind stopping");
  EXPECT_TRUE(control_->stop_requested());
}

// ---- protocol

TEST_F(RpcServerTest, MalformedBodiesAndInvalidRequests) {
  auto answer = [&](const std::string& body) {
    httplib::Result response = post(body);
    EXPECT_TRUE(response);
    if (!response) return Json();
    EXPECT_EQ(response->status, 200) << body;
    return Json::parse(response->body, nullptr, false);
  };
  for (const std::string body : {"", "{", "{\"jsonrpc\":\"2.0\",", "not json", "\xff\xfe"}) {
    const Json response = answer(body);
    EXPECT_EQ(response["error"]["code"], -32700) << body;
    EXPECT_EQ(response["id"], nullptr);
  }
  // Deep nesting parses without recursion and is an invalid request, not a crash.
  EXPECT_EQ(answer(std::string(20'000, '[') + std::string(20'000, ']'))[0]["error"]["code"],
            -32600);
  EXPECT_EQ(answer("42")["error"]["code"], -32600);
  EXPECT_EQ(answer(R"({"id":1,"method":"getblockcount"})")["error"]["code"], -32600);
  EXPECT_EQ(answer(R"({"jsonrpc":"1.0","id":1,"method":"getblockcount"})")["error"]["code"],
            -32600);
  EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":1,"method":5})")["error"]["code"], -32600);
  EXPECT_EQ(
      answer(R"({"jsonrpc":"2.0","id":1,"method":"getblockcount","params":3})")["error"]["code"],
      -32600);
  EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":[1],"method":"getblockcount"})")["error"]["code"],
            -32600);
  const Json unknown = answer(R"({"jsonrpc":"2.0","id":"x","method":"getnothing"})");
  EXPECT_EQ(unknown["error"]["code"], -32601);
  EXPECT_EQ(unknown["id"], "x");
  expect_serving();
}

TEST_F(RpcServerTest, ParameterChecks) {
  EXPECT_EQ(error_code("getblockcount", {1}), -32602);
  EXPECT_EQ(error_code("getblock", Json::object({{"blockhash", hash_at(1)}, {"verbose", 1}})),
            -32602);
  EXPECT_EQ(error_code("getblock", Json::object({{"verbosity", 0}})), -32602);
  EXPECT_EQ(error_code("gettxout", {hash_at(1), "0"}), -32602);
  EXPECT_EQ(error_code("gettxout", {hash_at(1), 0, "yes"}), -32602);
  EXPECT_EQ(error_code("getrawmempool", {nullptr, 1}), -32602);
  // Named parameters, in any order, and null for an optional one.
  EXPECT_EQ(call("getblock", Json::object({{"verbosity", 0}, {"blockhash", hash_at(0)}})),
            call("getblock", {hash_at(0), 0}));
  EXPECT_EQ(call("getblock", {hash_at(0), nullptr})["height"], 0);
  expect_serving();
}

TEST_F(RpcServerTest, IdsNotificationsAndBatches) {
  httplib::Result response = post(R"({"jsonrpc":"2.0","id":"abc","method":"getblockcount"})");
  ASSERT_TRUE(response);
  EXPECT_EQ(Json::parse(response->body)["id"], "abc");
  response = post(R"({"jsonrpc":"2.0","id":-12,"method":"getblockcount"})");
  ASSERT_TRUE(response);
  EXPECT_EQ(Json::parse(response->body)["id"], -12);

  // A notification, even of an unknown method, gets no body.
  response = post(R"({"jsonrpc":"2.0","method":"getnothing"})");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204);
  EXPECT_TRUE(response->body.empty());
  response = post(R"([{"jsonrpc":"2.0","method":"getblockcount"}])");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204);

  response = post(R"([{"jsonrpc":"2.0","id":1,"method":"getblockcount"},
                      {"jsonrpc":"2.0","method":"getblockcount"},
                      {"jsonrpc":"2.0","id":2,"method":"getblockhash","params":[0]},
                      {"jsonrpc":"2.0","id":3,"method":"getnothing"},
                      17])");
  ASSERT_TRUE(response);
  const Json batch = Json::parse(response->body);
  ASSERT_TRUE(batch.is_array());
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch[0]["result"], 3);
  EXPECT_EQ(batch[1]["result"], hash_at(0));
  EXPECT_EQ(batch[2]["error"]["code"], -32601);
  EXPECT_EQ(batch[3]["error"]["code"], -32600);
  EXPECT_EQ(batch[3]["id"], nullptr);

  response = post("[]");
  ASSERT_TRUE(response);
  EXPECT_EQ(Json::parse(response->body)["error"]["code"], -32600);
  Json over = Json::array();
  for (std::size_t i = 0; i <= kBatchSizeMax; ++i) {
    over.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", "getblockcount"}});
  }
  response = post(over.dump());
  ASSERT_TRUE(response);
  const Json refused = Json::parse(response->body);
  EXPECT_TRUE(refused.is_object());
  EXPECT_EQ(refused["error"]["code"], -32600);
  over.erase(over.size() - 1);
  response = post(over.dump());
  ASSERT_TRUE(response);
  EXPECT_EQ(Json::parse(response->body).size(), kBatchSizeMax);
}

// Seeded byte mutations of a valid batch: every body gets a JSON answer (or none, for
// notifications), and the server answers correctly afterwards.
TEST_F(RpcServerTest, MutatedBodiesAlwaysGetAnAnswer) {
  const std::string valid =
      R"([{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[2]},)"
      R"({"jsonrpc":"2.0","id":"b","method":"getblock","params":{"blockhash":")" +
      hash_at(1) + R"(","verbosity":2}},{"jsonrpc":"2.0","method":"gettxout","params":[")" +
      hash_at(0) + R"(",0,true]}])";
  std::uint64_t state = 14;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  const char interesting[] = "[]{}\",:0-9e.tfn \\\x00\xff";
  int answered = 0;
  for (int i = 0; i < 2'000; ++i) {
    std::string body = valid;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = next() % body.size();
      switch (next() % 3) {
        case 0:
          body[at] = interesting[next() % (sizeof(interesting) - 1)];
          break;
        case 1:
          body.erase(at, 1 + next() % 8);
          break;
        default:
          body.insert(at, 1, interesting[next() % (sizeof(interesting) - 1)]);
          break;
      }
      if (body.empty()) body = "[";
    }
    const std::optional<std::string> response = dispatcher_->handle(body);
    if (!response) continue;
    const Json parsed = Json::parse(*response, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "body: " << body << "\nanswer: " << *response;
    ASSERT_TRUE(parsed.is_array() || parsed.contains("result") || parsed.contains("error")) << body;
    ++answered;
  }
  EXPECT_GT(answered, 1'000);
  expect_serving();
}

TEST_F(RpcServerTest, WarmupAnswersMinus28ExceptUptimeAndStop) {
  dispatcher_->set_warming_up("loading block index");
  EXPECT_EQ(error_code("getblockcount"), -28);
  EXPECT_NE(error_message("getblockhash", {0}).find("loading block index"), std::string::npos);
  EXPECT_GE(call("uptime").get<std::int64_t>(), 0);
  dispatcher_->finish_warmup();
  expect_serving();
}

// ---- HTTP

TEST_F(RpcServerTest, CredentialsAreRequired) {
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"getblockcount"})";
  httplib::Result response = client().Post("/", body, "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(response->get_header_value("WWW-Authenticate"), "Basic realm=\"jsonrpc\"");
  for (const std::string& wrong :
       {basic_authorization("__cookie__:0000"), basic_authorization("__cookie__:"),
        std::string("Basic"), std::string("Bearer x"), authorization_ + "A",
        authorization_.substr(0, authorization_.size() - 1)}) {
    response = post(body, wrong);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401) << wrong;
  }
  // Credentials are checked before the body is read: an oversized body without them is 401.
  response = client().Post("/", std::string(kBodyBytesMax * 2, ' '), "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  response = post(body);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(RpcServerTest, CookieFileIsPrivateAndRemovedAtStop) {
  const std::string path = cookie_path(dir_.string());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string credentials = *read_cookie(dir_.string());
  EXPECT_TRUE(credentials.starts_with("__cookie__:"));
  EXPECT_EQ(credentials.size(), std::string("__cookie__:").size() + 64);
  server_->stop();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(read_cookie(dir_.string()).status().code(), StatusCode::kNotFound);

  // A restart writes a new password; the old one no longer opens the door.
  start_server("");
  EXPECT_NE(*read_cookie(dir_.string()), credentials);
  httplib::Result response = post(R"({"jsonrpc":"2.0","id":1,"method":"getblockcount"})",
                                  basic_authorization(credentials));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
}

TEST_F(RpcServerTest, MalformedCookieFilesAreRefused) {
  server_->stop();
  const std::string path = cookie_path(dir_.string());
  for (const std::string& text : {std::string("user:password"), std::string("__cookie__:"),
                                  std::string(500, 'a'), std::string("__cookie__:a b")}) {
    std::ofstream(path) << text;
    EXPECT_EQ(read_cookie(dir_.string()).status().code(), StatusCode::kMalformed) << text;
  }
}

TEST_F(RpcServerTest, TokenAuthWritesNoCookie) {
  server_->stop();
  start_server("s3cret-token");
  EXPECT_FALSE(fs::exists(cookie_path(dir_.string())));
  expect_serving();
  httplib::Result response = post(R"({"jsonrpc":"2.0","id":1,"method":"getblockcount"})",
                                  bearer_authorization("s3cret-tokem"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
}

TEST_F(RpcServerTest, OversizedBodiesAreRefusedAndTheServerGoesOn) {
  const std::string big(kBodyBytesMax + 1, ' ');
  httplib::Result response = post(big);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  const std::string fits =
      R"({"jsonrpc":"2.0","id":7,"method":"getblockcount"})" +
      std::string(kBodyBytesMax -
                      std::string(R"({"jsonrpc":"2.0","id":7,"method":"getblockcount"})").size(),
                  ' ');
  response = post(fits);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  expect_serving();
}

TEST_F(RpcServerTest, UnknownPathsAndAPortInUse) {
  httplib::Headers headers = {{"Authorization", authorization_}};
  httplib::Result response = client().Get("/", headers);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  response = client().Post("/wallet", headers, "{}", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);

  RpcServerConfig config;
  config.data_dir = (dir_ / "second").string();
  fs::create_directories(config.data_dir);
  config.port = server_->port();
  auto second = RpcServer::start(config, dispatcher_.get(), &metrics_);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::kConfig);
  EXPECT_NE(second.status().message().find(std::to_string(server_->port())), std::string::npos);
  EXPECT_FALSE(fs::exists(cookie_path(config.data_dir)));
  config.listen_address = "localhost";
  EXPECT_EQ(RpcServer::start(config, dispatcher_.get(), &metrics_).status().code(),
            StatusCode::kConfig);
  config.listen_address = "127.0.0.1";
  config.port = 0;
  config.worker_threads = 0;
  EXPECT_EQ(RpcServer::start(config, dispatcher_.get(), &metrics_).status().code(),
            StatusCode::kConfig);
  expect_serving();
}

TEST_F(RpcServerTest, ManyClientsAtOnce) {
  std::vector<std::thread> clients;
  std::atomic<int> correct{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        httplib::Headers headers = {{"Authorization", authorization_}};
        httplib::Result response = client().Post(
            "/", headers, R"({"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[2]})",
            "application/json");
        if (response && Json::parse(response->body)["result"] == hash_at(2)) ++correct;
      }
    });
  }
  for (std::thread& thread : clients) thread.join();
  EXPECT_EQ(correct.load(), 100);
}

// ---- metrics

std::string scrape(std::uint16_t port) {
  httplib::Client http("127.0.0.1", port);
  httplib::Result response = http.Get("/metrics");
  EXPECT_TRUE(response);
  if (!response) return "";
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  return response->body;
}

TEST_F(RpcServerTest, MetricsNeedNoCredentialsAndCountCalls) {
  call("getblockcount");
  error_code("getnothing");
  post("{");
  const std::string text = scrape(server_->port());
  EXPECT_NE(text.find("timecoin_rpc_calls_total{method=\"getblockcount\",outcome=\"ok\"} "),
            std::string::npos);
  EXPECT_NE(text.find("timecoin_rpc_errors_total{code=\"-32601\"} 1"), std::string::npos);
  EXPECT_NE(text.find("timecoin_rpc_errors_total{code=\"-32700\"} 1"), std::string::npos);
  EXPECT_NE(text.find("timecoin_rpc_http_responses_total{status=\"200\"}"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_EQ(text.find("process_resident_memory_bytes 0\n"), std::string::npos);
}

TEST_F(RpcServerTest, MetricsPassPromtool) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus); CI installs it";
  }
  // A scrape with every kind of series: the RPC's counters and gauges, and a histogram.
  call("getblockcount");
  error_code("getblockhash", {99});
  metrics_
      .histogram("timecoin_test_batch_signatures", "Signatures per verify batch.", {1, 16, 256},
                 {{"backend", "cpu"}})
      .observe(12);
  const std::string text = scrape(server_->port());
  const fs::path file = dir_ / "scrape.txt";
  std::ofstream(file) << text;
  const std::string command = "promtool check metrics < " + file.string() + " > " +
                              (dir_ / "promtool.txt").string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream report(dir_ / "promtool.txt");
  const std::string output((std::istreambuf_iterator<char>(report)), {});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output << "\n" << text;
}

// ---- time-cli

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

ProcessResult run_cli(const fs::path& scratch, const std::string& arguments) {
  const std::string out = (scratch / "cli.out").string();
  const std::string err = (scratch / "cli.err").string();
  const std::string command =
      std::string(TC_BIN_DIR) + "/time-cli " + arguments + " > " + out + " 2> " + err;
  const int status = std::system(command.c_str());
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream out_file(out);
  result.out.assign(std::istreambuf_iterator<char>(out_file), {});
  std::ifstream err_file(err);
  result.err.assign(std::istreambuf_iterator<char>(err_file), {});
  return result;
}

TEST_F(RpcServerTest, TimeCliCallsMethodsWithTheCookie) {
  const std::string base = "--rpc-url http://127.0.0.1:" + std::to_string(server_->port()) +
                           " --datadir " + dir_.string();
  ProcessResult result = run_cli(dir_, base + " getblockcount");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "3\n");
  result = run_cli(dir_, base + " getblockhash 2");
  EXPECT_EQ(result.out, hash_at(2) + "\n");
  result = run_cli(dir_, base + " getblock " + hash_at(1) + " 2");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Json::parse(result.out)["height"], 1);
  result =
      run_cli(dir_, base + " getbalance " + encode_address(Network::kDevnet, hash_of(other_key())));
  EXPECT_EQ(Json::parse(result.out)["balance_sat"], Amount::from_time(3).satoshis());

  result = run_cli(dir_, base + " getblockhash 9");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("error -8: block height 9 out of range"), std::string::npos)
      << result.err;
  result = run_cli(dir_, base + " getblockhash -1");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("error -32602"), std::string::npos) << result.err;
  result = run_cli(dir_, base + " getnothing");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("-32601"), std::string::npos);
}

TEST_F(RpcServerTest, TimeCliUsageAndCredentialErrors) {
  const std::string url = "--rpc-url http://127.0.0.1:" + std::to_string(server_->port());
  ProcessResult result = run_cli(dir_, "getblockcount");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--rpc-url"), std::string::npos) << result.err;
  result = run_cli(dir_, url + " --datadir " + dir_.string());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("METHOD"), std::string::npos) << result.err;
  result = run_cli(dir_, url + " getblockcount");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--datadir"), std::string::npos) << result.err;
  result = run_cli(dir_, url + " --datadir " + dir_.string() + " --timeout-s -1 getblockcount");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--timeout-s"), std::string::npos) << result.err;
  result = run_cli(dir_, url + " --datadir " + dir_.string() + " --rpc-token x getblockcount");
  EXPECT_EQ(result.exit_code, 2);
  result = run_cli(dir_, "--rpc-url ftp://x --rpc-token x getblockcount");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--rpc-url"), std::string::npos) << result.err;
  EXPECT_EQ(run_cli(dir_, "--help").exit_code, 0);

  result = run_cli(dir_, url + " --rpc-token wrong getblockcount");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("401"), std::string::npos) << result.err;
  result = run_cli(dir_, url + " --datadir " + (dir_ / "nowhere").string() + " getblockcount");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find(".cookie does not exist"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace tc::rpc
