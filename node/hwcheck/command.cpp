#include "node/hwcheck/command.h"

#include "node/hwcheck/profile.h"

namespace tc::hwcheck {
namespace {

constexpr int kExitDrift = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCannotRead = 3;

}  // namespace

void add_hwcheck_flags(CLI::App* app, HwcheckCommand* command) {
  app->add_option("--profile", command->profile,
                  "Profile name (dev-cpu, h100-cx7, e810) or a .json file")
      ->required();
  app->add_option("--profiles-dir", command->profiles_dir, "Folder of the named profiles")
      ->default_val(command->profiles_dir);
  app->add_option("--root", command->options.root, "Read proc/ and sys/ under this folder (tests)")
      ->default_val("/");
  app->add_option("--nvidia-smi", command->options.nvidia_smi,
                  "nvidia-smi program, a path or a PATH name")
      ->default_val("nvidia-smi");
  app->add_flag("--json", command->json, "Print the report as one JSON object");
}

int run_hwcheck_command(const HwcheckCommand& command, std::string_view program, std::ostream& out,
                        std::ostream& err) {
  auto path = resolve_profile_path(command.profiles_dir, command.profile);
  if (!path.is_ok()) {
    err << program << ": --profile: " << path.status().message() << "\n";
    return kExitUsage;
  }
  auto profile = load_profile_file(*path);
  if (!profile.is_ok()) {
    err << program << ": --profile: " << profile.status().message() << "\n";
    return kExitUsage;
  }
  auto report = run_hwcheck(*profile, command.options);
  if (!report.is_ok()) {
    err << program << ": --root " << command.options.root << ": " << report.status().message()
        << "\n";
    return kExitCannotRead;
  }
  out << (command.json ? render_json(*report) : render_text(*report));
  return report->has_drift() ? kExitDrift : 0;
}

}  // namespace tc::hwcheck
