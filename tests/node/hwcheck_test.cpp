// Goal: hwcheck judges a machine against a profile item by item, names each drift with the
// command that fixes it, and judges this machine against dev-cpu by what its /sys really says.
// Method: synthetic /proc and /sys trees in a temporary folder (files, and symbolic links for
// driver and iommu_group as the kernel makes them), a fake nvidia-smi script printing the CSV the
// real one prints for the query, and the shipped profiles h100-cx7 and e810. One tree per profile
// matches it (every item ok or not applicable); each drift test changes one thing in it and checks
// that exactly that item drifts, with its fix. The dev-cpu test reads the real / and compares
// each item with the /sys files it reads itself.
// Scenarios: h100-cx7 matching; drifts of a kernel parameter (grub fix), nohz_full (tuned fix),
// nohz_full not taken by the kernel, hugepages on one node, governor on some cores, the cpuset
// partition, SMT switched off, core 0's sibling isolated, the ConnectX port on vfio-pci, the
// port missing, the IOMMU off, GPU persistence, clocks, ECC and MIG, nvidia-smi failing, and
// nvidia-smi absent (not applicable), garbled nvidia-smi output, garbled kernel values, a missing
// 1 GiB pool. e810 matching; drifts of the port on ice, a shared IOMMU
// group, irdma loaded, the DDP package missing. An unreadable tree is kIoError; the JSON and text
// renderings carry every item.
#include "node/hwcheck/hwcheck.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "node/hwcheck/profile.h"

namespace tc::hwcheck {
namespace {

namespace fs = std::filesystem;

const std::string kProfilesDir = std::string(TC_SOURCE_DIR) + "/firmware_configs/profiles";

HardwareProfile shipped(const std::string& name) {
  auto profile = load_profile_file(kProfilesDir + "/" + name + ".json");
  TC_CHECK(profile.is_ok(), "a shipped profile failed to load");
  return *profile;
}

// A synthetic machine root in a fresh temporary folder, removed at the end of the test.
class FakeMachine {
 public:
  FakeMachine() {
    root_ = fs::temp_directory_path() /
            ("hwcheck_test_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~FakeMachine() { fs::remove_all(root_); }

  std::string root() const { return root_.string(); }

  void write(const std::string& path, const std::string& text) {
    fs::path file = root_ / path.substr(1);
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text << "\n";
  }
  void remove(const std::string& path) { fs::remove_all(root_ / path.substr(1)); }
  void mkdir(const std::string& path) { fs::create_directories(root_ / path.substr(1)); }
  // A symbolic link at `path` whose target ends in `target` (the kernel uses relative links).
  void link(const std::string& path, const std::string& target) {
    fs::path file = root_ / path.substr(1);
    fs::create_directories(file.parent_path());
    fs::remove(file);
    fs::create_symlink(target, file);
  }
  void pci_function(const std::string& address, const std::string& vendor,
                    const std::string& device, const std::string& driver, int group) {
    std::string base = "/sys/bus/pci/devices/" + address;
    write(base + "/vendor", "0x" + vendor);
    write(base + "/device", "0x" + device);
    if (!driver.empty()) link(base + "/driver", "../../../bus/pci/drivers/" + driver);
    if (group >= 0) {
      link(base + "/iommu_group", "../../../kernel/iommu_groups/" + std::to_string(group));
      mkdir("/sys/kernel/iommu_groups/" + std::to_string(group) + "/devices/" + address);
    }
  }
  void cpus(const std::string& online, int count, const std::string& governor) {
    write("/sys/devices/system/cpu/online", online);
    for (int core = 0; core < count; ++core) {
      write("/sys/devices/system/cpu/cpu" + std::to_string(core) + "/cpufreq/scaling_governor",
            governor);
    }
  }
  void hugepages(int node, int pages) {
    write("/sys/devices/system/node/node" + std::to_string(node) +
              "/hugepages/hugepages-1048576kB/nr_hugepages",
          std::to_string(pages));
  }
  // An executable script standing in for nvidia-smi; returns its path.
  std::string nvidia_smi(const std::string& body) {
    std::string path = (root_ / "nvidia-smi").string();
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    return path;
  }

 private:
  static inline int counter_ = 0;
  fs::path root_;
};

constexpr const char* kH100Cmdline =
    "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f0e ro quiet default_hugepagesz=1G "
    "hugepagesz=1G hugepages=32 intel_iommu=on iommu=pt irqaffinity=0-1,64-65 "
    "intel_idle.max_cstate=1 processor.max_cstate=1 skew_tick=1 nohz=on nohz_full=2-15,66-79 "
    "rcu_nocbs=66-79,2-15 tuned.non_isolcpus=ffff0000,00000003 intel_pstate=disable nosoftlockup";
constexpr const char* kH100GpuOk = "echo '0, Enabled, 2619, 1980, Enabled, Disabled'";

// A dual-socket 128-thread server tuned as h100-cx7 asks.
void make_h100_machine(FakeMachine* machine) {
  machine->write("/proc/cmdline", kH100Cmdline);
  machine->cpus("0-127", 128, "performance");
  machine->write("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0,64");
  machine->write("/sys/devices/system/cpu/smt/control", "on");
  machine->write("/sys/devices/system/cpu/smt/active", "1");
  machine->write("/sys/devices/system/cpu/nohz_full", "2-15,66-79");
  machine->mkdir("/sys/class/iommu/dmar0");
  machine->mkdir("/sys/class/iommu/dmar1");
  machine->write("/sys/fs/cgroup/timecoin.slice/cpuset.cpus.partition", "isolated");
  machine->write("/sys/fs/cgroup/timecoin.slice/cpuset.cpus.effective", "2-15,66-79");
  machine->hugepages(0, 16);
  machine->hugepages(1, 16);
  machine->pci_function("0000:00:00.0", "8086", "09a2", "", 1);
  machine->pci_function("0000:17:00.0", "15b3", "1021", "mlx5_core", 23);
  machine->pci_function("0000:17:00.1", "15b3", "1021", "mlx5_core", 24);
  machine->pci_function("0000:18:00.0", "10de", "2330", "nvidia", 25);
}

// A single-socket 32-core server, SMT off, tuned as e810 asks.
void make_e810_machine(FakeMachine* machine) {
  machine->write("/proc/cmdline",
                 "BOOT_IMAGE=/boot/vmlinuz root=/dev/nvme0n1p2 ro default_hugepagesz=1G "
                 "hugepagesz=1G hugepages=16 amd_iommu=on iommu=pt irqaffinity=0-1 "
                 "processor.max_cstate=1 nohz=on nohz_full=2-30 rcu_nocbs=2-30 -- single");
  machine->cpus("0-31", 32, "performance");
  machine->write("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0");
  machine->write("/sys/devices/system/cpu/smt/control", "off");
  machine->write("/sys/devices/system/cpu/smt/active", "0");
  machine->write("/sys/devices/system/cpu/nohz_full", "2-30");
  machine->mkdir("/sys/class/iommu/ivhd0");
  machine->write("/sys/fs/cgroup/timecoin.slice/cpuset.cpus.partition", "isolated");
  machine->write("/sys/fs/cgroup/timecoin.slice/cpuset.cpus.effective", "2-30");
  machine->hugepages(0, 16);
  machine->pci_function("0000:41:00.0", "8086", "1592", "vfio-pci", 31);
  machine->pci_function("0000:41:00.1", "8086", "1592", "ice", 32);
  machine->mkdir("/sys/module/ice");
  machine->write("/lib/firmware/intel/ice/ddp/ice.pkg", "ddp");
}

HwcheckReport check(const std::string& profile, FakeMachine& machine, std::string nvidia_smi) {
  HwcheckOptions options;
  options.root = machine.root();
  options.nvidia_smi = std::move(nvidia_smi);
  auto report = run_hwcheck(shipped(profile), options);
  TC_CHECK(report.is_ok(), "run_hwcheck failed on a synthetic tree");
  return *report;
}

const CheckItem* find_item(const HwcheckReport& report, const std::string& id) {
  for (const CheckItem& item : report.items) {
    if (item.check == id) return &item;
  }
  return nullptr;
}

std::string drifts(const HwcheckReport& report) {
  std::string list;
  for (const CheckItem& item : report.items) {
    if (item.status == CheckStatus::kDrift) list += item.check + " ";
  }
  return list;
}

// The report has exactly one drift, `id`, whose fix is `fix`.
void expect_single_drift(const HwcheckReport& report, const std::string& id,
                         const std::string& fix) {
  EXPECT_EQ(drifts(report), id + " ") << render_text(report);
  const CheckItem* item = find_item(report, id);
  ASSERT_NE(item, nullptr) << render_text(report);
  EXPECT_EQ(item->status, CheckStatus::kDrift);
  EXPECT_EQ(item->fix, fix);
}

class H100Test : public ::testing::Test {
 protected:
  void SetUp() override { make_h100_machine(&machine_); }
  HwcheckReport run(const std::string& gpu_script = kH100GpuOk) {
    return check("h100-cx7", machine_, machine_.nvidia_smi(gpu_script));
  }
  FakeMachine machine_;
};

TEST_F(H100Test, MatchingMachineIsAllOk) {
  HwcheckReport report = run();
  EXPECT_FALSE(report.has_drift()) << render_text(report);
  EXPECT_EQ(report.count(CheckStatus::kNotApplicable), 0) << render_text(report);
  for (const char* id :
       {"kernel.cmdline.hugepages", "kernel.cmdline.rcu_nocbs", "kernel.nohz_full_effective",
        "cpu.isolated_cpuset", "bios.smt", "memory.hugepages_1g.node1", "cpu.governor",
        "nic.0000:17:00.0.driver", "nic.0000:17:00.0.iommu_group", "gpu.0.application_clocks_mhz",
        "gpu.0.mig"}) {
    const CheckItem* item = find_item(report, id);
    ASSERT_NE(item, nullptr) << id << "\n" << render_text(report);
    EXPECT_EQ(item->status, CheckStatus::kOk) << id;
  }
  // Only the first `ports` (1) matching functions are checked.
  EXPECT_EQ(find_item(report, "nic.0000:17:00.1.driver"), nullptr);
}

const std::string kGrubFix =
    "echo 'GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX default_hugepagesz=1G hugepagesz=1G "
    "hugepages=32 intel_iommu=on iommu=pt irqaffinity=0-1,64-65 intel_idle.max_cstate=1 "
    "processor.max_cstate=1\"' > /etc/default/grub.d/timecoin.cfg && update-grub && reboot";
const std::string kTunedFix =
    "echo isolated_cores=2-15,66-79 > /etc/tuned/cpu-partitioning-variables.conf && tuned-adm "
    "profile cpu-partitioning && reboot";

TEST_F(H100Test, MissingKernelParameterDriftsWithGrubFix) {
  std::string cmdline = kH100Cmdline;
  cmdline.replace(cmdline.find(" iommu=pt"), 9, "");
  machine_.write("/proc/cmdline", cmdline);
  HwcheckReport report = run();
  expect_single_drift(report, "kernel.cmdline.iommu", kGrubFix);
  EXPECT_EQ(find_item(report, "kernel.cmdline.iommu")->actual, "absent");
}

TEST_F(H100Test, WrongNohzFullDriftsWithTunedFix) {
  std::string cmdline = kH100Cmdline;
  cmdline.replace(cmdline.find("nohz_full=2-15,66-79"), 20, "nohz_full=2-15");
  machine_.write("/proc/cmdline", cmdline);
  machine_.write("/sys/devices/system/cpu/nohz_full", "2-15");
  HwcheckReport report = run();
  EXPECT_EQ(drifts(report), "kernel.cmdline.nohz_full kernel.nohz_full_effective ");
  EXPECT_EQ(find_item(report, "kernel.cmdline.nohz_full")->fix, kTunedFix);
  EXPECT_EQ(find_item(report, "kernel.cmdline.nohz_full")->actual, "nohz_full=2-15");
  EXPECT_EQ(find_item(report, "kernel.nohz_full_effective")->fix, kTunedFix);
}

TEST_F(H100Test, NohzFullIgnoredByKernelDrifts) {
  machine_.write("/sys/devices/system/cpu/nohz_full", "(null)");
  HwcheckReport report = run();
  EXPECT_EQ(drifts(report), "kernel.nohz_full_effective ");
  EXPECT_NE(find_item(report, "kernel.nohz_full_effective")->fix.find("the kernel ignored"),
            std::string::npos);
}

TEST_F(H100Test, HugepagesShortOnOneNodeDrifts) {
  machine_.hugepages(1, 9);
  expect_single_drift(run(), "memory.hugepages_1g.node1",
                      "echo 16 > /sys/devices/system/node/node1/hugepages/"
                      "hugepages-1048576kB/nr_hugepages (lasting: the profile's hugepages= on "
                      "the kernel command line)");
}

TEST_F(H100Test, GovernorOnSomeCoresDrifts) {
  machine_.write("/sys/devices/system/cpu/cpu3/cpufreq/scaling_governor", "powersave");
  machine_.write("/sys/devices/system/cpu/cpu4/cpufreq/scaling_governor", "powersave");
  machine_.write("/sys/devices/system/cpu/cpu9/cpufreq/scaling_governor", "schedutil");
  HwcheckReport report = run();
  expect_single_drift(report, "cpu.governor", "cpupower -c 3-4,9 frequency-set -g performance");
  EXPECT_EQ(find_item(report, "cpu.governor")->actual,
            "0-2,5-8,10-127 performance; 3-4 powersave; 9 schedutil");
}

TEST_F(H100Test, CpusetNotIsolatedDrifts) {
  machine_.write("/sys/fs/cgroup/timecoin.slice/cpuset.cpus.partition", "member");
  expect_single_drift(run(), "cpu.isolated_cpuset",
                      "systemctl set-property timecoin.slice AllowedCPUs=2-15,66-79 && echo "
                      "isolated > /sys/fs/cgroup/timecoin.slice/cpuset.cpus.partition");
}

TEST_F(H100Test, SmtSwitchedOffDrifts) {
  machine_.write("/sys/devices/system/cpu/smt/control", "off");
  machine_.write("/sys/devices/system/cpu/smt/active", "0");
  expect_single_drift(run(), "bios.smt", "echo on > /sys/devices/system/cpu/smt/control");
}

TEST_F(H100Test, IsolatedSiblingOfCoreZeroDrifts) {
  machine_.write("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0,2");
  HwcheckReport report = run();
  EXPECT_EQ(drifts(report), "cpu.housekeeping_siblings ");
  EXPECT_EQ(find_item(report, "cpu.housekeeping_siblings")->fix.rfind("add 2 to", 0), 0u);
}

TEST_F(H100Test, ConnectXOnVfioDriftsBackToMlx5) {
  machine_.link("/sys/bus/pci/devices/0000:17:00.0/driver", "../../../bus/pci/drivers/vfio-pci");
  expect_single_drift(run(), "nic.0000:17:00.0.driver", "driverctl unset-override 0000:17:00.0");
}

TEST_F(H100Test, ConnectXUnboundDriftsWithModprobe) {
  machine_.remove("/sys/bus/pci/devices/0000:17:00.0/driver");
  HwcheckReport report = run();
  expect_single_drift(report, "nic.0000:17:00.0.driver",
                      "modprobe mlx5_core && driverctl unset-override 0000:17:00.0");
  EXPECT_EQ(find_item(report, "nic.0000:17:00.0.driver")->actual, "unbound");
}

TEST_F(H100Test, MissingNicDrifts) {
  machine_.remove("/sys/bus/pci/devices/0000:17:00.0");
  machine_.remove("/sys/bus/pci/devices/0000:17:00.1");
  HwcheckReport report = run();
  EXPECT_EQ(drifts(report), "nic.present ");
  EXPECT_EQ(find_item(report, "nic.present")->actual, "0 matching PCI functions");
}

TEST_F(H100Test, IommuOffDrifts) {
  machine_.remove("/sys/class/iommu/dmar0");
  machine_.remove("/sys/class/iommu/dmar1");
  machine_.remove("/sys/bus/pci/devices/0000:17:00.0/iommu_group");
  HwcheckReport report = run();
  EXPECT_EQ(drifts(report), "bios.iommu nic.0000:17:00.0.iommu_group ");
}

TEST_F(H100Test, GpuSettingsDriftWithNvidiaSmiFixes) {
  HwcheckReport report = run("echo '0, Disabled, 1593, 1755, Disabled, Enabled'");
  EXPECT_EQ(drifts(report),
            "gpu.0.persistence_mode gpu.0.application_clocks_mhz gpu.0.ecc gpu.0.mig ");
  EXPECT_EQ(find_item(report, "gpu.0.persistence_mode")->fix, "nvidia-smi -i 0 -pm 1");
  EXPECT_EQ(find_item(report, "gpu.0.application_clocks_mhz")->fix,
            "nvidia-smi -i 0 -ac 2619,1980");
  EXPECT_EQ(find_item(report, "gpu.0.application_clocks_mhz")->actual, "1593,1755");
  EXPECT_EQ(find_item(report, "gpu.0.ecc")->fix, "nvidia-smi -i 0 -e 1 && reboot");
  EXPECT_EQ(find_item(report, "gpu.0.mig")->fix, "nvidia-smi -i 0 -mig 0");
}

TEST_F(H100Test, GpuWithoutMigSupportIsOk) {
  HwcheckReport report = run("echo '0, Enabled, 2619, 1980, Enabled, [N/A]'");
  EXPECT_FALSE(report.has_drift()) << render_text(report);
}

TEST_F(H100Test, NvidiaSmiFailingDrifts) {
  HwcheckReport report =
      run("echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'\n"
          "exit 9");
  expect_single_drift(report, "gpu.driver",
                      "modprobe nvidia (Debian packages: nvidia-driver nvidia-smi)");
  EXPECT_NE(find_item(report, "gpu.driver")->actual.find("exited 9: NVIDIA-SMI has failed"),
            std::string::npos);
}

TEST_F(H100Test, NvidiaSmiWithNoGpuDrifts) {
  expect_single_drift(run("true"), "gpu.present",
                      "none on this machine: install the H100 SXM5 80GB or choose the profile "
                      "that matches this machine (firmware_configs/profiles/)");
}

TEST_F(H100Test, NvidiaSmiAbsentIsNotApplicable) {
  HwcheckReport report = check("h100-cx7", machine_, machine_.root() + "/no/nvidia-smi");
  EXPECT_FALSE(report.has_drift()) << render_text(report);
  const CheckItem* gpu = find_item(report, "gpu");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->status, CheckStatus::kNotApplicable);
}

TEST_F(H100Test, GarbledNvidiaSmiOutputDrifts) {
  HwcheckReport report = run("echo 'Enabled, 2619'");
  EXPECT_EQ(drifts(report), "gpu.query gpu.present ");
  EXPECT_EQ(find_item(report, "gpu.query")->actual, "nvidia-smi printed \"Enabled, 2619\"");
}

TEST_F(H100Test, GarbledKernelValuesDriftInsteadOfFailing) {
  std::string cmdline = kH100Cmdline;
  cmdline.replace(cmdline.find("nohz_full=2-15,66-79"), 20, "nohz_full=15-2,x");
  machine_.write("/proc/cmdline", cmdline);
  machine_.write("/sys/devices/system/cpu/nohz_full", "garbage");
  machine_.write("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0-");
  machine_.mkdir("/sys/devices/system/node/node99999999999");
  HwcheckReport report = run();
  EXPECT_EQ(drifts(report),
            "cpu.housekeeping_siblings kernel.cmdline.nohz_full kernel.nohz_full_effective ");
  EXPECT_EQ(find_item(report, "kernel.nohz_full_effective")->fix, kTunedFix);
}

TEST_F(H100Test, MissingOneGigabytePoolDriftsWithGrubFix) {
  machine_.remove("/sys/devices/system/node/node0/hugepages");
  HwcheckReport report = run();
  expect_single_drift(report, "memory.hugepages_1g.node0", kGrubFix);
}

class E810Test : public ::testing::Test {
 protected:
  void SetUp() override { make_e810_machine(&machine_); }
  HwcheckReport run() { return check("e810", machine_, machine_.root() + "/no/nvidia-smi"); }
  FakeMachine machine_;
};

TEST_F(E810Test, MatchingMachineIsAllOk) {
  HwcheckReport report = run();
  EXPECT_FALSE(report.has_drift()) << render_text(report);
  for (const char* id :
       {"nic.0000:41:00.0.driver", "nic.0000:41:00.0.iommu_group", "nic.blacklist.irdma",
        "nic.ddp_package", "bios.smt", "kernel.cmdline.amd_iommu", "memory.hugepages_1g.node0"}) {
    const CheckItem* item = find_item(report, id);
    ASSERT_NE(item, nullptr) << id << "\n" << render_text(report);
    EXPECT_EQ(item->status, CheckStatus::kOk) << id;
  }
  EXPECT_EQ(find_item(report, "gpu")->status, CheckStatus::kNotApplicable);
}

TEST_F(E810Test, PortOnIceDriftsToVfio) {
  machine_.link("/sys/bus/pci/devices/0000:41:00.0/driver", "../../../bus/pci/drivers/ice");
  expect_single_drift(run(), "nic.0000:41:00.0.driver",
                      "modprobe vfio-pci && driverctl set-override 0000:41:00.0 vfio-pci");
}

TEST_F(E810Test, SharedIommuGroupDrifts) {
  machine_.mkdir("/sys/kernel/iommu_groups/31/devices/0000:41:00.1");
  machine_.link("/sys/bus/pci/devices/0000:41:00.1/iommu_group", "../../../kernel/iommu_groups/31");
  HwcheckReport report = run();
  expect_single_drift(report, "nic.0000:41:00.0.iommu_group",
                      "driverctl set-override 0000:41:00.1 vfio-pci");
  EXPECT_EQ(find_item(report, "nic.0000:41:00.0.iommu_group")->actual,
            "group 31 also holds 0000:41:00.1 on ice");
}

TEST_F(E810Test, IrdmaLoadedDrifts) {
  machine_.mkdir("/sys/module/irdma");
  expect_single_drift(run(), "nic.blacklist.irdma",
                      "echo 'blacklist irdma' > /etc/modprobe.d/timecoin-irdma.conf && modprobe "
                      "-r irdma");
}

TEST_F(E810Test, MissingDdpPackageDrifts) {
  machine_.remove("/lib/firmware/intel");
  expect_single_drift(run(), "nic.ddp_package", "apt-get install firmware-misc-nonfree");
}

TEST_F(E810Test, DdpPackageUnderUpdatesIsOk) {
  machine_.remove("/lib/firmware/intel");
  machine_.write("/lib/firmware/updates/intel/ice/ddp/ice.pkg", "ddp");
  EXPECT_FALSE(run().has_drift());
}

TEST(HwcheckTest, UnreadableTreeIsIoError) {
  FakeMachine machine;
  HwcheckOptions options;
  options.root = machine.root();
  auto empty = run_hwcheck(shipped("dev-cpu"), options);
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kIoError);
  EXPECT_NE(empty.status().message().find("/proc/cmdline"), std::string_view::npos);

  machine.write("/proc/cmdline", "ro");
  machine.write("/sys/devices/system/cpu/online", "zero");
  auto garbled = run_hwcheck(shipped("dev-cpu"), options);
  ASSERT_FALSE(garbled.is_ok());
  EXPECT_EQ(garbled.status().code(), StatusCode::kIoError);
  EXPECT_NE(garbled.status().message().find("/sys/devices/system/cpu/online"),
            std::string_view::npos);
}

TEST(HwcheckTest, RenderingsCarryEveryItem) {
  FakeMachine machine;
  make_e810_machine(&machine);
  machine.mkdir("/sys/module/irdma");
  HwcheckReport report = check("e810", machine, machine.root() + "/no/nvidia-smi");
  auto document = nlohmann::json::parse(render_json(report));
  EXPECT_EQ(document.at("profile"), "e810");
  EXPECT_EQ(document.at("result"), "drift");
  EXPECT_EQ(document.at("counts").at("drift"), 1);
  ASSERT_EQ(document.at("items").size(), report.items.size());
  for (const auto& item : document.at("items")) {
    EXPECT_EQ(item.at("fix").is_null(), item.at("status") != "drift") << item.dump();
  }
  std::string text = render_text(report);
  EXPECT_NE(text.find("fix: echo 'blacklist irdma'"), std::string::npos) << text;
  EXPECT_NE(text.find("result: drift (" + std::to_string(report.count(CheckStatus::kOk)) +
                      " ok, 1 drift, 1 not applicable)"),
            std::string::npos)
      << text;
}

// This machine against dev-cpu: each item must say what this machine's own /sys says.
TEST(HwcheckTest, ThisMachineAgainstDevCpu) {
  HwcheckOptions options;
  options.nvidia_smi = "/nonexistent/nvidia-smi";
  auto report = run_hwcheck(shipped("dev-cpu"), options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();

  const CheckItem* governor = find_item(*report, "cpu.governor");
  ASSERT_NE(governor, nullptr);
  std::ifstream online_file("/sys/devices/system/cpu/online");
  std::string online_text;
  std::getline(online_file, online_text);
  auto online = parse_cpu_list(online_text);
  ASSERT_TRUE(online.is_ok());
  bool any_cpufreq = false;
  bool all_performance = true;
  for (int core : *online) {
    std::ifstream file("/sys/devices/system/cpu/cpu" + std::to_string(core) +
                       "/cpufreq/scaling_governor");
    std::string value;
    if (!std::getline(file, value)) continue;
    any_cpufreq = true;
    all_performance = all_performance && value == "performance";
  }
  EXPECT_EQ(governor->status, !any_cpufreq      ? CheckStatus::kNotApplicable
                              : all_performance ? CheckStatus::kOk
                                                : CheckStatus::kDrift);

  int nodes = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/sys/devices/system/node", error)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.rfind("node", 0) == 0 && isdigit(name[4])) ++nodes;
  }
  EXPECT_EQ(find_item(*report, "memory.numa_nodes")->status,
            nodes <= 1 ? CheckStatus::kOk : CheckStatus::kDrift);
  EXPECT_EQ(find_item(*report, "memory.numa_nodes")->actual, std::to_string(std::max(nodes, 1)));
  EXPECT_EQ(find_item(*report, "memory.hugepages_1g")->status, CheckStatus::kNotApplicable);
  EXPECT_EQ(find_item(*report, "cpu.cores_online")->status, CheckStatus::kOk);
  EXPECT_EQ(find_item(*report, "nic")->status, CheckStatus::kNotApplicable);
  EXPECT_EQ(find_item(*report, "gpu")->status, CheckStatus::kNotApplicable);
  EXPECT_EQ(report->has_drift(),
            governor->status == CheckStatus::kDrift ||
                find_item(*report, "memory.numa_nodes")->status == CheckStatus::kDrift)
      << render_text(*report);
}

}  // namespace
}  // namespace tc::hwcheck
