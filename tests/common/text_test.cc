#include "common/text.h"

#include <gtest/gtest.h>

namespace encuentro {
namespace {

TEST(OneLine, JoinsNonEmptyTrimmedLines) {
  EXPECT_EQ(OneLine("could not connect\n\tIs the server running?\n\n"),
            "could not connect Is the server running?");
  EXPECT_EQ(OneLine(""), "");
}

TEST(TailLines, KeepsLastLines) {
  EXPECT_EQ(TailLines("a\nb\n\nc\nd\n", 2), "c | d");
  EXPECT_EQ(TailLines("only\n", 5), "only");
  EXPECT_EQ(TailLines("x\n", 0), "");
}

}  // namespace
}  // namespace encuentro
