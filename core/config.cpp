#include "core/config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "core/types.h"

// toml++ comes header-only and without exceptions, in this file only. Debian's compiled
// libtomlplusplus.so exports only the exception ABI (toml::v3::ex::parse), so TOML_EXCEPTIONS=0
// cannot link against it; the header-only build puts the no-exception parser (toml::v3::noex) in
// this object, parse errors come back as values (parse_result) and nothing here can throw. The
// imported CMake target's -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 are overridden for this reason.
#undef TOML_HEADER_ONLY
#undef TOML_SHARED_LIB
#define TOML_HEADER_ONLY 1
#define TOML_SHARED_LIB 0
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

namespace tc {
namespace {

constexpr std::size_t kConfigFileBytesMax = 1 << 20;
constexpr std::int64_t kCoreIndexMax = 1023;  // CPU_SETSIZE - 1

std::string_view node_type_phrase(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "an unknown type";
}

// Reads keys of one table with the checks every key needs, and turns each failure into a kConfig
// Status that names "origin:line:column: key 'section.name'".
class ConfigReader {
 public:
  explicit ConfigReader(std::string_view origin) : origin_(origin) {}

  Status error_at(const toml::source_region& where, std::string_view what) const {
    std::string message(origin_);
    message += ':';
    message += std::to_string(where.begin.line);
    message += ':';
    message += std::to_string(where.begin.column);
    message += ": ";
    message += what;
    return config_error(std::move(message));
  }

  Status key_error(const toml::node& node, std::string_view dotted, std::string_view what) const {
    return error_at(node.source(), "key '" + std::string(dotted) + "': " + std::string(what));
  }

  // Every key of `table` must be one of `known`; the first other key is an error at that key.
  Status check_known(const toml::table& table, std::string_view prefix,
                     std::initializer_list<std::string_view> known) const {
    for (auto&& [key, node] : table) {
      bool found = false;
      for (std::string_view name : known) found = found || key.str() == name;
      if (!found) return error_at(key.source(), "unknown key '" + join(prefix, key.str()) + "'");
    }
    return Status::ok();
  }

  // The sub-table `name` of the root, or nullptr when absent. A non-table value is an error.
  Result<const toml::table*> section(const toml::table& root, std::string_view name) const {
    const toml::node* node = root.get(name);
    if (node == nullptr) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table()) {
      return key_error(*node, name,
                       "expected a table, got " + std::string(node_type_phrase(node->type())));
    }
    return node->as_table();
  }

  template <typename T>
  Status read_uint(const toml::table* table, std::string_view prefix, std::string_view key,
                   std::int64_t min, std::int64_t max, T* out) const {
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node == nullptr) return Status::ok();
    std::string dotted = join(prefix, key);
    const auto* integer = node->as_integer();
    if (integer == nullptr) {
      return key_error(*node, dotted,
                       "expected an integer, got " + std::string(node_type_phrase(node->type())));
    }
    std::int64_t v = integer->get();
    if (v < min || v > max) {
      return key_error(*node, dotted,
                       "expected an integer in " + std::to_string(min) + ".." +
                           std::to_string(max) + ", got " + std::to_string(v));
    }
    *out = static_cast<T>(v);
    return Status::ok();
  }

  Status read_port(const toml::table* table, std::string_view key, std::uint16_t* out) const {
    return read_uint(table, "net", key, 1, 65535, out);
  }

  Status read_string(const toml::table* table, std::string_view prefix, std::string_view key,
                     std::string* out) const {
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node == nullptr) return Status::ok();
    std::string dotted = join(prefix, key);
    const auto* text = node->as_string();
    if (text == nullptr) {
      return key_error(*node, dotted,
                       "expected a string, got " + std::string(node_type_phrase(node->type())));
    }
    if (text->get().empty()) return key_error(*node, dotted, "must not be empty");
    *out = text->get();
    return Status::ok();
  }

  Status read_bool(const toml::table* table, std::string_view prefix, std::string_view key,
                   bool* out) const {
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node == nullptr) return Status::ok();
    const auto* value = node->as_boolean();
    if (value == nullptr) {
      return key_error(
          *node, join(prefix, key),
          "expected true or false, got " + std::string(node_type_phrase(node->type())));
    }
    *out = value->get();
    return Status::ok();
  }

  // An array of non-empty strings (possibly empty itself).
  Status read_string_list(const toml::table* table, std::string_view prefix, std::string_view key,
                          std::vector<std::string>* out) const {
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node == nullptr) return Status::ok();
    std::string dotted = join(prefix, key);
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return key_error(
          *node, dotted,
          "expected an array of strings, got " + std::string(node_type_phrase(node->type())));
    }
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      const auto* text = element.as_string();
      if (text == nullptr) {
        return key_error(element, dotted,
                         "expected strings, got " + std::string(node_type_phrase(element.type())));
      }
      if (text->get().empty()) return key_error(element, dotted, "must not hold an empty string");
      values.push_back(text->get());
    }
    *out = std::move(values);
    return Status::ok();
  }

  // A string that must be an IPv4 or IPv6 literal.
  Status read_ip_address(const toml::table* table, std::string_view key, std::string* out) const {
    std::string value = *out;
    TC_RETURN_IF_ERROR(read_string(table, "net", key, &value));
    if (!is_ip_literal(value)) {
      return key_error(*table->get(key), join("net", key),
                       "'" + value + "' is not an IPv4 or IPv6 address");
    }
    *out = std::move(value);
    return Status::ok();
  }

  // A string mapped to an enum by `parse`, whose error message lists the allowed words.
  template <typename E>
  Status read_word(const toml::table* table, std::string_view prefix, std::string_view key,
                   Result<E> (*parse)(std::string_view), E* out) const {
    std::string word;
    TC_RETURN_IF_ERROR(read_string(table, prefix, key, &word));
    if (word.empty()) return Status::ok();
    Result<E> value = parse(word);
    if (!value.is_ok()) {
      return key_error(*table->get(key), join(prefix, key), value.status().message());
    }
    *out = *value;
    return Status::ok();
  }

  Status read_core_list(const toml::table* table, std::string_view key,
                        std::vector<int>* out) const {
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node == nullptr) return Status::ok();
    std::string dotted = join("cores", key);
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return key_error(
          *node, dotted,
          "expected an array of core numbers, got " + std::string(node_type_phrase(node->type())));
    }
    std::vector<int> cores;
    for (const toml::node& element : *array) {
      const auto* integer = element.as_integer();
      if (integer == nullptr) {
        return key_error(
            element, dotted,
            "expected core numbers, got " + std::string(node_type_phrase(element.type())));
      }
      std::int64_t core = integer->get();
      if (core < 0 || core > kCoreIndexMax) {
        return key_error(
            element, dotted,
            "core " + std::to_string(core) + " is outside 0.." + std::to_string(kCoreIndexMax));
      }
      for (int seen : cores) {
        if (seen == core) {
          return key_error(element, dotted, "core " + std::to_string(core) + " is listed twice");
        }
      }
      cores.push_back(static_cast<int>(core));
    }
    *out = std::move(cores);
    return Status::ok();
  }

  // An array of "host:port" strings.
  Status read_peer_list(const toml::table* table, std::string_view key,
                        std::vector<std::string>* out) const {
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node == nullptr) return Status::ok();
    std::string dotted = join("net", key);
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return key_error(*node, dotted,
                       "expected an array of \"host:port\" strings, got " +
                           std::string(node_type_phrase(node->type())));
    }
    std::vector<std::string> peers;
    for (const toml::node& element : *array) {
      const auto* text = element.as_string();
      if (text == nullptr) {
        return key_error(
            element, dotted,
            "expected \"host:port\" strings, got " + std::string(node_type_phrase(element.type())));
      }
      if (!is_host_port(text->get())) {
        return key_error(element, dotted,
                         "'" + text->get() + "' is not \"host:port\" with a port in 1..65535");
      }
      peers.push_back(text->get());
    }
    *out = std::move(peers);
    return Status::ok();
  }

  static std::string join(std::string_view prefix, std::string_view key) {
    if (prefix.empty()) return std::string(key);
    std::string dotted(prefix);
    dotted += '.';
    dotted += key;
    return dotted;
  }

 private:
  static bool is_ip_literal(const std::string& text) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buffer) == 1;
  }

  // "host:port" or "[ipv6]:port", with a non-empty host and a decimal port in 1..65535.
  static bool is_host_port(std::string_view text) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view host = text.substr(0, colon);
    std::string_view port = text.substr(colon + 1);
    if (host.front() == '[') {
      if (host.size() < 3 || host.back() != ']') return false;
      std::string inner(host.substr(1, host.size() - 2));
      unsigned char buffer[16];
      if (inet_pton(AF_INET6, inner.c_str(), buffer) != 1) return false;
    } else if (host.find(':') != std::string_view::npos) {
      return false;  // a bare IPv6 address needs brackets
    }
    if (port.empty() || port.size() > 5) return false;
    std::uint32_t value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return value >= 1 && value <= 65535;
  }

  std::string_view origin_;
};

Status read_node(const ConfigReader& reader, const toml::table* table, NodeConfig* config) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(*table, "node", {"profile", "data_dir"}));
  return reader.read_string(table, "node", "data_dir", &config->node.data_dir);
}

Status read_net(const ConfigReader& reader, const toml::table* table, NetSection* net) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(
      *table, "net",
      {"p2p_listen_address", "p2p_port", "rpc_listen_address", "rpc_port", "ingress_listen_address",
       "ingress_udp_port", "max_peers", "seed_peers"}));
  TC_RETURN_IF_ERROR(reader.read_ip_address(table, "p2p_listen_address", &net->p2p_listen_address));
  TC_RETURN_IF_ERROR(reader.read_port(table, "p2p_port", &net->p2p_port));
  TC_RETURN_IF_ERROR(reader.read_ip_address(table, "rpc_listen_address", &net->rpc_listen_address));
  TC_RETURN_IF_ERROR(reader.read_port(table, "rpc_port", &net->rpc_port));
  TC_RETURN_IF_ERROR(
      reader.read_ip_address(table, "ingress_listen_address", &net->ingress_listen_address));
  TC_RETURN_IF_ERROR(reader.read_port(table, "ingress_udp_port", &net->ingress_udp_port));
  TC_RETURN_IF_ERROR(reader.read_uint(table, "net", "max_peers", 1, 4096, &net->max_peers));
  TC_RETURN_IF_ERROR(reader.read_peer_list(table, "seed_peers", &net->seed_peers));
  if (net->p2p_port == net->rpc_port) {
    // The profile defaults differ, so at least one of the two keys is in the file.
    std::string_view key = table->get("rpc_port") != nullptr ? "rpc_port" : "p2p_port";
    return reader.key_error(*table->get(key), ConfigReader::join("net", key),
                            "port " + std::to_string(net->rpc_port) +
                                " is used by both net.p2p_port and net.rpc_port (both TCP)");
  }
  return Status::ok();
}

Status read_consensus(const ConfigReader& reader, const toml::table* table, ConsensusSection* c) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(
      *table, "consensus",
      {"block_interval_ms", "timeout_propose_ms", "timeout_propose_delta_ms", "timeout_prevote_ms",
       "timeout_prevote_delta_ms", "timeout_precommit_ms", "timeout_precommit_delta_ms"}));
  constexpr std::int64_t kHourMs = 3'600'000;
  constexpr std::int64_t kTimeoutMaxMs = 600'000;
  struct Key {
    std::string_view name;
    std::int64_t min;
    std::int64_t max;
    std::uint32_t* field;
  };
  const Key keys[] = {
      {"block_interval_ms", 1, kHourMs, &c->block_interval_ms},
      {"timeout_propose_ms", 1, kTimeoutMaxMs, &c->timeout_propose_ms},
      {"timeout_propose_delta_ms", 0, kTimeoutMaxMs, &c->timeout_propose_delta_ms},
      {"timeout_prevote_ms", 1, kTimeoutMaxMs, &c->timeout_prevote_ms},
      {"timeout_prevote_delta_ms", 0, kTimeoutMaxMs, &c->timeout_prevote_delta_ms},
      {"timeout_precommit_ms", 1, kTimeoutMaxMs, &c->timeout_precommit_ms},
      {"timeout_precommit_delta_ms", 0, kTimeoutMaxMs, &c->timeout_precommit_delta_ms},
  };
  for (const Key& key : keys) {
    TC_RETURN_IF_ERROR(reader.read_uint(table, "consensus", key.name, key.min, key.max, key.field));
  }
  return Status::ok();
}

Status read_mempool(const ConfigReader& reader, const toml::table* table, MempoolSection* m) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(*table, "mempool",
                                        {"max_transactions", "max_bytes", "min_fee_sat", "ttl_s"}));
  TC_RETURN_IF_ERROR(
      reader.read_uint(table, "mempool", "max_transactions", 1, 10'000'000, &m->max_transactions));
  TC_RETURN_IF_ERROR(reader.read_uint(table, "mempool", "max_bytes", 1 << 20, std::int64_t{1} << 40,
                                      &m->max_bytes));
  TC_RETURN_IF_ERROR(reader.read_uint(table, "mempool", "min_fee_sat", 0,
                                      static_cast<std::int64_t>(kSatoshisPerTime),
                                      &m->min_fee_sat));
  TC_RETURN_IF_ERROR(reader.read_uint(table, "mempool", "ttl_s", 1, 7 * 24 * 3600, &m->ttl_s));
  return Status::ok();
}

Status read_cores(const ConfigReader& reader, const toml::table* table, CoresSection* cores) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(
      *table, "cores", {"ingress", "verify", "mempool", "consensus", "execute", "commit"}));
  TC_RETURN_IF_ERROR(reader.read_core_list(table, "ingress", &cores->ingress));
  TC_RETURN_IF_ERROR(reader.read_core_list(table, "verify", &cores->verify));
  TC_RETURN_IF_ERROR(reader.read_core_list(table, "mempool", &cores->mempool));
  TC_RETURN_IF_ERROR(reader.read_core_list(table, "consensus", &cores->consensus));
  TC_RETURN_IF_ERROR(reader.read_core_list(table, "execute", &cores->execute));
  return reader.read_core_list(table, "commit", &cores->commit);
}

Result<VerifyBackend> parse_verify_backend(std::string_view name) {
  for (VerifyBackend backend : {VerifyBackend::kAuto, VerifyBackend::kCpu, VerifyBackend::kGpu}) {
    if (name == verify_backend_name(backend)) return backend;
  }
  return invalid_argument("unknown backend '" + std::string(name) +
                          "' (expected auto, cpu or gpu)");
}

Status read_verify(const ConfigReader& reader, const toml::table* table, VerifySection* v) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(
      *table, "verify", {"backend", "batch_size_max", "batch_deadline_us", "gpu_device"}));
  TC_RETURN_IF_ERROR(
      reader.read_word(table, "verify", "backend", &parse_verify_backend, &v->backend));
  TC_RETURN_IF_ERROR(
      reader.read_uint(table, "verify", "batch_size_max", 1, 1 << 20, &v->batch_size_max));
  TC_RETURN_IF_ERROR(
      reader.read_uint(table, "verify", "batch_deadline_us", 1, 1'000'000, &v->batch_deadline_us));
  return reader.read_uint(table, "verify", "gpu_device", 0, 63, &v->gpu_device);
}

Result<IngressBackend> parse_ingress_backend(std::string_view name) {
  for (IngressBackend backend :
       {IngressBackend::kAuto, IngressBackend::kDpdk, IngressBackend::kSocket}) {
    if (name == ingress_backend_name(backend)) return backend;
  }
  return invalid_argument("unknown backend '" + std::string(name) +
                          "' (expected auto, dpdk or socket)");
}

Result<SocketSpread> parse_socket_spread(std::string_view name) {
  for (SocketSpread spread : {SocketSpread::kHash, SocketSpread::kCpu}) {
    if (name == socket_spread_name(spread)) return spread;
  }
  return invalid_argument("unknown socket spread '" + std::string(name) +
                          "' (expected hash or cpu)");
}

bool is_unspecified_address(const std::string& address) {
  unsigned char buffer[16] = {};
  static constexpr unsigned char kZero[16] = {};
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) return std::memcmp(buffer, kZero, 4) == 0;
  return inet_pton(AF_INET6, address.c_str(), buffer) == 1 && std::memcmp(buffer, kZero, 16) == 0;
}

// [ingress], with the checks that involve several keys ([net] and [cores] are read before it).
Status read_ingress(const ConfigReader& reader, const toml::table* table, const NodeConfig& node,
                    IngressSection* in) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(
      *table, "ingress",
      {"backend", "eal_args", "dpdk_port", "dpdk_vdevs", "queues", "mbufs", "mbuf_cache",
       "rx_descriptors", "tx_descriptors", "burst_max", "ring_depth", "rate_limit_per_s",
       "rate_limit_burst", "rate_limit_sources", "recent_set_capacity", "udp_checksum",
       "socket_spread"}));
  TC_RETURN_IF_ERROR(
      reader.read_word(table, "ingress", "backend", &parse_ingress_backend, &in->backend));
  TC_RETURN_IF_ERROR(reader.read_string_list(table, "ingress", "eal_args", &in->eal_args));
  TC_RETURN_IF_ERROR(reader.read_string(table, "ingress", "dpdk_port", &in->dpdk_port));
  TC_RETURN_IF_ERROR(reader.read_string_list(table, "ingress", "dpdk_vdevs", &in->dpdk_vdevs));
  struct Key {
    std::string_view name;
    std::int64_t min;
    std::int64_t max;
    std::uint32_t* field;
  };
  const Key keys[] = {
      {"queues", 1, 64, &in->queues},
      {"mbufs", 1023, 16'777'215, &in->mbufs},
      {"mbuf_cache", 0, 512, &in->mbuf_cache},
      {"rx_descriptors", 64, 32768, &in->rx_descriptors},
      {"tx_descriptors", 64, 32768, &in->tx_descriptors},
      {"burst_max", 1, 256, &in->burst_max},
      {"ring_depth", 2, 1 << 24, &in->ring_depth},
      {"rate_limit_per_s", 0, 100'000'000, &in->rate_limit_per_s},
      {"rate_limit_burst", 0, 100'000'000, &in->rate_limit_burst},
      {"rate_limit_sources", 4, 1 << 28, &in->rate_limit_sources},
      {"recent_set_capacity", 8, std::int64_t{1} << 31, &in->recent_set_capacity},
  };
  for (const Key& key : keys) {
    TC_RETURN_IF_ERROR(reader.read_uint(table, "ingress", key.name, key.min, key.max, key.field));
  }
  TC_RETURN_IF_ERROR(reader.read_bool(table, "ingress", "udp_checksum", &in->udp_checksum));
  TC_RETURN_IF_ERROR(reader.read_word(table, "ingress", "socket_spread", &parse_socket_spread,
                                      &in->socket_spread));

  // An error about keys that may come from the profile points at the first of them in the file.
  const auto error = [&](std::initializer_list<std::string_view> names, const std::string& what) {
    for (std::string_view name : names) {
      if (const toml::node* present = table->get(name)) {
        return reader.key_error(*present, ConfigReader::join("ingress", name), what);
      }
    }
    return reader.key_error(*table, ConfigReader::join("ingress", *names.begin()), what);
  };
  if ((in->ring_depth & (in->ring_depth - 1)) != 0) {
    return error({"ring_depth"}, std::to_string(in->ring_depth) + " is not a power of two");
  }
  if (in->rate_limit_per_s > 0 && in->rate_limit_burst == 0) {
    return error({"rate_limit_burst", "rate_limit_per_s"},
                 "a rate limit of " + std::to_string(in->rate_limit_per_s) +
                     " per second needs rate_limit_burst >= 1");
  }
  const std::uint64_t mbufs_needed =
      std::uint64_t{in->queues} *
      (std::uint64_t{in->rx_descriptors} + in->mbuf_cache + in->burst_max);
  if (in->mbufs < mbufs_needed) {
    return error({"mbufs", "rx_descriptors", "queues"},
                 "mbufs " + std::to_string(in->mbufs) + " is below the " +
                     std::to_string(mbufs_needed) + " that " + std::to_string(in->queues) +
                     " queues hold (rx_descriptors + mbuf_cache + burst_max each)");
  }
  if (in->backend == IngressBackend::kDpdk &&
      is_unspecified_address(node.net.ingress_listen_address)) {
    return error({"backend"},
                 "backend \"dpdk\" answers ARP for net.ingress_listen_address, which "
                 "must then be the node's own address, not " +
                     node.net.ingress_listen_address);
  }
  return Status::ok();
}

// One polling core per ingress queue when cores.ingress lists any. Reported at ingress.queues when
// the file sets it, else at cores.ingress (one of the two is in the file when they disagree).
Status check_ingress_cores(const ConfigReader& reader, const toml::table* ingress,
                           const toml::table* cores, const NodeConfig& config) {
  const std::vector<int>& listed = config.cores.ingress;
  const std::uint32_t queues = config.ingress.queues;
  if (listed.empty() || listed.size() == queues) return Status::ok();
  const std::string what = std::to_string(queues) + " ingress queues need as many cores in " +
                           "cores.ingress, which lists " + std::to_string(listed.size());
  if (ingress != nullptr && ingress->get("queues") != nullptr) {
    return reader.key_error(*ingress->get("queues"), "ingress.queues", what);
  }
  return reader.key_error(*cores->get("ingress"), "cores.ingress", what);
}

Status read_log(const ConfigReader& reader, const toml::table* table, LogSection* log) {
  if (table == nullptr) return Status::ok();
  TC_RETURN_IF_ERROR(reader.check_known(*table, "log", {"level", "format"}));
  TC_RETURN_IF_ERROR(reader.read_word(table, "log", "level", &parse_log_level, &log->level));
  return reader.read_word(table, "log", "format", &parse_log_format, &log->format);
}

}  // namespace

std::string_view network_profile_name(NetworkProfile profile) {
  switch (profile) {
    case NetworkProfile::kMainnet:
      return "mainnet";
    case NetworkProfile::kTestnet:
      return "testnet";
    case NetworkProfile::kDevnet:
      return "devnet";
  }
  return "?";
}

Result<NetworkProfile> parse_network_profile(std::string_view name) {
  for (NetworkProfile profile :
       {NetworkProfile::kMainnet, NetworkProfile::kTestnet, NetworkProfile::kDevnet}) {
    if (name == network_profile_name(profile)) return profile;
  }
  return invalid_argument("unknown profile '" + std::string(name) +
                          "' (expected mainnet, testnet or devnet)");
}

std::uint32_t chain_id_for(NetworkProfile profile) {
  switch (profile) {
    case NetworkProfile::kMainnet:
      return kChainIdMainnet;
    case NetworkProfile::kTestnet:
      return kChainIdTestnet;
    case NetworkProfile::kDevnet:
      return kChainIdDevnet;
  }
  return 0;
}

std::string_view socket_spread_name(SocketSpread spread) {
  switch (spread) {
    case SocketSpread::kHash:
      return "hash";
    case SocketSpread::kCpu:
      return "cpu";
  }
  return "?";
}

std::string_view ingress_backend_name(IngressBackend backend) {
  switch (backend) {
    case IngressBackend::kAuto:
      return "auto";
    case IngressBackend::kDpdk:
      return "dpdk";
    case IngressBackend::kSocket:
      return "socket";
  }
  return "?";
}

std::string_view verify_backend_name(VerifyBackend backend) {
  switch (backend) {
    case VerifyBackend::kAuto:
      return "auto";
    case VerifyBackend::kCpu:
      return "cpu";
    case VerifyBackend::kGpu:
      return "gpu";
  }
  return "?";
}

NodeConfig default_config(NetworkProfile profile) {
  const bool mainnet = profile == NetworkProfile::kMainnet;
  const bool devnet = profile == NetworkProfile::kDevnet;
  NodeConfig config;
  config.node.profile = profile;
  config.node.chain_id = chain_id_for(profile);
  config.node.data_dir = "/var/lib/timecoind/" + std::string(network_profile_name(profile));

  config.net.p2p_listen_address = "0.0.0.0";
  config.net.p2p_port = mainnet ? 24000 : 24100;
  config.net.rpc_listen_address = "127.0.0.1";
  config.net.rpc_port = mainnet ? 24001 : 24101;
  config.net.ingress_listen_address = "0.0.0.0";
  config.net.ingress_udp_port = mainnet ? 24002 : 24102;
  config.net.max_peers = devnet ? 16 : 64;

  // Mainnet and testnet: 30 s blocks with CometBFT's default step timeouts. Devnet: 1 s blocks on
  // one machine or a LAN, where a round that has not progressed in a few hundred ms is stuck.
  ConsensusSection& c = config.consensus;
  c.block_interval_ms = devnet ? 1000 : 30'000;
  c.timeout_propose_ms = devnet ? 300 : 3000;
  c.timeout_propose_delta_ms = devnet ? 100 : 500;
  c.timeout_prevote_ms = devnet ? 100 : 1000;
  c.timeout_prevote_delta_ms = devnet ? 50 : 500;
  c.timeout_precommit_ms = devnet ? 100 : 1000;
  c.timeout_precommit_delta_ms = devnet ? 50 : 500;

  config.mempool.max_transactions = 10'000;
  config.mempool.max_bytes = 300ull << 20;
  config.mempool.min_fee_sat = 1000;
  config.mempool.ttl_s = devnet ? 600 : 3600;

  config.verify.backend = VerifyBackend::kAuto;
  config.verify.batch_size_max = devnet ? 256 : 4096;
  config.verify.batch_deadline_us = devnet ? 200 : 1000;
  config.verify.gpu_device = 0;

  // Ingress: one queue and socket receive on devnet; DPDK when available elsewhere. Sizes suit one
  // 10 GbE queue: 4096 verify slots (5 MiB) and a recent set of 2^20 keys (16 MiB).
  IngressSection& in = config.ingress;
  in.backend = devnet ? IngressBackend::kSocket : IngressBackend::kAuto;
  in.queues = 1;
  in.mbufs = 8191;
  in.mbuf_cache = 256;
  in.rx_descriptors = 1024;
  in.tx_descriptors = 256;
  in.burst_max = 32;
  in.ring_depth = devnet ? 1024 : 4096;
  in.rate_limit_per_s = 0;
  in.rate_limit_burst = 0;
  in.rate_limit_sources = 1 << 16;
  in.recent_set_capacity = devnet ? (1u << 16) : (1u << 20);
  in.udp_checksum = false;

  config.log.level = devnet ? LogLevel::kDebug : LogLevel::kInfo;
  config.log.format = LogFormat::kText;
  return config;
}

Result<NodeConfig> parse_config(std::string_view text, std::string_view origin_name) {
  ConfigReader reader(origin_name);
  toml::parse_result parsed = toml::parse(text, origin_name);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    return reader.error_at(error.source(), error.description());
  }
  const toml::table& root = parsed.table();
  TC_RETURN_IF_ERROR(reader.check_known(
      root, "", {"node", "net", "consensus", "mempool", "cores", "verify", "ingress", "log"}));

  TC_ASSIGN_OR_RETURN(const toml::table* node, reader.section(root, "node"));
  NetworkProfile profile = NetworkProfile::kMainnet;
  TC_RETURN_IF_ERROR(reader.read_word(node, "node", "profile", &parse_network_profile, &profile));
  NodeConfig config = default_config(profile);
  TC_RETURN_IF_ERROR(read_node(reader, node, &config));

  TC_ASSIGN_OR_RETURN(const toml::table* net, reader.section(root, "net"));
  TC_RETURN_IF_ERROR(read_net(reader, net, &config.net));
  TC_ASSIGN_OR_RETURN(const toml::table* consensus, reader.section(root, "consensus"));
  TC_RETURN_IF_ERROR(read_consensus(reader, consensus, &config.consensus));
  TC_ASSIGN_OR_RETURN(const toml::table* mempool, reader.section(root, "mempool"));
  TC_RETURN_IF_ERROR(read_mempool(reader, mempool, &config.mempool));
  TC_ASSIGN_OR_RETURN(const toml::table* cores, reader.section(root, "cores"));
  TC_RETURN_IF_ERROR(read_cores(reader, cores, &config.cores));
  TC_ASSIGN_OR_RETURN(const toml::table* verify, reader.section(root, "verify"));
  TC_RETURN_IF_ERROR(read_verify(reader, verify, &config.verify));
  TC_ASSIGN_OR_RETURN(const toml::table* ingress, reader.section(root, "ingress"));
  TC_RETURN_IF_ERROR(read_ingress(reader, ingress, config, &config.ingress));
  TC_RETURN_IF_ERROR(check_ingress_cores(reader, ingress, cores, config));
  TC_ASSIGN_OR_RETURN(const toml::table* log, reader.section(root, "log"));
  TC_RETURN_IF_ERROR(read_log(reader, log, &config.log));
  return config;
}

Result<NodeConfig> load_config_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return config_error(path + ": cannot open: " + std::strerror(errno));
  }
  std::string text;
  char chunk[8192];
  std::size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), file)) > 0) {
    text.append(chunk, got);
    if (text.size() > kConfigFileBytesMax) {
      std::fclose(file);
      return config_error(path + ": larger than " + std::to_string(kConfigFileBytesMax) +
                          " bytes; not a configuration file");
    }
  }
  int read_errno = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_errno != 0) {
    return config_error(path + ": cannot read: " + std::strerror(read_errno));
  }
  return parse_config(text, path);
}

}  // namespace tc
