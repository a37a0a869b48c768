// Goal: gather_signatures lists exactly the signatures each kind of transaction carries, in the
// documented order, over the right messages, and signature_failure / judge_signatures name the
// rule of the first one that fails: the contract block execution and the verify stage share.
// Method: transactions signed with the test keys of ledger_fixture.h; each gathered SignatureRef is
// checked against the transaction's bytes and recomputed messages, and verified with
// gpu::verify_single (all valid), then verdicts are flipped one position at a time.
// Scenarios:
//   - a transfer with three inputs: three signatures over its sighash, keys and signatures
//     pointing into the transaction's own bytes; a failure at input i is bad_signature at i;
//   - a registration: its input, then the possession proof over possession_hash; a failure there
//     is bad_possession_proof;
//   - evidence: signatures a and b over evidence_digests; a failure names a (0) or b (1);
//   - a coinbase: none; kMaxTransactionSignatures bounds a transaction of the largest size.
#include "ledger/tx_signatures.h"

#include <gtest/gtest.h>

#include <vector>

#include "consensus/messages.h"
#include "core/hashing.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

using testing::encode_tx;
using testing::hash_of;
using testing::test_key;

struct Gathered {
  Bytes bytes;
  TransactionView view;
  TxSignedMessages messages;
  std::vector<gpu::SignatureRef> refs;
};

// Gathers into a buffer one larger than needed, to check the count returned.
void gather(const Transaction& tx, Gathered* out) {
  out->bytes = encode_tx(tx);
  out->view = *TransactionView::parse(out->bytes);
  out->refs.assign(signature_count(out->view) + 1, gpu::SignatureRef{});
  const std::size_t n = gather_signatures(out->view, kChainIdDevnet, &out->messages, out->refs);
  ASSERT_EQ(n, signature_count(out->view));
  out->refs.resize(n);
}

bool inside(const std::uint8_t* pointer, const Bytes& bytes) {
  return pointer >= bytes.data() && pointer < bytes.data() + bytes.size();
}

TEST(TxSignaturesTest, TransferSignsEachInputOverItsSighash) {
  const KeyPair owner = test_key(1);
  std::vector<OutPoint> inputs;
  for (std::uint8_t i = 0; i < 3; ++i) {
    Hash256 prev;
    prev.bytes.fill(i + 1);
    inputs.push_back(OutPoint{prev, i});
  }
  Transaction tx =
      testing::make_transfer(owner, inputs, {TxOutput{Amount(5000), hash_of(test_key(2))}});
  Gathered g;
  ASSERT_NO_FATAL_FAILURE(gather(tx, &g));
  ASSERT_EQ(g.refs.size(), 3u);
  const Hash256 expected = sighash(g.view, kChainIdDevnet);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(g.refs[i].pubkey, g.view.input(i).pubkey_data());
    EXPECT_EQ(g.refs[i].sig, g.view.input(i).sig_data());
    EXPECT_TRUE(inside(g.refs[i].sig, g.bytes));
    EXPECT_EQ(g.refs[i].msg, g.messages.hashes[0].data());
    EXPECT_EQ(g.refs[i].msg_bytes, 32u);
    EXPECT_EQ(gpu::verify_single(g.refs[i]), gpu::Verdict::kAccept) << "input " << i;
  }
  EXPECT_EQ(g.messages.hashes[0], expected);
  std::vector<gpu::Verdict> verdicts(3, gpu::Verdict::kAccept);
  EXPECT_EQ(judge_signatures(g.view, verdicts, nullptr), RejectReason::kOk);
  for (std::size_t i = 0; i < 3; ++i) {
    verdicts.assign(3, gpu::Verdict::kAccept);
    verdicts[i] = gpu::Verdict::kReject;
    if (i < 2) verdicts[2] = gpu::Verdict::kReject;  // the first failure is the one named
    TxFailure failure;
    EXPECT_EQ(judge_signatures(g.view, verdicts, &failure), RejectReason::kBadSignature);
    EXPECT_EQ(failure.input_index, i);
  }
}

TEST(TxSignaturesTest, RegistrationAddsItsPossessionProof) {
  Hash256 prev;
  prev.bytes.fill(9);
  const Transaction tx = testing::make_registration(test_key(1), OutPoint{prev, 0}, Amount(5000),
                                                    MasternodeTier::kFree, OutPoint{}, test_key(3));
  Gathered g;
  ASSERT_NO_FATAL_FAILURE(gather(tx, &g));
  ASSERT_EQ(g.refs.size(), 2u);
  EXPECT_EQ(g.refs[1].msg, g.messages.hashes[1].data());
  EXPECT_EQ(g.messages.hashes[1], possession_hash(g.view, kChainIdDevnet));
  EXPECT_EQ(Pubkey::from_span(ByteSpan(g.refs[1].pubkey, 32)), test_key(3).pubkey());
  for (const gpu::SignatureRef& ref : g.refs) {
    EXPECT_EQ(gpu::verify_single(ref), gpu::Verdict::kAccept);
  }
  TxFailure failure;
  EXPECT_EQ(signature_failure(g.view, 1, &failure), RejectReason::kBadPossessionProof);
  EXPECT_EQ(signature_failure(g.view, 0, &failure), RejectReason::kBadSignature);
  EXPECT_EQ(failure.input_index, 0u);
}

TEST(TxSignaturesTest, EvidenceSignsBothDigestsAndNamesTheFailingOne) {
  const KeyPair validator = test_key(5);
  Transaction tx;
  tx.kind = TxKind::kEquivocationEvidence;
  tx.chain_id = kChainIdDevnet;
  EvidencePayload& evidence = tx.evidence;
  evidence.validator = validator.pubkey();
  evidence.height = 3;
  evidence.step = static_cast<std::uint8_t>(consensus::SignStep::kPrevote);
  evidence.hash_a.bytes.fill(0x11);
  evidence.hash_b.bytes.fill(0x22);
  evidence.pol_round_a = evidence.pol_round_b = consensus::kNoPolRound;
  const auto digests = evidence_digests(evidence, kChainIdDevnet);
  evidence.sig_a = sign(validator, digests[0].span());
  evidence.sig_b = sign(validator, digests[1].span());
  Gathered g;
  ASSERT_NO_FATAL_FAILURE(gather(tx, &g));
  ASSERT_EQ(g.refs.size(), 2u);
  EXPECT_EQ(g.messages.hashes, digests);
  for (const gpu::SignatureRef& ref : g.refs) {
    EXPECT_EQ(gpu::verify_single(ref), gpu::Verdict::kAccept);
    EXPECT_TRUE(inside(ref.pubkey, g.bytes));
  }
  TxFailure failure;
  EXPECT_EQ(signature_failure(g.view, 1, &failure), RejectReason::kBadSignature);
  EXPECT_EQ(failure.value, 1u);
  EXPECT_EQ(failure.input_index, TxFailure::kNoIndex);
}

TEST(TxSignaturesTest, CoinbaseHasNoneAndTheBoundHoldsTheLargestTransaction) {
  Transaction coinbase;
  coinbase.kind = TxKind::kCoinbase;
  coinbase.chain_id = kChainIdDevnet;
  coinbase.outputs.push_back(TxOutput{Amount(5), hash_of(test_key(2))});
  Gathered g;
  ASSERT_NO_FATAL_FAILURE(gather(coinbase, &g));
  EXPECT_TRUE(g.refs.empty());
  // As many inputs as fit in kMaxTransactionBytes next to one output.
  const std::size_t inputs =
      (kMaxTransactionBytes - kTransactionHeaderBytes - kOutputBytes) / kInputBytes;
  EXPECT_LE(inputs + 1, kMaxTransactionSignatures);
}

}  // namespace
}  // namespace tc::ledger
