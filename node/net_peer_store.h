// ChainStorePeerStore: net/'s PeerStore (where bans are kept across restarts) over the ChainStore's
// `peers` column family. net/ cannot include storage/, so node/ hands the peer manager this
// adapter. Records are written unsynced (ChainStore::put_peer): a process restart keeps them, and
// the next block commit's synced write makes them durable against a machine crash too; losing a
// ban to a power cut costs at most a ban. Thread-safe as ChainStore's peer methods are.
#pragma once

#include <utility>
#include <vector>

#include "net/peer_store.h"
#include "storage/chain_store.h"

namespace tc::node {

class ChainStorePeerStore : public net::PeerStore {
 public:
  // `store` must outlive this adapter.
  explicit ChainStorePeerStore(storage::ChainStore* store) : store_(store) {}

  Result<std::vector<std::pair<Bytes, Bytes>>> load_all() override;
  Status put(ByteSpan key, ByteSpan value) override;
  Status erase(ByteSpan key) override;

 private:
  storage::ChainStore* store_;
};

}  // namespace tc::node
