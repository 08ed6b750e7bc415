#include "records/field_mask.h"

#include <gtest/gtest.h>

#include "common/field_violations.h"

namespace encuentro::records {
namespace {

TEST(ApplyUpdateMask, CopiesOnlyNamedFields) {
  MissingPerson target, patch;
  target.given_names = "old";
  target.family_names = "kept";
  patch.given_names = "new";
  patch.family_names = "ignored";
  ASSERT_TRUE(ApplyUpdateMask(patch, {"given_names"}, target).ok());
  EXPECT_EQ(target.given_names, "new");
  EXPECT_EQ(target.family_names, "kept");
}

TEST(ApplyUpdateMask, StarCopiesEveryMutableField) {
  UnidentifiedRemains target, patch;
  patch.notes = std::string("new notes");
  patch.lab = std::string("SEMEFO Tijuana");
  target.meta.id = 7;
  ASSERT_TRUE(ApplyUpdateMask(patch, {"*"}, target).ok());
  EXPECT_EQ(target.notes, "new notes");
  EXPECT_EQ(target.lab, "SEMEFO Tijuana");
  EXPECT_EQ(target.meta.id, 7);  // bookkeeping is never copied
}

TEST(ApplyUpdateMask, UnknownOrEmptyMaskChangesNothing) {
  MissingPerson target, patch;
  patch.given_names = "new";
  absl::Status status = ApplyUpdateMask(patch, {"given_names", "organization"}, target);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(status).at(0).field, "update_mask");
  EXPECT_TRUE(target.given_names.empty());
  EXPECT_FALSE(ApplyUpdateMask(patch, {}, target).ok());
}

}  // namespace
}  // namespace encuentro::records
