#include "matching/evidence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace encuentro::matching {
namespace {

using records::Date;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

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
  r.biological_profile.age = records::AgeEstimate{20, 30, {"m", "a"}};
  r.biological_profile.stature = records::StatureEstimate{156, 168, {"m", "a"}};
  r.found_place.location = records::GeoPoint{32.37, -116.62};  // Valle de las Palmas
  return r;
}

const Factor& Get(const std::vector<Factor>& factors, const std::string& name) {
  for (const Factor& f : factors) {
    if (f.name == name) return f;
  }
  throw std::runtime_error("no factor " + name);
}

TEST(Evidence, ConsistentPairIsSupportedOnEveryLine) {
  const auto factors = CompareAttributes(Person(), Remains());
  ASSERT_EQ(factors.size(), 5u);
  for (const Factor& f : factors) {
    EXPECT_FALSE(f.excludes) << f.name << ": " << f.reason;
    EXPECT_EQ(f.light, Light::kMatch) << f.name << ": " << f.reason;
    EXPECT_GE(f.log10_lr, 0) << f.name;
  }
  EXPECT_GT(Get(factors, "age").log10_lr, 0.3);
  EXPECT_NEAR(Get(factors, "sex").log10_lr, std::log10(0.9 / 0.5), 1e-9);
  EXPECT_GT(Get(factors, "stature").log10_lr, 0);
}

TEST(Evidence, FoundBeforeLastSeenExcludesPastTheMargin) {
  auto r = Remains();
  r.post_mortem_interval.reset();
  r.found_date = Date{year(2019), month(12), day(15)};  // 17 days before: within the margin
  EXPECT_FALSE(Get(CompareAttributes(Person(), r), "dates").excludes);
  EXPECT_EQ(Get(CompareAttributes(Person(), r), "dates").light, Light::kPossible);
  r.found_date = Date{year(2019), month(6), day(1)};
  const Factor dates = Get(CompareAttributes(Person(), r), "dates");
  EXPECT_TRUE(dates.excludes);
  EXPECT_LT(dates.log10_lr, 0);
  // Found after the sighting, but dead for longer than that: also excluded.
  r.found_date = Date{year(2020), month(2), day(1)};
  r.post_mortem_interval = records::PostMortemInterval{200, 400};
  EXPECT_TRUE(Get(CompareAttributes(Person(), r), "dates").excludes);
}

TEST(Evidence, SexOnlyAConfidentEstimateExcludes) {
  auto r = Remains();
  r.biological_profile.sex = records::SexEstimate{records::Sex::kMale, 0.7, {"m", "a"}};
  Factor sex = Get(CompareAttributes(Person(), r), "sex");
  EXPECT_FALSE(sex.excludes);
  EXPECT_LT(sex.log10_lr, 0);  // against, but weakly: 0.3 / 0.5
  EXPECT_NEAR(sex.log10_lr, std::log10(0.3 / 0.5), 1e-9);
  r.biological_profile.sex->probability = 0.97;
  sex = Get(CompareAttributes(Person(), r), "sex");
  EXPECT_TRUE(sex.excludes);
  EXPECT_EQ(sex.light, Light::kNoMatch);
}

TEST(Evidence, AgeFallsWithTheGapAndExcludesWhenFar) {
  auto r = Remains();
  double previous = Get(CompareAttributes(Person(), r), "age").log10_lr;
  for (double min_age : {30.0, 35.0, 40.0, 50.0}) {
    r.biological_profile.age = records::AgeEstimate{min_age, min_age + 10, {"m", "a"}};
    const Factor age = Get(CompareAttributes(Person(), r), "age");
    EXPECT_LE(age.log10_lr, previous) << min_age;
    previous = age.log10_lr;
  }
  EXPECT_TRUE(Get(CompareAttributes(Person(), r), "age").excludes);  // 50-60 vs 25-26.4
}

TEST(Evidence, StatureFavoursCloseAndDisfavoursFar) {
  auto p = Person();
  p.reported_height->cm = 190;
  const Factor far = Get(CompareAttributes(p, Remains()), "stature");
  EXPECT_LT(far.log10_lr, 0);
  EXPECT_EQ(far.light, Light::kNoMatch);
  EXPECT_FALSE(far.excludes);  // stature never excludes on its own
}

TEST(Evidence, PlaceIsWeakAndNeverExcludes) {
  auto r = Remains();
  r.found_place.location = records::GeoPoint{19.43, -99.13};  // Mexico City
  const Factor place = Get(CompareAttributes(Person(), r), "place");
  EXPECT_LT(place.log10_lr, 0);
  EXPECT_GE(place.log10_lr, -0.3);
  EXPECT_FALSE(place.excludes);
  EXPECT_NEAR(DistanceKm({32.53, -117.02}, {19.43, -99.13}), 2290, 30);
}

TEST(Evidence, MissingDataIsShownAsUnknown) {
  records::MissingPerson p;
  records::UnidentifiedRemains r;
  for (const Factor& f : CompareAttributes(p, r)) {
    EXPECT_EQ(f.light, Light::kUnknown) << f.name;
    EXPECT_EQ(f.log10_lr, 0);
    EXPECT_FALSE(f.reason.empty());
  }
}

}  // namespace
}  // namespace encuentro::matching
