#include "anthropology/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace encuentro::anthropology {
namespace {

using ::testing::HasSubstr;

Measurement Mm(const std::string& code, double value) { return {code, value, "mm"}; }

ValidationReport Validate(const MeasurementSet& set, bool allow_outliers = false) {
  return ValidateMeasurements(MeasurementCatalog::Embedded(), set,
                              {.allow_outliers = allow_outliers});
}

TEST(ValidationTest, AcceptsAPlausibleSet) {
  const ValidationReport report = Validate({Mm("GOL", 182), Mm("NOL", 179), Mm("XCB", 138),
                                            Mm("XFB", 115), Mm("BBH", 130), Mm("FEM_MAXL", 447)});
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.problems.empty());
}

TEST(ValidationTest, ProblemKindNames) {
  EXPECT_EQ(ProblemKindName(ProblemKind::kOutOfRange), "out_of_range");
  EXPECT_EQ(ProblemKindName(ProblemKind::kInconsistent), "inconsistent");
  EXPECT_EQ(ProblemKindName(ProblemKind::kNotLinear), "not_linear");
}

TEST(ValidationTest, UnknownCode) {
  const ValidationReport report = Validate({Mm("GOLL", 182)});
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, ProblemKind::kUnknownCode);
  EXPECT_EQ(report.problems[0].code, "GOLL");
  EXPECT_FALSE(report.ok());
}

TEST(ValidationTest, EmptyCode) {
  const ValidationReport report = Validate({Mm("", 182)});
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, ProblemKind::kMissingCode);
}

TEST(ValidationTest, AnglesAreRecognisedAndRejected) {
  const ValidationReport report = Validate({Mm("NAA", 68)});
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, ProblemKind::kNotLinear);
  EXPECT_THAT(report.problems[0].message, HasSubstr("deg"));
}

TEST(ValidationTest, Duplicate) {
  const ValidationReport report = Validate({Mm("GOL", 182), Mm("GOL", 183)});
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, ProblemKind::kDuplicate);
  EXPECT_EQ(report.problems[0].index, 1u);
}

TEST(ValidationTest, WrongUnit) {
  const ValidationReport report = Validate({{"GOL", 18.2, "cm"}});
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, ProblemKind::kWrongUnit);
  EXPECT_THAT(report.problems[0].message, HasSubstr("multiply centimetres by 10"));
}

TEST(ValidationTest, NotPositive) {
  const ValidationReport report =
      Validate({Mm("GOL", 0), Mm("XCB", -138), Mm("BBH", NAN), Mm("ZYB", INFINITY)}, true);
  ASSERT_EQ(report.problems.size(), 4u);
  for (const MeasurementProblem& problem : report.problems) {
    EXPECT_EQ(problem.kind, ProblemKind::kNotPositive);
    EXPECT_EQ(problem.severity, ProblemSeverity::kError);  // allow_outliers does not excuse it.
  }
}

TEST(ValidationTest, OutOfRangeIsAnErrorOrAWarning) {
  const MeasurementSet set = {Mm("GOL", 18.2), Mm("FEM_MAXL", 900)};
  const ValidationReport strict = Validate(set);
  ASSERT_EQ(strict.problems.size(), 2u);
  EXPECT_EQ(strict.problems[0].kind, ProblemKind::kOutOfRange);
  EXPECT_EQ(strict.problems[0].severity, ProblemSeverity::kError);
  EXPECT_THAT(strict.problems[0].message, HasSubstr("125-240 mm"));
  EXPECT_FALSE(strict.ok());

  const ValidationReport lenient = Validate(set, /*allow_outliers=*/true);
  ASSERT_EQ(lenient.problems.size(), 2u);
  EXPECT_EQ(lenient.problems[1].severity, ProblemSeverity::kWarning);
  EXPECT_TRUE(lenient.ok());
}

TEST(ValidationTest, ImpossibleCombinations) {
  // NOL may exceed GOL by the 5 mm tolerance, not more.
  EXPECT_TRUE(Validate({Mm("GOL", 180), Mm("NOL", 184)}).ok());
  const ValidationReport nol = Validate({Mm("GOL", 180), Mm("NOL", 186)});
  ASSERT_EQ(nol.problems.size(), 1u);
  EXPECT_EQ(nol.problems[0].kind, ProblemKind::kInconsistent);
  EXPECT_EQ(nol.problems[0].code, "NOL");
  EXPECT_EQ(nol.problems[0].index, 1u);
  EXPECT_THAT(nol.problems[0].message, HasSubstr("GOL"));

  // Zero tolerance: a subtense longer than its chord. Inconsistency stays an error even when
  // outliers are allowed.
  const ValidationReport frs = Validate({Mm("FRC", 40), Mm("FRS", 41)}, true);
  bool found = false;
  for (const MeasurementProblem& problem : frs.problems) {
    if (problem.kind == ProblemKind::kInconsistent) {
      found = true;
      EXPECT_EQ(problem.code, "FRS");
      EXPECT_EQ(problem.severity, ProblemSeverity::kError);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(frs.ok());

  // Every catalog constraint fires when its smaller member is made too large.
  for (const MeasurementConstraint& constraint : MeasurementCatalog::Embedded().constraints()) {
    const MeasurementDefinition* larger =
        MeasurementCatalog::Embedded().FindMeasurement(constraint.larger);
    const double big = larger->plausible_min_mm + 1;
    const ValidationReport report = Validate(
        {Mm(constraint.larger, big), Mm(constraint.smaller, big + constraint.tolerance_mm + 1)},
        /*allow_outliers=*/true);
    bool fired = false;
    for (const MeasurementProblem& problem : report.problems) {
      fired |= problem.kind == ProblemKind::kInconsistent && problem.code == constraint.smaller;
    }
    EXPECT_TRUE(fired) << constraint.smaller << " <= " << constraint.larger;
  }
}

TEST(ValidationTest, ReportsEveryProblemNotJustTheFirst) {
  const ValidationReport report = Validate({Mm("XYZ", 1),
                                            {"XCB", 13.8, "cm"},
                                            Mm("GOL", 500),
                                            Mm("NAA", 60),
                                            Mm("BBH", 130),
                                            Mm("BBH", 131)});
  ASSERT_EQ(report.problems.size(), 5u);
  EXPECT_EQ(report.problems[0].code, "XYZ");
  EXPECT_EQ(report.problems[1].code, "XCB");
  EXPECT_EQ(report.problems[2].code, "GOL");
  EXPECT_EQ(report.problems[3].code, "NAA");
  EXPECT_EQ(report.problems[4].code, "BBH");
}

TEST(ValidationTest, CatalogConstraintsAgreeWithTheDomainReference) {
  // The brief's examples: NOL <= GOL (+ tolerance), BNL < GOL, XFB < XCB.
  EXPECT_FALSE(Validate({Mm("GOL", 170), Mm("BNL", 171)}, true).ok());
  EXPECT_FALSE(Validate({Mm("XCB", 130), Mm("XFB", 140)}).ok());
}

}  // namespace
}  // namespace encuentro::anthropology
