// Goal: Status and Result<T> carry errors with their code and context and cost nothing when OK.
// Method: construct, copy, move and chain them directly.
// Scenarios: OK is default and has no message; errors keep code and message through copies and
// moves; with_context prefixes; TC_RETURN_IF_ERROR and TC_ASSIGN_OR_RETURN propagate the first
// error.
#include "core/status.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(StatusTest, DefaultIsOkWithoutMessage) {
  Status status;
  EXPECT_TRUE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.to_string(), "OK");
}

TEST(StatusTest, ErrorKeepsCodeAndMessageThroughCopyAndMove) {
  Status original = corruption("block 812: tx_root mismatch");
  Status copy = original;
  EXPECT_EQ(copy.code(), StatusCode::kCorruption);
  EXPECT_EQ(copy.to_string(), "Corruption: block 812: tx_root mismatch");
  Status moved = std::move(copy);
  EXPECT_EQ(moved.message(), "block 812: tx_root mismatch");
  EXPECT_EQ(original.message(), "block 812: tx_root mismatch");
  copy = original;
  EXPECT_FALSE(copy.is_ok());
}

TEST(StatusTest, WithContextPrefixesErrorsAndLeavesOkAlone) {
  EXPECT_EQ(malformed("bad count").with_context("peer 10.0.0.7").to_string(),
            "Malformed: peer 10.0.0.7: bad count");
  EXPECT_TRUE(Status::ok().with_context("anything").is_ok());
}

Status fail_if(bool fail) {
  return fail ? out_of_range("too big") : Status::ok();
}

Status chain(bool first_fails, bool second_fails) {
  TC_RETURN_IF_ERROR(fail_if(first_fails).with_context("first"));
  TC_RETURN_IF_ERROR(fail_if(second_fails).with_context("second"));
  return Status::ok();
}

TEST(StatusTest, ReturnIfErrorStopsAtFirstError) {
  EXPECT_TRUE(chain(false, false).is_ok());
  EXPECT_EQ(chain(true, true).message(), "first: too big");
  EXPECT_EQ(chain(false, true).message(), "second: too big");
}

Result<int> parse_positive(int value) {
  if (value <= 0) return invalid_argument("not positive: " + std::to_string(value));
  return value;
}

Result<int> doubled(int value) {
  TC_ASSIGN_OR_RETURN(int parsed, parse_positive(value));
  return parsed * 2;
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good = doubled(21);
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad = doubled(-1);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "not positive: -1");
}

}  // namespace
}  // namespace tc
