// Goal: the engine is safe and live under the simulator's faults, and the simulator's invariants
// are strong enough to find a real safety bug. Method: seeded runs of consensus/sim/simulator.h
// (each reproducible from its seed with timecoin-sim) across validator counts, weights and fault
// mixes; every run must finish with no invariant violation. Then the same simulator with a
// deliberately broken rule (mutation tests) must report a violation within the CI seed budget.
// Scenarios (about 1,720 seeds, and about 1,100 with changing sets below; about 6 s on one core):
//   a single validator, with and without crashes; 4, 7 and 10 equal validators on a lossy,
//   reordering, duplicating network; the same with the maximum number of Byzantine validators
//   running every attack (payload variants and invalid blocks included); the same with partitions
//   (one-way and two-way) and crash/restart of honest validators; a weighted set (100, 10, 10, 10,
//   1, 1, 1) with Byzantine power just under 1/3; determinism (one seed, two runs, identical
//   statistics, with fixed and with changing sets); proposals that arrive late for many rounds
//   (more rounds, each with a new block, at one height than an engine holds blocks for), after
//   which every honest validator still commits; the seeds of issue 12's liveness failure; payload
//   variants and invalid blocks alone, which honest engines must drop while committing only valid
//   blocks. Mutations caught: a majority quorum rule (first by any invariant, then by agreement
//   alone), the lock ignored at line 22, persist_signed_state returning OK without storing (with
//   crashes), and an engine that takes blocks as valid without asking the application (by the
//   validity checker).
// Changing sets (issue 12, item 4; about 1,100 seeds more): the schedule is a function of the seed
//   and the height (two schedules agree whatever order heights are asked in), every set keeps
//   Byzantine power < 1/3 and the pool larger than the set, and over the epochs members join,
//   leave and change power and Byzantine members sit in sets; pools of 4 to 10 with Byzantine
//   identities, with and without partitions and crashes, epochs of 1 to 3 heights, where joiners
//   sign at their first height and Byzantine votes from outside the set are dropped as from unknown
//   validators; bad configs refused; and a mutation: one validator's application disagreeing about
//   the sets is caught.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "consensus/sim/set_schedule.h"
#include "consensus/sim/sim_crypto.h"
#include "consensus/sim/simulator.h"

namespace tc::consensus::sim {
namespace {

constexpr std::uint32_t kBehavioursOfIssue12Seeds =
    kAllBehaviours & ~(kPayloadVariants | kInvalidBlocks);

struct Suite {
  const char* name;
  std::uint32_t validators;
  std::vector<std::uint64_t> weights;
  std::uint32_t byzantine;
  bool faults;  // partitions and crashes
  std::uint64_t seeds;
  std::uint64_t heights;
};

// Sums over a suite's seeds.
struct SuiteTotals {
  std::uint64_t votes_unknown_validator = 0;
  std::uint64_t joiner_first_height_votes = 0;
};

// `epoch_blocks`: 0 for one fixed set, else the sets change every that many heights.
SuiteTotals run_suite(const Suite& suite, std::uint64_t epoch_blocks = 0) {
  SuiteTotals totals;
  for (std::uint64_t seed = 1; seed <= suite.seeds; ++seed) {
    SimConfig config;
    config.seed = seed;
    config.set_changes = epoch_blocks != 0;
    if (config.set_changes) config.epoch_blocks = epoch_blocks;
    config.validators = suite.validators;
    config.weights = suite.weights;
    config.byzantine = suite.byzantine;
    config.partitions = suite.faults;
    config.crashes = suite.faults;
    config.target_height = suite.heights;
    const SimResult result = run_simulation(config);
    EXPECT_TRUE(result.ok) << suite.name << " seed " << seed << ": " << result.violation
                           << "\ntrace tail:\n"
                           << result.trace;
    if (!result.ok) return totals;
    EXPECT_GE(result.stats.min_height_committed, suite.heights);
    totals.votes_unknown_validator += result.stats.votes_unknown_validator;
    totals.joiner_first_height_votes += result.stats.joiner_first_height_votes;
  }
  return totals;
}

// One validator holds all the power: it decides alone, one height per engine call (before issue 12
// its first call never returned), also across crashes.
TEST(SimulationTest, OneValidator) {
  run_suite({"1 validator", 1, {}, 0, false, 10, 20});
  run_suite({"1 validator, crashes", 1, {}, 0, true, 10, 20});
}

TEST(SimulationTest, FourValidators) {
  run_suite({"4 honest", 4, {}, 0, false, 60, 6});
  run_suite({"4, 1 Byzantine", 4, {}, 1, false, 60, 6});
  // The setting of issue 12's liveness failure (a few seeds in a thousand stalled for good).
  run_suite({"4, 1 Byzantine, partitions, crashes", 4, {}, 1, true, 1000, 6});
}

TEST(SimulationTest, SevenValidators) {
  run_suite({"7 honest, partitions, crashes", 7, {}, 0, true, 40, 5});
  run_suite({"7, 2 Byzantine", 7, {}, 2, false, 40, 5});
  run_suite({"7, 2 Byzantine, partitions, crashes", 7, {}, 2, true, 300, 5});
}

TEST(SimulationTest, TenValidators) {
  run_suite({"10, 3 Byzantine", 10, {}, 3, false, 25, 4});
  run_suite({"10, 3 Byzantine, partitions, crashes", 10, {}, 3, true, 35, 4});
}

TEST(SimulationTest, WeightedValidators) {
  // Byzantine: the last three validators, power 3 of 133; then 3 of 28 (powers 2 and 1).
  run_suite({"weighted, 3 Byzantine", 7, {100, 10, 10, 10, 1, 1, 1}, 3, true, 40, 5});
  run_suite({"weighted 1..7, 2 Byzantine", 7, {7, 6, 5, 4, 3, 2, 1}, 2, true, 40, 5});
}

// Issue 12, item 5: seeds where honest validators stalled for good after GST. One of them entered
// a round on its precommit timeout, its precommit of the round before lost in a partition, then
// crashed and restarted with no votes of that round, while the others waited there for one more
// precommit. Each runs with timecoin-sim's defaults (8 heights).
TEST(SimulationTest, SeedsThatStalledAfterARestartAcrossARoundChange) {
  struct Case {
    std::uint64_t seed;
    std::uint32_t validators;
    std::uint32_t byzantine;
  };
  for (const Case& c : {Case{953407285, 4, 1}, Case{18250875, 4, 1}, Case{714964833, 4, 1},
                        Case{325184079, 4, 1}, Case{436108229, 7, 2}}) {
    SimConfig config;
    config.seed = c.seed;
    config.validators = c.validators;
    config.byzantine = c.byzantine;
    // The attack mix they were found with (before payload variants and invalid blocks).
    config.byzantine_behaviours = kBehavioursOfIssue12Seeds;
    config.partitions = true;
    config.crashes = true;
    const SimResult result = run_simulation(config);
    ASSERT_TRUE(result.ok) << "seed " << c.seed << ": " << result.violation << "\ntrace tail:\n"
                           << result.trace;
    EXPECT_GE(result.stats.min_height_committed, config.target_height);
  }
}

TEST(SimulationTest, SameSeedSameRun) {
  for (const bool set_changes : {false, true}) {
    SimConfig config;
    config.seed = 99;
    config.validators = 7;
    config.byzantine = 2;
    config.partitions = true;
    config.crashes = true;
    config.set_changes = set_changes;
    const SimResult a = run_simulation(config);
    const SimResult b = run_simulation(config);
    ASSERT_TRUE(a.ok) << a.violation;
    EXPECT_EQ(a.stats.sim_time_us, b.stats.sim_time_us);
    EXPECT_EQ(a.stats.messages_sent, b.stats.messages_sent);
    EXPECT_EQ(a.stats.commit_latencies_us, b.stats.commit_latencies_us);
    EXPECT_EQ(a.stats.signatures_verified, b.stats.signatures_verified);
    EXPECT_GT(a.stats.evidence_reported, 0u) << "set changes " << set_changes;
  }
}

TEST(SimulationTest, ManyRoundsAtOneHeightStillCommit) {
  for (const std::uint32_t byzantine : {0u, 2u}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      SimConfig config;
      config.seed = seed;
      config.validators = 7;
      config.byzantine = byzantine;
      config.late_proposals_ms = 16000;
      config.target_height = 3;
      const SimResult result = run_simulation(config);
      ASSERT_TRUE(result.ok) << "seed " << seed << ": " << result.violation << "\ntrace tail:\n"
                             << result.trace;
      EXPECT_GE(result.stats.min_height_committed, 3u);
      EXPECT_GT(result.stats.max_commit_round, EngineConfig{}.blocks_per_height_max)
          << "seed " << seed;
    }
  }
}

TEST(SimulationTest, RejectsByzantinePowerOfAThirdOrMore) {
  SimConfig config;
  config.validators = 6;
  config.byzantine = 2;
  const SimResult result = run_simulation(config);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.violation.rfind("config:", 0), 0u) << result.violation;
}

// The test-only broken rule: a simple majority of the power instead of > 2/3.
bool broken_majority(std::uint64_t power, std::uint64_t total) {
  return 2 * power > total;
}

// The first of `seeds` consecutive seeds from config.seed whose run reports a violation (its text
// in `violation`), or 0 when every run is clean.
std::uint64_t first_failing_seed(SimConfig config, std::uint64_t seeds, std::string& violation) {
  config.check_liveness = false;  // a broken rule may stall; only safety is asked about
  const std::uint64_t first = config.seed;
  for (std::uint64_t seed = first; seed < first + seeds; ++seed) {
    config.seed = seed;
    const SimResult result = run_simulation(config);
    if (!result.ok) {
      violation = result.violation;
      return seed;
    }
  }
  return 0;
}

std::uint64_t first_failing_seed_majority_quorum(bool check_certificates, std::string& violation) {
  SimConfig config;
  config.validators = 7;
  config.byzantine = 2;
  config.target_height = 6;
  config.quorum_rule = broken_majority;
  config.check_certificates = check_certificates;
  return first_failing_seed(config, 200, violation);
}

TEST(SimulationTest, BrokenQuorumRuleIsCaught) {
  std::string violation;
  const std::uint64_t seed = first_failing_seed_majority_quorum(true, violation);
  EXPECT_NE(seed, 0u) << "the invariants missed a majority quorum rule in 200 seeds";
  // Without the certificate check, the split-brain attack must show up as disagreement itself.
  const std::uint64_t agreement_seed = first_failing_seed_majority_quorum(false, violation);
  ASSERT_NE(agreement_seed, 0u) << "no agreement violation found with a majority quorum rule";
  EXPECT_NE(violation.find("agreement violated"), std::string::npos) << violation;
}

// Issue 12, item 1: Byzantine proposers send hash-bound blocks the application refuses, and
// altered payloads under signed hashes (theirs and relayed honest ones). The engines must drop
// both, commit only valid blocks (the validity checker) and still decide every height.
TEST(SimulationTest, PayloadVariantsAndInvalidBlocksAreHarmless) {
  std::uint64_t unbound = 0;
  std::uint64_t invalid = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    SimConfig config;
    config.seed = seed;
    config.validators = 4;
    config.byzantine = 1;
    config.byzantine_behaviours = kPayloadVariants | kInvalidBlocks;
    config.target_height = 6;
    const SimResult result = run_simulation(config);
    ASSERT_TRUE(result.ok) << "seed " << seed << ": " << result.violation << "\ntrace tail:\n"
                           << result.trace;
    EXPECT_GE(result.stats.min_height_committed, 6u);
    unbound += result.stats.proposals_unbound;
    invalid += result.stats.blocks_invalid;
  }
  EXPECT_GT(unbound, 0u) << "no altered payload reached an honest engine";
  EXPECT_GT(invalid, 0u) << "no invalid block reached an honest engine";
}

// Issue 12, item 6: mutation tests. Each breaks one rule on purpose, and the checkers must report
// it within the CI seed budget.

// Line 22 accepts any valid block: a validator locked on one block prevotes another, and two
// blocks can gather quorums at one height.
TEST(SimulationTest, MutationLockIgnoredIsCaught) {
  SimConfig config;
  config.validators = 4;
  config.byzantine = 1;
  config.target_height = 6;
  config.engine_mutation = EngineMutation::kIgnoreLock;
  std::string violation;
  ASSERT_NE(first_failing_seed(config, 300, violation), 0u)
      << "the invariants missed a validator that ignores its lock";
  EXPECT_NE(violation.find("lock violated"), std::string::npos) << violation;
}

// persist_signed_state reports success but stores nothing: a validator that crashes and restarts
// forgets what it signed, and signs a conflicting message.
TEST(SimulationTest, MutationPersistWithoutStoringIsCaught) {
  SimConfig config;
  config.validators = 4;
  config.byzantine = 1;
  config.partitions = true;
  config.crashes = true;
  config.target_height = 6;
  config.persist_drops_state = true;
  std::string violation;
  ASSERT_NE(first_failing_seed(config, 300, violation), 0u)
      << "the invariants missed a host that does not persist signed state";
  EXPECT_NE(violation.find("signed conflicting messages"), std::string::npos) << violation;
}

// The engine takes every bound block as valid: honest validators prevote and commit a Byzantine
// proposer's invalid block, which only the validity checker sees.
TEST(SimulationTest, MutationCommitWithoutValidationIsCaught) {
  SimConfig config;
  config.validators = 4;
  config.byzantine = 1;
  config.target_height = 6;
  config.engine_mutation = EngineMutation::kSkipValidation;
  std::string violation;
  ASSERT_NE(first_failing_seed(config, 300, violation), 0u)
      << "the invariants missed an engine that commits unvalidated blocks";
  EXPECT_NE(violation.find("validity violated"), std::string::npos) << violation;
}

// ---- Changing validator sets (issue 12, item 4) ----

// The identities and powers of a set, to compare sets built by different schedules.
std::vector<std::pair<Pubkey, std::uint64_t>> members_of(const ValidatorSet& set) {
  std::vector<std::pair<Pubkey, std::uint64_t>> members;
  for (const Validator& v : set.validators()) members.emplace_back(v.pubkey, v.power);
  return members;
}

TEST(SimulationTest, ChangingSetsAreAFunctionOfSeedAndHeight) {
  constexpr std::uint32_t kPool = 7;
  constexpr std::uint32_t kByzantine = 2;
  constexpr std::uint64_t kHeights = 90;
  const SimKeyTable keys(5, kPool);
  const SimKeyTable same_keys(5, kPool);
  SetSchedule ascending(5, keys, kPool, kByzantine, 3);
  SetSchedule descending(5, same_keys, kPool, kByzantine, 3);
  SetSchedule other_seed(6, keys, kPool, kByzantine, 3);
  for (std::uint64_t h = kHeights; h >= 1; --h) descending.at(h);
  bool differs_from_other_seed = false;
  std::uint64_t joins = 0, leaves = 0, power_changes = 0, epochs_with_byzantine = 0;
  for (std::uint64_t h = 1; h <= kHeights; ++h) {
    const EpochSet& epoch = ascending.at(h);
    ASSERT_EQ(members_of(*epoch.set), members_of(*descending.set_of(h))) << "height " << h;
    differs_from_other_seed |= members_of(*epoch.set) != members_of(*other_seed.set_of(h));
    EXPECT_EQ(ascending.epoch_of(h), (h - 1) / 3);
    if (h > 3 && ascending.epoch_of(h) == ascending.epoch_of(h - 1)) {
      EXPECT_EQ(ascending.set_of(h), ascending.set_of(h - 1)) << "a set changed inside an epoch";
      continue;
    }
    // The set's invariants: a pool larger than the set, an honest member, Byzantine power < 1/3.
    const ValidatorSet& set = *epoch.set;
    EXPECT_LT(set.size(), kPool);
    std::uint64_t byzantine_power = 0;
    for (std::uint32_t i = 0; i < set.size(); ++i) {
      const std::uint32_t identity = epoch.members[i];
      EXPECT_EQ(set.validator(i).pubkey, keys.pubkey(identity));
      EXPECT_EQ(epoch.set_index[identity].value_or(kPool), i);
      if (identity >= kPool - kByzantine) byzantine_power += set.power(i);
    }
    EXPECT_LT(3 * byzantine_power, set.total_power()) << "height " << h;
    EXPECT_LT(byzantine_power, set.total_power()) << "no honest member at height " << h;
    epochs_with_byzantine += byzantine_power > 0;
    if (h == 1) continue;
    const EpochSet& before = ascending.at(h - 1);
    for (std::uint32_t identity = 0; identity < kPool; ++identity) {
      const std::uint64_t was = before.powers[identity];
      const std::uint64_t is = epoch.powers[identity];
      joins += was == 0 && is != 0;
      leaves += was != 0 && is == 0;
      power_changes += was != 0 && is != 0 && was != is;
    }
  }
  EXPECT_TRUE(differs_from_other_seed);
  EXPECT_GT(joins, 0u);
  EXPECT_GT(leaves, 0u);
  EXPECT_GT(power_changes, 0u);
  EXPECT_GT(epochs_with_byzantine, 0u);
}

TEST(SimulationTest, ChangingSets) {
  SuiteTotals totals;
  auto add = [&](const SuiteTotals& t) {
    totals.votes_unknown_validator += t.votes_unknown_validator;
    totals.joiner_first_height_votes += t.joiner_first_height_votes;
  };
  add(run_suite({"pool 4, 1 Byzantine, sets change", 4, {}, 1, false, 100, 7}, 2));
  add(run_suite({"pool 4, 1 Byzantine, sets change, faults", 4, {}, 1, true, 400, 7}, 2));
  add(run_suite({"pool 5, 1 Byzantine, sets change every height, faults", 5, {}, 1, true, 150, 6},
                1));
  add(run_suite({"pool 6, no Byzantine, sets change, faults", 6, {}, 0, true, 60, 7}, 2));
  add(run_suite({"pool 7, 2 Byzantine, sets change", 7, {}, 2, false, 80, 7}, 2));
  add(run_suite({"pool 7, 2 Byzantine, sets change, faults", 7, {}, 2, true, 200, 7}, 3));
  add(run_suite({"pool 10, 3 Byzantine, sets change", 10, {}, 3, false, 40, 6}, 2));
  add(run_suite({"pool 10, 3 Byzantine, sets change, faults", 10, {}, 3, true, 60, 6}, 2));
  // Byzantine identities outside a height's set sign votes for it: engines drop them as from
  // unknown validators. Validators that join sign at their first height.
  EXPECT_GT(totals.votes_unknown_validator, 0u);
  EXPECT_GT(totals.joiner_first_height_votes, 0u);
}

TEST(SimulationTest, ChangingSetsRejectBadConfigs) {
  auto violation_of = [](SimConfig config) {
    config.set_changes = true;
    return run_simulation(config).violation;
  };
  SimConfig pool_of_one;
  pool_of_one.validators = 1;
  SimConfig with_weights;
  with_weights.weights = {1, 1, 1, 1};
  SimConfig no_honest;
  no_honest.byzantine = 4;
  SimConfig empty_epochs;
  empty_epochs.epoch_blocks = 0;
  for (const SimConfig& config : {pool_of_one, with_weights, no_honest, empty_epochs}) {
    const std::string violation = violation_of(config);
    EXPECT_EQ(violation.rfind("config:", 0), 0u) << violation;
  }
  // Byzantine power >= 1/3 of a fixed set is refused, but a pool of 6 with 2 Byzantine identities
  // is fine when sets change: each set keeps their power under 1/3.
  SimConfig pool;
  pool.validators = 6;
  pool.byzantine = 2;
  pool.set_changes = true;
  const SimResult result = run_simulation(pool);
  EXPECT_TRUE(result.ok) << result.violation;
}

// Mutation: validator 0's application derives its sets from another seed, so it verifies votes
// against the wrong sets and signs at heights whose set does not hold it, or under another index.
// The checkers must report it: the certificate check (v0 commits on a quorum of its own set), and
// with that check off, the check that honest validators sign only as members of their height's set.
TEST(SimulationTest, MutationSetsDisagreeAreCaught) {
  SimConfig config;
  config.validators = 5;
  config.byzantine = 1;
  config.set_changes = true;
  config.epoch_blocks = 2;
  config.target_height = 6;
  config.sets_disagree = true;
  std::string violation;
  ASSERT_NE(first_failing_seed(config, 50, violation), 0u)
      << "the invariants missed a validator that disagrees about the sets";
  EXPECT_NE(violation.find("v0 committed without a valid certificate"), std::string::npos)
      << violation;
  config.check_certificates = false;
  ASSERT_NE(first_failing_seed(config, 50, violation), 0u)
      << "without the certificate check, nothing caught a validator signing outside its set";
  EXPECT_NE(violation.find("honest validator v0"), std::string::npos) << violation;
  EXPECT_NE(violation.find("set of"), std::string::npos) << violation;
}

}  // namespace
}  // namespace tc::consensus::sim
