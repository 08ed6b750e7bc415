#include "anthropology/reference_sample.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace encuentro::anthropology {
namespace {

using ::testing::HasSubstr;

TEST(ReferenceSampleTest, ParsesTheHowellsLayout) {
  const std::string csv =
      "ID,Sex,PopNum,Population,GOL,XCB,BAR\n"
      "1,M,1,NORSE,189,143,0\n"
      "2,F,1,NORSE,176.5,139,12\r\n"
      "3,f,2,SANTA CR,181,,15\n";
  absl::StatusOr<ReferenceSample> sample = ReferenceSample::ParseHowellsCsv(csv);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->variables(), (std::vector<std::string>{"GOL", "XCB", "BAR"}));
  ASSERT_EQ(sample->individuals().size(), 3u);
  const ReferenceIndividual& first = sample->individuals()[0];
  EXPECT_EQ(first.id, "1");
  EXPECT_EQ(first.sex, Sex::kMale);
  EXPECT_EQ(first.population, "NORSE");
  EXPECT_EQ(first.values[0], 189);
  EXPECT_TRUE(std::isnan(first.values[2]));  // 0 = not measured.
  EXPECT_EQ(sample->individuals()[1].values[0], 176.5);
  EXPECT_EQ(sample->individuals()[2].sex, Sex::kFemale);
  EXPECT_TRUE(std::isnan(sample->individuals()[2].values[1]));  // Empty = not measured.
  EXPECT_EQ(sample->Populations(), (std::vector<std::string>{"NORSE", "SANTA CR"}));
  EXPECT_EQ(sample->VariableIndex("BAR"), 2u);
  EXPECT_FALSE(sample->VariableIndex("ZYB").has_value());
}

TEST(ReferenceSampleTest, QuotedFieldsAndAByteOrderMarkAreRead) {
  // Spreadsheets save a byte-order mark and quote population names that hold commas.
  const std::string csv =
      "\xef\xbb\xbfID,Sex,PopNum,Population,GOL\n"
      "1,M,1,\"OAXACA, ZAPOTEC\",189\n"
      "# a comment line\n"
      "2,F,1,\"OAXACA, ZAPOTEC\",176\n";
  absl::StatusOr<ReferenceSample> sample = ReferenceSample::ParseHowellsCsv(csv);
  ASSERT_TRUE(sample.ok()) << sample.status();
  ASSERT_EQ(sample->individuals().size(), 2u);
  EXPECT_EQ(sample->individuals()[0].id, "1");
  EXPECT_EQ(sample->Populations(), (std::vector<std::string>{"OAXACA, ZAPOTEC"}));
  EXPECT_FALSE(
      ReferenceSample::ParseHowellsCsv("ID,Sex,PopNum,Population,GOL\n1,M,1,\"open,1\n").ok());
}

TEST(ReferenceSampleTest, ReportsRowErrorsWithLineNumbers) {
  const std::string csv =
      "ID,Sex,PopNum,Population,GOL,XCB\n"
      "1,M,1,NORSE,189,143\n"
      "2,X,1,NORSE,176,139\n"
      "3,F,1,NORSE,abc,139\n"
      "4,F,1,NORSE,176\n"
      "5,F,1,NORSE,-3,139\n";
  const absl::StatusOr<ReferenceSample> sample = ReferenceSample::ParseHowellsCsv(csv);
  ASSERT_FALSE(sample.ok());
  const std::string message(sample.status().message());
  EXPECT_THAT(message, HasSubstr("line 3: sex 'X' is not M or F"));
  EXPECT_THAT(message, HasSubstr("line 4: GOL = 'abc' is not a non-negative number"));
  EXPECT_THAT(message, HasSubstr("line 5: 5 fields, the header has 6"));
  EXPECT_THAT(message, HasSubstr("line 6: GOL = '-3'"));
}

TEST(ReferenceSampleTest, RejectsBadHeadersAndEmptyFiles) {
  EXPECT_FALSE(ReferenceSample::ParseHowellsCsv("").ok());
  EXPECT_FALSE(ReferenceSample::ParseHowellsCsv("ID,Sex,Population,GOL\n1,M,A,180\n").ok());
  EXPECT_FALSE(ReferenceSample::ParseHowellsCsv("ID,Sex,PopNum,Population\n1,M,1,A\n").ok());
  EXPECT_FALSE(
      ReferenceSample::ParseHowellsCsv("ID,Sex,PopNum,Population,GOL,GOL\n1,M,1,A,1,2\n").ok());
  EXPECT_FALSE(ReferenceSample::ParseHowellsCsv("ID,Sex,PopNum,Population,GOL\n").ok());
  EXPECT_EQ(ReferenceSample::LoadHowellsCsv("/nonexistent/howells.csv").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace encuentro::anthropology
