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

TEST(HasVisibleText, InvisibleCharactersAreNotText) {
  EXPECT_TRUE(HasVisibleText("FGE-BC-CI-2024-0099"));
  EXPECT_TRUE(HasVisibleText(" \xc2\xa0 a"));  // NBSP, then a letter
  EXPECT_TRUE(HasVisibleText("Jos\xc3\xa9"));
  EXPECT_FALSE(HasVisibleText(""));
  EXPECT_FALSE(HasVisibleText(" \t\r\n"));
  EXPECT_FALSE(HasVisibleText("\xc2\xa0\xc2\xa0"));          // no-break spaces
  EXPECT_FALSE(HasVisibleText("\xe2\x80\x8b\xe2\x80\x8d"));  // zero-width space, joiner
  EXPECT_FALSE(HasVisibleText("\xef\xbb\xbf\xe3\x80\x80"));  // BOM, ideographic space
  EXPECT_FALSE(HasVisibleText("Jos\xe9"));                   // not UTF-8
}

}  // namespace
}  // namespace encuentro
