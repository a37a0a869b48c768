#include "node/net_peer_store.h"

namespace tc::node {

Result<std::vector<std::pair<Bytes, Bytes>>> ChainStorePeerStore::load_all() {
  return store_->peers();
}

Status ChainStorePeerStore::put(ByteSpan key, ByteSpan value) {
  return store_->put_peer(key, value);
}

Status ChainStorePeerStore::erase(ByteSpan key) {
  return store_->erase_peer(key);
}

}  // namespace tc::node
