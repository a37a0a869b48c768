// PeerStore: where the peer layer keeps what must survive a restart (today: bans, net/ban_list.h).
// net/ cannot include storage/, so node/ implements this over the ChainStore's `peers` column
// family (node/net_peer_store.h); tests may keep it in memory. Keys and values are opaque bytes to
// the store; their layout is in docs/formats/p2p.md ("Ban records").
#pragma once

#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace tc::net {

class PeerStore {
 public:
  virtual ~PeerStore() = default;
  // Every record, in any order. Error: the store could not be read (the caller starts without
  // them and says so).
  virtual Result<std::vector<std::pair<Bytes, Bytes>>> load_all() = 0;
  // Writes (or overwrites) one record durably.
  virtual Status put(ByteSpan key, ByteSpan value) = 0;
  // Removes one record; erasing a missing key is OK.
  virtual Status erase(ByteSpan key) = 0;
};

}  // namespace tc::net
