#include "core/config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "core/toml_subset.h"

namespace tc {
namespace {

constexpr std::size_t kConfigFileBytesMax = 1 << 20;
constexpr std::int64_t kCoreIndexMax = 1023;  // CPU_SETSIZE - 1

Result<VerifyBackend> parse_verify_backend(std::string_view name) {
  for (VerifyBackend backend : {VerifyBackend::kAuto, VerifyBackend::kCpu, VerifyBackend::kGpu}) {
    if (name == verify_backend_name(backend)) return backend;
  }
  return invalid_argument("unknown backend '" + std::string(name) +
                          "' (expected auto, cpu or gpu)");
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

bool is_ip_literal(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool is_unspecified_address(const std::string& address) {
  unsigned char buffer[16] = {};
  static constexpr unsigned char kZero[16] = {};
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) return std::memcmp(buffer, kZero, 4) == 0;
  return inet_pton(AF_INET6, address.c_str(), buffer) == 1 && std::memcmp(buffer, kZero, 16) == 0;
}

// "host:port" or "[ipv6]:port", with a non-empty host and a decimal port in 1..65535.
bool is_host_port(std::string_view text) {
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

// Every key of a NodeConfig, once, in the order of docs/configuration.md: visitor.section(name)
// opens a section, then one call per key names the field and its rules. Reading a file, rejecting
// unknown keys and rendering the effective configuration all walk this list, so no key can be read
// without being rendered, or the reverse. `Config` is NodeConfig or const NodeConfig.
template <typename Config, typename Visitor>
void for_each_key(Config& c, Visitor& v) {
  v.section("node");
  v.word("profile", &c.node.profile, &parse_network, &network_name);
  v.text("data_dir", &c.node.data_dir);

  v.section("net");
  v.ip_address("p2p_listen_address", &c.net.p2p_listen_address);
  v.integer("p2p_port", &c.net.p2p_port, 1, 65535);
  v.ip_address("rpc_listen_address", &c.net.rpc_listen_address);
  v.integer("rpc_port", &c.net.rpc_port, 1, 65535);
  v.ip_address("ingress_listen_address", &c.net.ingress_listen_address);
  v.integer("ingress_udp_port", &c.net.ingress_udp_port, 1, 65535);
  v.integer("max_peers", &c.net.max_peers, 1, 4096);
  v.peer_list("seed_peers", &c.net.seed_peers);

  constexpr std::int64_t kHourMs = 3'600'000;
  constexpr std::int64_t kTimeoutMaxMs = 600'000;
  v.section("consensus");
  v.integer("block_interval_ms", &c.consensus.block_interval_ms, 1, kHourMs);
  v.integer("timeout_propose_ms", &c.consensus.timeout_propose_ms, 1, kTimeoutMaxMs);
  v.integer("timeout_propose_delta_ms", &c.consensus.timeout_propose_delta_ms, 0, kTimeoutMaxMs);
  v.integer("timeout_prevote_ms", &c.consensus.timeout_prevote_ms, 1, kTimeoutMaxMs);
  v.integer("timeout_prevote_delta_ms", &c.consensus.timeout_prevote_delta_ms, 0, kTimeoutMaxMs);
  v.integer("timeout_precommit_ms", &c.consensus.timeout_precommit_ms, 1, kTimeoutMaxMs);
  v.integer("timeout_precommit_delta_ms", &c.consensus.timeout_precommit_delta_ms, 0,
            kTimeoutMaxMs);

  v.section("mempool");
  v.integer("tx_count_max", &c.mempool.tx_count_max, 1, 10'000'000);
  v.integer("bytes_max", &c.mempool.bytes_max, std::int64_t{1} << 20, std::int64_t{1} << 40);
  v.integer("ttl_ms", &c.mempool.ttl_ms, 1000, 7 * 24 * kHourMs);

  v.section("cores");
  v.core_list("ingress", &c.cores.ingress);
  v.core_list("verify", &c.cores.verify);
  v.core_list("mempool", &c.cores.mempool);
  v.core_list("consensus", &c.cores.consensus);
  v.core_list("commit", &c.cores.commit);
  v.core_list("net", &c.cores.net);
  v.core_list("rpc", &c.cores.rpc);

  v.section("verify");
  v.word("backend", &c.verify.backend, &parse_verify_backend, &verify_backend_name);
  v.integer("batch_size_max", &c.verify.batch_size_max, 1, 1 << 20);
  v.integer("batch_deadline_us", &c.verify.batch_deadline_us, 1, 1'000'000);
  v.integer("gpu_device", &c.verify.gpu_device, 0, 63);

  auto& in = c.ingress;
  v.section("ingress");
  v.word("backend", &in.backend, &parse_ingress_backend, &ingress_backend_name);
  v.text_list("eal_args", &in.eal_args);
  v.optional_text("dpdk_port", &in.dpdk_port, "the first DPDK port");
  v.text_list("dpdk_vdevs", &in.dpdk_vdevs);
  v.integer("queues", &in.queues, 1, 64);
  v.integer("mbufs", &in.mbufs, 1023, 16'777'215);
  v.integer("mbuf_cache", &in.mbuf_cache, 0, 512);
  v.integer("rx_descriptors", &in.rx_descriptors, 64, 32768);
  v.integer("tx_descriptors", &in.tx_descriptors, 64, 32768);
  v.integer("burst_max", &in.burst_max, 1, 256);
  v.integer("ring_depth", &in.ring_depth, 2, 1 << 24);
  v.integer("rate_limit_per_s", &in.rate_limit_per_s, 0, 100'000'000);
  v.integer("rate_limit_burst", &in.rate_limit_burst, 0, 100'000'000);
  v.integer("rate_limit_sources", &in.rate_limit_sources, 4, 1 << 28);
  v.integer("recent_set_capacity", &in.recent_set_capacity, 8, std::int64_t{1} << 31);
  v.boolean("udp_checksum", &in.udp_checksum);
  v.word("socket_spread", &in.socket_spread, &parse_socket_spread, &socket_spread_name);

  v.section("log");
  v.word("level", &c.log.level, &parse_log_level, &log_level_name);
  v.word("format", &c.log.format, &parse_log_format, &log_format_name);
}

bool before(TextPosition a, TextPosition b) {
  return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// Reads the keys of a parsed document into a NodeConfig (the for_each_key visitor), checking each
// key on its own, and keeps the error that comes first in the file. Records the line of every key
// it reads, and which keys exist, so that check_unknown_keys can name any other.
class Reader {
 public:
  Reader(const TomlDocument& document, std::string_view origin)
      : document_(document), origin_(origin) {}

  void section(std::string_view name) {
    section_ = name;
    table_ = document_.section(name);
    known_sections_.push_back(name);
  }

  template <typename T>
  void integer(std::string_view key, T* field, std::int64_t min, std::int64_t max) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr || !has_type(entry->value, TomlType::kInteger, "an integer")) {
      return;
    }
    const std::int64_t value = entry->value.integer;
    if (value < min || value > max) {
      return key_error(entry->value.position, "expected an integer in " + std::to_string(min) +
                                                  ".." + std::to_string(max) + ", got " +
                                                  std::to_string(value));
    }
    *field = static_cast<T>(value);
    record(*entry);
  }

  // A non-empty string.
  void text(std::string_view key, std::string* field) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr || !is_text(*entry)) return;
    *field = entry->value.string;
    record(*entry);
  }

  // As text(); when the key is absent the field keeps its default, empty meaning not set (what that
  // means is the renderer's `absent`).
  void optional_text(std::string_view key, std::string* field, std::string_view /*absent*/) {
    text(key, field);
  }

  void ip_address(std::string_view key, std::string* field) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr || !is_text(*entry)) return;
    if (!is_ip_literal(entry->value.string)) {
      return key_error(entry->value.position,
                       "'" + entry->value.string + "' is not an IPv4 or IPv6 address");
    }
    *field = entry->value.string;
    record(*entry);
  }

  void boolean(std::string_view key, bool* field) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr || !has_type(entry->value, TomlType::kBoolean, "true or false")) {
      return;
    }
    *field = entry->value.boolean;
    record(*entry);
  }

  // A string mapped to an enum by `parse`, whose error message lists the allowed words.
  template <typename E, typename Name>
  void word(std::string_view key, E* field, Result<E> (*parse)(std::string_view), Name) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr || !is_text(*entry)) return;
    Result<E> value = parse(entry->value.string);
    if (!value.is_ok())
      return key_error(entry->value.position, std::string(value.status().message()));
    *field = *value;
    record(*entry);
  }

  // An array of non-empty strings (possibly empty itself).
  void text_list(std::string_view key, std::vector<std::string>* field) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr || !has_type(entry->value, TomlType::kArray, "an array of strings")) {
      return;
    }
    std::vector<std::string> values;
    for (const TomlValue& element : entry->value.elements) {
      if (!has_type(element, TomlType::kString, "strings") || !has_no_nul(element)) return;
      if (element.string.empty())
        return key_error(element.position, "must not hold an empty string");
      values.push_back(element.string);
    }
    *field = std::move(values);
    record(*entry);
  }

  // An array of "host:port" strings.
  void peer_list(std::string_view key, std::vector<std::string>* field) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr ||
        !has_type(entry->value, TomlType::kArray, "an array of \"host:port\" strings")) {
      return;
    }
    std::vector<std::string> peers;
    for (const TomlValue& element : entry->value.elements) {
      if (!has_type(element, TomlType::kString, "\"host:port\" strings") || !has_no_nul(element)) {
        return;
      }
      if (!is_host_port(element.string)) {
        return key_error(element.position,
                         "'" + element.string + "' is not \"host:port\" with a port in 1..65535");
      }
      peers.push_back(element.string);
    }
    *field = std::move(peers);
    record(*entry);
  }

  // An array of distinct core numbers in 0..kCoreIndexMax.
  void core_list(std::string_view key, std::vector<int>* field) {
    const TomlEntry* entry = find(key);
    if (entry == nullptr || !has_type(entry->value, TomlType::kArray, "an array of core numbers")) {
      return;
    }
    std::vector<int> cores;
    for (const TomlValue& element : entry->value.elements) {
      if (!has_type(element, TomlType::kInteger, "core numbers")) return;
      const std::int64_t core = element.integer;
      if (core < 0 || core > kCoreIndexMax) {
        return key_error(element.position, "core " + std::to_string(core) + " is outside 0.." +
                                               std::to_string(kCoreIndexMax));
      }
      for (int seen : cores) {
        if (seen == core) {
          return key_error(element.position, "core " + std::to_string(core) + " is listed twice");
        }
      }
      cores.push_back(static_cast<int>(core));
    }
    *field = std::move(cores);
    record(*entry);
  }

  // After for_each_key: an error for every key and section of the document that it did not name
  // (kept if it comes first), and for a root key that names a section.
  void check_unknown_keys() {
    for (const TomlEntry& entry : document_.root.entries) {
      if (is_known_section(entry.key)) {
        keep(entry.value.position, "key '" + entry.key + "': expected a table, got " +
                                       std::string(toml_type_phrase(entry.value.type)));
      } else {
        keep(entry.key_position, "unknown key '" + entry.key + "'");
      }
    }
    for (const TomlTable& table : document_.sections) {
      if (!is_known_section(table.name)) {
        keep(table.position, "unknown key '" + table.name + "'");
        continue;
      }
      for (const TomlEntry& entry : table.entries) {
        const std::string dotted = table.name + "." + entry.key;
        bool known = false;
        for (const std::string& name : known_keys_) known = known || name == dotted;
        if (!known) keep(entry.key_position, "unknown key '" + dotted + "'");
      }
    }
  }

  // An error about keys that are checked together (`dotted_keys`, each "section.key"), at the
  // value of the first of them that the file sets; without a position when it sets none.
  Status error_at_first_of(std::initializer_list<std::string_view> dotted_keys,
                           const std::string& what) const {
    for (std::string_view dotted : dotted_keys) {
      const std::size_t dot = dotted.find('.');
      const TomlTable* table = document_.section(dotted.substr(0, dot));
      const TomlEntry* entry = table ? table->find(dotted.substr(dot + 1)) : nullptr;
      if (entry != nullptr) {
        return positioned(entry->value.position, "key '" + std::string(dotted) + "': " + what);
      }
    }
    return config_error(std::string(origin_) + ": key '" + std::string(*dotted_keys.begin()) +
                        "': " + what);
  }

  const Status& first_error() const { return first_error_; }

  ConfigSources take_sources() {
    sources_.origin_name = origin_;
    return std::move(sources_);
  }

 private:
  // The entry for `key` in the current section, or nullptr; either way `key` is now known.
  const TomlEntry* find(std::string_view key) {
    std::string dotted(section_);
    dotted += '.';
    dotted += key;
    known_keys_.push_back(std::move(dotted));
    return table_ == nullptr ? nullptr : table_->find(key);
  }

  void record(const TomlEntry& entry) {
    sources_.file_keys.push_back(
        ConfigSources::FileKey{known_keys_.back(), entry.key_position.line});
  }

  bool has_type(const TomlValue& value, TomlType type, std::string_view expected) {
    if (value.type == type) return true;
    key_error(value.position, "expected " + std::string(expected) + ", got " +
                                  std::string(toml_type_phrase(value.type)));
    return false;
  }

  // A string without NUL: paths, addresses and EAL arguments are handed to C functions, which
  // would read only up to it (a \u0000 escape is valid TOML).
  bool has_no_nul(const TomlValue& value) {
    if (value.string.find('\0') == std::string::npos) return true;
    key_error(value.position, "must not hold a NUL character");
    return false;
  }

  bool is_text(const TomlEntry& entry) {
    if (!has_type(entry.value, TomlType::kString, "a string") || !has_no_nul(entry.value)) {
      return false;
    }
    if (!entry.value.string.empty()) return true;
    key_error(entry.value.position, "must not be empty");
    return false;
  }

  bool is_known_section(std::string_view name) const {
    for (std::string_view known : known_sections_) {
      if (known == name) return true;
    }
    return false;
  }

  // An error about the key find() returned last.
  void key_error(TextPosition at, const std::string& what) {
    keep(at, "key '" + known_keys_.back() + "': " + what);
  }

  void keep(TextPosition at, const std::string& what) {
    if (!first_error_.is_ok() && !before(at, first_error_at_)) return;
    first_error_ = positioned(at, what);
    first_error_at_ = at;
  }

  Status positioned(TextPosition at, const std::string& what) const {
    return config_error(std::string(origin_) + ":" + std::to_string(at.line) + ":" +
                        std::to_string(at.column) + ": " + what);
  }

  const TomlDocument& document_;
  std::string_view origin_;
  std::string_view section_;
  const TomlTable* table_ = nullptr;
  std::vector<std::string_view> known_sections_;
  std::vector<std::string> known_keys_;
  ConfigSources sources_;
  Status first_error_;
  TextPosition first_error_at_;
};

// The checks that involve several keys, made once every key is valid on its own; each error is at
// the first of the keys involved that the file sets.
Status check_between_keys(const Reader& reader, const NodeConfig& config) {
  const NetSection& net = config.net;
  if (net.p2p_port == net.rpc_port) {
    return reader.error_at_first_of({"net.rpc_port", "net.p2p_port"},
                                    "port " + std::to_string(net.rpc_port) +
                                        " is used by both net.p2p_port and net.rpc_port (both "
                                        "TCP)");
  }
  const IngressSection& in = config.ingress;
  if ((in.ring_depth & (in.ring_depth - 1)) != 0) {
    return reader.error_at_first_of({"ingress.ring_depth"},
                                    std::to_string(in.ring_depth) + " is not a power of two");
  }
  if (in.rate_limit_per_s > 0 && in.rate_limit_burst == 0) {
    return reader.error_at_first_of({"ingress.rate_limit_burst", "ingress.rate_limit_per_s"},
                                    "a rate limit of " + std::to_string(in.rate_limit_per_s) +
                                        " per second needs rate_limit_burst >= 1");
  }
  const std::uint64_t mbufs_needed =
      std::uint64_t{in.queues} * (std::uint64_t{in.rx_descriptors} + in.mbuf_cache + in.burst_max);
  if (in.mbufs < mbufs_needed) {
    return reader.error_at_first_of(
        {"ingress.mbufs", "ingress.rx_descriptors", "ingress.queues", "ingress.mbuf_cache",
         "ingress.burst_max"},
        "mbufs " + std::to_string(in.mbufs) + " is below the " + std::to_string(mbufs_needed) +
            " that " + std::to_string(in.queues) +
            " queues hold (rx_descriptors + mbuf_cache + burst_max each)");
  }
  if (in.backend == IngressBackend::kDpdk && is_unspecified_address(net.ingress_listen_address)) {
    return reader.error_at_first_of({"ingress.backend", "net.ingress_listen_address"},
                                    "backend \"dpdk\" answers ARP for net.ingress_listen_address, "
                                    "which must then be the node's own address, not " +
                                        net.ingress_listen_address);
  }
  // One polling core per ingress queue when cores.ingress lists any.
  const std::vector<int>& listed = config.cores.ingress;
  if (!listed.empty() && listed.size() != in.queues) {
    return reader.error_at_first_of({"ingress.queues", "cores.ingress"},
                                    std::to_string(in.queues) +
                                        " ingress queues need as many cores in cores.ingress, "
                                        "which lists " +
                                        std::to_string(listed.size()));
  }
  return Status::ok();
}

// A basic TOML string that parse_toml_subset reads back to `text`.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\u%04X", static_cast<unsigned>(byte));
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// Writes every key as `key = value  # source` under its [section] (the for_each_key visitor).
class Renderer {
 public:
  explicit Renderer(const NodeConfig& config)
      : sources_(config.sources),
        profile_note_("  # " + std::string(network_name(config.node.profile)) +
                      " profile default") {}

  void section(std::string_view name) {
    if (!out_.empty()) out_ += '\n';
    out_ += '[';
    out_ += name;
    out_ += "]\n";
    section_ = name;
  }

  template <typename T>
  void integer(std::string_view key, const T* field, std::int64_t, std::int64_t) {
    line(key, std::to_string(*field));
  }
  void text(std::string_view key, const std::string* field) { line(key, quoted(*field)); }
  void ip_address(std::string_view key, const std::string* field) { line(key, quoted(*field)); }
  void boolean(std::string_view key, const bool* field) { line(key, *field ? "true" : "false"); }
  template <typename E, typename Parse>
  void word(std::string_view key, const E* field, Parse, std::string_view (*name)(E)) {
    line(key, quoted(name(*field)));
  }

  // Unset, the key is shown as a comment: an empty string is not a value the reader accepts.
  void optional_text(std::string_view key, const std::string* field, std::string_view absent) {
    if (!field->empty()) return line(key, quoted(*field));
    out_ += "# ";
    out_ += key;
    out_ += " not set: ";
    out_ += absent;
    out_ += note(key);
    out_ += '\n';
  }

  void text_list(std::string_view key, const std::vector<std::string>* field) {
    std::string value = "[";
    for (const std::string& text : *field) {
      if (value.size() > 1) value += ", ";
      value += quoted(text);
    }
    line(key, value + "]");
  }
  void peer_list(std::string_view key, const std::vector<std::string>* field) {
    text_list(key, field);
  }
  void core_list(std::string_view key, const std::vector<int>* field) {
    std::string value = "[";
    for (int core : *field) {
      if (value.size() > 1) value += ", ";
      value += std::to_string(core);
    }
    line(key, value + "]");
  }

  std::string take() { return std::move(out_); }

 private:
  void line(std::string_view key, const std::string& value) {
    out_ += key;
    out_ += " = ";
    out_ += value;
    out_ += note(key);
    out_ += '\n';
  }

  std::string note(std::string_view key) const {
    const std::uint32_t line = sources_.line_of(std::string(section_) + "." + std::string(key));
    if (line == 0) return profile_note_;
    return "  # " + sources_.origin_name + ":" + std::to_string(line);
  }

  const ConfigSources& sources_;
  const std::string profile_note_;
  std::string_view section_;
  std::string out_;
};

}  // namespace

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

NodeConfig default_config(Network profile) {
  const bool mainnet = profile == Network::kMainnet;
  const bool devnet = profile == Network::kDevnet;
  NodeConfig config;
  config.node.profile = profile;
  config.node.chain_id = network_chain_id(profile);
  config.node.data_dir = "/var/lib/timecoind/" + std::string(network_name(profile));

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

  config.mempool.tx_count_max = 10'000;
  config.mempool.bytes_max = 300ull << 20;
  config.mempool.ttl_ms = devnet ? 600'000 : 3'600'000;

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

std::uint32_t ConfigSources::line_of(std::string_view dotted_key) const {
  for (const FileKey& file_key : file_keys) {
    if (file_key.key == dotted_key) return file_key.line;
  }
  return 0;
}

Result<NodeConfig> parse_config(std::string_view text, std::string_view origin_name) {
  TC_ASSIGN_OR_RETURN(const TomlDocument document, parse_toml_subset(text, origin_name));
  // The profile chooses every default, so it is read before the rest. A bad profile is reported
  // by the reader, in file order with every other error.
  Network profile = Network::kMainnet;
  if (const TomlTable* node = document.section("node")) {
    const TomlEntry* entry = node->find("profile");
    if (entry != nullptr && entry->value.type == TomlType::kString) {
      Result<Network> named = parse_network(entry->value.string);
      if (named.is_ok()) profile = *named;
    }
  }
  NodeConfig config = default_config(profile);
  Reader reader(document, origin_name);
  for_each_key(config, reader);
  reader.check_unknown_keys();
  TC_RETURN_IF_ERROR(reader.first_error());
  TC_RETURN_IF_ERROR(check_between_keys(reader, config));
  config.sources = reader.take_sources();
  return config;
}

std::string render_effective_config(const NodeConfig& config) {
  Renderer renderer(config);
  for_each_key(config, renderer);
  return renderer.take();
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
