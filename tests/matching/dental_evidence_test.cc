// The dental factor, WinID-style: matching features weighed by their rarity, differences later
// treatment explains, differences nothing explains, and exclusions.
#include "matching/dental_evidence.h"

#include <gtest/gtest.h>

#include <cmath>

#include "matching/evidence.h"

namespace encuentro::matching {
namespace {

using records::DentalChart;
using records::Restoration;
using records::RestorationKind;
using records::Tooth;
using records::ToothState;

Tooth Present(int fdi, std::vector<Restoration> restorations = {}) {
  return {fdi, ToothState::kPresent, std::move(restorations)};
}
Tooth Lost(int fdi) { return {fdi, ToothState::kMissingAnteMortem, {}}; }
Restoration Filling(uint8_t surfaces) {
  return {RestorationKind::kFilling, surfaces, records::DentalMaterial::kAmalgam};
}
Restoration Crown() { return {RestorationKind::kCrown, 0, records::DentalMaterial::kCeramic}; }

DentalChart Chart(std::vector<Tooth> teeth) {
  DentalChart chart;
  chart.teeth = std::move(teeth);
  return chart;
}

DentalComparison Compare(const DentalChart& am, const DentalChart& pm) {
  return CompareDental(am, pm, DentalFrequencies(), DentalEvidenceOptions{}, /*explain=*/true);
}

TEST(DentalEvidence, MatchingFeaturesWeighByTheirRarity) {
  const DentalChart am =
      Chart({Present(11), Lost(16), Present(26, {Filling(records::kMesial | records::kOcclusal)}),
             Present(36, {Crown()})});
  const DentalComparison c = Compare(am, am);
  ASSERT_TRUE(c.compared);
  EXPECT_FALSE(c.excludes);
  EXPECT_EQ(c.teeth_compared, 4);
  EXPECT_EQ(c.matching, 3);
  EXPECT_EQ(c.unexplained, 0);
  // Prior shares alone: lost 0.08, filling 0.15, crown 0.03; (1 - 0.02) / share each.
  EXPECT_NEAR(c.log10_lr,
              std::log10(0.98 / 0.08) + std::log10(0.98 / 0.15) + std::log10(0.98 / 0.03), 1e-9);
  // The registry's own counts take over as charts accumulate.
  records::RegistryCounts counts;
  counts.dental_charts = 950;
  counts.tooth_features = {{36, "crown", 5}};
  EXPECT_NEAR(DentalFrequencies(counts).Share(36, ToothFeature::kCrown), (5 + 50 * 0.03) / 1000,
              1e-12);
}

TEST(DentalEvidence, LaterTreatmentIsExplainedAndLostTreatmentIsNot) {
  const DentalChart am = Chart({Present(26, {Filling(records::kOcclusal)}), Present(27)});
  // More surfaces filled, a crown over a filling, an extraction: all could come later.
  DentalComparison later =
      Compare(am, Chart({Present(26, {Filling(records::kOcclusal | records::kDistal)}), Lost(27)}));
  EXPECT_EQ(later.unexplained, 0);
  EXPECT_EQ(later.explainable, 1);
  EXPECT_EQ(later.matching, 1);
  EXPECT_EQ(Compare(am, Chart({Present(26, {Crown()})})).unexplained, 0);
  // A filling cannot vanish.
  DentalComparison gone = Compare(am, Chart({Present(26), Present(27)}));
  EXPECT_EQ(gone.unexplained, 1);
  EXPECT_FALSE(gone.excludes);
  EXPECT_NEAR(gone.log10_lr, -1, 1e-9);
  EXPECT_NE(gone.reason.find("26: treatment in the dental record missing"), std::string::npos)
      << gone.reason;
}

TEST(DentalEvidence, ToothLostInLifeButPresentExcludes) {
  const DentalComparison c = Compare(Chart({Lost(16)}), Chart({Present(16)}));
  EXPECT_TRUE(c.excludes);
  EXPECT_NE(c.reason.find("lost in life in the dental record, present on the remains"),
            std::string::npos);
  // Lost after death says nothing either way.
  const DentalComparison after =
      Compare(Chart({Lost(16)}), Chart({{16, ToothState::kMissingPostMortem, {}}}));
  EXPECT_FALSE(after.excludes);
  EXPECT_EQ(after.log10_lr, 0);
}

TEST(DentalEvidence, ManyUnexplainedDifferencesExclude) {
  std::vector<Tooth> am, pm;
  for (int fdi : {14, 15, 24, 25}) {
    am.push_back(Present(fdi, {Filling(records::kOcclusal)}));
    pm.push_back(Present(fdi));
  }
  EXPECT_TRUE(Compare(Chart(am), Chart(pm)).excludes);
  am.pop_back();
  pm.pop_back();
  EXPECT_FALSE(Compare(Chart(am), Chart(pm)).excludes);
}

TEST(DentalEvidence, TheFactorExcludesThroughTheEvidenceEngine) {
  records::MissingPerson person;
  person.dental_chart = Chart({Lost(16), Lost(26)});
  records::UnidentifiedRemains remains;
  remains.dental_chart = Chart({Present(16), Lost(26)});
  const auto factors = CompareAttributes(person, remains, DefaultPopulation(), records::Date{});
  const auto it = std::find_if(factors.begin(), factors.end(),
                               [](const Factor& f) { return f.name == "dental"; });
  ASSERT_NE(it, factors.end());
  EXPECT_TRUE(it->excludes);
  EXPECT_EQ(it->light, Light::kNoMatch);
  // No chart on one side: not compared.
  remains.dental_chart.reset();
  const auto unknown = CompareAttributes(person, remains, DefaultPopulation(), records::Date{});
  EXPECT_EQ(std::find_if(unknown.begin(), unknown.end(),
                         [](const Factor& f) { return f.name == "dental"; })
                ->light,
            Light::kUnknown);
}

}  // namespace
}  // namespace encuentro::matching
