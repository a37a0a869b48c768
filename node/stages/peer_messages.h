// The messages that cross between the net stage (node/stages/net_stage.h, the io thread that owns
// every peer connection), the consensus stage (node/stages/consensus_stage.h, the engine and the
// ledger's execute/commit). Each travels in a slot of a MessageRing (node/message_ring.h); the
// rings themselves are named and sized in node/topology.cpp. (Transactions travel between the net
// and verify stages in TxRings, node/stages/tx_ring.h.)
//
// Payloads are the canonical bytes the P2P envelope carries (consensus/messages.h for proposals
// and votes, core/codec.h for certificates) or a serialized p2p.proto message (block sync), so
// neither stage needs the other's types.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/types.h"
#include "node/message_ring.h"

namespace tc::node {

enum class InboundKind : std::uint8_t {
  kProposal,            // bytes: consensus::encode_proposal
  kVote,                // bytes: consensus::encode_vote
  kBlockRangeResponse,  // bytes: serialized proto::BlockRangeResponse
  kPeerClosed,          // no bytes: the peer's connection ended
  kPeerTip,             // bytes: the height the peer announced it committed (TipStatus), u64 LE
};

// Net -> consensus: one message from one peer.
struct InboundMessage {
  InboundKind kind = InboundKind::kVote;
  Pubkey peer;
  Bytes bytes;
};

enum class OutboundKind : std::uint8_t {
  kProposal,           // to every validator; bytes: consensus::encode_proposal
  kVote,               // to every validator; bytes: consensus::encode_vote
  kAnnounceTip,        // this node committed a block; bytes: height u64 LE | block hash [32]
  kBlockRangeRequest,  // to `peer`; bytes: serialized proto::BlockRangeRequest
  kReportInvalid,      // `peer` sent something invalid; bytes: the reason, as text
  kValidators,         // the validator set changed; bytes: records of kValidatorRecordBytes
  kNextProposers,      // who proposes next, first first; bytes: their consensus keys [32] each
};

// A validator in a kValidators message: consensus key [32] | IPv6 or IPv4-mapped address [16] |
// P2P port u16 LE.
inline constexpr std::size_t kValidatorRecordBytes = 50;

// Consensus -> net: one message to send, or a change to the peer set.
struct OutboundMessage {
  OutboundKind kind = OutboundKind::kVote;
  Pubkey peer;
  Bytes bytes;
};

using InboundRing = MessageRing<InboundMessage>;
using OutboundRing = MessageRing<OutboundMessage>;

}  // namespace tc::node
