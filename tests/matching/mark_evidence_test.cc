// The marks factor: keyword folding, the likelihood ratios of a shared, an unreported and an
// unseen mark, and what the remains' condition lets count.
#include "matching/mark_evidence.h"

#include <gtest/gtest.h>

#include <cmath>

#include "matching/evidence.h"

namespace encuentro::matching {
namespace {

using records::BodyRegion;
using records::BodySide;
using records::DistinguishingMark;
using records::MarkKind;
using records::RemainsCondition;

DistinguishingMark Mark(MarkKind kind, BodyRegion region, BodySide side,
                        std::vector<std::string> keywords = {}) {
  DistinguishingMark m;
  m.kind = kind;
  m.region = region;
  m.side = side;
  m.description.assign(1, 'x');  // not = "x": GCC 12 warns falsely (-Wrestrict)
  m.keywords = std::move(keywords);
  return m;
}

// A registry of 1,000 people: 300 with a tattoo, 40 of them on the forearm, 5 with "rosa".
records::RegistryCounts Registry() {
  records::RegistryCounts counts;
  counts.people = 1000;
  counts.marks = {{MarkKind::kTattoo, BodyRegion::kUnspecified, 300},
                  {MarkKind::kTattoo, BodyRegion::kForearm, 40},
                  {MarkKind::kScar, BodyRegion::kUnspecified, 150}};
  counts.mark_keywords = {{MarkKind::kTattoo, "Rosas", 5}, {MarkKind::kTattoo, "rosa", 3}};
  return counts;
}

MarkComparison Compare(const std::vector<DistinguishingMark>& person,
                       const std::vector<DistinguishingMark>& remains, RemainsCondition condition,
                       bool examined) {
  std::vector<std::vector<std::string>> tokens;
  for (const auto& m : remains) tokens.push_back(MarkTokens(m));
  return CompareMarks(person, remains, tokens, condition, examined, MarkFrequencies(Registry()),
                      MarkEvidenceOptions{}, /*explain=*/true);
}

TEST(MarkEvidence, KeywordsFoldAccentsCaseAndSpanishPlurals) {
  EXPECT_EQ(KeywordTokens("Rosas"), std::vector<std::string>{"rosa"});
  EXPECT_EQ(KeywordTokens("nombre: MARÍA"), std::vector<std::string>{"maria"});
  EXPECT_EQ(KeywordTokens("Virgen de Guadalupe"),
            (std::vector<std::string>{"virgen", "guadalupe"}));
  EXPECT_EQ(KeywordTokens("corazones"), std::vector<std::string>{"corazon"});
  EXPECT_EQ(KeywordTokens("Corazón"), std::vector<std::string>{"corazon"});
  EXPECT_EQ(KeywordTokens("cruces"), std::vector<std::string>{"cruz"});
  EXPECT_EQ(KeywordTokens("flores"), std::vector<std::string>{"flor"});
  EXPECT_EQ(KeywordTokens("ÑANDÚ"), std::vector<std::string>{"nandu"});
}

TEST(MarkEvidence, FrequenciesComeFromTheRegistryShrunkTowardsThePrior) {
  const MarkFrequencies f(Registry());
  // (40 + 50 * 0.30 / 6) / (1000 + 50)
  EXPECT_NEAR(f.KindRegion(MarkKind::kTattoo, BodyRegion::kForearm), 42.5 / 1050, 1e-9);
  // "Rosas" and "rosa" fold together: (8 + 50 * 0.05) / (300 + 50)
  EXPECT_NEAR(f.KindToken(MarkKind::kTattoo, "rosa"), 10.5 / 350, 1e-9);
  // An empty registry: the prior alone.
  EXPECT_NEAR(MarkFrequencies().KindRegion(MarkKind::kTattoo, BodyRegion::kUnspecified), 0.30,
              1e-9);
}

TEST(MarkEvidence, SharedTattooWithKeywordIsStrongEvidence) {
  const auto tattoo = Mark(MarkKind::kTattoo, BodyRegion::kForearm, BodySide::kLeft, {"rosa"});
  const MarkComparison c = Compare({tattoo}, {tattoo}, RemainsCondition::kDecomposed, true);
  ASSERT_TRUE(c.compared);
  EXPECT_EQ(c.matched, 1);
  // 0.8 * 0.8 / (42.5/1050) * (0.9/0.5) * 0.6 / (10.5/350)
  const double expected = 0.8 * 0.8 / (42.5 / 1050) * 1.8 * 0.6 / (10.5 / 350);
  EXPECT_NEAR(c.log10_lr, std::log10(expected), 1e-9);
  EXPECT_GT(c.log10_lr, 2.5);
  EXPECT_NE(c.reason.find("shared keywords: rosa"), std::string::npos) << c.reason;
  // The other side, the other region, or the other kind weakens or breaks the pairing.
  const auto right = Mark(MarkKind::kTattoo, BodyRegion::kForearm, BodySide::kRight, {"rosa"});
  // Mirror-image sides: 0.1 / 0.5 instead of 0.9 / 0.5.
  EXPECT_NEAR(Compare({right}, {tattoo}, RemainsCondition::kDecomposed, true).log10_lr,
              c.log10_lr - std::log10(9.0), 1e-9);
  const auto scar = Mark(MarkKind::kScar, BodyRegion::kForearm, BodySide::kLeft);
  EXPECT_EQ(Compare({scar}, {tattoo}, RemainsCondition::kDecomposed, true).matched, 0);
}

TEST(MarkEvidence, ATattooNobodyReportedCountsAgainstMildly) {
  const auto tattoo = Mark(MarkKind::kTattoo, BodyRegion::kChest, BodySide::kMidline);
  const MarkComparison c = Compare({}, {tattoo}, RemainsCondition::kSkeletonized, false);
  ASSERT_TRUE(c.compared);
  // (1 - 0.8) / (1 - (300 + 15) / 1050)
  EXPECT_NEAR(c.log10_lr, std::log10(0.2 / (1 - 315.0 / 1050)), 1e-9);
}

TEST(MarkEvidence, AbsenceCountsOnlyWhereTheConditionShowsTheSkin) {
  const auto reported = Mark(MarkKind::kTattoo, BodyRegion::kForearm, BodySide::kLeft);
  // Skeletonised: the tattoo cannot be seen; nothing is held against the pair.
  const MarkComparison skeleton = Compare({reported}, {}, RemainsCondition::kSkeletonized, true);
  EXPECT_TRUE(skeleton.compared);
  EXPECT_EQ(skeleton.log10_lr, 0);
  EXPECT_NE(skeleton.reason.find("could not be observed"), std::string::npos) << skeleton.reason;
  // A complete body examined without finding it: against, but not an exclusion.
  const MarkComparison complete = Compare({reported}, {}, RemainsCondition::kComplete, true);
  EXPECT_LT(complete.log10_lr, -0.5);
  EXPECT_GT(complete.log10_lr, -1.5);
  // Not examined for marks: absence says nothing.
  EXPECT_FALSE(Compare({reported}, {}, RemainsCondition::kComplete, false).compared);
  // An amputation survives skeletonisation.
  const auto amputation = Mark(MarkKind::kAmputation, BodyRegion::kHand, BodySide::kRight);
  EXPECT_LT(Compare({amputation}, {}, RemainsCondition::kSkeletonized, true).log10_lr, -0.5);
}

TEST(MarkEvidence, TheFactorIsBoundedNeverExcludesAndIsExplained) {
  records::MissingPerson person;
  records::UnidentifiedRemains remains;
  remains.condition = RemainsCondition::kComplete;
  remains.marks_examined = true;
  for (int i = 0; i < 8; ++i) {
    person.distinguishing_marks.push_back(
        Mark(MarkKind::kTattoo, static_cast<BodyRegion>(1 + i), BodySide::kUnspecified));
  }
  PopulationStatistics population = DefaultPopulation();
  population.marks = MarkFrequencies(Registry());
  const auto factors = CompareAttributes(person, remains, population, records::Date{});
  const auto it = std::find_if(factors.begin(), factors.end(),
                               [](const Factor& f) { return f.name == "marks"; });
  ASSERT_NE(it, factors.end());
  EXPECT_FALSE(it->excludes);
  EXPECT_EQ(it->light, Light::kNoMatch);
  EXPECT_GE(it->log10_lr, -EvidenceOptions{}.marks.max_abs_log10_lr);
  EXPECT_LT(*it->unbounded_log10_lr, -4) << "eight visible tattoos absent";
  EXPECT_NE(it->reason.find("not found on the examined body"), std::string::npos) << it->reason;
}

// Clothing and effects: a weak line by design, capped, never against.
TEST(EffectEvidence, SharedWordsCountWeaklyAndAbsenceNever) {
  records::MissingPerson person;
  records::UnidentifiedRemains remains;
  records::PersonalEffect reported;
  reported.category = records::EffectCategory::kClothing;
  reported.description = "playera de las Chivas";
  reported.colour = "roja";
  person.effects = {reported, reported};
  records::PersonalEffect found = reported;
  found.description = "camiseta rojiblanca, escudo de Chivas";
  found.colour = "";
  remains.effects = {found, found, found};
  const auto effects = [&] {
    for (const Factor& f : CompareAttributes(person, remains, DefaultPopulation(), {})) {
      if (f.name == "effects") return f;
    }
    return Factor{};
  };
  EXPECT_EQ(effects().light, Light::kMatch);
  EXPECT_NEAR(effects().log10_lr, 0.6, 1e-12) << "three matches, capped";
  remains.effects[0].category = records::EffectCategory::kFootwear;
  remains.effects.resize(1);
  EXPECT_EQ(effects().log10_lr, 0);
  EXPECT_FALSE(effects().excludes);
  remains.effects.clear();
  EXPECT_EQ(effects().light, Light::kUnknown);
}

}  // namespace
}  // namespace encuentro::matching
