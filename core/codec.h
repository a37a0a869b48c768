// The canonical binary codec of docs/protocol.md: zero-copy views that validate a buffer once,
// owned encoders and decoders over the values of core/types.h, and DecodeError, the one reason code
// per kind of malformed input.
//
// The receive path (dataplane ingress, verify) parses each datagram with decode_transaction_view(),
// which allocates nothing and returns a DecodeError that the caller counts drops by; everything
// else (ledger, storage, tools) may use the Status-returning convenience functions. Each byte
// string has at most one parse and each value exactly one encoding, so encode(decode(b)) == b for
// every accepted b. Every function here is thread-safe; views borrow the caller's buffer and are
// valid while it is.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"
#include "core/types.h"

namespace tc {

// ---- Layout constants (docs/protocol.md; docs/formats/transaction.md, block.md)
// -------------------

// Transaction header: version u16 | kind u8 | reserved u8 (= 0) | chain_id u32 | input_count u16 |
// output_count u16 | payload_bytes u32 | lock_time u64.
inline constexpr std::size_t kTransactionHeaderBytes = 24;
// Input: prev_txid [32] | prev_vout u32 | pubkey [32] | sig [64].
inline constexpr std::size_t kInputBytes = 132;
// The signed part of an input (prev_txid | prev_vout | pubkey): what an input contributes to the
// body.
inline constexpr std::size_t kInputBodyBytes = 68;
inline constexpr std::size_t kInputPrevTxidOffset = 0;
inline constexpr std::size_t kInputPrevVoutOffset = 32;
inline constexpr std::size_t kInputPubkeyOffset = 36;
inline constexpr std::size_t kInputSigOffset = 68;
// Output: value u64 | pubkey_hash [20] | reserved u32 (= 0).
inline constexpr std::size_t kOutputBytes = 32;
// Coinbase payload: block height u64.
inline constexpr std::size_t kCoinbasePayloadBytes = 8;
// Registration payload: tier u8 | reserved [3] (= 0) | collateral_txid [32] | collateral_vout u32 |
// consensus_pubkey [32] | reward_pubkey_hash [20] | p2p_address [16] | p2p_port u16 |
// reserved u16 (= 0) | possession_sig [64]. The first kRegistrationSignedBytes are what the
// possession signature covers (core/hashing.h possession_hash).
inline constexpr std::size_t kRegistrationPayloadBytes = 176;
inline constexpr std::size_t kRegistrationSignedBytes = 112;
inline constexpr std::size_t kRegistrationConsensusPubkeyOffset = 40;
inline constexpr std::size_t kRegistrationPossessionSigOffset = 112;
// Evidence payload: validator [32] | height u64 | round u32 | step u8 | reserved [3] (= 0) |
// hash_a [32] | pol_round_a u32 | sig_a [64] | hash_b [32] | pol_round_b u32 | sig_b [64].
inline constexpr std::size_t kEvidencePayloadBytes = 248;
inline constexpr std::size_t kEvidenceValidatorOffset = 0;
inline constexpr std::size_t kEvidenceSigAOffset = 84;
inline constexpr std::size_t kEvidenceSigBOffset = 184;
// The largest payload of any kind.
inline constexpr std::size_t kMaxPayloadBytes = kEvidencePayloadBytes;
// Largest transaction the codec accepts: header | inputs | outputs | payload, all together.
inline constexpr std::size_t kMaxTransactionBytes = 100'000;
// Largest transaction that arrives as one UDP datagram (IPv6 minimum MTU 1280 - 40 IPv6 - 8 UDP).
// Enforced by the ingress path, not by the codec.
inline constexpr std::size_t kMaxDatagramTransactionBytes = 1'232;
// Block header: version u16 | reserved u16 (= 0) | chain_id u32 | height u64 | prev_hash [32] |
// tx_root [32] | wtx_root [32] | utxo_digest [32] | timestamp_ms u64 | proposer [32] | round u32 |
// tx_count u32.
inline constexpr std::size_t kBlockHeaderBytes = 192;
// Each transaction in a block is preceded by its length: tx_bytes u32.
inline constexpr std::size_t kBlockTxLengthBytes = 4;
// Largest block the codec parses: header | tx_count x (tx_bytes u32 | transaction).
inline constexpr std::size_t kMaxBlockBytes = 64u << 20;
// Smallest transaction of any kind (a coinbase with one output): header | output | height.
inline constexpr std::size_t kMinTransactionBytes =
    kTransactionHeaderBytes + kOutputBytes + kCoinbasePayloadBytes;
// Certificate header: version u16 | signature_count u16 | round u32 | height u64 | block_hash [32].
inline constexpr std::size_t kCertificateHeaderBytes = 48;
// Commit signature: validator pubkey [32] | Ed25519 signature [64].
inline constexpr std::size_t kCommitSignatureBytes = 96;

// ---- Decode errors
// --------------------------------------------------------------------------------

// One value per way a buffer can fail to parse. A fixed-size part that is cut short is kTruncated;
// a count or length field that promises more bytes than remain is kCountExceedsBuffer. A
// transaction inside a block that fails reports its own error (the block's message says which
// transaction).
enum class DecodeError : std::uint8_t {
  kOk = 0,
  kTruncated,           // a fixed-size part (header, length prefix) runs past the end of the buffer
  kTrailingBytes,       // bytes remain after the last field
  kCountExceedsBuffer,  // input/output/signature count, payload_bytes or tx_bytes overruns the
                        // buffer
  kOversize,          // above kMaxTransactionBytes (a tx, or a block's tx_bytes) or kMaxBlockBytes
  kUnknownVersion,    // version field is not the one version this codec knows
  kUnknownKind,       // transaction kind is not 0, 1, 2 or 3
  kNonZeroReserved,   // a reserved or padding field is not zero
  kNoInputs,          // a transfer or registration with input_count 0
  kInputsOnCoinbase,  // a coinbase with input_count > 0
  kNoOutputs,         // a transaction other than evidence with output_count 0
  kBadPayloadSize,    // payload_bytes differs from the size its kind fixes (0, 8, 176 or 248)
  kTxCountMismatch,   // a block's bytes end after fewer transactions than its tx_count
  kValueOnEvidence,   // an evidence transaction with inputs or outputs
};
inline constexpr std::size_t kDecodeErrorCount = 14;  // for counter arrays indexed by DecodeError

// "truncated", "trailing_bytes", "count_exceeds_buffer", ... ("ok" for kOk); stable, used in
// metrics.
std::string_view decode_error_name(DecodeError error);

// Where and why a parse failed, for building a Status message. Filled only on failure; holds no
// allocation, so a hot path may keep one on its stack. Which of value/needed/available are
// meaningful depends on the error (decode_failure_status() formats them).
struct DecodeFailure {
  static constexpr std::uint32_t kNoIndex = 0xffffffff;
  DecodeError error = DecodeError::kOk;
  const char* object = "";            // "tx", "block", "block header", "certificate"
  const char* field = "";             // the offending field: "input_count", "output reserved", ...
  std::uint64_t offset = 0;           // byte offset of that field in the buffer that was parsed
  std::uint64_t value = 0;            // the offending value (a count, version, kind, size)
  std::uint64_t needed = 0;           // bytes needed, limit, or the expected value
  std::uint64_t available = 0;        // bytes remaining from offset
  std::uint32_t tx_index = kNoIndex;  // inside a block: which transaction failed
};

// A kMalformed Status whose message names the error, the offset and the values, e.g.
// "tx: count_exceeds_buffer: input_count 300 needs 39600 bytes at offset 24, 100 remain".
// REQUIRES: failure.error != kOk.
Status decode_failure_status(const DecodeFailure& failure);

// ---- Zero-copy views
// ------------------------------------------------------------------------------

// One input inside a validated transaction buffer (132 bytes). Pointers point into that buffer.
class InputView {
 public:
  explicit InputView(const std::uint8_t* data) : data_(data) {}
  const std::uint8_t* data() const { return data_; }                  // kInputBytes
  ByteSpan body() const { return ByteSpan(data_, kInputBodyBytes); }  // prev_txid|prev_vout|pubkey
  const std::uint8_t* prev_txid_data() const { return data_ + kInputPrevTxidOffset; }  // 32 bytes
  const std::uint8_t* pubkey_data() const { return data_ + kInputPubkeyOffset; }       // 32 bytes
  const std::uint8_t* sig_data() const { return data_ + kInputSigOffset; }             // 64 bytes
  std::uint32_t prev_vout() const { return load_u32_le(data_ + kInputPrevVoutOffset); }
  Hash256 prev_txid() const { return Hash256::from_span(ByteSpan(prev_txid_data(), 32)); }
  OutPoint prev() const { return OutPoint{prev_txid(), prev_vout()}; }
  Pubkey pubkey() const { return Pubkey::from_span(ByteSpan(pubkey_data(), 32)); }
  Signature sig() const { return Signature::from_span(ByteSpan(sig_data(), 64)); }

 private:
  const std::uint8_t* data_;
};

// One output inside a validated transaction buffer (32 bytes).
class OutputView {
 public:
  explicit OutputView(const std::uint8_t* data) : data_(data) {}
  const std::uint8_t* data() const { return data_; }  // kOutputBytes
  Amount value() const { return Amount(load_u64_le(data_)); }
  const std::uint8_t* pubkey_hash_data() const { return data_ + 8; }  // 20 bytes
  PubkeyHash pubkey_hash() const { return PubkeyHash::from_span(ByteSpan(data_ + 8, 20)); }
  TxOutput to_output() const { return TxOutput{value(), pubkey_hash()}; }

 private:
  const std::uint8_t* data_;
};

// A transaction read in place. Only decode_transaction_view() (and BlockView) make one, after
// checking every rule of the codec, so the accessors do no checks. Holds a pointer and a length;
// copy freely. It does not own the bytes: they must outlive the view and stay unchanged.
class TransactionView {
 public:
  TransactionView() = default;  // empty; only for assigning a parsed view into

  // Validates `bytes` as exactly one transaction. Allocates on failure only (the Status).
  static Result<TransactionView> parse(ByteSpan bytes);

  ByteSpan bytes() const { return ByteSpan(data_, size_); }  // the whole encoding
  std::size_t encoded_bytes() const { return size_; }

  std::uint16_t version() const { return load_u16_le(data_); }
  TxKind kind() const { return static_cast<TxKind>(data_[2]); }
  std::uint32_t chain_id() const { return load_u32_le(data_ + 4); }
  std::uint16_t input_count() const { return load_u16_le(data_ + 8); }
  std::uint16_t output_count() const { return load_u16_le(data_ + 10); }
  std::uint32_t payload_bytes() const { return load_u32_le(data_ + 12); }
  std::uint64_t lock_time() const { return load_u64_le(data_ + 16); }

  // REQUIRES: i < input_count() / output_count().
  InputView input(std::size_t i) const {
    return InputView(data_ + kTransactionHeaderBytes + i * kInputBytes);
  }
  OutputView output(std::size_t i) const {
    return OutputView(data_ + outputs_offset() + i * kOutputBytes);
  }
  std::size_t outputs_offset() const {
    return kTransactionHeaderBytes + std::size_t{input_count()} * kInputBytes;
  }
  std::size_t payload_offset() const {
    return outputs_offset() + std::size_t{output_count()} * kOutputBytes;
  }
  ByteSpan header() const { return ByteSpan(data_, kTransactionHeaderBytes); }
  // Outputs followed by the payload: the contiguous tail of the body after the inputs.
  ByteSpan outputs_and_payload() const {
    return ByteSpan(data_ + outputs_offset(), size_ - outputs_offset());
  }
  ByteSpan payload() const { return ByteSpan(data_ + payload_offset(), payload_bytes()); }

  // REQUIRES: kind() == kCoinbase.
  std::uint64_t coinbase_height() const { return load_u64_le(data_ + payload_offset()); }
  // REQUIRES: kind() == kMasternodeRegistration.
  RegistrationPayload registration() const;
  // REQUIRES: kind() == kEquivocationEvidence.
  EvidencePayload evidence() const;

  // An owned copy (allocates the input and output vectors).
  Transaction to_transaction() const;

 private:
  friend DecodeError decode_transaction_view(ByteSpan, TransactionView*, DecodeFailure*);
  friend class BlockView;
  TransactionView(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// The hot-path parse: validates `bytes` as exactly one transaction and on success points *out at
// it. Returns kOk or the first rule broken, in this order: kOversize, kTruncated, kUnknownVersion,
// kUnknownKind, kNonZeroReserved (header), kValueOnEvidence, kNoOutputs, kInputsOnCoinbase /
// kNoInputs, kBadPayloadSize, kCountExceedsBuffer, kTrailingBytes, kNonZeroReserved (outputs, then
// payload). Allocates nothing and builds no Status; when `failure` is non-null it is filled on
// failure. *out is unchanged on failure. Does not check kMaxDatagramTransactionBytes, signatures or
// any ledger rule (values, tier range, duplicate inputs).
DecodeError decode_transaction_view(ByteSpan bytes, TransactionView* out,
                                    DecodeFailure* failure = nullptr);

// A block read in place: the header fields and an iterator over its transactions. Made only by
// decode_block_view(), which validates the header and every transaction, so iteration does no
// checks. Does not check tx_root, heights, or anything beyond the codec. Copy freely; borrows the
// buffer.
class BlockView {
 public:
  BlockView() = default;

  static Result<BlockView> parse(ByteSpan bytes);

  ByteSpan bytes() const { return ByteSpan(data_, size_); }
  std::size_t encoded_bytes() const { return size_; }
  ByteSpan header_bytes() const { return ByteSpan(data_, kBlockHeaderBytes); }
  BlockHeader header() const;

  std::uint16_t version() const { return load_u16_le(data_); }
  std::uint32_t chain_id() const { return load_u32_le(data_ + 4); }
  std::uint64_t height() const { return load_u64_le(data_ + 8); }
  Hash256 prev_hash() const { return Hash256::from_span(ByteSpan(data_ + 16, 32)); }
  Hash256 tx_root() const { return Hash256::from_span(ByteSpan(data_ + 48, 32)); }
  Hash256 wtx_root() const { return Hash256::from_span(ByteSpan(data_ + 80, 32)); }
  Hash256 utxo_digest() const { return Hash256::from_span(ByteSpan(data_ + 112, 32)); }
  std::uint64_t timestamp_ms() const { return load_u64_le(data_ + 144); }
  Pubkey proposer() const { return Pubkey::from_span(ByteSpan(data_ + 152, 32)); }
  std::uint32_t round() const { return load_u32_le(data_ + 184); }
  std::uint32_t tx_count() const { return load_u32_le(data_ + 188); }

  // Forward iteration over the transactions in block order: for (TransactionView tx : block) ...
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = TransactionView;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = TransactionView;

    Iterator() = default;
    TransactionView operator*() const {
      return TransactionView(next_ + kBlockTxLengthBytes, load_u32_le(next_));
    }
    Iterator& operator++() {
      next_ += kBlockTxLengthBytes + load_u32_le(next_);
      return *this;
    }
    Iterator operator++(int) {
      Iterator copy = *this;
      ++*this;
      return copy;
    }
    friend bool operator==(const Iterator&, const Iterator&) = default;

   private:
    friend class BlockView;
    explicit Iterator(const std::uint8_t* next) : next_(next) {}
    const std::uint8_t* next_ = nullptr;  // at the tx_bytes prefix of the current transaction
  };
  Iterator begin() const { return Iterator(data_ + kBlockHeaderBytes); }
  Iterator end() const { return Iterator(data_ + size_); }

  // An owned copy of the whole block.
  Block to_block() const;

 private:
  friend DecodeError decode_block_view(ByteSpan, BlockView*, DecodeFailure*);
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Validates `bytes` as exactly one block: kOversize (whole block over kMaxBlockBytes), the header
// rules of decode_block_header(), then kCountExceedsBuffer when tx_count x (4 +
// kMinTransactionBytes) exceeds what remains, then per transaction: kTruncated (length prefix cut
// short), kOversize (tx_bytes > kMaxTransactionBytes), kCountExceedsBuffer (tx_bytes overruns), the
// transaction's own error from decode_transaction_view() over exactly tx_bytes bytes;
// kTxCountMismatch when the bytes end before tx_count transactions, kTrailingBytes when bytes
// remain after them. Allocates nothing; `failure` (optional) carries absolute offsets and tx_index.
// *out is unchanged on failure.
DecodeError decode_block_view(ByteSpan bytes, BlockView* out, DecodeFailure* failure = nullptr);

// A commit certificate read in place. Made only by decode_certificate_view().
class CommitCertificateView {
 public:
  CommitCertificateView() = default;

  static Result<CommitCertificateView> parse(ByteSpan bytes);

  ByteSpan bytes() const { return ByteSpan(data_, size_); }
  std::uint16_t version() const { return load_u16_le(data_); }
  std::uint16_t signature_count() const { return load_u16_le(data_ + 2); }
  std::uint32_t round() const { return load_u32_le(data_ + 4); }
  std::uint64_t height() const { return load_u64_le(data_ + 8); }
  Hash256 block_hash() const { return Hash256::from_span(ByteSpan(data_ + 16, 32)); }
  // REQUIRES: i < signature_count(). Validator pubkey (32 bytes) then its signature (64 bytes).
  const std::uint8_t* validator_data(std::size_t i) const {
    return data_ + kCertificateHeaderBytes + i * kCommitSignatureBytes;
  }
  const std::uint8_t* sig_data(std::size_t i) const { return validator_data(i) + 32; }
  CommitSignature signature(std::size_t i) const;

  CommitCertificate to_certificate() const;

 private:
  friend DecodeError decode_certificate_view(ByteSpan, CommitCertificateView*, DecodeFailure*);
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Validates `bytes` as exactly one certificate: kTruncated (under 48 bytes), kUnknownVersion,
// kCountExceedsBuffer (signature_count x 96 overruns), kTrailingBytes. Allocates nothing. Does not
// check the signatures, their count against the validator set, or duplicates (consensus rules).
DecodeError decode_certificate_view(ByteSpan bytes, CommitCertificateView* out,
                                    DecodeFailure* failure = nullptr);

// ---- Owned encode / decode
// ------------------------------------------------------------------------

// The number of bytes encode() appends for `tx`.
std::size_t encoded_size(const Transaction& tx);
std::size_t encoded_size(const Block& block);
std::size_t encoded_size(const CommitCertificate& certificate);

// Each encode appends the canonical encoding of its value to *out. The payload written follows
// tx.kind (none, coinbase_height, registration or evidence); the other payload fields are ignored.
// Encoding does not validate: a value the decoder would reject (a coinbase with inputs, a
// transaction over kMaxTransactionBytes, a header whose tx_count differs from the transactions)
// encodes to bytes that its decoder rejects. REQUIRES: every count fits its field (inputs, outputs,
// signatures <= 65535; transactions and each tx's size < 2^32).
void encode(const Transaction& tx, Bytes* out);
void encode(const BlockHeader& header, Bytes* out);  // exactly kBlockHeaderBytes
void encode(const Block& block, Bytes* out);         // writes block.header.tx_count as given
void encode(const CommitCertificate& certificate, Bytes* out);

// The pieces encode(Transaction) is made of, for hashing an owned transaction without building its
// whole encoding (core/hashing.h). Each writes exactly the stated number of bytes at `out`.
void encode_transaction_header(const Transaction& tx,
                               std::uint8_t* out);              // kTransactionHeaderBytes
void encode_input(const TxInput& input, std::uint8_t* out);     // kInputBytes
void encode_output(const TxOutput& output, std::uint8_t* out);  // kOutputBytes
// Writes the payload tx.kind calls for (0, 8, 176 or 248 bytes; `out` has room for
// kMaxPayloadBytes) and returns how many bytes it wrote.
std::size_t encode_payload(const Transaction& tx, std::uint8_t* out);

// The 192-byte header encoding without allocating (what block_hash() hashes).
std::array<std::uint8_t, kBlockHeaderBytes> encode_block_header(const BlockHeader& header);

// Each decodes exactly one value filling all of `bytes`, with the rules of the matching view; on
// failure a kMalformed Status from decode_failure_status(). These allocate (vectors, the Status).
Result<Transaction> decode_transaction(ByteSpan bytes);
// kTruncated under 192 bytes, kTrailingBytes over, kUnknownVersion, kNonZeroReserved.
Result<BlockHeader> decode_block_header(ByteSpan bytes);
Result<Block> decode_block(ByteSpan bytes);
Result<CommitCertificate> decode_commit_certificate(ByteSpan bytes);

}  // namespace tc
