// hwcheck: compares the running machine with a HardwareProfile (node/hwcheck/profile.h) and
// reports each item as ok, drift or not applicable, with the command that fixes each drift, the
// way Firedancer's `fdctl configure check` reports its stages. It backs `timecoind hwcheck` and the
// timecoin-hwcheck tool.
//
// It needs no root: it reads /proc and /sys (through a root prefix, so tests run on synthetic
// trees), /lib/firmware for a DDP package, and runs `nvidia-smi --query-gpu` where a GPU is
// expected. It changes nothing. The items, in order, are listed in docs/hardware.md. Called from
// one thread; it allocates freely (a startup tool, never a hot path).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "node/hwcheck/profile.h"

namespace tc::hwcheck {

enum class CheckStatus : unsigned char { kOk, kDrift, kNotApplicable };
// "ok", "drift", "not_applicable".
std::string_view check_status_name(CheckStatus status);

struct CheckItem {
  std::string check;  // dotted id: "kernel.cmdline.hugepages", "nic.0000:17:00.0.driver"
  CheckStatus status = CheckStatus::kOk;
  std::string expected;  // what the profile asks for
  std::string actual;    // what the machine has; for kNotApplicable, why the item does not apply
  std::string fix;       // the command(s) that fix a drift, run as root; empty unless kDrift
};

struct HwcheckOptions {
  // Prefix under which proc/, sys/ and lib/firmware/ are read; "/" for the running machine.
  std::string root = "/";
  // The nvidia-smi program: a path, or a name looked up in PATH. When it cannot be found the GPU
  // items are not applicable (a machine without the NVIDIA driver, or a synthetic tree).
  std::string nvidia_smi = "nvidia-smi";
};

struct HwcheckReport {
  std::string profile;
  std::string root;
  std::vector<CheckItem> items;

  int count(CheckStatus status) const;
  bool has_drift() const { return count(CheckStatus::kDrift) > 0; }
};

// Checks the machine under options.root against `profile`. Errors: kIoError naming the file when
// <root>/proc/cmdline or <root>/sys/devices/system/cpu/online cannot be read (not a Linux root, or
// no permission): nothing can be judged then. Any other missing file is an item's drift or its
// reason for not applying, never an error.
Result<HwcheckReport> run_hwcheck(const HardwareProfile& profile, const HwcheckOptions& options);

// The report for a terminal: one line per item ("ok", "drift" or "n/a", the check id, and what was
// found), a "fix:" line under each drift, and a closing "result:" line with the counts.
std::string render_text(const HwcheckReport& report);

// The report as one JSON object (the shape is in docs/hardware.md):
// {"profile", "root", "result": "ok"|"drift", "counts": {"ok", "drift", "not_applicable"},
//  "items": [{"check", "status", "expected", "actual", "fix" (null unless drift)}]}.
std::string render_json(const HwcheckReport& report);

}  // namespace tc::hwcheck
