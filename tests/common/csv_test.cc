#include "common/csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace encuentro {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<std::vector<std::string>> records;
  for (;;) {
    auto next = reader.Next();
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !next->has_value()) return records;
    records.push_back(**next);
  }
}

TEST(CsvReader, AByteOrderMarkIsNotPartOfTheFirstColumn) {
  const auto records = ReadAll(
      "\xef\xbb\xbf"
      "case_folio,sex\nF-1,female\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0][0], "case_folio");
  EXPECT_EQ(records[1][1], "female");
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const auto records = ReadAll("a,\"b, c\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nx,y,z,w\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"a", "b, c", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(records[1][3], "w");
}

TEST(CsvReader, AnUnterminatedQuoteIsAnError) {
  std::istringstream in("a,\"open\n");
  CsvReader reader(in);
  EXPECT_EQ(reader.Next().status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace encuentro
