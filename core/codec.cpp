#include "core/codec.h"

#include <cassert>
#include <cstring>
#include <string>

namespace tc {

static_assert(kDecodeErrorCount == static_cast<std::size_t>(DecodeError::kValueOnEvidence) + 1,
              "kDecodeErrorCount must count every DecodeError");

namespace {

// Registration payload field offsets (docs/protocol.md, "Registration payload").
constexpr std::size_t kRegTierOffset = 0;
constexpr std::size_t kRegReservedOffset = 1;  // 3 bytes
constexpr std::size_t kRegCollateralTxidOffset = 4;
constexpr std::size_t kRegCollateralVoutOffset = 36;
constexpr std::size_t kRegRewardPubkeyHashOffset = 72;
constexpr std::size_t kRegP2pAddressOffset = 92;
constexpr std::size_t kRegP2pPortOffset = 108;
constexpr std::size_t kRegTrailingReservedOffset = 110;  // 2 bytes

// Evidence payload field offsets (docs/protocol.md, "Evidence payload").
constexpr std::size_t kEvHeightOffset = 32;
constexpr std::size_t kEvRoundOffset = 40;
constexpr std::size_t kEvStepOffset = 44;
constexpr std::size_t kEvReservedOffset = 45;  // 3 bytes
constexpr std::size_t kEvHashAOffset = 48;
constexpr std::size_t kEvPolRoundAOffset = 80;
constexpr std::size_t kEvHashBOffset = 148;
constexpr std::size_t kEvPolRoundBOffset = 180;

// Output field offsets.
constexpr std::size_t kOutputPubkeyHashOffset = 8;
constexpr std::size_t kOutputReservedOffset = 28;

// The failure path is out of line so that the accepting path stays straight-line code.
[[gnu::cold, gnu::noinline]] DecodeError fail(DecodeFailure* failure, DecodeError error,
                                              const char* object, const char* field,
                                              std::uint64_t offset, std::uint64_t value,
                                              std::uint64_t needed, std::uint64_t available) {
  if (failure != nullptr) {
    *failure = DecodeFailure{error, object, field,     offset,
                             value, needed, available, DecodeFailure::kNoIndex};
  }
  return error;
}

std::uint32_t payload_bytes_for(TxKind kind) {
  switch (kind) {
    case TxKind::kTransfer:
      return 0;
    case TxKind::kCoinbase:
      return kCoinbasePayloadBytes;
    case TxKind::kMasternodeRegistration:
      return kRegistrationPayloadBytes;
    case TxKind::kEquivocationEvidence:
      return kEvidencePayloadBytes;
  }
  return 0;
}

const char* payload_field_for(TxKind kind) {
  switch (kind) {
    case TxKind::kTransfer:
      return "transfer payload_bytes";
    case TxKind::kCoinbase:
      return "coinbase payload_bytes";
    case TxKind::kMasternodeRegistration:
      return "registration payload_bytes";
    case TxKind::kEquivocationEvidence:
      return "evidence payload_bytes";
  }
  return "payload_bytes";
}

// Checks the header rules shared by a standalone header and a block's leading 192 bytes.
DecodeError check_block_header(const std::uint8_t* p, std::size_t size, const char* object,
                               DecodeFailure* failure) {
  if (size < kBlockHeaderBytes) {
    return fail(failure, DecodeError::kTruncated, object, "header", 0, size, kBlockHeaderBytes,
                size);
  }
  const std::uint16_t version = load_u16_le(p);
  if (version != kBlockVersion) {
    return fail(failure, DecodeError::kUnknownVersion, object, "version", 0, version, kBlockVersion,
                size);
  }
  const std::uint16_t reserved = load_u16_le(p + 2);
  if (reserved != 0) {
    return fail(failure, DecodeError::kNonZeroReserved, object, "reserved", 2, reserved, 0, size);
  }
  return DecodeError::kOk;
}

BlockHeader block_header_from(const std::uint8_t* p) {
  BlockHeader header;
  header.version = load_u16_le(p);
  header.chain_id = load_u32_le(p + 4);
  header.height = load_u64_le(p + 8);
  header.prev_hash = Hash256::from_span(ByteSpan(p + 16, 32));
  header.tx_root = Hash256::from_span(ByteSpan(p + 48, 32));
  header.wtx_root = Hash256::from_span(ByteSpan(p + 80, 32));
  header.utxo_digest = Hash256::from_span(ByteSpan(p + 112, 32));
  header.timestamp_ms = load_u64_le(p + 144);
  header.proposer = Pubkey::from_span(ByteSpan(p + 152, 32));
  header.round = load_u32_le(p + 184);
  header.tx_count = load_u32_le(p + 188);
  return header;
}

// Grows *out by n bytes and returns where they start.
std::uint8_t* append(Bytes* out, std::size_t n) {
  const std::size_t start = out->size();
  out->resize(start + n);
  return out->data() + start;
}

}  // namespace

std::string_view decode_error_name(DecodeError error) {
  switch (error) {
    case DecodeError::kOk:
      return "ok";
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kTrailingBytes:
      return "trailing_bytes";
    case DecodeError::kCountExceedsBuffer:
      return "count_exceeds_buffer";
    case DecodeError::kOversize:
      return "oversize";
    case DecodeError::kUnknownVersion:
      return "unknown_version";
    case DecodeError::kUnknownKind:
      return "unknown_kind";
    case DecodeError::kNonZeroReserved:
      return "nonzero_reserved";
    case DecodeError::kNoInputs:
      return "no_inputs";
    case DecodeError::kInputsOnCoinbase:
      return "inputs_on_coinbase";
    case DecodeError::kNoOutputs:
      return "no_outputs";
    case DecodeError::kBadPayloadSize:
      return "bad_payload_size";
    case DecodeError::kTxCountMismatch:
      return "tx_count_mismatch";
    case DecodeError::kValueOnEvidence:
      return "value_on_evidence";
  }
  return "unknown_decode_error";
}

Status decode_failure_status(const DecodeFailure& f) {
  assert(f.error != DecodeError::kOk);
  using std::to_string;
  std::string message = f.object;
  if (f.tx_index != DecodeFailure::kNoIndex) message += ": tx " + to_string(f.tx_index);
  message += ": ";
  message += decode_error_name(f.error);
  message += ": ";
  const std::string field = f.field;
  const std::string at = " at offset " + to_string(f.offset);
  switch (f.error) {
    case DecodeError::kOk:
      break;
    case DecodeError::kTruncated:
      message += field + " needs " + to_string(f.needed) + " bytes" + at + ", " +
                 to_string(f.available) + " remain";
      break;
    case DecodeError::kTrailingBytes:
      message += to_string(f.value) + " bytes after the end" + at;
      break;
    case DecodeError::kCountExceedsBuffer:
      message += field + " " + to_string(f.value) + " needs " + to_string(f.needed) + " bytes" +
                 at + ", " + to_string(f.available) + " remain";
      break;
    case DecodeError::kOversize:
      message += field + " " + to_string(f.value) + at + " exceeds the limit of " +
                 to_string(f.needed) + " bytes";
      break;
    case DecodeError::kUnknownVersion:
      message += field + " " + to_string(f.value) + at + ", expected " + to_string(f.needed);
      break;
    case DecodeError::kUnknownKind:
      message += field + " " + to_string(f.value) + at + ", expected 0, 1, 2 or 3";
      break;
    case DecodeError::kNonZeroReserved:
      message += field + " is " + to_string(f.value) + at + ", must be 0";
      break;
    case DecodeError::kNoInputs:
      message += field + " 0" + at + ", kind " + to_string(f.value) + " needs at least 1 input";
      break;
    case DecodeError::kInputsOnCoinbase:
      message += field + " " + to_string(f.value) + at + ", a coinbase has no inputs";
      break;
    case DecodeError::kNoOutputs:
      message += field + " 0" + at + ", at least 1 output is required";
      break;
    case DecodeError::kBadPayloadSize:
      message += field + " " + to_string(f.value) + at + ", must be " + to_string(f.needed);
      break;
    case DecodeError::kTxCountMismatch:
      message += "bytes end" + at + " after " + to_string(f.value) + " of " + to_string(f.needed) +
                 " transactions";
      break;
    case DecodeError::kValueOnEvidence:
      message += field + " " + to_string(f.value) + at + ", evidence has no inputs or outputs";
      break;
  }
  return malformed(std::move(message));
}

// ---- Transaction
// ------------------------------------------------------------------------------------

DecodeError decode_transaction_view(ByteSpan bytes, TransactionView* out, DecodeFailure* failure) {
  const std::uint8_t* p = bytes.data();
  const std::size_t size = bytes.size();
  constexpr const char* kObject = "tx";
  if (size > kMaxTransactionBytes) {
    return fail(failure, DecodeError::kOversize, kObject, "size", 0, size, kMaxTransactionBytes,
                size);
  }
  if (size < kTransactionHeaderBytes) {
    return fail(failure, DecodeError::kTruncated, kObject, "header", 0, size,
                kTransactionHeaderBytes, size);
  }
  const std::uint16_t version = load_u16_le(p);
  if (version != kTransactionVersion) {
    return fail(failure, DecodeError::kUnknownVersion, kObject, "version", 0, version,
                kTransactionVersion, size);
  }
  const std::uint8_t kind_byte = p[2];
  if (kind_byte > static_cast<std::uint8_t>(TxKind::kEquivocationEvidence)) {
    return fail(failure, DecodeError::kUnknownKind, kObject, "kind", 2, kind_byte, 0, size - 2);
  }
  const TxKind kind = static_cast<TxKind>(kind_byte);
  if (p[3] != 0) {
    return fail(failure, DecodeError::kNonZeroReserved, kObject, "reserved", 3, p[3], 0, size - 3);
  }
  const std::size_t input_count = load_u16_le(p + 8);
  const std::size_t output_count = load_u16_le(p + 10);
  const std::uint32_t payload_bytes = load_u32_le(p + 12);
  if (kind == TxKind::kEquivocationEvidence) {
    if (input_count != 0) {
      return fail(failure, DecodeError::kValueOnEvidence, kObject, "input_count", 8, input_count, 0,
                  size - 8);
    }
    if (output_count != 0) {
      return fail(failure, DecodeError::kValueOnEvidence, kObject, "output_count", 10, output_count,
                  0, size - 10);
    }
  } else if (output_count == 0) {
    return fail(failure, DecodeError::kNoOutputs, kObject, "output_count", 10, 0, 1, size - 10);
  }
  if (kind == TxKind::kCoinbase || kind == TxKind::kEquivocationEvidence) {
    if (input_count != 0) {
      return fail(failure, DecodeError::kInputsOnCoinbase, kObject, "input_count", 8, input_count,
                  0, size - 8);
    }
  } else if (input_count == 0) {
    return fail(failure, DecodeError::kNoInputs, kObject, "input_count", 8, kind_byte, 1, size - 8);
  }
  const std::uint32_t expected_payload = payload_bytes_for(kind);
  if (payload_bytes != expected_payload) {
    return fail(failure, DecodeError::kBadPayloadSize, kObject, payload_field_for(kind), 12,
                payload_bytes, expected_payload, size - 12);
  }

  std::size_t offset = kTransactionHeaderBytes;
  const std::size_t input_bytes = input_count * kInputBytes;
  if (input_bytes > size - offset) {
    return fail(failure, DecodeError::kCountExceedsBuffer, kObject, "input_count", offset,
                input_count, input_bytes, size - offset);
  }
  offset += input_bytes;
  const std::size_t outputs_offset = offset;
  const std::size_t output_bytes = output_count * kOutputBytes;
  if (output_bytes > size - offset) {
    return fail(failure, DecodeError::kCountExceedsBuffer, kObject, "output_count", offset,
                output_count, output_bytes, size - offset);
  }
  offset += output_bytes;
  const std::size_t payload_offset = offset;
  if (payload_bytes > size - offset) {
    return fail(failure, DecodeError::kCountExceedsBuffer, kObject, "payload_bytes", offset,
                payload_bytes, payload_bytes, size - offset);
  }
  offset += payload_bytes;
  if (offset != size) {
    return fail(failure, DecodeError::kTrailingBytes, kObject, "end", offset, size - offset, 0,
                size - offset);
  }

  for (std::size_t i = 0; i < output_count; ++i) {
    const std::size_t at = outputs_offset + i * kOutputBytes + kOutputReservedOffset;
    const std::uint32_t reserved = load_u32_le(p + at);
    if (reserved != 0) {
      return fail(failure, DecodeError::kNonZeroReserved, kObject, "output reserved", at, reserved,
                  0, size - at);
    }
  }
  if (kind == TxKind::kMasternodeRegistration) {
    const std::uint8_t* payload = p + payload_offset;
    for (std::size_t i = 0; i < 3; ++i) {
      const std::size_t at = kRegReservedOffset + i;
      if (payload[at] != 0) {
        return fail(failure, DecodeError::kNonZeroReserved, kObject, "registration reserved",
                    payload_offset + at, payload[at], 0, size - payload_offset - at);
      }
    }
    const std::uint16_t trailing = load_u16_le(payload + kRegTrailingReservedOffset);
    if (trailing != 0) {
      const std::size_t at = payload_offset + kRegTrailingReservedOffset;
      return fail(failure, DecodeError::kNonZeroReserved, kObject, "registration reserved", at,
                  trailing, 0, size - at);
    }
  }
  if (kind == TxKind::kEquivocationEvidence) {
    const std::uint8_t* payload = p + payload_offset;
    for (std::size_t i = 0; i < 3; ++i) {
      const std::size_t at = kEvReservedOffset + i;
      if (payload[at] != 0) {
        return fail(failure, DecodeError::kNonZeroReserved, kObject, "evidence reserved",
                    payload_offset + at, payload[at], 0, size - payload_offset - at);
      }
    }
  }
  *out = TransactionView(p, size);
  return DecodeError::kOk;
}

Result<TransactionView> TransactionView::parse(ByteSpan bytes) {
  TransactionView view;
  DecodeFailure failure;
  if (decode_transaction_view(bytes, &view, &failure) != DecodeError::kOk) {
    return decode_failure_status(failure);
  }
  return view;
}

RegistrationPayload TransactionView::registration() const {
  assert(kind() == TxKind::kMasternodeRegistration);
  const std::uint8_t* p = data_ + payload_offset();
  RegistrationPayload reg;
  reg.tier = p[kRegTierOffset];
  reg.collateral.txid = Hash256::from_span(ByteSpan(p + kRegCollateralTxidOffset, 32));
  reg.collateral.vout = load_u32_le(p + kRegCollateralVoutOffset);
  reg.consensus_pubkey = Pubkey::from_span(ByteSpan(p + kRegistrationConsensusPubkeyOffset, 32));
  reg.reward_pubkey_hash = PubkeyHash::from_span(ByteSpan(p + kRegRewardPubkeyHashOffset, 20));
  reg.p2p_address = FixedBytes<16>::from_span(ByteSpan(p + kRegP2pAddressOffset, 16));
  reg.p2p_port = load_u16_le(p + kRegP2pPortOffset);
  reg.possession_sig = Signature::from_span(ByteSpan(p + kRegistrationPossessionSigOffset, 64));
  return reg;
}

EvidencePayload TransactionView::evidence() const {
  assert(kind() == TxKind::kEquivocationEvidence);
  const std::uint8_t* p = data_ + payload_offset();
  EvidencePayload ev;
  ev.validator = Pubkey::from_span(ByteSpan(p + kEvidenceValidatorOffset, 32));
  ev.height = load_u64_le(p + kEvHeightOffset);
  ev.round = load_u32_le(p + kEvRoundOffset);
  ev.step = p[kEvStepOffset];
  ev.hash_a = Hash256::from_span(ByteSpan(p + kEvHashAOffset, 32));
  ev.pol_round_a = load_u32_le(p + kEvPolRoundAOffset);
  ev.sig_a = Signature::from_span(ByteSpan(p + kEvidenceSigAOffset, 64));
  ev.hash_b = Hash256::from_span(ByteSpan(p + kEvHashBOffset, 32));
  ev.pol_round_b = load_u32_le(p + kEvPolRoundBOffset);
  ev.sig_b = Signature::from_span(ByteSpan(p + kEvidenceSigBOffset, 64));
  return ev;
}

Transaction TransactionView::to_transaction() const {
  Transaction tx;
  tx.version = version();
  tx.kind = kind();
  tx.chain_id = chain_id();
  tx.lock_time = lock_time();
  tx.inputs.reserve(input_count());
  for (std::size_t i = 0; i < input_count(); ++i) {
    const InputView in = input(i);
    tx.inputs.push_back(TxInput{in.prev(), in.pubkey(), in.sig()});
  }
  tx.outputs.reserve(output_count());
  for (std::size_t i = 0; i < output_count(); ++i) tx.outputs.push_back(output(i).to_output());
  if (tx.kind == TxKind::kCoinbase) tx.coinbase_height = coinbase_height();
  if (tx.kind == TxKind::kMasternodeRegistration) tx.registration = registration();
  if (tx.kind == TxKind::kEquivocationEvidence) tx.evidence = evidence();
  return tx;
}

std::size_t encoded_size(const Transaction& tx) {
  return kTransactionHeaderBytes + tx.inputs.size() * kInputBytes +
         tx.outputs.size() * kOutputBytes + payload_bytes_for(tx.kind);
}

void encode_transaction_header(const Transaction& tx, std::uint8_t* out) {
  assert(tx.inputs.size() <= 0xffff && tx.outputs.size() <= 0xffff);
  store_u16_le(out, tx.version);
  out[2] = static_cast<std::uint8_t>(tx.kind);
  out[3] = 0;
  store_u32_le(out + 4, tx.chain_id);
  store_u16_le(out + 8, static_cast<std::uint16_t>(tx.inputs.size()));
  store_u16_le(out + 10, static_cast<std::uint16_t>(tx.outputs.size()));
  store_u32_le(out + 12, payload_bytes_for(tx.kind));
  store_u64_le(out + 16, tx.lock_time);
}

void encode_input(const TxInput& input, std::uint8_t* out) {
  std::memcpy(out + kInputPrevTxidOffset, input.prev.txid.data(), 32);
  store_u32_le(out + kInputPrevVoutOffset, input.prev.vout);
  std::memcpy(out + kInputPubkeyOffset, input.pubkey.data(), 32);
  std::memcpy(out + kInputSigOffset, input.sig.data(), 64);
}

void encode_output(const TxOutput& output, std::uint8_t* out) {
  store_u64_le(out, output.value.satoshis());
  std::memcpy(out + kOutputPubkeyHashOffset, output.pubkey_hash.data(), 20);
  store_u32_le(out + kOutputReservedOffset, 0);
}

std::size_t encode_payload(const Transaction& tx, std::uint8_t* out) {
  if (tx.kind == TxKind::kCoinbase) {
    store_u64_le(out, tx.coinbase_height);
  } else if (tx.kind == TxKind::kMasternodeRegistration) {
    const RegistrationPayload& reg = tx.registration;
    std::memset(out, 0, kRegistrationPayloadBytes);
    out[kRegTierOffset] = reg.tier;
    std::memcpy(out + kRegCollateralTxidOffset, reg.collateral.txid.data(), 32);
    store_u32_le(out + kRegCollateralVoutOffset, reg.collateral.vout);
    std::memcpy(out + kRegistrationConsensusPubkeyOffset, reg.consensus_pubkey.data(), 32);
    std::memcpy(out + kRegRewardPubkeyHashOffset, reg.reward_pubkey_hash.data(), 20);
    std::memcpy(out + kRegP2pAddressOffset, reg.p2p_address.data(), 16);
    store_u16_le(out + kRegP2pPortOffset, reg.p2p_port);
    std::memcpy(out + kRegistrationPossessionSigOffset, reg.possession_sig.data(), 64);
  } else if (tx.kind == TxKind::kEquivocationEvidence) {
    const EvidencePayload& ev = tx.evidence;
    std::memset(out, 0, kEvidencePayloadBytes);
    std::memcpy(out + kEvidenceValidatorOffset, ev.validator.data(), 32);
    store_u64_le(out + kEvHeightOffset, ev.height);
    store_u32_le(out + kEvRoundOffset, ev.round);
    out[kEvStepOffset] = ev.step;
    std::memcpy(out + kEvHashAOffset, ev.hash_a.data(), 32);
    store_u32_le(out + kEvPolRoundAOffset, ev.pol_round_a);
    std::memcpy(out + kEvidenceSigAOffset, ev.sig_a.data(), 64);
    std::memcpy(out + kEvHashBOffset, ev.hash_b.data(), 32);
    store_u32_le(out + kEvPolRoundBOffset, ev.pol_round_b);
    std::memcpy(out + kEvidenceSigBOffset, ev.sig_b.data(), 64);
  }
  return payload_bytes_for(tx.kind);
}

void encode(const Transaction& tx, Bytes* out) {
  std::uint8_t* p = append(out, encoded_size(tx));
  encode_transaction_header(tx, p);
  p += kTransactionHeaderBytes;
  for (const TxInput& input : tx.inputs) {
    encode_input(input, p);
    p += kInputBytes;
  }
  for (const TxOutput& output : tx.outputs) {
    encode_output(output, p);
    p += kOutputBytes;
  }
  encode_payload(tx, p);
}

Result<Transaction> decode_transaction(ByteSpan bytes) {
  TransactionView view;
  DecodeFailure failure;
  if (decode_transaction_view(bytes, &view, &failure) != DecodeError::kOk) {
    return decode_failure_status(failure);
  }
  return view.to_transaction();
}

// ---- Block header and block ---------------------------------------------------------------------

std::array<std::uint8_t, kBlockHeaderBytes> encode_block_header(const BlockHeader& header) {
  std::array<std::uint8_t, kBlockHeaderBytes> bytes{};
  std::uint8_t* p = bytes.data();
  store_u16_le(p, header.version);
  store_u16_le(p + 2, 0);
  store_u32_le(p + 4, header.chain_id);
  store_u64_le(p + 8, header.height);
  std::memcpy(p + 16, header.prev_hash.data(), 32);
  std::memcpy(p + 48, header.tx_root.data(), 32);
  std::memcpy(p + 80, header.wtx_root.data(), 32);
  std::memcpy(p + 112, header.utxo_digest.data(), 32);
  store_u64_le(p + 144, header.timestamp_ms);
  std::memcpy(p + 152, header.proposer.data(), 32);
  store_u32_le(p + 184, header.round);
  store_u32_le(p + 188, header.tx_count);
  return bytes;
}

void encode(const BlockHeader& header, Bytes* out) {
  const auto bytes = encode_block_header(header);
  out->insert(out->end(), bytes.begin(), bytes.end());
}

Result<BlockHeader> decode_block_header(ByteSpan bytes) {
  DecodeFailure failure;
  if (check_block_header(bytes.data(), bytes.size(), "block header", &failure) !=
      DecodeError::kOk) {
    return decode_failure_status(failure);
  }
  if (bytes.size() != kBlockHeaderBytes) {
    const std::size_t extra = bytes.size() - kBlockHeaderBytes;
    fail(&failure, DecodeError::kTrailingBytes, "block header", "end", kBlockHeaderBytes, extra, 0,
         extra);
    return decode_failure_status(failure);
  }
  return block_header_from(bytes.data());
}

DecodeError decode_block_view(ByteSpan bytes, BlockView* out, DecodeFailure* failure) {
  const std::uint8_t* p = bytes.data();
  const std::size_t size = bytes.size();
  constexpr const char* kObject = "block";
  if (size > kMaxBlockBytes) {
    return fail(failure, DecodeError::kOversize, kObject, "size", 0, size, kMaxBlockBytes, size);
  }
  const DecodeError header_error = check_block_header(p, size, kObject, failure);
  if (header_error != DecodeError::kOk) return header_error;
  const std::uint32_t tx_count = load_u32_le(p + 188);
  std::size_t offset = kBlockHeaderBytes;
  const std::uint64_t min_bytes =
      std::uint64_t{tx_count} * (kBlockTxLengthBytes + kMinTransactionBytes);
  if (min_bytes > size - offset) {
    return fail(failure, DecodeError::kCountExceedsBuffer, kObject, "tx_count", offset, tx_count,
                min_bytes, size - offset);
  }
  for (std::uint32_t i = 0; i < tx_count; ++i) {
    if (offset == size) {
      return fail(failure, DecodeError::kTxCountMismatch, kObject, "tx_count", offset, i, tx_count,
                  0);
    }
    if (size - offset < kBlockTxLengthBytes) {
      return fail(failure, DecodeError::kTruncated, kObject, "tx_bytes", offset,
                  kBlockTxLengthBytes, kBlockTxLengthBytes, size - offset);
    }
    const std::uint32_t tx_bytes = load_u32_le(p + offset);
    if (tx_bytes > kMaxTransactionBytes) {
      return fail(failure, DecodeError::kOversize, kObject, "tx_bytes", offset, tx_bytes,
                  kMaxTransactionBytes, size - offset);
    }
    if (tx_bytes > size - offset - kBlockTxLengthBytes) {
      return fail(failure, DecodeError::kCountExceedsBuffer, kObject, "tx_bytes", offset, tx_bytes,
                  tx_bytes, size - offset - kBlockTxLengthBytes);
    }
    offset += kBlockTxLengthBytes;
    TransactionView tx;
    const DecodeError tx_error =
        decode_transaction_view(ByteSpan(p + offset, tx_bytes), &tx, failure);
    if (tx_error != DecodeError::kOk) {
      if (failure != nullptr) {
        failure->object = kObject;
        failure->offset += offset;
        failure->tx_index = i;
      }
      return tx_error;
    }
    offset += tx_bytes;
  }
  if (offset != size) {
    return fail(failure, DecodeError::kTrailingBytes, kObject, "end", offset, size - offset, 0,
                size - offset);
  }
  out->data_ = p;
  out->size_ = size;
  return DecodeError::kOk;
}

Result<BlockView> BlockView::parse(ByteSpan bytes) {
  BlockView view;
  DecodeFailure failure;
  if (decode_block_view(bytes, &view, &failure) != DecodeError::kOk) {
    return decode_failure_status(failure);
  }
  return view;
}

BlockHeader BlockView::header() const {
  return block_header_from(data_);
}

Block BlockView::to_block() const {
  Block block;
  block.header = header();
  block.transactions.reserve(tx_count());
  for (const TransactionView tx : *this) block.transactions.push_back(tx.to_transaction());
  return block;
}

std::size_t encoded_size(const Block& block) {
  std::size_t size = kBlockHeaderBytes;
  for (const Transaction& tx : block.transactions) size += kBlockTxLengthBytes + encoded_size(tx);
  return size;
}

void encode(const Block& block, Bytes* out) {
  out->reserve(out->size() + encoded_size(block));
  encode(block.header, out);
  for (const Transaction& tx : block.transactions) {
    const std::size_t tx_size = encoded_size(tx);
    assert(tx_size <= 0xffffffffu);
    store_u32_le(append(out, kBlockTxLengthBytes), static_cast<std::uint32_t>(tx_size));
    encode(tx, out);
  }
}

Result<Block> decode_block(ByteSpan bytes) {
  BlockView view;
  DecodeFailure failure;
  if (decode_block_view(bytes, &view, &failure) != DecodeError::kOk) {
    return decode_failure_status(failure);
  }
  return view.to_block();
}

// ---- Commit certificate -------------------------------------------------------------------------

DecodeError decode_certificate_view(ByteSpan bytes, CommitCertificateView* out,
                                    DecodeFailure* failure) {
  const std::uint8_t* p = bytes.data();
  const std::size_t size = bytes.size();
  constexpr const char* kObject = "certificate";
  if (size < kCertificateHeaderBytes) {
    return fail(failure, DecodeError::kTruncated, kObject, "header", 0, size,
                kCertificateHeaderBytes, size);
  }
  const std::uint16_t version = load_u16_le(p);
  if (version != kCertificateVersion) {
    return fail(failure, DecodeError::kUnknownVersion, kObject, "version", 0, version,
                kCertificateVersion, size);
  }
  const std::size_t count = load_u16_le(p + 2);
  const std::size_t offset = kCertificateHeaderBytes;
  const std::size_t signature_bytes = count * kCommitSignatureBytes;
  if (signature_bytes > size - offset) {
    return fail(failure, DecodeError::kCountExceedsBuffer, kObject, "signature_count", offset,
                count, signature_bytes, size - offset);
  }
  if (offset + signature_bytes != size) {
    const std::size_t end = offset + signature_bytes;
    return fail(failure, DecodeError::kTrailingBytes, kObject, "end", end, size - end, 0,
                size - end);
  }
  out->data_ = p;
  out->size_ = size;
  return DecodeError::kOk;
}

Result<CommitCertificateView> CommitCertificateView::parse(ByteSpan bytes) {
  CommitCertificateView view;
  DecodeFailure failure;
  if (decode_certificate_view(bytes, &view, &failure) != DecodeError::kOk) {
    return decode_failure_status(failure);
  }
  return view;
}

CommitSignature CommitCertificateView::signature(std::size_t i) const {
  return CommitSignature{Pubkey::from_span(ByteSpan(validator_data(i), 32)),
                         Signature::from_span(ByteSpan(sig_data(i), 64))};
}

CommitCertificate CommitCertificateView::to_certificate() const {
  CommitCertificate certificate;
  certificate.height = height();
  certificate.round = round();
  certificate.block_hash = block_hash();
  certificate.signatures.reserve(signature_count());
  for (std::size_t i = 0; i < signature_count(); ++i) {
    certificate.signatures.push_back(signature(i));
  }
  return certificate;
}

std::size_t encoded_size(const CommitCertificate& certificate) {
  return kCertificateHeaderBytes + certificate.signatures.size() * kCommitSignatureBytes;
}

void encode(const CommitCertificate& certificate, Bytes* out) {
  assert(certificate.signatures.size() <= 0xffff);
  std::uint8_t* p = append(out, encoded_size(certificate));
  store_u16_le(p, kCertificateVersion);
  store_u16_le(p + 2, static_cast<std::uint16_t>(certificate.signatures.size()));
  store_u32_le(p + 4, certificate.round);
  store_u64_le(p + 8, certificate.height);
  std::memcpy(p + 16, certificate.block_hash.data(), 32);
  p += kCertificateHeaderBytes;
  for (const CommitSignature& signature : certificate.signatures) {
    std::memcpy(p, signature.validator.data(), 32);
    std::memcpy(p + 32, signature.sig.data(), 64);
    p += kCommitSignatureBytes;
  }
}

Result<CommitCertificate> decode_commit_certificate(ByteSpan bytes) {
  CommitCertificateView view;
  DecodeFailure failure;
  if (decode_certificate_view(bytes, &view, &failure) != DecodeError::kOk) {
    return decode_failure_status(failure);
  }
  return view.to_certificate();
}

}  // namespace tc
