// Goal: every backend of the Ed25519 verifier gives the ZIP-215 verdict on every published vector.
// Method: load all files of ${TC_TESTDATA_DIR}/ed25519/ (provenance in testdata/README.md), take
// the expected verdict from the model_zip215 column of derived/ed25519_verdicts.tsv (Wycheproof,
// RFC, speccheck) or the annotated speccheck file; SUPERCOP and RFC lines are all valid. Run each
// case through verify_single, through BatchVerifierCpu with plain bisection (one batch per file,
// and small chunks) and with the default failure policy, and assert verdicts and case counts.
// Scenarios: RFC 8032 7.1 (5), SUPERCOP sign.input (1024), Wycheproof v1 (151; tcId 151 is accepted
// under ZIP-215 though labelled invalid), Wycheproof legacy (145), speccheck (12; 0-5 and 9-11
// accepted), the model column agrees with the file label except v1 tcId 151.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/ed25519/ifma/verify8.h"
#include "gpu/testing/ed25519_signer.h"
#include "gpu/testing/test_files.h"
#include "gpu/verifier.h"

namespace tc::gpu {
namespace {

using test::hex;

const std::string kDir = std::string(TC_TESTDATA_DIR) + "/ed25519/";

struct Case {
  std::string name;
  std::vector<std::uint8_t> pubkey, sig, msg;
  bool expect_accept;
};

SignatureRef ref_of(const Case& c) {
  return SignatureRef{c.pubkey.data(), c.pubkey.size(), c.sig.data(),
                      c.sig.size(),    c.msg.data(),    c.msg.size()};
}

// suite -> id -> model_zip215 verdict ("accept"/"reject") and the file's own label.
struct TsvRow {
  std::string expected, zip215;
};
std::map<std::string, std::map<std::string, TsvRow>> load_tsv() {
  std::map<std::string, std::map<std::string, TsvRow>> rows;
  std::istringstream in(test::read_file(kDir + "derived/ed25519_verdicts.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("suite\t", 0) == 0) continue;
    std::vector<std::string> fields;
    std::istringstream fs(line);
    std::string field;
    while (std::getline(fs, field, '\t')) fields.push_back(field);
    if (fields.size() < 9) continue;
    rows[fields[0]][fields[1]] = TsvRow{fields[2], fields[8]};
  }
  return rows;
}

// The eight-way IFMA path over the cases in groups of `group` (the last one partial); a key or
// signature of the wrong length is rejected before it, as in verify_single.
void check_ifma(const std::vector<Case>& cases, std::size_t group) {
  namespace ifma = ed25519::ifma;
  for (std::size_t begin = 0; begin < cases.size(); begin += group) {
    ifma::SignatureBytes lanes[ifma::kVerifyLanes];
    std::size_t lane_case[ifma::kVerifyLanes];
    std::size_t count = 0;
    for (std::size_t i = begin; i < std::min(cases.size(), begin + group); ++i) {
      const Case& c = cases[i];
      if (c.pubkey.size() != 32 || c.sig.size() != 64) {
        EXPECT_FALSE(c.expect_accept) << c.name << " (ifma, wrong length)";
        continue;
      }
      lanes[count] =
          ifma::SignatureBytes{c.pubkey.data(), c.sig.data(), c.msg.data(), c.msg.size()};
      lane_case[count++] = i;
    }
    ed25519::VerifyOutcome outcomes[ifma::kVerifyLanes];
    ifma::verify_eight(lanes, count, outcomes);
    for (std::size_t lane = 0; lane < count; ++lane) {
      const Case& c = cases[lane_case[lane]];
      EXPECT_EQ(outcomes[lane] == ed25519::VerifyOutcome::kValid, c.expect_accept)
          << c.name << " (ifma, groups of " << group << ")";
    }
  }
}

// Checks single and batch verdicts against the expectation; returns the accepted count.
int check_all_backends(const std::vector<Case>& cases) {
  std::vector<SignatureRef> refs;
  for (const Case& c : cases) refs.push_back(ref_of(c));
  int accepted = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const bool single = verify_single(refs[i]) == Verdict::kAccept;
    EXPECT_EQ(single, cases[i].expect_accept) << cases[i].name << " (single)";
    accepted += single ? 1 : 0;
  }
  const std::uint8_t key[32] = {7};
  for (std::size_t chunk : {std::size_t{1024}, std::size_t{16}}) {
    // Plain bisection down to pairs (no probes, no failure history), so that most verdicts, the
    // edge cases' included, come from batch equations over small groups.
    BatchVerifierCpuConfig config;
    config.batch_size_max = chunk;
    config.single_check_below = 2;
    config.probe_signatures = 0;
    config.failure_half_life_signatures = 0;
    BatchVerifierCpu batch;
    EXPECT_EQ(batch.init_with_key(config, key), Status::kOk);
    std::vector<Verdict> verdicts(cases.size(), Verdict::kAccept);
    BatchVerifyStats stats;
    EXPECT_EQ(batch.verify(refs, verdicts, &stats), Status::kOk);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(verdicts[i] == Verdict::kAccept, cases[i].expect_accept)
          << cases[i].name << " (batch of " << chunk << ")";
    }
    EXPECT_EQ(stats.signatures, cases.size());
  }
  // The eight-way IFMA path where the CPU has it (ed25519_ifma_test says so when it does not).
  if (ed25519::ifma::ifma_supported()) {
    check_ifma(cases, 8);
    check_ifma(cases, 3);
  }
  // The seeded production path too, with the default failure policy.
  std::vector<Verdict> verdicts(cases.size(), Verdict::kAccept);
  EXPECT_EQ(verify_batch_cpu(refs, verdicts), Status::kOk);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(verdicts[i] == Verdict::kAccept, cases[i].expect_accept) << cases[i].name;
  }
  return accepted;
}

TEST(Ed25519Vectors, Rfc8032Section71) {
  const auto doc = nlohmann::json::parse(test::read_file(kDir + "rfc8032_section7.1_ed25519.json"));
  const auto tsv = load_tsv();
  std::vector<Case> cases;
  for (const auto& v : doc["vectors"]) {
    EXPECT_EQ(tsv.at("rfc8032").at(v["name"].get<std::string>()).zip215, "accept");
    cases.push_back(Case{v["name"].get<std::string>(), hex(v["public_key"]), hex(v["signature"]),
                         hex(v["message"]), true});
    // The test signer reproduces the published signature from the secret key.
    const auto secret = hex(v["secret_key"]);
    const test::KeyPair key = test::key_from_seed(secret.data());
    EXPECT_EQ(std::vector<std::uint8_t>(key.pubkey.begin(), key.pubkey.end()), cases.back().pubkey);
    const auto sig = test::sign(key, cases.back().msg.data(), cases.back().msg.size());
    EXPECT_EQ(std::vector<std::uint8_t>(sig.begin(), sig.end()), cases.back().sig);
  }
  ASSERT_EQ(cases.size(), 5u);
  EXPECT_EQ(check_all_backends(cases), 5);
}

TEST(Ed25519Vectors, SupercopSignInput) {
  std::istringstream in(test::read_file(kDir + "supercop_sign.input"));
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::istringstream fs(line);
    std::string field;
    while (std::getline(fs, field, ':')) fields.push_back(field);
    ASSERT_GE(fields.size(), 4u) << line;
    const auto sig_and_msg = hex(fields[3]);
    ASSERT_GE(sig_and_msg.size(), 64u);
    cases.push_back(Case{"sign.input line " + std::to_string(cases.size() + 1), hex(fields[1]),
                         std::vector<std::uint8_t>(sig_and_msg.begin(), sig_and_msg.begin() + 64),
                         hex(fields[2]), true});
    EXPECT_EQ(hex(fields[0]).size(), 64u);
  }
  ASSERT_EQ(cases.size(), 1024u);
  EXPECT_EQ(check_all_backends(cases), 1024);
}

std::vector<Case> load_wycheproof(const std::string& file, const std::string& suite,
                                  const char* key_field, int* label_valid) {
  const auto doc = nlohmann::json::parse(test::read_file(kDir + file));
  const auto tsv = load_tsv();
  std::vector<Case> cases;
  *label_valid = 0;
  for (const auto& group : doc["testGroups"]) {
    const auto pubkey = hex(group[key_field]["pk"]);
    for (const auto& t : group["tests"]) {
      const int id = t["tcId"].get<int>();
      const std::string label = t["result"].get<std::string>();
      const TsvRow& row = tsv.at(suite).at(std::to_string(id));
      EXPECT_EQ(row.expected, label) << suite << " tcId " << id;
      *label_valid += label == "valid" ? 1 : 0;
      // The ZIP-215 model agrees with the label everywhere except v1 tcId 151 (README warning).
      const bool known_difference = suite == "wycheproof_v1" && id == 151;
      EXPECT_EQ(row.zip215 == "accept", (label == "valid") != known_difference)
          << suite << " tcId " << id;
      cases.push_back(Case{suite + " tcId " + std::to_string(id), pubkey, hex(t["sig"]),
                           hex(t["msg"]), row.zip215 == "accept"});
    }
  }
  return cases;
}

TEST(Ed25519Vectors, WycheproofV1) {
  int label_valid = 0;
  const auto cases =
      load_wycheproof("wycheproof_ed25519_test.json", "wycheproof_v1", "publicKey", &label_valid);
  ASSERT_EQ(cases.size(), 151u);
  EXPECT_EQ(label_valid, 88);
  EXPECT_EQ(check_all_backends(cases), 89);  // the 88 valid plus tcId 151
}

TEST(Ed25519Vectors, WycheproofLegacy) {
  int label_valid = 0;
  const auto cases = load_wycheproof("wycheproof_legacy_eddsa_test.json", "wycheproof_legacy",
                                     "key", &label_valid);
  ASSERT_EQ(cases.size(), 145u);
  EXPECT_EQ(label_valid, 84);
  EXPECT_EQ(check_all_backends(cases), 84);
}

TEST(Ed25519Vectors, SpeccheckZip215Column) {
  const auto doc = nlohmann::json::parse(test::read_file(kDir + "speccheck_cases_annotated.json"));
  const auto tsv = load_tsv();
  std::vector<Case> cases;
  std::vector<int> accepted_ids;
  for (const auto& c : doc["cases"]) {
    const int index = c["index"].get<int>();
    const bool accept = c["expected"]["zip215"].get<std::string>() == "accept";
    EXPECT_EQ(tsv.at("speccheck").at(std::to_string(index)).zip215, accept ? "accept" : "reject");
    if (accept) accepted_ids.push_back(index);
    cases.push_back(Case{"speccheck " + std::to_string(index), hex(c["pub_key"]),
                         hex(c["signature"]), hex(c["message"]), accept});
  }
  ASSERT_EQ(cases.size(), 12u);
  EXPECT_EQ(accepted_ids, (std::vector<int>{0, 1, 2, 3, 4, 5, 9, 10, 11}));
  EXPECT_EQ(check_all_backends(cases), 9);
}

}  // namespace
}  // namespace tc::gpu
