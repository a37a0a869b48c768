#include "node/hwcheck/hwcheck.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

extern char** environ;

namespace tc::hwcheck {
namespace {

namespace fs = std::filesystem;

// Parameters whose value is a CPU list: compared as sets, so "2-3" matches "2,3".
bool takes_cpu_list(std::string_view key) {
  return key == "nohz_full" || key == "rcu_nocbs" || key == "irqaffinity" || key == "isolcpus";
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.emplace_back(trim(text.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool subset(const CoreSet& inner, const CoreSet& outer) {
  return std::includes(outer.begin(), outer.end(), inner.begin(), inner.end());
}

CoreSet difference(const CoreSet& from, const CoreSet& minus) {
  CoreSet result;
  std::set_difference(from.begin(), from.end(), minus.begin(), minus.end(),
                      std::back_inserter(result));
  return result;
}

// Reads the machine's files under a root prefix. Paths are given as on the machine ("/sys/...").
class MachineTree {
 public:
  explicit MachineTree(std::string root) : prefix_(root == "/" ? std::string() : root) {
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  }

  std::string path(std::string_view machine_path) const {
    return prefix_ + std::string(machine_path);
  }

  // The file's text without its trailing newline, or nullopt when it cannot be read.
  std::optional<std::string> read(std::string_view machine_path) const {
    std::ifstream file(path(machine_path), std::ios::binary);
    if (!file) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) return std::nullopt;
    return std::string(trim(text));
  }

  bool exists(std::string_view machine_path) const {
    std::error_code error;
    return fs::exists(path(machine_path), error);
  }

  // Names in a directory, sorted; empty when it is absent.
  std::vector<std::string> list(std::string_view machine_path) const {
    std::vector<std::string> names;
    std::error_code error;
    // increment(error) rather than a range-for, whose ++ throws when the folder changes under it.
    for (fs::directory_iterator entry(path(machine_path), error), end; !error && entry != end;
         entry.increment(error)) {
      names.push_back(entry->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // The last component of a symbolic link's target (a driver or an IOMMU group), or nullopt.
  std::optional<std::string> link_name(std::string_view machine_path) const {
    std::error_code error;
    fs::path target = fs::read_symlink(path(machine_path), error);
    if (error) return std::nullopt;
    return target.filename().string();
  }

 private:
  std::string prefix_;
};

class Checker {
 public:
  Checker(const HardwareProfile& profile, const HwcheckOptions& options)
      : profile_(profile), options_(options), tree_(options.root) {}

  Result<HwcheckReport> run() {
    auto cmdline = tree_.read("/proc/cmdline");
    if (!cmdline) return io_error("cannot read " + tree_.path("/proc/cmdline"));
    auto online_text = tree_.read("/sys/devices/system/cpu/online");
    if (!online_text)
      return io_error("cannot read " + tree_.path("/sys/devices/system/cpu/online"));
    auto online = parse_cpu_list(*online_text);
    if (!online.is_ok()) {
      return io_error(tree_.path("/sys/devices/system/cpu/online") + ": " +
                      std::string(online.status().message()));
    }
    online_ = *online;
    parse_cmdline(*cmdline);

    check_cores_online();
    check_housekeeping_siblings();
    check_smt();
    check_iommu();
    check_cmdline();
    check_nohz_full();
    check_isolated_cpuset();
    check_numa_nodes();
    check_hugepages();
    check_governor();
    check_nic();
    check_gpu();
    report_.profile = profile_.name;
    report_.root = options_.root;
    return std::move(report_);
  }

 private:
  void ok(std::string check, std::string expected, std::string actual) {
    report_.items.push_back(
        {std::move(check), CheckStatus::kOk, std::move(expected), std::move(actual), {}});
  }
  void drift(std::string check, std::string expected, std::string actual, std::string fix) {
    report_.items.push_back({std::move(check), CheckStatus::kDrift, std::move(expected),
                             std::move(actual), std::move(fix)});
  }
  void not_applicable(std::string check, std::string expected, std::string reason) {
    report_.items.push_back({std::move(check),
                             CheckStatus::kNotApplicable,
                             std::move(expected),
                             std::move(reason),
                             {}});
  }

  // Kernel parameters stop at "--"; what follows belongs to init. A repeated key keeps its last
  // value, as the kernel does for the parameters a profile sets.
  void parse_cmdline(std::string_view cmdline) {
    for (const std::string& token : split(cmdline, ' ')) {
      if (token == "--") break;
      if (token.empty()) continue;
      std::size_t equals = token.find('=');
      std::string key = token.substr(0, equals);
      parameters_[key] = equals == std::string::npos ? std::string() : token.substr(equals + 1);
    }
  }

  CoreSet profile_cores() const {
    CoreSet cores = profile_.cpu.housekeeping_cores;
    cores.insert(cores.end(), profile_.cpu.isolated_cores.begin(),
                 profile_.cpu.isolated_cores.end());
    std::sort(cores.begin(), cores.end());
    cores.erase(std::unique(cores.begin(), cores.end()), cores.end());
    return cores;
  }

  void check_cores_online() {
    CoreSet wanted = profile_cores();
    CoreSet missing = difference(wanted, online_);
    std::string expected = "cores " + format_cpu_list(wanted) + " online";
    if (missing.empty()) {
      ok("cpu.cores_online", expected, "online " + format_cpu_list(online_));
    } else {
      drift("cpu.cores_online", expected,
            "online " + format_cpu_list(online_) + "; missing " + format_cpu_list(missing),
            "none on this machine: it is not of this hardware class; choose the profile that "
            "matches it (firmware_configs/profiles/)");
    }
  }

  // Core 0 and its SMT siblings stay with the kernel: an isolated sibling would share a physical
  // core with interrupts and kernel threads.
  void check_housekeeping_siblings() {
    const char* check = "cpu.housekeeping_siblings";
    std::string expected =
        "core 0 and its siblings within " + format_cpu_list(profile_.cpu.housekeeping_cores);
    if (profile_.cpu.isolated_cores.empty()) {
      return not_applicable(check, expected, "the profile isolates no cores");
    }
    auto text = tree_.read("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list");
    if (!text) return not_applicable(check, expected, "no CPU topology in /sys");
    auto siblings = parse_cpu_list(*text);
    if (!siblings.is_ok()) {
      return drift(check, expected, "unreadable thread_siblings_list \"" + *text + "\"",
                   "none: the kernel's topology file is not a CPU list");
    }
    if (subset(*siblings, profile_.cpu.housekeeping_cores)) {
      return ok(check, expected, "siblings of core 0: " + *text);
    }
    CoreSet outside = difference(*siblings, profile_.cpu.housekeeping_cores);
    drift(check, expected, "siblings of core 0: " + *text,
          "add " + format_cpu_list(outside) +
              " to cpu.housekeeping_cores in the profile (and take it out of cpu.isolated_cores), "
              "or disable SMT: echo off > /sys/devices/system/cpu/smt/control");
  }

  void check_smt() {
    const char* check = "bios.smt";
    if (!profile_.bios)
      return not_applicable(check, "-", "the profile has no BIOS settings (a VM)");
    std::string expected = profile_.bios->smt ? "on" : "off";
    auto control = tree_.read("/sys/devices/system/cpu/smt/control");
    auto active = tree_.read("/sys/devices/system/cpu/smt/active");
    if (!control || !active || *control == "notsupported" || *control == "notimplemented") {
      return not_applicable(check, expected, "the CPU or kernel does not report SMT");
    }
    std::string actual = *active == "1" ? "on" : "off";
    if (actual == expected) return ok(check, expected, actual + " (control " + *control + ")");
    std::string fix;
    if (!profile_.bios->smt) {
      fix = "echo off > /sys/devices/system/cpu/smt/control";
    } else if (*control == "off") {
      fix = "echo on > /sys/devices/system/cpu/smt/control";
    } else {
      fix = "enable SMT (Hyper-Threading) in the BIOS setup, then reboot";
    }
    drift(check, expected, actual + " (control " + *control + ")", fix);
  }

  void check_iommu() {
    const char* check = "bios.iommu";
    if (!profile_.bios || !profile_.bios->iommu) {
      return not_applicable(check, "-", "the profile does not use the IOMMU");
    }
    std::vector<std::string> units = tree_.list("/sys/class/iommu");
    if (!units.empty()) return ok(check, "enabled", std::to_string(units.size()) + " IOMMU units");
    drift(check, "enabled", "no IOMMU in /sys/class/iommu",
          "enable VT-d / AMD-Vi in the BIOS setup, then reboot with the profile's kernel command "
          "line");
  }

  std::string grub_fix() const {
    std::string line;
    for (const std::string& parameter : profile_.kernel.cmdline) line += " " + parameter;
    return "echo 'GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX" + line +
           "\"' > /etc/default/grub.d/timecoin.cfg && update-grub && reboot";
  }
  std::string tuned_fix() const {
    return "echo isolated_cores=" + format_cpu_list(profile_.cpu.isolated_cores) +
           " > /etc/tuned/cpu-partitioning-variables.conf && tuned-adm profile cpu-partitioning "
           "&& reboot";
  }

  void check_parameter(const std::string& parameter, const std::string& fix) {
    std::size_t equals = parameter.find('=');
    std::string key = parameter.substr(0, equals);
    std::string check = "kernel.cmdline." + key;
    auto found = parameters_.find(key);
    if (found == parameters_.end()) return drift(check, parameter, "absent", fix);
    std::string actual =
        found->second.empty() && equals == std::string::npos ? key : key + "=" + found->second;
    if (equals == std::string::npos) return ok(check, parameter, actual);
    std::string wanted = parameter.substr(equals + 1);
    bool same = found->second == wanted;
    if (!same && takes_cpu_list(key)) {
      auto have = parse_cpu_list(found->second);
      auto want = parse_cpu_list(wanted);
      same = have.is_ok() && want.is_ok() && *have == *want;
    }
    if (same) return ok(check, parameter, actual);
    drift(check, parameter, actual, fix);
  }

  void check_cmdline() {
    for (const std::string& parameter : profile_.kernel.cmdline) {
      check_parameter(parameter, grub_fix());
    }
    if (profile_.cpu.isolated_cores.empty()) {
      return not_applicable("kernel.cmdline.nohz_full", "-", "the profile isolates no cores");
    }
    std::string isolated = format_cpu_list(profile_.cpu.isolated_cores);
    check_parameter("nohz_full=" + isolated, tuned_fix());
    check_parameter("rcu_nocbs=" + isolated, tuned_fix());
  }

  // The command line is only a request: /sys shows whether the kernel took nohz_full.
  void check_nohz_full() {
    const char* check = "kernel.nohz_full_effective";
    if (profile_.cpu.isolated_cores.empty()) {
      return not_applicable(check, "-", "the profile isolates no cores");
    }
    std::string expected = format_cpu_list(profile_.cpu.isolated_cores);
    auto text = tree_.read("/sys/devices/system/cpu/nohz_full");
    std::string actual = !text ? "absent (kernel without CONFIG_NO_HZ_FULL)" : *text;
    if (text) {
      auto cores = parse_cpu_list(*text);
      if (cores.is_ok() && *cores == profile_.cpu.isolated_cores)
        return ok(check, expected, actual);
    }
    auto requested = parameters_.find("nohz_full");
    bool requested_right = requested != parameters_.end() &&
                           parse_cpu_list(requested->second).is_ok() &&
                           *parse_cpu_list(requested->second) == profile_.cpu.isolated_cores;
    drift(check, expected, actual,
          requested_right ? "the kernel ignored nohz_full; see dmesg | grep -i nohz, and boot "
                            "Debian's kernel (built with CONFIG_NO_HZ_FULL)"
                          : tuned_fix());
  }

  void check_isolated_cpuset() {
    const char* check = "cpu.isolated_cpuset";
    if (profile_.cpu.isolated_cores.empty()) {
      return not_applicable(check, "-", "the profile isolates no cores");
    }
    std::string isolated = format_cpu_list(profile_.cpu.isolated_cores);
    std::string directory = "/sys/fs/cgroup/" + profile_.cpu.isolated_cgroup;
    std::string expected = directory + " an isolated partition of " + isolated;
    std::string fix = "systemctl set-property " + profile_.cpu.isolated_cgroup +
                      " AllowedCPUs=" + isolated + " && echo isolated > " + directory +
                      "/cpuset.cpus.partition";
    auto partition = tree_.read(directory + "/cpuset.cpus.partition");
    auto cpus = tree_.read(directory + "/cpuset.cpus.effective");
    if (!partition || !cpus) return drift(check, expected, directory + " has no cpuset", fix);
    auto cores = parse_cpu_list(*cpus);
    std::string actual = "partition " + *partition + ", cpus " + *cpus;
    if (*partition == "isolated" && cores.is_ok() && *cores == profile_.cpu.isolated_cores) {
      return ok(check, expected, actual);
    }
    drift(check, expected, actual, fix);
  }

  std::vector<std::string> numa_nodes() const {
    std::vector<std::string> nodes;
    for (const std::string& name : tree_.list("/sys/devices/system/node")) {
      // Up to 4 digits, so the std::stoi below cannot overflow on a strange name.
      if (name.size() > 4 && name.size() <= 8 && name.compare(0, 4, "node") == 0 &&
          name.find_first_not_of("0123456789", 4) == std::string::npos) {
        nodes.push_back(name);
      }
    }
    std::sort(nodes.begin(), nodes.end(), [](const std::string& a, const std::string& b) {
      return std::stoi(a.substr(4)) < std::stoi(b.substr(4));
    });
    return nodes;
  }

  void check_numa_nodes() {
    std::vector<std::string> nodes = numa_nodes();
    // A kernel built without NUMA has no node directory: one node.
    int count = nodes.empty() ? 1 : static_cast<int>(nodes.size());
    std::string expected = std::to_string(profile_.memory.numa_nodes);
    if (count == profile_.memory.numa_nodes) {
      return ok("memory.numa_nodes", expected, std::to_string(count));
    }
    drift("memory.numa_nodes", expected, std::to_string(count),
          "none on this machine: it is not of this hardware class; choose the profile that "
          "matches it (firmware_configs/profiles/)");
  }

  void check_hugepages() {
    int wanted = profile_.memory.hugepages_1g_per_node;
    if (wanted == 0) {
      return not_applicable("memory.hugepages_1g", "0", "the profile reserves no 1 GiB pages");
    }
    std::vector<std::string> nodes = numa_nodes();
    if (nodes.empty()) nodes.push_back("node0");
    for (const std::string& node : nodes) {
      std::string check = "memory.hugepages_1g." + node;
      std::string file =
          "/sys/devices/system/node/" + node + "/hugepages/hugepages-1048576kB/nr_hugepages";
      auto text = tree_.read(file);
      if (!text) {
        drift(check, std::to_string(wanted), "no 1 GiB page pool (hugepagesz=1G missing)",
              grub_fix());
        continue;
      }
      if (*text == std::to_string(wanted)) {
        ok(check, std::to_string(wanted), *text);
      } else {
        drift(check, std::to_string(wanted), *text,
              "echo " + std::to_string(wanted) + " > " + file +
                  " (lasting: the profile's hugepages= on the kernel command line)");
      }
    }
  }

  void check_governor() {
    const char* check = "cpu.governor";
    const std::string& wanted = profile_.cpu.governor;
    std::map<std::string, CoreSet> by_governor;
    for (int core : online_) {
      auto governor = tree_.read("/sys/devices/system/cpu/cpu" + std::to_string(core) +
                                 "/cpufreq/scaling_governor");
      if (governor) by_governor[*governor].push_back(core);
    }
    std::string expected = wanted + " on every online core";
    if (by_governor.empty()) {
      return not_applicable(check, expected, "no cpufreq driver (a VM, or frequency is fixed)");
    }
    std::string actual;
    for (const auto& [governor, cores] : by_governor) {
      if (!actual.empty()) actual += "; ";
      actual += format_cpu_list(cores) + " " + governor;
    }
    CoreSet off;
    for (const auto& [governor, cores] : by_governor) {
      if (governor != wanted) off.insert(off.end(), cores.begin(), cores.end());
    }
    std::sort(off.begin(), off.end());
    if (off.empty()) return ok(check, expected, actual);
    drift(check, expected, actual,
          "cpupower -c " + format_cpu_list(off) + " frequency-set -g " + wanted);
  }

  // PCI functions whose vendor:device is among `ids`, by address.
  std::vector<std::string> matching_functions(const std::vector<PciId>& ids) const {
    std::vector<std::string> found;
    for (const std::string& address : tree_.list("/sys/bus/pci/devices")) {
      auto vendor = tree_.read("/sys/bus/pci/devices/" + address + "/vendor");
      auto device = tree_.read("/sys/bus/pci/devices/" + address + "/device");
      if (!vendor || !device) continue;
      std::string id =
          vendor->substr(vendor->rfind('x') + 1) + ":" + device->substr(device->rfind('x') + 1);
      for (PciId wanted : ids) {
        if (id == format_pci_id(wanted)) found.push_back(address);
      }
    }
    return found;
  }

  void check_nic_driver(const NicSettings& nic, const std::string& address) {
    std::string check = "nic." + address + ".driver";
    auto driver = tree_.link_name("/sys/bus/pci/devices/" + address + "/driver");
    std::string actual = driver ? *driver : "unbound";
    if (actual == nic.bind_driver) return ok(check, nic.bind_driver, actual);
    std::string fix;
    if (nic.bind_driver == "vfio-pci") {
      fix = "modprobe vfio-pci && driverctl set-override " + address + " vfio-pci";
    } else if (driver) {
      fix = "driverctl unset-override " + address;
    } else {
      fix = "modprobe " + nic.bind_driver + " && driverctl unset-override " + address;
    }
    drift(check, nic.bind_driver, actual, fix);
  }

  // vfio hands a whole IOMMU group to one user: every other function in the port's group must be
  // on vfio-pci too, or on no driver, or a PCIe bridge (pcieport).
  void check_nic_iommu_group(const NicSettings& nic, const std::string& address) {
    std::string check = "nic." + address + ".iommu_group";
    bool needed = nic.bind_driver == "vfio-pci" || (profile_.bios && profile_.bios->iommu);
    auto group = tree_.link_name("/sys/bus/pci/devices/" + address + "/iommu_group");
    if (!needed) return not_applicable(check, "-", "the profile does not use the IOMMU");
    std::string expected = nic.bind_driver == "vfio-pci"
                               ? "an IOMMU group whose functions are all on vfio-pci"
                               : "an IOMMU group";
    if (!group) {
      return drift(check, expected, "none (IOMMU off)",
                   "enable VT-d / AMD-Vi in the BIOS setup, then reboot with the profile's kernel "
                   "command line");
    }
    if (nic.bind_driver != "vfio-pci") return ok(check, expected, "group " + *group);
    std::vector<std::string> blockers;
    for (const std::string& member :
         tree_.list("/sys/kernel/iommu_groups/" + *group + "/devices")) {
      if (member == address) continue;
      auto driver = tree_.link_name("/sys/bus/pci/devices/" + member + "/driver");
      if (driver && *driver != "vfio-pci" && *driver != "pcieport") {
        blockers.push_back(member + " on " + *driver);
      }
    }
    if (blockers.empty()) return ok(check, expected, "group " + *group);
    std::string actual = "group " + *group + " also holds";
    std::string fix;
    for (const std::string& blocker : blockers) {
      actual += " " + blocker;
      if (!fix.empty()) fix += " && ";
      fix += "driverctl set-override " + blocker.substr(0, blocker.find(' ')) + " vfio-pci";
    }
    drift(check, expected, actual, fix);
  }

  void check_nic() {
    if (!profile_.nic) return not_applicable("nic", "-", "the profile has no NIC (socket ingress)");
    const NicSettings& nic = *profile_.nic;
    std::string ids;
    for (PciId id : nic.pci_ids) ids += (ids.empty() ? "" : " or ") + format_pci_id(id);
    std::vector<std::string> functions = matching_functions(nic.pci_ids);
    std::string expected = std::to_string(nic.ports) + " " + nic.model + " port(s) (" + ids + ")";
    if (static_cast<int>(functions.size()) < nic.ports) {
      drift("nic.present", expected, std::to_string(functions.size()) + " matching PCI functions",
            "none on this machine: install the " + nic.model +
                " or choose the profile that matches this machine (firmware_configs/profiles/)");
    } else {
      ok("nic.present", expected, std::to_string(functions.size()) + " matching PCI functions");
    }
    functions.resize(std::min<std::size_t>(functions.size(), nic.ports));
    for (const std::string& address : functions) {
      check_nic_driver(nic, address);
      check_nic_iommu_group(nic, address);
    }
    for (const std::string& module : nic.blacklist_modules) {
      std::string check = "nic.blacklist." + module;
      if (!tree_.exists("/sys/module/" + module)) {
        ok(check, "not loaded", "not loaded");
        continue;
      }
      drift(check, "not loaded", "loaded",
            "echo 'blacklist " + module + "' > /etc/modprobe.d/timecoin-" + module +
                ".conf && modprobe -r " + module);
    }
    if (!nic.ddp_package.empty()) {
      std::string expected_file = "/lib/firmware/" + nic.ddp_package;
      if (tree_.exists("/lib/firmware/updates/" + nic.ddp_package)) {
        ok("nic.ddp_package", expected_file, "/lib/firmware/updates/" + nic.ddp_package);
      } else if (tree_.exists(expected_file)) {
        ok("nic.ddp_package", expected_file, expected_file);
      } else {
        drift("nic.ddp_package", expected_file, "absent", "apt-get install firmware-misc-nonfree");
      }
    }
  }

  // Where `program` would be run from: itself when it holds a '/', else the first PATH entry.
  std::optional<std::string> find_program(const std::string& program) const {
    if (program.find('/') != std::string::npos) {
      if (access(program.c_str(), X_OK) == 0) return program;
      return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    if (path == nullptr) return std::nullopt;
    for (const std::string& directory : split(path, ':')) {
      std::string candidate = (directory.empty() ? "." : directory) + "/" + program;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
  }

  struct ProgramOutput {
    int exit_code = 0;
    std::string text;  // stdout and stderr together
  };

  // Runs `argv` without a shell and collects what it prints; nullopt when it cannot be started.
  static std::optional<ProgramOutput> run_program(const std::vector<std::string>& argv) {
    int pipe_ends[2];
    if (pipe2(pipe_ends, O_CLOEXEC) != 0) return std::nullopt;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_ends[1]);
    if (spawned != 0) {
      close(pipe_ends[0]);
      return std::nullopt;
    }
    ProgramOutput output;
    char buffer[4096];
    while (true) {
      ssize_t got = read(pipe_ends[0], buffer, sizeof(buffer));
      if (got > 0) {
        output.text.append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        break;
      }
    }
    close(pipe_ends[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return output;
  }

  void check_gpu() {
    if (!profile_.gpu)
      return not_applicable("gpu", "-", "the profile has no GPU (CPU verification)");
    const GpuSettings& gpu = *profile_.gpu;
    auto program = find_program(options_.nvidia_smi);
    if (!program) {
      return not_applicable("gpu", gpu.model,
                            options_.nvidia_smi + " not found (no NVIDIA driver)");
    }
    auto output = run_program({*program,
                               "--query-gpu=index,persistence_mode,clocks.applications.memory,"
                               "clocks.applications.graphics,ecc.mode.current,mig.mode.current",
                               "--format=csv,noheader,nounits"});
    std::string driver_fix = "modprobe nvidia (Debian packages: nvidia-driver nvidia-smi)";
    if (!output) return drift("gpu.driver", gpu.model, *program + " cannot be started", driver_fix);
    std::string first_line = std::string(trim(output->text.substr(0, output->text.find('\n'))));
    if (output->exit_code != 0) {
      return drift("gpu.driver", gpu.model,
                   "nvidia-smi exited " + std::to_string(output->exit_code) + ": " + first_line,
                   driver_fix);
    }
    int gpus = 0;
    for (const std::string& line : split(output->text, '\n')) {
      if (line.empty()) continue;
      std::vector<std::string> fields = split(line, ',');
      if (fields.size() != 6) {
        drift("gpu.query", "6 fields per GPU", "nvidia-smi printed \"" + line + "\"", driver_fix);
        continue;
      }
      ++gpus;
      check_gpu_fields(gpu, fields);
    }
    if (gpus == 0) {
      drift("gpu.present", gpu.model, "nvidia-smi lists no GPU",
            "none on this machine: install the " + gpu.model +
                " or choose the profile that matches this machine (firmware_configs/profiles/)");
    }
  }

  void check_gpu_fields(const GpuSettings& gpu, const std::vector<std::string>& fields) {
    const std::string& index = fields[0];
    std::string prefix = "gpu." + index + ".";
    std::string target = "nvidia-smi -i " + index;
    auto enabled = [](bool on) { return std::string(on ? "Enabled" : "Disabled"); };

    std::string persistence = enabled(gpu.persistence_mode);
    if (fields[1] == persistence) {
      ok(prefix + "persistence_mode", persistence, fields[1]);
    } else {
      drift(prefix + "persistence_mode", persistence, fields[1],
            target + " -pm " + (gpu.persistence_mode ? "1" : "0"));
    }

    std::string clocks = std::to_string(gpu.application_memory_clock_mhz) + "," +
                         std::to_string(gpu.application_graphics_clock_mhz);
    std::string actual_clocks = fields[2] + "," + fields[3];
    if (actual_clocks == clocks) {
      ok(prefix + "application_clocks_mhz", clocks, actual_clocks);
    } else {
      drift(prefix + "application_clocks_mhz", clocks, actual_clocks, target + " -ac " + clocks);
    }

    std::string ecc = enabled(gpu.ecc);
    if (fields[4] == ecc) {
      ok(prefix + "ecc", ecc, fields[4]);
    } else {
      drift(prefix + "ecc", ecc, fields[4], target + " -e " + (gpu.ecc ? "1" : "0") + " && reboot");
    }

    std::string mig = enabled(gpu.mig);
    // A GPU without MIG reports [N/A]: as good as disabled.
    if (fields[5] == mig || (!gpu.mig && fields[5] == "[N/A]")) {
      ok(prefix + "mig", mig, fields[5]);
    } else {
      drift(prefix + "mig", mig, fields[5], target + " -mig " + (gpu.mig ? "1" : "0"));
    }
  }

  const HardwareProfile& profile_;
  const HwcheckOptions& options_;
  MachineTree tree_;
  CoreSet online_;
  std::map<std::string, std::string> parameters_;
  HwcheckReport report_;
};

}  // namespace

std::string_view check_status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kDrift:
      return "drift";
    case CheckStatus::kNotApplicable:
      return "not_applicable";
  }
  return "unknown";
}

int HwcheckReport::count(CheckStatus status) const {
  return static_cast<int>(std::count_if(
      items.begin(), items.end(), [&](const CheckItem& item) { return item.status == status; }));
}

Result<HwcheckReport> run_hwcheck(const HardwareProfile& profile, const HwcheckOptions& options) {
  return Checker(profile, options).run();
}

std::string render_text(const HwcheckReport& report) {
  std::size_t width = 0;
  for (const CheckItem& item : report.items) width = std::max(width, item.check.size());
  std::ostringstream out;
  out << "hwcheck: profile " << report.profile << ", root " << report.root << "\n";
  for (const CheckItem& item : report.items) {
    std::string label = item.status == CheckStatus::kNotApplicable
                            ? "n/a"
                            : std::string(check_status_name(item.status));
    std::string check = item.check + std::string(width - item.check.size(), ' ');
    out << "  " << label << std::string(6 - label.size(), ' ') << check << "  ";
    switch (item.status) {
      case CheckStatus::kOk:
        out << item.actual << "\n";
        break;
      case CheckStatus::kDrift:
        out << "expected " << item.expected << ", found " << item.actual << "\n"
            << "  " << std::string(6 + width + 2, ' ') << "fix: " << item.fix << "\n";
        break;
      case CheckStatus::kNotApplicable:
        out << item.actual << "\n";
        break;
    }
  }
  out << "result: " << (report.has_drift() ? "drift" : "ok") << " ("
      << report.count(CheckStatus::kOk) << " ok, " << report.count(CheckStatus::kDrift)
      << " drift, " << report.count(CheckStatus::kNotApplicable) << " not applicable)\n";
  return out.str();
}

std::string render_json(const HwcheckReport& report) {
  nlohmann::ordered_json document;
  document["profile"] = report.profile;
  document["root"] = report.root;
  document["result"] = report.has_drift() ? "drift" : "ok";
  document["counts"] = {{"ok", report.count(CheckStatus::kOk)},
                        {"drift", report.count(CheckStatus::kDrift)},
                        {"not_applicable", report.count(CheckStatus::kNotApplicable)}};
  document["items"] = nlohmann::ordered_json::array();
  for (const CheckItem& item : report.items) {
    nlohmann::ordered_json entry;
    entry["check"] = item.check;
    entry["status"] = check_status_name(item.status);
    entry["expected"] = item.expected;
    entry["actual"] = item.actual;
    entry["fix"] = item.status == CheckStatus::kDrift ? nlohmann::ordered_json(item.fix)
                                                      : nlohmann::ordered_json(nullptr);
    document["items"].push_back(std::move(entry));
  }
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace tc::hwcheck
