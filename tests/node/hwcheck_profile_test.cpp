// Goal: every shipped hardware profile (firmware_configs/profiles/*.json) loads, and a broken
// profile is refused with a kConfig error that names the field at fault.
// Method: load each shipped file through load_profile_file; then apply each mutation listed in
// hwcheck_broken_profiles.json (shared with hwcheck_schema_test.sh, which runs the same cases
// through the JSON Schema) to its base profile and parse the result.
// Scenarios: the three shipped profiles load with the values the daemon and Ansible rely on
// (core map, isolated cores, drivers); every broken case names its field; JSON syntax errors name
// line and column; a file whose name disagrees with "name" is refused; an unreadable file names
// its path; CPU lists parse, format and reject bad ranges; profile names resolve to files and an
// unknown one lists the known names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "node/hwcheck/profile.h"

namespace tc::hwcheck {
namespace {

const std::string kProfilesDir = std::string(TC_SOURCE_DIR) + "/firmware_configs/profiles";

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(HardwareProfileTest, EveryShippedProfileLoads) {
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kProfilesDir)) {
    auto profile = load_profile_file(entry.path().string());
    EXPECT_TRUE(profile.is_ok()) << profile.status().to_string();
    ++loaded;
  }
  EXPECT_GE(loaded, 3);
}

TEST(HardwareProfileTest, ShippedProfilesCarryTheirHardwareClass) {
  auto dev = load_profile_file(kProfilesDir + "/dev-cpu.json");
  ASSERT_TRUE(dev.is_ok()) << dev.status().to_string();
  EXPECT_FALSE(dev->bios.has_value());
  EXPECT_FALSE(dev->nic.has_value());
  EXPECT_FALSE(dev->gpu.has_value());
  EXPECT_TRUE(dev->cpu.isolated_cores.empty());
  EXPECT_TRUE(dev->cores.verify.empty());

  auto h100 = load_profile_file(kProfilesDir + "/h100-cx7.json");
  ASSERT_TRUE(h100.is_ok()) << h100.status().to_string();
  ASSERT_TRUE(h100->nic.has_value());
  EXPECT_EQ(h100->nic->bind_driver, "mlx5_core");
  EXPECT_EQ(h100->nic->dpdk_driver, "net_mlx5");
  EXPECT_EQ(h100->nic->pci_ids, (std::vector<PciId>{{0x15b3, 0x1021}}));
  ASSERT_TRUE(h100->gpu.has_value());
  EXPECT_FALSE(h100->gpu->mig);
  EXPECT_EQ(format_cpu_list(h100->cpu.isolated_cores), "2-15,66-79");
  EXPECT_EQ(format_cpu_list(h100->cpu.housekeeping_cores), "0-1,64-65");
  EXPECT_EQ(h100->cores.ingress, (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(static_cast<int>(h100->cores.ingress.size()), h100->nic->rss_queues);

  auto e810 = load_profile_file(kProfilesDir + "/e810.json");
  ASSERT_TRUE(e810.is_ok()) << e810.status().to_string();
  ASSERT_TRUE(e810->nic.has_value());
  EXPECT_EQ(e810->nic->bind_driver, "vfio-pci");
  EXPECT_EQ(e810->nic->ddp_package, "intel/ice/ddp/ice.pkg");
  EXPECT_EQ(e810->nic->blacklist_modules, (std::vector<std::string>{"irdma"}));
  EXPECT_FALSE(e810->gpu.has_value());
  EXPECT_EQ(e810->cores.verify.size(), 16u);
}

// Applies one case's mutation to a copy of its base profile.
nlohmann::json mutate(nlohmann::json document, const nlohmann::json& mutation) {
  const nlohmann::json& path = mutation.at("path");
  nlohmann::json* parent = &document;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) parent = &(*parent)[path[i]];
  const nlohmann::json& last = path.back();
  if (mutation.at("op") == "remove") {
    parent->erase(last.get<std::string>());
  } else if (last.is_number()) {
    std::size_t index = last.get<std::size_t>();
    if (index == parent->size()) {
      parent->push_back(mutation.at("value"));
    } else {
      (*parent)[index] = mutation.at("value");
    }
  } else {
    (*parent)[last.get<std::string>()] = mutation.at("value");
  }
  return document;
}

TEST(HardwareProfileTest, BrokenProfilesAreRefusedNamingTheField) {
  auto cases = nlohmann::json::parse(
      read_text(std::string(TC_SOURCE_DIR) + "/tests/node/hwcheck_broken_profiles.json"));
  ASSERT_GE(cases.at("cases").size(), 30u);
  for (const nlohmann::json& mutation : cases.at("cases")) {
    std::string base = mutation.at("base");
    std::string field = mutation.at("field");
    auto document = nlohmann::json::parse(read_text(kProfilesDir + "/" + base + ".json"));
    std::string text = mutate(document, mutation).dump(2);
    auto profile = parse_profile(text, base + ".json");
    SCOPED_TRACE(mutation.dump());
    ASSERT_FALSE(profile.is_ok());
    EXPECT_EQ(profile.status().code(), StatusCode::kConfig);
    EXPECT_NE(profile.status().message().find(base + ".json: " + field), std::string_view::npos)
        << profile.status().message();
  }
}

TEST(HardwareProfileTest, SyntaxErrorNamesLineAndColumn) {
  std::string text = read_text(kProfilesDir + "/dev-cpu.json");
  std::string truncated = text.substr(0, text.find("\"memory\""));
  auto profile = parse_profile(truncated, "cut.json");
  ASSERT_FALSE(profile.is_ok());
  EXPECT_EQ(profile.status().code(), StatusCode::kConfig);
  std::size_t lines = std::count(truncated.begin(), truncated.end(), '\n');
  EXPECT_NE(profile.status().message().find("cut.json:" + std::to_string(lines + 1) + ":"),
            std::string_view::npos)
      << profile.status().message();

  auto not_object = parse_profile("[1, 2]", "array.json");
  ASSERT_FALSE(not_object.is_ok());
  EXPECT_NE(not_object.status().message().find("expected an object"), std::string_view::npos);
}

TEST(HardwareProfileTest, FileNameMustMatchName) {
  auto directory = std::filesystem::temp_directory_path() / "hwcheck_profile_test";
  std::filesystem::create_directories(directory);
  std::string path = (directory / "renamed.json").string();
  std::ofstream(path) << read_text(kProfilesDir + "/e810.json");
  auto profile = load_profile_file(path);
  ASSERT_FALSE(profile.is_ok());
  EXPECT_NE(profile.status().message().find("name: expected \"renamed\" (the file name)"),
            std::string_view::npos)
      << profile.status().message();

  auto missing = load_profile_file((directory / "absent.json").string());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kConfig);
  EXPECT_NE(missing.status().message().find("absent.json: cannot open"), std::string_view::npos);
  std::filesystem::remove_all(directory);
}

TEST(HardwareProfileTest, CpuListsRoundTripAndRejectBadRanges) {
  auto cores = parse_cpu_list("66-79,2-15");
  ASSERT_TRUE(cores.is_ok());
  EXPECT_EQ(cores->size(), 28u);
  EXPECT_EQ(format_cpu_list(*cores), "2-15,66-79");
  EXPECT_EQ(format_cpu_list(*parse_cpu_list("0,2,3,5")), "0,2-3,5");
  EXPECT_TRUE(parse_cpu_list("")->empty());
  for (const char* bad : {"3-1", "1,,2", "a", "1-", "-1", "1024", "0-2,2", " 1"}) {
    auto parsed = parse_cpu_list(bad);
    EXPECT_FALSE(parsed.is_ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HardwareProfileTest, ProfileNamesResolveAndUnknownOnesListTheKnown) {
  auto path = resolve_profile_path(kProfilesDir, "e810");
  ASSERT_TRUE(path.is_ok());
  EXPECT_EQ(*path, kProfilesDir + "/e810.json");
  EXPECT_EQ(*resolve_profile_path(kProfilesDir, "/tmp/x.json"), "/tmp/x.json");
  EXPECT_EQ(*resolve_profile_path(kProfilesDir, "local.json"), "local.json");

  for (const char* unknown : {"a100", "E810", "e810 "}) {
    auto missing = resolve_profile_path(kProfilesDir, unknown);
    ASSERT_FALSE(missing.is_ok()) << unknown;
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
    EXPECT_NE(missing.status().message().find("dev-cpu, e810, h100-cx7"), std::string_view::npos)
        << missing.status().message();
  }
}

}  // namespace
}  // namespace tc::hwcheck
