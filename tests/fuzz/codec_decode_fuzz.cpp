// libFuzzer target for the codec (core/codec.h) and the hashes over its views (core/hashing.h).
//
// Every input is offered to each decoder: transaction, block header, block and commit certificate.
// For each, the zero-copy view path and the owned path must agree on accept/reject and on the
// DecodeError, an accepted input must re-encode to exactly the same bytes (one encoding per value),
// the view's fields must equal the owned value's, and the view and owned hashes must agree. Any
// disagreement aborts, which libFuzzer reports as a crash. With TC_FUZZ_SEED_DIR set, the binary
// instead writes a seed corpus of valid encodings into that folder and exits (used by
// tests/core/codec_fuzz_test.sh). Build: tests/fuzz/CMakeLists.txt (clang, -fsanitize=fuzzer).
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/codec.h"
#include "core/hashing.h"

namespace tc {
namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "codec_decode_fuzz: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

// The owned Status must be kMalformed and name the same error the view path returned.
void check_rejection(DecodeError error, const Status& status) {
  check(status.code() == StatusCode::kMalformed, "rejection is not kMalformed");
  check(status.message().find(decode_error_name(error)) != std::string_view::npos,
        "rejection message does not name the view's DecodeError");
}

template <typename T>
Bytes encoded(const T& value) {
  Bytes bytes;
  encode(value, &bytes);
  return bytes;
}

bool same_bytes(const Bytes& bytes, ByteSpan input) {
  return bytes.size() == input.size() && std::equal(bytes.begin(), bytes.end(), input.begin());
}

void fuzz_transaction(ByteSpan input) {
  TransactionView view;
  DecodeFailure failure;
  const DecodeError error = decode_transaction_view(input, &view, &failure);
  const Result<Transaction> owned = decode_transaction(input);
  check((error == DecodeError::kOk) == owned.is_ok(), "tx: view and owned disagree");
  if (error != DecodeError::kOk) {
    check(failure.error == error, "tx: DecodeFailure.error differs from the returned error");
    check(failure.offset <= input.size(), "tx: failure offset past the end");
    check_rejection(error, owned.status());
    return;
  }
  check(same_bytes(encoded(*owned), input), "tx: re-encoding differs from the input");
  check(encoded_size(*owned) == input.size(), "tx: encoded_size differs");
  check(view.to_transaction() == *owned, "tx: view fields differ from owned");
  check(txid(view) == txid(*owned), "tx: txid view != owned");
  check(wire_hash(view) == wire_hash(*owned), "tx: wire hash view != owned");
  check(sighash(view, view.chain_id()) == sighash(*owned, owned->chain_id),
        "tx: sighash view != owned");
}

void fuzz_block_header(ByteSpan input) {
  const Result<BlockHeader> header = decode_block_header(input);
  if (!header.is_ok()) {
    check(header.status().code() == StatusCode::kMalformed, "header: not kMalformed");
    return;
  }
  check(same_bytes(encoded(*header), input), "header: re-encoding differs from the input");
}

void fuzz_block(ByteSpan input) {
  BlockView view;
  DecodeFailure failure;
  const DecodeError error = decode_block_view(input, &view, &failure);
  const Result<Block> owned = decode_block(input);
  check((error == DecodeError::kOk) == owned.is_ok(), "block: view and owned disagree");
  if (error != DecodeError::kOk) {
    check(failure.error == error, "block: DecodeFailure.error differs from the returned error");
    check(failure.offset <= input.size(), "block: failure offset past the end");
    check_rejection(error, owned.status());
    return;
  }
  check(same_bytes(encoded(*owned), input), "block: re-encoding differs from the input");
  check(view.to_block() == *owned, "block: view differs from owned");
  check(block_hash(view) == block_hash(owned->header), "block: block hash view != owned");
  std::size_t index = 0;
  for (const TransactionView tx : view) {
    check(index < owned->transactions.size(), "block: iteration runs past tx_count");
    check(txid(tx) == txid(owned->transactions[index]), "block: txid view != owned");
    ++index;
  }
  check(index == owned->header.tx_count, "block: iteration count != tx_count");
}

void fuzz_certificate(ByteSpan input) {
  CommitCertificateView view;
  DecodeFailure failure;
  const DecodeError error = decode_certificate_view(input, &view, &failure);
  const Result<CommitCertificate> owned = decode_commit_certificate(input);
  check((error == DecodeError::kOk) == owned.is_ok(), "certificate: view and owned disagree");
  if (error != DecodeError::kOk) {
    check(failure.error == error, "certificate: DecodeFailure.error differs");
    check_rejection(error, owned.status());
    return;
  }
  check(same_bytes(encoded(*owned), input), "certificate: re-encoding differs from the input");
  check(view.to_certificate() == *owned, "certificate: view differs from owned");
}

// ---- Seed corpus
// ----------------------------------------------------------------------------------

template <std::size_t N>
FixedBytes<N> random_fixed(std::mt19937_64& rng) {
  FixedBytes<N> value;
  for (auto& b : value.bytes) b = static_cast<std::uint8_t>(rng());
  return value;
}

Transaction seed_transaction(std::mt19937_64& rng, TxKind kind) {
  Transaction tx;
  tx.kind = kind;
  tx.chain_id = kChainIdTestnet;
  tx.lock_time = rng() % 1000;
  const std::size_t inputs = kind == TxKind::kCoinbase ? 0 : 1 + rng() % 3;
  for (std::size_t i = 0; i < inputs; ++i) {
    tx.inputs.push_back(TxInput{OutPoint{random_fixed<32>(rng), static_cast<std::uint32_t>(i)},
                                random_fixed<32>(rng), random_fixed<64>(rng)});
  }
  const std::size_t outputs = 1 + rng() % 3;
  for (std::size_t i = 0; i < outputs; ++i) {
    tx.outputs.push_back(TxOutput{Amount(rng() % 1'000'000'000), random_fixed<20>(rng)});
  }
  if (kind == TxKind::kCoinbase) tx.coinbase_height = rng() % 100'000;
  if (kind == TxKind::kMasternodeRegistration) {
    tx.registration.tier = static_cast<std::uint8_t>(rng() % 4);
    tx.registration.collateral = OutPoint{random_fixed<32>(rng), 0};
    tx.registration.consensus_pubkey = random_fixed<32>(rng);
    tx.registration.reward_pubkey_hash = random_fixed<20>(rng);
    tx.registration.p2p_port = 9333;
  }
  return tx;
}

void write_seed(const std::string& dir, const std::string& name, const Bytes& bytes) {
  const std::string path = dir + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) fail(("cannot write seed " + path).c_str());
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  if (std::fclose(file) != 0 || !ok) fail(("cannot write seed " + path).c_str());
}

void write_seed_corpus(const std::string& dir) {
  std::mt19937_64 rng(1);
  const TxKind kinds[] = {TxKind::kTransfer, TxKind::kCoinbase, TxKind::kMasternodeRegistration};
  for (int i = 0; i < 4; ++i) {
    for (TxKind kind : kinds) {
      write_seed(dir, "tx-" + std::to_string(static_cast<int>(kind)) + "-" + std::to_string(i),
                 encoded(seed_transaction(rng, kind)));
    }
  }
  for (int i = 0; i < 4; ++i) {
    Block block;
    block.header.chain_id = kChainIdTestnet;
    block.header.height = rng() % 100'000;
    block.header.prev_hash = random_fixed<32>(rng);
    block.header.proposer = random_fixed<32>(rng);
    block.transactions.push_back(seed_transaction(rng, TxKind::kCoinbase));
    for (int t = 0; t < i; ++t) block.transactions.push_back(seed_transaction(rng, kinds[t % 3]));
    block.header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
    const BlockRoots roots = block_roots(block.transactions);
    block.header.tx_root = roots.tx_root;
    block.header.wtx_root = roots.wtx_root;
    write_seed(dir, "block-" + std::to_string(i), encoded(block));
    write_seed(dir, "header-" + std::to_string(i), encoded(block.header));
    CommitCertificate certificate;
    certificate.height = block.header.height;
    certificate.block_hash = block_hash(block.header);
    for (int s = 0; s < i; ++s) {
      certificate.signatures.push_back(
          CommitSignature{random_fixed<32>(rng), random_fixed<64>(rng)});
    }
    write_seed(dir, "certificate-" + std::to_string(i), encoded(certificate));
  }
}

}  // namespace
}  // namespace tc

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* dir = std::getenv("TC_FUZZ_SEED_DIR")) {
    tc::write_seed_corpus(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tc::ByteSpan input(data, size);
  tc::fuzz_transaction(input);
  tc::fuzz_block_header(input);
  tc::fuzz_block(input);
  tc::fuzz_certificate(input);
  return 0;
}
