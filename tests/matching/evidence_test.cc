#include "matching/evidence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "matching/population.h"

namespace encuentro::matching {
namespace {

using records::Date;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

const Date kToday{year(2026), month(11), day(1)};

records::MissingPerson Person() {
  records::MissingPerson p;
  p.meta.id = 1;
  p.sex = records::Sex::kFemale;
  p.date_of_birth = Date{year(1995), month(1), day(1)};
  p.last_seen_date = Date{year(2020), month(1), day(1)};  // 25 years old
  p.reported_height = records::ReportedHeight{165, 2};
  p.last_seen_place.location = records::GeoPoint{32.53, -117.02};  // Tijuana
  return p;
}

records::UnidentifiedRemains Remains() {
  records::UnidentifiedRemains r;
  r.meta.id = 7;
  r.found_date = Date{year(2021), month(6), day(1)};
  r.post_mortem_interval = records::PostMortemInterval{30, 180};
  r.biological_profile.sex = records::SexEstimate{records::Sex::kFemale, 0.9, {"m", "a"}};
  r.biological_profile.sex->method = records::SexMethod::kSkeletalMorphology;
  r.biological_profile.age = records::AgeEstimate{20, 30, {"m", "a"}};
  r.biological_profile.stature = records::StatureEstimate{156, 168, {"m", "a"}};
  r.found_place.location = records::GeoPoint{32.37, -116.62};  // Valle de las Palmas
  return r;
}

std::vector<Factor> Compare(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                            const EvidenceOptions& options = {}) {
  return CompareAttributes(p, r, DefaultPopulation(), kToday, options);
}

const Factor& Get(const std::vector<Factor>& factors, const std::string& name) {
  for (const Factor& f : factors) {
    if (f.name == name) return f;
  }
  throw std::runtime_error("no factor " + name);
}

// A population whose ages at death are spread evenly over 0-99 years.
PopulationStatistics EvenAges() {
  PopulationStatistics p = DefaultPopulation();
  p.age_density.fill(1.0 / kTabulatedAgeYears);
  return p;
}

TEST(Evidence, ConsistentPairIsSupportedOnEveryLine) {
  const auto factors = Compare(Person(), Remains());
  ASSERT_EQ(factors.size(), 8u);
  for (const Factor& f : factors) {
    if (f.name == "marks" || f.name == "dental" || f.name == "effects") {
      EXPECT_EQ(f.light, Light::kUnknown) << "neither side has marks or a chart";
      continue;
    }
    EXPECT_FALSE(f.excludes) << f.name << ": " << f.reason;
    EXPECT_EQ(f.light, Light::kMatch) << f.name << ": " << f.reason;
    EXPECT_GE(f.log10_lr, 0) << f.name;
  }
  EXPECT_GT(Get(factors, "age").log10_lr, 0.3);
  EXPECT_GT(Get(factors, "stature").log10_lr, 0);
  EXPECT_TRUE(Get(factors, "place").prior);
}

TEST(Evidence, FoundBeforeLastSeenExcludesPastTheMargin) {
  auto r = Remains();
  r.post_mortem_interval.reset();
  r.found_date = Date{year(2019), month(12), day(15)};  // 17 days before: within the margin
  EXPECT_FALSE(Get(Compare(Person(), r), "dates").excludes);
  EXPECT_EQ(Get(Compare(Person(), r), "dates").light, Light::kPossible);
  r.found_date = Date{year(2019), month(6), day(1)};
  const Factor dates = Get(Compare(Person(), r), "dates");
  EXPECT_TRUE(dates.excludes);
  EXPECT_LT(dates.log10_lr, 0);
  // Found after the sighting, but dead for longer than that: also excluded.
  r.found_date = Date{year(2020), month(2), day(1)};
  r.post_mortem_interval = records::PostMortemInterval{200, 400};
  EXPECT_TRUE(Get(Compare(Person(), r), "dates").excludes);
}

TEST(Evidence, SexLikelihoodRatioByHand) {
  // e = 0.1, 25% women: D = 0.9 x 0.25 + 0.1 x 0.75 = 0.3.
  EXPECT_NEAR(SexLikelihoodRatio(records::Sex::kFemale, records::Sex::kFemale, 0.1, 0.75), 3.0,
              1e-12);
  EXPECT_NEAR(SexLikelihoodRatio(records::Sex::kFemale, records::Sex::kMale, 0.1, 0.75), 0.1 / 0.3,
              1e-12);
  // 75% men: D = 0.9 x 0.75 + 0.1 x 0.25 = 0.7.
  EXPECT_NEAR(SexLikelihoodRatio(records::Sex::kMale, records::Sex::kMale, 0.1, 0.75), 0.9 / 0.7,
              1e-12);
  // A coin flip says nothing.
  EXPECT_NEAR(SexLikelihoodRatio(records::Sex::kMale, records::Sex::kFemale, 0.5, 0.75), 1.0,
              1e-12);
}

TEST(Evidence, SexUsesTheMethodsErrorRateNotThePosterior) {
  auto r = Remains();
  // Skeletal morphology, default error 0.10; the stated 0.9 posterior plays no part.
  const Factor agree = Get(Compare(Person(), r), "sex");
  EXPECT_NEAR(agree.log10_lr,
              std::log10(SexLikelihoodRatio(records::Sex::kFemale, records::Sex::kFemale, 0.10,
                                            DefaultPopulation().male_fraction)),
              1e-12);
  r.biological_profile.sex->error_rate = 0.2;
  EXPECT_NEAR(Get(Compare(Person(), r), "sex").log10_lr,
              std::log10(0.8 / (0.8 * 0.25 + 0.2 * 0.75)), 1e-12);
}

TEST(Evidence, OnlySoftTissueOrDnaExcludesOnSex) {
  auto r = Remains();
  r.biological_profile.sex = records::SexEstimate{records::Sex::kMale, 0.99, {"m", "a"}};
  r.biological_profile.sex->method = records::SexMethod::kSkeletalMetric;
  Factor sex = Get(Compare(Person(), r), "sex");
  EXPECT_FALSE(sex.excludes) << "a skeletal posterior of 0.99 must not exclude";
  EXPECT_LT(sex.log10_lr, 0);
  r.biological_profile.sex->method = records::SexMethod::kDna;
  sex = Get(Compare(Person(), r), "sex");
  EXPECT_TRUE(sex.excludes);
  EXPECT_EQ(sex.light, Light::kNoMatch);
  EXPECT_EQ(sex.log10_lr, -2);  // bounded
  EXPECT_LT(*sex.unbounded_log10_lr, -2);
}

TEST(Evidence, OlderRecordsWithoutAMethodReadTheProbabilityAsAnErrorFloor) {
  records::SexEstimate estimate{records::Sex::kMale, 0.7, {"m", "a"}};
  EXPECT_NEAR(SexErrorRate(estimate, {}), 0.3, 1e-12);
  estimate.probability = 0.99;
  EXPECT_NEAR(SexErrorRate(estimate, {}), 0.15, 1e-12);
}

TEST(Evidence, AgeRangeLikelihoodByHand) {
  const EvidenceOptions o;
  EXPECT_EQ(AgeRangeLikelihood(25, 20, 30, o), 1);
  EXPECT_NEAR(AgeRangeLikelihood(16, 20, 30, o), std::exp(-0.5), 1e-12);  // 1 SD below
  // Above a range ending at 45 the spread is 4 + 0.3 x 5 = 5.5 years.
  EXPECT_NEAR(AgeRangeLikelihood(50, 20, 45, o), std::exp(-0.5 * (5 / 5.5) * (5 / 5.5)), 1e-12);
}

TEST(Evidence, AgeLikelihoodRatioAgainstThePopulation) {
  const PopulationStatistics even = EvenAges();
  // Numerator 1; denominator (10 + 2 x sum_k exp(-((k + 0.5)/4)^2 / 2)) / 100 = 0.200265.
  EXPECT_NEAR(AgeLikelihoodRatio(25, 25, 20, 30, even, {}), 4.99338, 1e-4);
  // Possible ages 28-34 against 20-30: the exact mean is (2 + 4 sqrt(pi/2) erf(4 / (4 sqrt 2)))
  // / 6 = 0.903750.
  EXPECT_NEAR(AgeLikelihoodRatio(28, 34, 20, 30, even, {}), 4.51277, 1e-4);
  // Entirely below the range (ages 10-12 against 20-30), and a single possible age.
  EXPECT_NEAR(
      AgeLikelihoodRatio(10, 12, 20, 30, even, {}) * 0.200265,
      4 * std::sqrt(std::numbers::pi / 2) *
          (std::erf(10 / (4 * std::numbers::sqrt2)) - std::erf(8 / (4 * std::numbers::sqrt2))) / 2,
      1e-5);
  EXPECT_NEAR(AgeLikelihoodRatio(33, 33, 20, 30, even, {}) * 0.200265,
              std::exp(-0.5 * (3.0 / 4) * (3.0 / 4)), 1e-6);
}

TEST(Evidence, AgeExclusionIsAsymmetric) {
  auto r = Remains();
  auto p = Person();  // 25 at disappearance, 26.2 at the latest possible death
  // The person is 14 years older than the range: skeletal methods underestimate, keep them.
  r.biological_profile.age = records::AgeEstimate{0, 11, {"m", "a"}};
  EXPECT_FALSE(Get(Compare(p, r), "age").excludes);
  // The person 13.8 years younger than the range: out.
  r.biological_profile.age = records::AgeEstimate{40, 50, {"m", "a"}};
  EXPECT_TRUE(Get(Compare(p, r), "age").excludes);
  // Older by 21 years: out as well.
  r.biological_profile.age = records::AgeEstimate{0, 4, {"m", "a"}};
  EXPECT_TRUE(Get(Compare(p, r), "age").excludes);
}

TEST(Evidence, AMissingFoundDateDoesNotExcludeOnAge) {
  auto r = Remains();
  r.found_date.reset();
  r.post_mortem_interval.reset();
  // The person was 25 in 2020 and could have died any time until today (31 in 2026).
  r.biological_profile.age = records::AgeEstimate{40, 45, {"m", "a"}};
  const auto ages = PossibleAgesAtDeath(Person(), r, kToday);
  ASSERT_TRUE(ages);
  EXPECT_NEAR(ages->second, 31.8, 0.05);
  EXPECT_FALSE(Get(Compare(Person(), r), "age").excludes);
}

// A year-only birth date or a month-only finding widens what the evidence allows, never
// narrows it.
TEST(Evidence, PartialDatesWidenTheAgesAndDates) {
  auto p = Person();  // born 1995-01-01, last seen 2020-01-01
  p.date_of_birth_precision = records::DatePrecision::kYear;
  auto r = Remains();  // found 2021-06-01, PMI from the fixture
  r.post_mortem_interval.reset();
  const auto ages = PossibleAgesAtDeath(p, r, kToday);
  ASSERT_TRUE(ages);
  // Born as late as 1995-12-31: 24.0 at the sighting; as early as 1995-01-01: 26.4 when found.
  EXPECT_NEAR(ages->first, 24.0, 0.05);
  EXPECT_NEAR(ages->second, 26.4, 0.05);
  // Remains found in January 2020, known to the month, against a sighting on 2020-01-20: the
  // finding may be as late as the 31st, so the dates do not exclude.
  p.last_seen_date = Date{year(2020), month(1), day(20)};
  r.found_date = Date{year(2020), month(1), day(1)};
  r.found_precision = records::DatePrecision::kMonth;
  EXPECT_FALSE(Get(Compare(p, r), "dates").excludes);
  r.found_date = Date{year(2019), month(11), day(1)};
  EXPECT_TRUE(Get(Compare(p, r), "dates").excludes);
}

TEST(Evidence, StatureLikelihoodRatioByHand) {
  const PopulationStatistics population = DefaultPopulation();  // women 152 +/- 6 cm
  // Same: N(160 - (165 - 2.5); sd sqrt(3^2 + 4^2) = 5). Unrelated woman: N(160 - 152; sqrt(36+9)).
  EXPECT_NEAR(StatureLikelihoodRatio(160, 3, 165, 0, /*female_weight=*/1, population, {}), 2.41091,
              1e-4);
  // A quarter female, three quarters male (164 +/- 7 cm).
  EXPECT_NEAR(StatureLikelihoodRatio(160, 3, 165, 0, 0.25, population, {}), 1.69558, 1e-4);
}

TEST(Evidence, StatureUsesThePointEstimateAndStandardError) {
  auto r = Remains();
  r.biological_profile.stature->point_cm = 160;
  r.biological_profile.stature->standard_error_cm = 3;
  r.biological_profile.sex.reset();
  auto p = Person();
  p.reported_height = records::ReportedHeight{165, 0};
  const Factor stature = Get(Compare(p, r), "stature");
  EXPECT_NEAR(stature.log10_lr, std::log10(1.69558), 1e-4);
}

TEST(Evidence, StatureFavoursCloseAndDisfavoursFar) {
  auto p = Person();
  p.reported_height->cm = 190;
  const Factor far = Get(Compare(p, Remains()), "stature");
  EXPECT_LT(far.log10_lr, 0);
  EXPECT_EQ(far.light, Light::kNoMatch);
  EXPECT_FALSE(far.excludes);  // stature never excludes on its own
}

TEST(Evidence, PlaceIsAPriorWeightAndNeverExcludes) {
  auto r = Remains();
  r.found_place.location = records::GeoPoint{19.43, -99.13};  // Mexico City
  const Factor place = Get(Compare(Person(), r), "place");
  EXPECT_TRUE(place.prior);
  EXPECT_EQ(place.log10_lr, -0.3);
  EXPECT_FALSE(place.excludes);
  EXPECT_NEAR(DistanceKm({32.53, -117.02}, {19.43, -99.13}), 2290, 30);
}

TEST(Evidence, MissingDataIsShownAsUnknown) {
  records::MissingPerson p;
  records::UnidentifiedRemains r;
  for (const Factor& f : Compare(p, r)) {
    EXPECT_EQ(f.light, Light::kUnknown) << f.name;
    EXPECT_EQ(f.log10_lr, 0);
    EXPECT_FALSE(f.reason.empty());
  }
}

TEST(Population, SmallRegistriesUseTheDefaults) {
  records::RegistryCounts counts;
  counts.female = 10;
  const PopulationStatistics p = PopulationFromRegistry(counts);
  EXPECT_EQ(p.male_fraction, DefaultPopulation().male_fraction);
  EXPECT_NE(p.sex_source.find("default"), std::string::npos);
}

TEST(Population, LargeRegistriesSpeakForThemselves) {
  records::RegistryCounts counts;
  counts.female = 300;
  counts.male = 700;
  counts.male_heights = 600;
  counts.male_height_mean = 170;
  counts.male_height_sd = 8;
  counts.ages[30] = 1000;
  const PopulationStatistics p = PopulationFromRegistry(counts);
  EXPECT_NEAR(p.male_fraction, 0.7, 1e-12);
  // Overstatement taken off the mean, reporting noise off the variance: sqrt(64 - 16).
  EXPECT_NEAR(p.male.mean_cm, 167.5, 1e-12);
  EXPECT_NEAR(p.male.sd_cm, std::sqrt(48.0), 1e-12);
  EXPECT_EQ(p.female.mean_cm, DefaultPopulation().female.mean_cm);  // too few heights
  double total = 0;
  for (double d : p.age_density) total += d;
  EXPECT_NEAR(total, 1, 1e-9);
  EXPECT_GT(p.age_density[30], 10 * p.age_density[60]);
}

}  // namespace
}  // namespace encuentro::matching
