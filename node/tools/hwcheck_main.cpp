// timecoin-hwcheck: compares this machine with a hardware profile from firmware_configs/ and
// prints each item as ok, drift or n/a, with the command that fixes each drift.
//
//   timecoin-hwcheck --profile NAME|FILE [--json] [--profiles-dir DIR] [--root DIR]
//                    [--nvidia-smi PROGRAM]
//
// Exit status: 0 every item ok or not applicable; 1 at least one drift; 2 a usage error (bad
// option, unknown or malformed profile), with the option and the field named on stderr; 3 the
// machine's /proc or /sys cannot be read. It needs no root and changes nothing. The logic lives in
// node/hwcheck/ (profile.h, hwcheck.h), which `timecoind hwcheck` calls with the same flags; this
// file only wires it to CLI11. docs/hardware.md has the items and the JSON shape.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "node/hwcheck/hwcheck.h"
#include "node/hwcheck/profile.h"

namespace {

constexpr int kExitDrift = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCannotRead = 3;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Compare this machine with a hardware profile (firmware_configs/profiles/)"};
  std::string profile_name;
  std::string profiles_dir = TC_PROFILES_DIR;
  tc::hwcheck::HwcheckOptions options;
  bool json = false;
  app.add_option("--profile", profile_name,
                 "Profile name (dev-cpu, h100-cx7, e810) or a .json file")
      ->required();
  app.add_option("--profiles-dir", profiles_dir, "Folder of the named profiles")
      ->default_val(profiles_dir);
  app.add_option("--root", options.root, "Read proc/ and sys/ under this folder (tests)")
      ->default_val("/");
  app.add_option("--nvidia-smi", options.nvidia_smi, "nvidia-smi program, a path or a PATH name")
      ->default_val("nvidia-smi");
  app.add_flag("--json", json, "Print the report as one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : kExitUsage;
  }

  auto path = tc::hwcheck::resolve_profile_path(profiles_dir, profile_name);
  if (!path.is_ok()) {
    std::cerr << "timecoin-hwcheck: --profile: " << path.status().message() << "\n";
    return kExitUsage;
  }
  auto profile = tc::hwcheck::load_profile_file(*path);
  if (!profile.is_ok()) {
    std::cerr << "timecoin-hwcheck: --profile: " << profile.status().message() << "\n";
    return kExitUsage;
  }
  auto report = tc::hwcheck::run_hwcheck(*profile, options);
  if (!report.is_ok()) {
    std::cerr << "timecoin-hwcheck: --root " << options.root << ": " << report.status().message()
              << "\n";
    return kExitCannotRead;
  }
  std::cout << (json ? tc::hwcheck::render_json(*report) : tc::hwcheck::render_text(*report));
  return report->has_drift() ? kExitDrift : 0;
}
