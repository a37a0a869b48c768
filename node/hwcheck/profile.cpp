#include "node/hwcheck/profile.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>

namespace tc::hwcheck {
namespace {

using nlohmann::json;

constexpr int kCpuMax = 1023;

bool parse_int(std::string_view text, int* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [pointer, error] = std::from_chars(text.data(), end, *value);
  return error == std::errc() && pointer == end;
}

std::string describe(const json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// Reads one JSON object's fields under a dotted path, failing on the first field that breaks its
// rule. Every message is "<origin>: <path>: <what was expected>, got <value>".
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path, std::string_view origin)
      : object_(object), path_(std::move(path)), origin_(origin) {}

  // Fails when the value is not an object, a required key is missing, or an unknown key is present.
  Status check_keys(std::initializer_list<const char*> keys) const {
    if (!object_.is_object()) return error_at(path_, "expected an object", object_);
    for (const char* key : keys) {
      if (!object_.contains(key)) return error_at(field(key), "required key missing");
    }
    for (const auto& [key, value] : object_.items()) {
      bool known = std::any_of(keys.begin(), keys.end(),
                               [&](const char* allowed) { return key == allowed; });
      if (!known) return error_at(field(key), "unknown key");
    }
    return Status::ok();
  }

  const json& at(const char* key) const { return object_.at(key); }
  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  Result<bool> boolean(const char* key) const {
    const json& value = object_.at(key);
    if (!value.is_boolean()) return error_at(field(key), "expected true or false", value);
    return value.get<bool>();
  }

  Result<int> integer(const char* key, int min, int max) const {
    const json& value = object_.at(key);
    if (!value.is_number_integer() || value.get<std::int64_t>() < min ||
        value.get<std::int64_t>() > max) {
      return error_at(field(key),
                      "expected an integer in " + std::to_string(min) + ".." + std::to_string(max),
                      value);
    }
    return static_cast<int>(value.get<std::int64_t>());
  }

  Result<std::string> string(const char* key, bool allow_empty = false) const {
    const json& value = object_.at(key);
    if (!value.is_string() || (!allow_empty && value.get<std::string>().empty())) {
      return error_at(field(key), "expected a non-empty string", value);
    }
    return value.get<std::string>();
  }

  Result<std::string> word_of(const char* key, std::initializer_list<const char*> words) const {
    const json& value = object_.at(key);
    std::string allowed;
    for (const char* word : words) {
      if (value.is_string() && value.get<std::string>() == word) return std::string(word);
      allowed += allowed.empty() ? word : std::string(", ") + word;
    }
    return error_at(field(key), "expected one of " + allowed, value);
  }

  Result<std::string> matching(const char* key, const std::regex& pattern,
                               std::string_view what) const {
    const json& value = object_.at(key);
    if (!value.is_string() || !std::regex_match(value.get<std::string>(), pattern)) {
      return error_at(field(key), "expected " + std::string(what), value);
    }
    return value.get<std::string>();
  }

  Result<std::vector<std::string>> words(const char* key) const {
    static const std::regex kWord("[a-z0-9][a-z0-9_.+-]*");
    const json& value = object_.at(key);
    if (!value.is_array()) return error_at(field(key), "expected an array of names", value);
    std::vector<std::string> result;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const json& item = value[i];
      std::string item_path = field(key) + "[" + std::to_string(i) + "]";
      if (!item.is_string() || !std::regex_match(item.get<std::string>(), kWord)) {
        return error_at(item_path, "expected a lowercase name", item);
      }
      if (std::find(result.begin(), result.end(), item.get<std::string>()) != result.end()) {
        return error_at(item_path, "listed twice", item);
      }
      result.push_back(item.get<std::string>());
    }
    return result;
  }

  Result<std::vector<int>> cores(const char* key) const {
    const json& value = object_.at(key);
    if (!value.is_array()) return error_at(field(key), "expected an array of CPU numbers", value);
    std::vector<int> result;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const json& item = value[i];
      std::string item_path = field(key) + "[" + std::to_string(i) + "]";
      if (!item.is_number_integer() || item.get<std::int64_t>() < 0 ||
          item.get<std::int64_t>() > kCpuMax) {
        return error_at(item_path, "expected a CPU number in 0..1023", item);
      }
      int core = static_cast<int>(item.get<std::int64_t>());
      if (std::find(result.begin(), result.end(), core) != result.end()) {
        return error_at(item_path, "listed twice", item);
      }
      result.push_back(core);
    }
    return result;
  }

  Result<CoreSet> cpu_list(const char* key) const {
    const json& value = object_.at(key);
    if (!value.is_string()) return error_at(field(key), "expected a CPU list string", value);
    auto parsed = parse_cpu_list(value.get<std::string>());
    if (!parsed.is_ok()) return error_at(field(key), std::string(parsed.status().message()));
    return parsed;
  }

  Result<std::vector<PciId>> pci_ids(const char* key) const {
    static const std::regex kPciId("([0-9a-f]{4}):([0-9a-f]{4})");
    const json& value = object_.at(key);
    if (!value.is_array() || value.empty()) {
      return error_at(field(key), "expected a non-empty array of \"vendor:device\" ids", value);
    }
    std::vector<PciId> result;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const json& item = value[i];
      std::string item_path = field(key) + "[" + std::to_string(i) + "]";
      std::smatch match;
      std::string text = item.is_string() ? item.get<std::string>() : std::string();
      if (!item.is_string() || !std::regex_match(text, match, kPciId)) {
        return error_at(item_path, "expected \"vendor:device\" in lowercase hex", item);
      }
      PciId id{static_cast<std::uint16_t>(std::stoul(match[1].str(), nullptr, 16)),
               static_cast<std::uint16_t>(std::stoul(match[2].str(), nullptr, 16))};
      if (std::find(result.begin(), result.end(), id) != result.end()) {
        return error_at(item_path, "listed twice", item);
      }
      result.push_back(id);
    }
    return result;
  }

  Status error_at(const std::string& path, std::string_view what) const {
    return config_error(std::string(origin_) + ": " + path + ": " + std::string(what));
  }
  Status error_at(const std::string& path, std::string_view what, const json& got) const {
    return error_at(path, std::string(what) + ", got " + describe(got));
  }

 private:
  const json& object_;
  std::string path_;
  std::string_view origin_;
};

Result<BiosSettings> read_bios(const ObjectReader& reader) {
  TC_RETURN_IF_ERROR(reader.check_keys({"power_profile", "c_states", "smt", "iommu", "sr_iov"}));
  BiosSettings bios;
  TC_ASSIGN_OR_RETURN(bios.power_profile,
                      reader.word_of("power_profile", {"maximum-performance", "os-controlled"}));
  TC_ASSIGN_OR_RETURN(bios.c_states,
                      reader.word_of("c_states", {"enabled", "c1-only", "disabled"}));
  TC_ASSIGN_OR_RETURN(bios.smt, reader.boolean("smt"));
  TC_ASSIGN_OR_RETURN(bios.iommu, reader.boolean("iommu"));
  TC_ASSIGN_OR_RETURN(bios.sr_iov, reader.boolean("sr_iov"));
  return bios;
}

Result<CpuSettings> read_cpu(const ObjectReader& reader) {
  static const std::regex kSlice("[a-z][a-z0-9_-]*\\.slice");
  TC_RETURN_IF_ERROR(
      reader.check_keys({"housekeeping_cores", "isolated_cores", "governor", "isolated_cgroup"}));
  CpuSettings cpu;
  TC_ASSIGN_OR_RETURN(cpu.housekeeping_cores, reader.cpu_list("housekeeping_cores"));
  if (cpu.housekeeping_cores.empty() || cpu.housekeeping_cores.front() != 0) {
    return reader.error_at(reader.field("housekeeping_cores"),
                           "must hold core 0, which the kernel always uses for housekeeping");
  }
  TC_ASSIGN_OR_RETURN(cpu.isolated_cores, reader.cpu_list("isolated_cores"));
  TC_ASSIGN_OR_RETURN(cpu.governor, reader.word_of("governor", {"performance", "powersave",
                                                                "schedutil", "ondemand"}));
  TC_ASSIGN_OR_RETURN(cpu.isolated_cgroup, reader.matching("isolated_cgroup", kSlice,
                                                           "a systemd slice name (NAME.slice)"));
  for (int core : cpu.isolated_cores) {
    if (std::binary_search(cpu.housekeeping_cores.begin(), cpu.housekeeping_cores.end(), core)) {
      return reader.error_at(reader.field("isolated_cores"),
                             "core " + std::to_string(core) + " is also a housekeeping core");
    }
  }
  return cpu;
}

Result<MemorySettings> read_memory(const ObjectReader& reader) {
  TC_RETURN_IF_ERROR(reader.check_keys({"numa_nodes", "hugepages_1g_per_node"}));
  MemorySettings memory;
  TC_ASSIGN_OR_RETURN(memory.numa_nodes, reader.integer("numa_nodes", 1, 16));
  TC_ASSIGN_OR_RETURN(memory.hugepages_1g_per_node,
                      reader.integer("hugepages_1g_per_node", 0, 1024));
  return memory;
}

// The value of parameter `key` in `cmdline` ("" for a flag), or nullopt when absent.
std::optional<std::string> parameter_value(const std::vector<std::string>& cmdline,
                                           std::string_view key) {
  for (const std::string& parameter : cmdline) {
    std::string_view view(parameter);
    if (view == key) return std::string();
    if (view.size() > key.size() && view.substr(0, key.size()) == key && view[key.size()] == '=') {
      return std::string(view.substr(key.size() + 1));
    }
  }
  return std::nullopt;
}

Result<KernelSettings> read_kernel(const ObjectReader& reader, const MemorySettings& memory) {
  static const std::regex kParameter("[a-z][a-z0-9_.-]*(=[^\\s]+)?");
  TC_RETURN_IF_ERROR(reader.check_keys({"cmdline"}));
  const json& list = reader.at("cmdline");
  std::string path = reader.field("cmdline");
  if (!list.is_array()) return reader.error_at(path, "expected an array of parameters", list);
  KernelSettings kernel;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& item = list[i];
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!item.is_string() || !std::regex_match(item.get<std::string>(), kParameter)) {
      return reader.error_at(item_path, "expected a kernel parameter (name or name=value)", item);
    }
    const std::string& parameter = item.get<std::string>();
    std::string name = parameter.substr(0, parameter.find('='));
    if (name == "nohz" || name == "nohz_full" || name == "rcu_nocbs") {
      return reader.error_at(item_path, name +
                                            " is written by tuned's cpu-partitioning from "
                                            "cpu.isolated_cores; remove it here");
    }
    if (std::find(kernel.cmdline.begin(), kernel.cmdline.end(), parameter) !=
        kernel.cmdline.end()) {
      return reader.error_at(item_path, "listed twice", item);
    }
    kernel.cmdline.push_back(parameter);
  }
  int total_pages = memory.numa_nodes * memory.hugepages_1g_per_node;
  auto pages = parameter_value(kernel.cmdline, "hugepages");
  auto page_size = parameter_value(kernel.cmdline, "hugepagesz");
  if (total_pages > 0) {
    std::string wanted = std::to_string(total_pages);
    if (page_size != "1G") {
      return reader.error_at(path, "memory.hugepages_1g_per_node needs hugepagesz=1G");
    }
    if (pages != wanted) {
      return reader.error_at(path, "hugepages= must be " + wanted + " (memory.numa_nodes " +
                                       std::to_string(memory.numa_nodes) +
                                       " x memory.hugepages_1g_per_node " +
                                       std::to_string(memory.hugepages_1g_per_node) + "), got " +
                                       (pages ? *pages : std::string("none")));
    }
  } else if (pages.has_value() || page_size.has_value()) {
    return reader.error_at(path, "reserves hugepages but memory.hugepages_1g_per_node is 0");
  }
  return kernel;
}

Result<NicSettings> read_nic(const ObjectReader& reader) {
  static const std::regex kDdpPackage("[a-z0-9_.-]+(/[a-z0-9_.-]+)*\\.pkg");
  TC_RETURN_IF_ERROR(
      reader.check_keys({"model", "pci_ids", "ports", "bind_driver", "dpdk_driver", "ddp_package",
                         "blacklist_modules", "packages", "rx_ring", "tx_ring", "rss_queues",
                         "flow_control", "adaptive_coalescing", "rx_usecs"}));
  NicSettings nic;
  TC_ASSIGN_OR_RETURN(nic.model, reader.string("model"));
  TC_ASSIGN_OR_RETURN(nic.pci_ids, reader.pci_ids("pci_ids"));
  TC_ASSIGN_OR_RETURN(nic.ports, reader.integer("ports", 1, 8));
  TC_ASSIGN_OR_RETURN(nic.bind_driver, reader.word_of("bind_driver", {"vfio-pci", "mlx5_core"}));
  TC_ASSIGN_OR_RETURN(nic.dpdk_driver, reader.word_of("dpdk_driver", {"net_ice", "net_mlx5"}));
  if (!reader.at("ddp_package").is_null()) {
    TC_ASSIGN_OR_RETURN(
        nic.ddp_package,
        reader.matching("ddp_package", kDdpPackage, "null or a .pkg path under /lib/firmware"));
  }
  TC_ASSIGN_OR_RETURN(nic.blacklist_modules, reader.words("blacklist_modules"));
  TC_ASSIGN_OR_RETURN(nic.packages, reader.words("packages"));
  TC_ASSIGN_OR_RETURN(nic.rx_ring, reader.integer("rx_ring", 64, 8192));
  TC_ASSIGN_OR_RETURN(nic.tx_ring, reader.integer("tx_ring", 64, 8192));
  TC_ASSIGN_OR_RETURN(nic.rss_queues, reader.integer("rss_queues", 1, 64));
  TC_ASSIGN_OR_RETURN(nic.flow_control, reader.boolean("flow_control"));
  TC_ASSIGN_OR_RETURN(nic.adaptive_coalescing, reader.boolean("adaptive_coalescing"));
  TC_ASSIGN_OR_RETURN(nic.rx_usecs, reader.integer("rx_usecs", 0, 1000));
  if (nic.dpdk_driver == "net_mlx5" && nic.bind_driver != "mlx5_core") {
    return reader.error_at(
        reader.field("bind_driver"),
        "net_mlx5 is bifurcated: the port stays on mlx5_core, got " + nic.bind_driver);
  }
  if (nic.dpdk_driver == "net_ice" && nic.bind_driver != "vfio-pci") {
    return reader.error_at(reader.field("bind_driver"),
                           "net_ice drives the port through vfio-pci, got " + nic.bind_driver);
  }
  if (nic.dpdk_driver == "net_ice" && nic.ddp_package.empty()) {
    return reader.error_at(reader.field("ddp_package"),
                           "net_ice needs the ice DDP package, got null");
  }
  return nic;
}

Result<GpuSettings> read_gpu(const ObjectReader& reader, std::string_view origin) {
  TC_RETURN_IF_ERROR(reader.check_keys({"model", "pci_ids", "packages", "persistence_mode",
                                        "application_clocks_mhz", "ecc", "mig"}));
  GpuSettings gpu;
  TC_ASSIGN_OR_RETURN(gpu.model, reader.string("model"));
  TC_ASSIGN_OR_RETURN(gpu.pci_ids, reader.pci_ids("pci_ids"));
  TC_ASSIGN_OR_RETURN(gpu.packages, reader.words("packages"));
  TC_ASSIGN_OR_RETURN(gpu.persistence_mode, reader.boolean("persistence_mode"));
  ObjectReader clocks(reader.at("application_clocks_mhz"), reader.field("application_clocks_mhz"),
                      origin);
  TC_RETURN_IF_ERROR(clocks.check_keys({"memory", "graphics"}));
  TC_ASSIGN_OR_RETURN(gpu.application_memory_clock_mhz, clocks.integer("memory", 100, 10000));
  TC_ASSIGN_OR_RETURN(gpu.application_graphics_clock_mhz, clocks.integer("graphics", 100, 10000));
  TC_ASSIGN_OR_RETURN(gpu.ecc, reader.boolean("ecc"));
  TC_ASSIGN_OR_RETURN(gpu.mig, reader.boolean("mig"));
  return gpu;
}

Result<CoreMap> read_cores(const ObjectReader& reader, const CpuSettings& cpu,
                           const std::optional<NicSettings>& nic) {
  TC_RETURN_IF_ERROR(
      reader.check_keys({"ingress", "verify", "mempool", "consensus", "commit", "net", "rpc"}));
  CoreMap cores;
  struct Stage {
    const char* key;
    std::vector<int>* list;
  };
  const Stage stages[] = {
      {"ingress", &cores.ingress}, {"verify", &cores.verify},
      {"mempool", &cores.mempool}, {"consensus", &cores.consensus},
      {"commit", &cores.commit},   {"net", &cores.net},
      {"rpc", &cores.rpc},
  };
  // The daemon runs inside the isolated cpuset partition, so a pinned thread can only use
  // isolated cores.
  for (const Stage& stage : stages) {
    TC_ASSIGN_OR_RETURN(*stage.list, reader.cores(stage.key));
    for (int core : *stage.list) {
      if (!std::binary_search(cpu.isolated_cores.begin(), cpu.isolated_cores.end(), core)) {
        return reader.error_at(reader.field(stage.key),
                               "core " + std::to_string(core) + " is not in cpu.isolated_cores");
      }
    }
  }
  if (nic && !cores.ingress.empty() && static_cast<int>(cores.ingress.size()) != nic->rss_queues) {
    return reader.error_at(reader.field("ingress"),
                           "holds " + std::to_string(cores.ingress.size()) +
                               " cores but nic.rss_queues is " + std::to_string(nic->rss_queues) +
                               " (one polling core per queue)");
  }
  return cores;
}

}  // namespace

Result<CoreSet> parse_cpu_list(std::string_view text) {
  CoreSet cores;
  if (text.empty()) return cores;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view range = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::size_t dash = range.find('-');
    int first = 0;
    int last = 0;
    bool parsed =
        dash == std::string_view::npos
            ? parse_int(range, &first) && parse_int(range, &last)
            : parse_int(range.substr(0, dash), &first) && parse_int(range.substr(dash + 1), &last);
    if (!parsed || first < 0) {
      return invalid_argument("CPU list \"" + std::string(text) + "\": bad range \"" +
                              std::string(range) + "\"");
    }
    if (last < first) {
      return invalid_argument("CPU list \"" + std::string(text) + "\": range \"" +
                              std::string(range) + "\" ends below its start");
    }
    if (last > kCpuMax) {
      return invalid_argument("CPU list \"" + std::string(text) + "\": CPU " +
                              std::to_string(last) + " is above 1023");
    }
    for (int core = first; core <= last; ++core) cores.push_back(core);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::sort(cores.begin(), cores.end());
  auto duplicate = std::adjacent_find(cores.begin(), cores.end());
  if (duplicate != cores.end()) {
    return invalid_argument("CPU list \"" + std::string(text) + "\": CPU " +
                            std::to_string(*duplicate) + " named twice");
  }
  return cores;
}

std::string format_cpu_list(const CoreSet& cores) {
  std::string text;
  for (std::size_t i = 0; i < cores.size();) {
    std::size_t j = i;
    while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += std::to_string(cores[i]);
    if (j > i) text += "-" + std::to_string(cores[j]);
    i = j + 1;
  }
  return text;
}

std::string format_pci_id(PciId id) {
  char text[10];
  std::snprintf(text, sizeof(text), "%04x:%04x", id.vendor, id.device);
  return text;
}

Result<HardwareProfile> parse_profile(std::string_view text, std::string_view origin_name) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& error) {
    // The library reports the byte offset; the message names line and column like the node config.
    std::size_t offset = std::min<std::size_t>(error.byte, text.size());
    std::size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
    std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    std::size_t column = line_start == std::string_view::npos ? offset : offset - line_start - 1;
    return config_error(std::string(origin_name) + ":" + std::to_string(line) + ":" +
                        std::to_string(column) + ": JSON syntax error");
  }
  static const std::regex kName("[a-z0-9][a-z0-9_.+-]*");
  ObjectReader top(document, "", origin_name);
  TC_RETURN_IF_ERROR(top.check_keys(
      {"name", "description", "bios", "cpu", "memory", "kernel", "nic", "gpu", "cores"}));
  HardwareProfile profile;
  TC_ASSIGN_OR_RETURN(profile.name, top.matching("name", kName, "a lowercase profile name"));
  TC_ASSIGN_OR_RETURN(profile.description, top.string("description"));
  if (!top.at("bios").is_null()) {
    TC_ASSIGN_OR_RETURN(profile.bios, read_bios(ObjectReader(top.at("bios"), "bios", origin_name)));
  }
  TC_ASSIGN_OR_RETURN(profile.cpu, read_cpu(ObjectReader(top.at("cpu"), "cpu", origin_name)));
  TC_ASSIGN_OR_RETURN(profile.memory,
                      read_memory(ObjectReader(top.at("memory"), "memory", origin_name)));
  TC_ASSIGN_OR_RETURN(
      profile.kernel,
      read_kernel(ObjectReader(top.at("kernel"), "kernel", origin_name), profile.memory));
  if (!top.at("nic").is_null()) {
    TC_ASSIGN_OR_RETURN(profile.nic, read_nic(ObjectReader(top.at("nic"), "nic", origin_name)));
  }
  if (!top.at("gpu").is_null()) {
    TC_ASSIGN_OR_RETURN(profile.gpu,
                        read_gpu(ObjectReader(top.at("gpu"), "gpu", origin_name), origin_name));
  }
  TC_ASSIGN_OR_RETURN(profile.cores, read_cores(ObjectReader(top.at("cores"), "cores", origin_name),
                                                profile.cpu, profile.nic));
  return profile;
}

Result<HardwareProfile> load_profile_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return config_error("profile " + path + ": cannot open: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) return config_error("profile " + path + ": read failed");
  auto profile = parse_profile(text, path);
  if (!profile.is_ok()) return profile;
  std::string stem = std::filesystem::path(path).stem().string();
  if (profile->name != stem) {
    return config_error(path + ": name: expected \"" + stem + "\" (the file name), got \"" +
                        profile->name + "\"");
  }
  return profile;
}

Result<std::string> resolve_profile_path(const std::string& profiles_dir,
                                         const std::string& name_or_path) {
  static const std::regex kName("[a-z0-9_-]+");
  bool is_path =
      name_or_path.find('/') != std::string::npos ||
      (name_or_path.size() > 5 && name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0);
  if (is_path) return name_or_path;
  std::string path = profiles_dir + "/" + name_or_path + ".json";
  std::error_code error;
  if (std::regex_match(name_or_path, kName) && std::filesystem::is_regular_file(path, error)) {
    return path;
  }
  std::vector<std::string> names;
  for (std::filesystem::directory_iterator entry(profiles_dir, error), end; !error && entry != end;
       entry.increment(error)) {
    if (entry->path().extension() == ".json") names.push_back(entry->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  std::string known;
  for (const std::string& name : names) known += known.empty() ? name : ", " + name;
  return not_found("unknown profile \"" + name_or_path + "\" (profiles in " + profiles_dir + ": " +
                   (known.empty() ? std::string("none") : known) + ")");
}

}  // namespace tc::hwcheck
