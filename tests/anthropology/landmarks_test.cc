#include "anthropology/landmarks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace encuentro::anthropology {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(LandmarksTest, ChordsReproduceHandComputedDistances) {
  // Coordinates chosen so that the chords are whole numbers:
  //   GOL: (0,0,0)-(180,0,0) = 180
  //   XCB: (90,0,70)-(90,0,-70) = 140
  //   BBH: (100,-10,0)-(100,120,0) = 130
  //   FRC: (28,24,0)-(100,120,0): (72,96,0), 72² + 96² = 14400 = 120²
  //   DKB: (25,10,9)-(31,19,-9): (6,9,-18), 36 + 81 + 324 = 441 = 21²
  //   BNL: (100,-10,0)-(28,24,0): (72,-34,0), sqrt(5184 + 1156) = sqrt(6340)
  const MeasurementCatalog& catalog = MeasurementCatalog::Embedded();
  const std::string csv =
      "landmark,x,y,z\n"
      "# from the digitizer, mm\n"
      "glabella,0,0,0\n"
      "Opisthocranion, 180, 0, 0\r\n"
      "euryon_l,90,0,70\n"
      "euryon_r,90,0,-70\n"
      "\n"
      "basion,100,-10,0\n"
      "bregma,100,120,0\n"
      "nasion,28,24,0\n"
      "dacryon_l,25,10,9\n"
      "dacryon_r,31,19,-9\n";
  absl::StatusOr<LandmarkSet> landmarks = ParseLandmarkCsv(catalog, csv);
  ASSERT_TRUE(landmarks.ok()) << landmarks.status();
  EXPECT_EQ(landmarks->points.size(), 9u);
  ASSERT_NE(landmarks->Find("opisthocranion"), nullptr);
  EXPECT_EQ(landmarks->Find("opisthocranion")->line, 4);

  const MeasurementSet chords = DeriveChordMeasurements(catalog, *landmarks);
  const std::map<std::string, double> values = ValuesByCode(chords);
  EXPECT_DOUBLE_EQ(values.at("GOL"), 180.0);
  EXPECT_DOUBLE_EQ(values.at("XCB"), 140.0);
  EXPECT_DOUBLE_EQ(values.at("BBH"), 130.0);
  EXPECT_DOUBLE_EQ(values.at("FRC"), 120.0);
  EXPECT_DOUBLE_EQ(values.at("DKB"), 21.0);
  EXPECT_DOUBLE_EQ(values.at("BNL"), std::sqrt(6340.0));
  // NOL: nasion (28,24,0) to opisthocranion (180,0,0): (152,-24,0).
  EXPECT_DOUBLE_EQ(values.at("NOL"), std::sqrt(152.0 * 152 + 24 * 24));
  EXPECT_EQ(values.size(), 7u);  // ZYB, PAC, ... lack a landmark.
  for (const Measurement& chord : chords) {
    EXPECT_EQ(chord.origin, MeasurementOrigin::kLandmarks);
    EXPECT_EQ(chord.unit, "mm");
  }
}

TEST(LandmarksTest, ReportsEveryProblemWithItsLine) {
  const MeasurementCatalog& catalog = MeasurementCatalog::Embedded();
  const std::string csv =
      "glabella,0,0,0\n"   // 1
      "glabela,1,2,3\n"    // 2: misspelt
      "glabella,5,5,5\n"   // 3: repeat
      "nasion,1,two,3\n"   // 4: not a number
      "bregma,1,2\n"       // 5: 3 fields
      "lambda,1,2,inf\n";  // 6: not finite
  const absl::StatusOr<LandmarkSet> result = ParseLandmarkCsv(catalog, csv);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message = Message(result.status());
  EXPECT_THAT(message, HasSubstr("line 2: unknown landmark 'glabela'"));
  EXPECT_THAT(message, HasSubstr("line 3: landmark 'glabella' repeats line 1"));
  EXPECT_THAT(message, HasSubstr("line 4: y coordinate 'two' is not a number"));
  EXPECT_THAT(message, HasSubstr("line 5: expected 4 fields"));
  EXPECT_THAT(message, HasSubstr("line 6: z coordinate 'inf'"));
}

TEST(LandmarksTest, EmptyInputIsAnError) {
  const MeasurementCatalog& catalog = MeasurementCatalog::Embedded();
  EXPECT_FALSE(ParseLandmarkCsv(catalog, "").ok());
  EXPECT_FALSE(ParseLandmarkCsv(catalog, "landmark,x,y,z\n").ok());
}

}  // namespace
}  // namespace encuentro::anthropology
