// HardwareProfile: one hardware class from firmware_configs/profiles/NAME.json, the single
// description that the Ansible roles apply to a server and that hwcheck compares a running machine
// with (BIOS, CPU partitioning, hugepages, kernel command line, NIC, GPU, and the daemon's
// [cores]).
//
// Parsing is strict and follows firmware_configs/profile.schema.json: every key is required, an
// unknown key, a wrong type, a value out of range or not one of the allowed words is a kConfig
// error naming the origin and the field ("h100-cx7.json: nic.rss_queues: expected an integer in
// 1..64, got 0"). On top of the schema it checks what a schema cannot state: core sets that
// overlap, a core map outside the isolated cores, a hugepage count that disagrees with the
// per-node count. docs/hardware.md describes every field. Called from the startup thread of
// timecoind hwcheck and the timecoin-hwcheck tool; the result is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tc::hwcheck {

// A set of CPU numbers, ascending, without duplicates.
using CoreSet = std::vector<int>;

// Parses a kernel CPU list ("0-1,64-65", "" for none) as /sys and the kernel command line write
// it. Errors (kInvalidArgument): a non-number, a range whose end is below its start, a CPU above
// 1023, a CPU named twice. Ranges may come in any order; the result is sorted.
Result<CoreSet> parse_cpu_list(std::string_view text);
// The inverse: ascending ranges joined by commas ("0-1,64-65"); "" for the empty set.
std::string format_cpu_list(const CoreSet& cores);

// A PCI vendor:device pair as lspci -n prints it ("15b3:1021").
struct PciId {
  std::uint16_t vendor = 0;
  std::uint16_t device = 0;
  bool operator==(const PciId&) const = default;
};
// "15b3:1021".
std::string format_pci_id(PciId id);

// BIOS setup values; Ansible cannot set them, hwcheck checks the ones Linux exposes (SMT, IOMMU).
struct BiosSettings {
  std::string power_profile;  // "maximum-performance" or "os-controlled"
  std::string c_states;       // "enabled", "c1-only" or "disabled"
  bool smt = false;
  bool iommu = false;  // VT-d or AMD-Vi
  bool sr_iov = false;
};

// How the CPUs are shared between the kernel and the pinned stages. isolated_cores are given to
// tuned's cpu-partitioning profile (nohz_full, rcu_nocbs, irqbalance banned CPUs, systemd
// CPUAffinity on the rest) and to a cgroup-v2 cpuset partition for the daemon.
struct CpuSettings {
  CoreSet housekeeping_cores;   // always holds core 0 (and, on SMT machines, its sibling)
  CoreSet isolated_cores;       // empty: no core is isolated (dev-cpu)
  std::string governor;         // cpufreq scaling governor on every online core
  std::string isolated_cgroup;  // systemd slice under /sys/fs/cgroup, e.g. "timecoin.slice"
};

struct MemorySettings {
  int numa_nodes = 1;
  int hugepages_1g_per_node = 0;  // 1 GiB pages reserved at boot on each NUMA node
};

// Parameters the Ansible tuning role writes to /etc/default/grub.d. nohz_full= and rcu_nocbs= are
// not among them: tuned's cpu-partitioning writes those from cpu.isolated_cores.
struct KernelSettings {
  std::vector<std::string> cmdline;
};

// The NIC that carries transaction ingress. `ports` functions matching pci_ids (lowest PCI
// addresses first) are bound to bind_driver: vfio-pci for a DPDK driver that needs it (net_ice),
// or the kernel's mlx5_core for ConnectX, whose DPDK driver (net_mlx5) is bifurcated.
struct NicSettings {
  std::string model;
  std::vector<PciId> pci_ids;
  int ports = 1;
  std::string bind_driver;  // "vfio-pci" or "mlx5_core"
  std::string dpdk_driver;  // "net_ice" or "net_mlx5"
  std::string ddp_package;  // under /lib/firmware; empty when the NIC needs none
  std::vector<std::string> blacklist_modules;
  std::vector<std::string> packages;  // Debian packages the NIC needs
  int rx_ring = 0;            // descriptors per RX queue: the daemon's ingress.rx_descriptors
  int tx_ring = 0;            // ingress.tx_descriptors
  int rss_queues = 0;         // ingress.queues; equals the length of cores.ingress
  bool flow_control = false;  // Ethernet pause frames
  bool adaptive_coalescing = false;
  int rx_usecs = 0;  // interrupt coalescing of the kernel netdev (bifurcated NICs)
};

struct GpuSettings {
  std::string model;
  std::vector<PciId> pci_ids;
  std::vector<std::string> packages;
  bool persistence_mode = true;
  int application_memory_clock_mhz = 0;
  int application_graphics_clock_mhz = 0;
  bool ecc = true;
  bool mig = false;
};

// The daemon's [cores] (core/config.h), stage by stage; an empty list leaves the stage unpinned.
struct CoreMap {
  std::vector<int> ingress;
  std::vector<int> verify;
  std::vector<int> mempool;
  std::vector<int> consensus;
  std::vector<int> commit;
  std::vector<int> net;
  std::vector<int> rpc;
};

struct HardwareProfile {
  std::string name;
  std::string description;
  std::optional<BiosSettings> bios;  // absent for a VM
  CpuSettings cpu;
  MemorySettings memory;
  KernelSettings kernel;
  std::optional<NicSettings> nic;  // absent: socket ingress
  std::optional<GpuSettings> gpu;  // absent: CPU verification
  CoreMap cores;
};

// Parses a profile's JSON text. `origin_name` starts every error message. Errors, all kConfig:
// JSON syntax (with line and column); any schema rule; and what the schema cannot state: a CPU
// list whose range ends below its start or names a CPU twice; housekeeping and isolated cores
// overlap; a core of the core map is not isolated; cores.ingress is non-empty
// and its length differs from nic.rss_queues; a hugepages= or hugepagesz= parameter disagrees with
// memory; the nic's drivers do not pair (net_ice with vfio-pci and a DDP package, net_mlx5 with
// mlx5_core). Only the first is reported.
Result<HardwareProfile> parse_profile(std::string_view text, std::string_view origin_name);

// Reads and parses the file at `path`; its "name" must equal the file name without ".json". A file
// that cannot be read is kConfig naming the path and the reason.
Result<HardwareProfile> load_profile_file(const std::string& path);

// Where the profile `name_or_path` lives: a value containing '/' or ending in ".json" is a path
// taken as is; otherwise "<profiles_dir>/<name>.json". A name with other characters than
// [a-z0-9-_] or without a file is kNotFound listing the profiles in `profiles_dir`.
Result<std::string> resolve_profile_path(const std::string& profiles_dir,
                                         const std::string& name_or_path);

}  // namespace tc::hwcheck
