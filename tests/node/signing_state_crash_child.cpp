// The child program of signing_state_crash_test.cpp: four consensus engines in one process, in
// virtual time, on a network that delays every message at random (some long enough to time rounds
// out, so heights take several rounds). Each validator keeps its signed state in a SigningStateFile
// under <dir>/validator-<i>, and appends every message it signs to <dir>/signed.log after the state
// is persisted and before the message leaves. Committed blocks go to <dir>/chain (fsync'd before
// the engine moves on), so a restarted run continues from the next height. The test kills this
// process with SIGKILL at random points and starts it again on the same directory.
//
// usage: signing_state_crash_child <dir> <seed> <heights> [--forget-signed-state]
// Runs until `heights` more blocks are committed, then exits 0. --forget-signed-state makes
// persistence return OK without storing anything and start from an empty state (the broken
// persistence the test must catch). Exit 2: a setup or I/O error; kExitDisagreement: two
// validators committed different blocks at one height.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "consensus/engine.h"
#include "core/keys.h"
#include "core/sha2.h"
#include "node/app/consensus_crypto.h"
#include "node/signing_state_file.h"
#include "tests/node/signing_state_crash.h"

namespace tc::node::crash_test {
namespace {

constexpr std::uint32_t kValidators = 4;
constexpr std::uint32_t kChainId = 0x7e57;
constexpr std::size_t kChainRecordBytes = 40;  // height u64 ‖ block_hash 32

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "signing_state_crash_child: %s\n", what.c_str());
  std::_Exit(2);
}

void check(const Status& status) {
  if (!status.is_ok()) die(status.to_string());
}

// Opens `path` for appending, dropping a record torn by a kill in the middle of a write.
int open_log(const std::string& path, std::size_t record_bytes) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) die("cannot open " + path);
  struct stat info {};
  if (::fstat(fd, &info) != 0) die("cannot stat " + path);
  const auto whole = static_cast<std::uint64_t>(info.st_size) / record_bytes * record_bytes;
  if (::ftruncate(fd, static_cast<off_t>(whole)) != 0) die("cannot truncate " + path);
  return fd;
}

void append_durably(int fd, const std::uint8_t* bytes, std::size_t n) {
  if (::write(fd, bytes, n) != static_cast<ssize_t>(n) || ::fsync(fd) != 0) {
    die("cannot append to a log");
  }
}

// The committed chain, shared by the validators: the first to commit a height appends it.
class Chain {
 public:
  explicit Chain(const std::string& path) : fd_(open_log(path, kChainRecordBytes)) {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) die("cannot stat " + path);
    Bytes bytes(static_cast<std::size_t>(info.st_size));
    if (::pread(fd_, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
      die("cannot read " + path);
    }
    for (std::size_t at = 0; at < bytes.size(); at += kChainRecordBytes) {
      if (load_u64_le(bytes.data() + at) != hashes_.size() + 1)
        die(path + ": heights out of order");
      hashes_.push_back(Hash256::from_span(ByteSpan(bytes.data() + at + 8, 32)));
    }
  }

  std::uint64_t height() const { return hashes_.size(); }

  void commit(std::uint64_t height, const Hash256& hash) {
    if (height <= hashes_.size()) {
      if (hashes_[height - 1] != hash) {
        std::fprintf(stderr, "signing_state_crash_child: two blocks committed at height %llu\n",
                     static_cast<unsigned long long>(height));
        std::_Exit(kExitDisagreement);
      }
      return;
    }
    if (height != hashes_.size() + 1) die("a commit skipped a height");
    std::uint8_t record[kChainRecordBytes];
    store_u64_le(record, height);
    std::memcpy(record + 8, hash.data(), 32);
    append_durably(fd_, record, sizeof(record));
    hashes_.push_back(hash);
  }

 private:
  int fd_;
  std::vector<Hash256> hashes_;
};

struct Delivery {
  enum class Kind { kProposal, kVote, kTimeout } kind = Kind::kTimeout;
  std::uint32_t to = 0;
  consensus::Proposal proposal;
  consensus::Vote vote;
  consensus::TimeoutEvent timeout;
};

class Network {
 public:
  explicit Network(std::uint64_t seed) : rng_(seed) {}
  std::mt19937_64& rng() { return rng_; }

  void send(Delivery delivery) {
    queue_.emplace(std::make_pair(now_ + delay_ms(), seq_++), delivery);
  }
  void schedule(Delivery delivery, std::uint64_t delay) {
    queue_.emplace(std::make_pair(now_ + delay, seq_++), std::move(delivery));
  }
  bool pop(Delivery& out) {
    if (queue_.empty()) return false;
    auto it = queue_.begin();
    now_ = it->first.first;
    out = std::move(it->second);
    queue_.erase(it);
    return true;
  }

 private:
  // Mostly short delays; one message in seven is late enough to time a step out.
  std::uint64_t delay_ms() { return rng_() % 7 == 0 ? 50 + rng_() % 250 : 1 + rng_() % 10; }

  std::mt19937_64 rng_;
  std::uint64_t now_ = 0;
  std::uint64_t seq_ = 0;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Delivery> queue_;
};

struct Options {
  std::string dir;
  bool forget_signed_state = false;
};

class Node final : public consensus::Application, public consensus::EngineHost {
 public:
  Node(std::uint32_t index, const KeyPair& key, const Options& options, Network& network,
       Chain& chain, int log_fd)
      : index_(index), signer_(key), network_(network), chain_(chain), log_fd_(log_fd) {
    gpu::BatchVerifierCpuConfig config;
    config.batch_size_max = 64;
    check(verifier_.init(config));
    if (!options.forget_signed_state) {
      auto file = SigningStateFile::open(options.dir + "/validator-" + std::to_string(index));
      check(file.status());
      file_ = std::move(file).value();
    }
  }

  void start(const consensus::ValidatorSet& set) {
    consensus::EngineConfig config;
    config.chain_id = kChainId;
    // Short virtual-time steps, so that the late messages of the network time rounds out.
    config.timeouts.propose_base_ms = 40;
    config.timeouts.propose_delta_ms = 20;
    config.timeouts.prevote_base_ms = 20;
    config.timeouts.prevote_delta_ms = 10;
    config.timeouts.precommit_base_ms = 20;
    config.timeouts.precommit_delta_ms = 10;
    config.timeouts.commit_wait_ms = 5;
    config.timeouts.retransmit_ms = 100;
    consensus::SignedState persisted;
    if (file_ != nullptr) {
      auto loaded = file_->load();
      check(loaded.status());
      persisted = std::move(loaded).value();
    }
    set_ = std::make_shared<const consensus::ValidatorSet>(set);
    engine_ = std::make_unique<consensus::Engine>(config, &signer_, verifier_, *this, *this);
    engine_->start(chain_.height() + 1, persisted);
  }

  void deliver(const Delivery& d) {
    switch (d.kind) {
      case Delivery::Kind::kProposal:
        engine_->on_proposal(d.proposal);
        break;
      case Delivery::Kind::kVote:
        engine_->on_votes(std::span<const consensus::Vote>(&d.vote, 1));
        break;
      case Delivery::Kind::kTimeout:
        engine_->on_timeout(d.timeout);
        break;
    }
  }

  // One set for the whole run: this test is about signing, not set changes.
  Result<std::shared_ptr<const consensus::ValidatorSet>> validator_set(std::uint64_t) override {
    return set_;
  }

  std::optional<consensus::BlockCandidate> build_block(std::uint64_t height,
                                                       std::uint32_t round) override {
    // A fresh nonce per build: a validator that forgot its proposal builds a different block.
    Bytes payload(24);
    store_u64_le(payload.data(), height);
    store_u32_le(payload.data() + 8, round);
    store_u32_le(payload.data() + 12, index_);
    store_u64_le(payload.data() + 16, network_.rng()());
    return consensus::BlockCandidate{sha256(payload), payload};
  }
  bool payload_binds(const Hash256& hash, ByteSpan payload) override {
    return sha256(payload) == hash;
  }
  bool validate_block(std::uint64_t, const Hash256&, ByteSpan, consensus::BlockOrigin) override {
    return true;
  }
  Status commit_block(std::uint64_t height, const Hash256& hash, ByteSpan,
                      const CommitCertificate&) override {
    chain_.commit(height, hash);
    return Status::ok();
  }

  Status persist_signed_state(const consensus::SignedState& state) override {
    return file_ == nullptr ? Status::ok() : file_->store(state);
  }
  void broadcast_proposal(const consensus::Proposal& proposal) override {
    if (proposal.proposer_index == index_) {
      log({index_, consensus::SignStep::kProposal, proposal.height, proposal.round,
           proposal.pol_round, proposal.block_hash});
    }
    for (std::uint32_t to = 0; to < kValidators; ++to) {
      if (to != index_) network_.send({Delivery::Kind::kProposal, to, proposal, {}, {}});
    }
  }
  void broadcast_vote(const consensus::Vote& vote) override {
    if (vote.validator_index == index_) {
      log({index_, consensus::sign_step_of(vote.type), vote.height, vote.round,
           consensus::kNoPolRound, vote.block_hash});
    }
    for (std::uint32_t to = 0; to < kValidators; ++to) {
      if (to != index_) network_.send({Delivery::Kind::kVote, to, {}, vote, {}});
    }
  }
  void schedule_timeout(const consensus::TimeoutEvent& event, std::uint64_t delay_ms) override {
    network_.schedule({Delivery::Kind::kTimeout, index_, {}, {}, event}, delay_ms);
  }
  void report_evidence(const consensus::Evidence&) override {}

 private:
  void log(const SignedRecord& record) {
    std::uint8_t bytes[kSignedLogRecordBytes];
    encode_record(record, bytes);
    append_durably(log_fd_, bytes, sizeof(bytes));
  }

  std::uint32_t index_;
  Ed25519Signer signer_;
  BatchVoteVerifier verifier_;
  Network& network_;
  Chain& chain_;
  int log_fd_;
  std::unique_ptr<SigningStateFile> file_;
  std::shared_ptr<const consensus::ValidatorSet> set_;
  std::unique_ptr<consensus::Engine> engine_;
};

int run(int argc, char** argv) {
  if (argc < 4 || argc > 5 || (argc == 5 && std::string(argv[4]) != "--forget-signed-state")) {
    die("usage: signing_state_crash_child <dir> <seed> <heights> [--forget-signed-state]");
  }
  Options options;
  options.dir = argv[1];
  options.forget_signed_state = argc == 5;
  Network network(std::strtoull(argv[2], nullptr, 10));
  Chain chain(options.dir + "/chain");
  const std::uint64_t target = chain.height() + std::strtoull(argv[3], nullptr, 10);
  const int log_fd = open_log(options.dir + "/" + kSignedLogName, kSignedLogRecordBytes);

  std::vector<KeyPair> keys;
  std::vector<consensus::Validator> members;
  for (std::uint32_t i = 0; i < kValidators; ++i) {
    SecretSeed seed;
    seed.bytes[0] = static_cast<std::uint8_t>(i + 1);
    keys.push_back(KeyPair::from_seed(seed));
    members.push_back({keys.back().pubkey(), 1});
  }
  auto set = consensus::ValidatorSet::create(members);
  check(set.status());
  std::vector<std::unique_ptr<Node>> nodes;
  for (std::uint32_t i = 0; i < kValidators; ++i) {
    nodes.push_back(std::make_unique<Node>(i, keys[i], options, network, chain, log_fd));
  }
  for (auto& node : nodes) node->start(*set);
  Delivery delivery;
  while (chain.height() < target) {
    if (!network.pop(delivery)) die("no event left before the target height");
    nodes[delivery.to]->deliver(delivery);
  }
  return 0;
}

}  // namespace
}  // namespace tc::node::crash_test

int main(int argc, char** argv) {
  return tc::node::crash_test::run(argc, argv);
}
