#include "matching/evidence.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <optional>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace encuentro::matching {
namespace {

using std::chrono::sys_days;
constexpr double kDaysPerYear = 365.2425;
constexpr double kPi = 3.14159265358979323846;

double Days(const records::Date& from, const records::Date& to) {
  return static_cast<double>((sys_days(to) - sys_days(from)).count());
}

double NormalDensity(double x, double sd) {
  return std::exp(-0.5 * (x / sd) * (x / sd)) / (sd * std::sqrt(2 * kPi));
}

// Reasons are written only when someone will read them: a search scores every candidate but
// explains only those it returns.
#define ENCUENTRO_EXPLAIN(...) (explain ? absl::StrFormat(__VA_ARGS__) : std::string())

Factor Unknown(const char* name, const char* reason, bool explain) {
  return {name, 0, Light::kUnknown, false, explain ? reason : ""};
}

// A factor from an unbounded likelihood ratio: bounded for the score, kept whole for ordering.
Factor Bounded(const char* name, double lr, Light light, bool excludes, std::string reason,
               const EvidenceOptions& o) {
  const double unbounded = std::log10(std::max(lr, 1e-300));
  Factor f{name, std::clamp(unbounded, -o.max_abs_log10_lr, o.max_abs_log10_lr), light, excludes,
           std::move(reason)};
  f.unbounded_log10_lr = unbounded;
  return f;
}

const char* SexWord(records::Sex sex) {
  switch (sex) {
    case records::Sex::kFemale:
      return "female";
    case records::Sex::kMale:
      return "male";
    case records::Sex::kUnknown:
      break;
  }
  return "unknown";
}

const char* SexMethodWord(records::SexMethod method) {
  switch (method) {
    case records::SexMethod::kSkeletalMorphology:
      return "skeletal morphology";
    case records::SexMethod::kSkeletalMetric:
      return "skeletal metrics";
    case records::SexMethod::kSoftTissue:
      return "soft tissue";
    case records::SexMethod::kDna:
      return "DNA";
    case records::SexMethod::kUnspecified:
      break;
  }
  return "method not recorded";
}

Factor CompareDates(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                    const EvidenceOptions& o, bool explain) {
  if (!p.last_seen_date || !r.found_date) {
    return Unknown("dates", "last-seen or found date not recorded", explain);
  }
  // Partial dates are read as favourably as they allow: the earliest sighting, the latest finding.
  const double after = Days(*p.last_seen_date, records::LastDay(*r.found_date, r.found_precision));
  const double pmi_min = r.post_mortem_interval ? r.post_mortem_interval->min_days : 0;
  // The latest the death can have happened, given the estimated time since death.
  const double death_after = after - pmi_min;
  if (after < -o.date_margin_days) {
    return {"dates", -o.max_abs_log10_lr, Light::kNoMatch, true,
            ENCUENTRO_EXPLAIN("found %.0f days before the person was last seen (margin %.0f days)",
                              -after, o.date_margin_days)};
  }
  if (death_after < -o.date_margin_days) {
    return {
        "dates", -o.max_abs_log10_lr, Light::kNoMatch, true,
        ENCUENTRO_EXPLAIN("death at least %.0f days before found, i.e. %.0f days before last seen "
                          "(margin %.0f days)",
                          pmi_min, -death_after, o.date_margin_days)};
  }
  if (after < 0 || death_after < 0) {
    return {"dates", 0, Light::kPossible, false,
            ENCUENTRO_EXPLAIN(
                "found %.0f days after last seen, within the %.0f-day margin of uncertain "
                "dates",
                after, o.date_margin_days)};
  }
  return {"dates", 0, Light::kMatch, false,
          ENCUENTRO_EXPLAIN("found %.0f days (%.1f years) after last seen", after,
                            after / kDaysPerYear)};
}

double AgeErrorAbove(double max, const EvidenceOptions& o) {
  return o.age_error_above_years +
         o.age_error_growth_per_year * std::max(0.0, max - o.age_error_growth_from_years);
}

// The person's possible ages are equally likely: the mean of the range's likelihood over them,
// integrated exactly (1 inside the range, Gaussian tails outside), so that a search's scan costs
// the same whatever the span of possible ages.
double AgeSameLikelihood(double youngest, double oldest, double min, double max,
                         const EvidenceOptions& o) {
  if (oldest - youngest < 1e-9) return AgeRangeLikelihood((youngest + oldest) / 2, min, max, o);
  // Integral of exp(-t^2 / 2) over [from, to], in units of `sd`, times sd.
  const auto tail = [](double from, double to, double sd) {
    return sd * std::sqrt(std::numbers::pi / 2) *
           (std::erf(to / (sd * std::numbers::sqrt2)) -
            std::erf(from / (sd * std::numbers::sqrt2)));
  };
  double total = std::max(0.0, std::min(oldest, max) - std::max(youngest, min));
  if (youngest < min)
    total += tail(min - std::min(oldest, min), min - youngest, o.age_error_below_years);
  if (oldest > max)
    total += tail(std::max(youngest, max) - max, oldest - max, AgeErrorAbove(max, o));
  return total / (oldest - youngest);
}

double AgeUnrelatedLikelihood(double min, double max, const PopulationStatistics& population,
                              const EvidenceOptions& o) {
  double unrelated = 0;
  for (int a = 0; a < kTabulatedAgeYears; ++a) {
    unrelated += population.age_density[a] * AgeRangeLikelihood(a + 0.5, min, max, o);
  }
  return unrelated;
}

double StatureSameDensity(double estimate_cm, double standard_error_cm, double reported_cm,
                          double reported_precision_cm, const EvidenceOptions& o) {
  const double same_sd = std::sqrt(standard_error_cm * standard_error_cm +
                                   o.height_reporting_sd_cm * o.height_reporting_sd_cm +
                                   reported_precision_cm * reported_precision_cm);
  return NormalDensity(estimate_cm - (reported_cm - o.height_overstatement_cm), same_sd);
}

double StatureUnrelatedDensity(double estimate_cm, double standard_error_cm, double female_weight,
                               const PopulationStatistics& population) {
  const auto among = [&](const StatureDistribution& d) {
    return NormalDensity(estimate_cm - d.mean_cm,
                         std::sqrt(d.sd_cm * d.sd_cm + standard_error_cm * standard_error_cm));
  };
  return female_weight * among(population.female) + (1 - female_weight) * among(population.male);
}

}  // namespace

// What in every comparison depends on the remains alone, worked out once per search.
struct RemainsEvidence::Terms {
  double age_unrelated = 0;
  double sex_error = 0;
  double stature_point = 0;
  double stature_standard_error = 0;
  double stature_unrelated = 0;
  // MarkTokens of each of the remains' marks.
  std::vector<std::vector<std::string>> mark_tokens;
};

namespace {

Factor CompareAge(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                  const RemainsEvidence::Terms& terms, records::Date today,
                  const EvidenceOptions& o, bool explain) {
  const auto& estimate = r.biological_profile.age;
  // Most remains carry no estimate: the person's possible ages are worked out only when compared.
  const auto ages = estimate ? PossibleAgesAtDeath(p, r, today) : std::nullopt;
  if (!ages) return Unknown("age", "age-at-death estimate or the person's age missing", explain);
  const auto [youngest, oldest] = *ages;
  const double lr =
      std::max(AgeSameLikelihood(youngest, oldest, estimate->min_years, estimate->max_years, o),
               1e-300) /
      std::max(terms.age_unrelated, 1e-300);
  const std::string ranges =
      ENCUENTRO_EXPLAIN("estimated age at death %.0f-%.0f, the person would have been %.0f-%.0f",
                        estimate->min_years, estimate->max_years, youngest, oldest);
  const double too_young = estimate->min_years - oldest;  // the person younger than the range
  const double too_old = youngest - estimate->max_years;  // older than the range
  if (too_young <= 0 && too_old <= 0) {
    return Bounded("age", lr, Light::kMatch, false, explain ? ranges + ": consistent" : "", o);
  }
  const bool excludes =
      too_young > o.age_exclusion_below_years || too_old > o.age_exclusion_above_years;
  const bool near = too_young > 0 ? too_young <= 2 * o.age_error_below_years
                                  : too_old <= 2 * AgeErrorAbove(estimate->max_years, o);
  return Bounded(
      "age", lr, near ? Light::kPossible : Light::kNoMatch, excludes,
      ranges + ENCUENTRO_EXPLAIN(": %.1f years %s", std::max(too_young, too_old),
                                 too_young > 0 ? "younger than the range" : "older than the range"),
      o);
}

Factor CompareSex(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                  const PopulationStatistics& population, const RemainsEvidence::Terms& terms,
                  const EvidenceOptions& o, bool explain) {
  const auto& estimate = r.biological_profile.sex;
  if (!estimate || estimate->sex == records::Sex::kUnknown || p.sex == records::Sex::kUnknown) {
    return Unknown("sex", "sex not recorded or not estimated", explain);
  }
  const double error = terms.sex_error;
  const double lr = SexLikelihoodRatio(estimate->sex, p.sex, error, population.male_fraction);
  const bool same = estimate->sex == p.sex;
  // Only methods that read soft tissue or DNA are reliable enough to rule a candidate out.
  const bool may_exclude = estimate->method == records::SexMethod::kSoftTissue ||
                           estimate->method == records::SexMethod::kDna;
  const std::string reason = ENCUENTRO_EXPLAIN(
      "remains estimated %s by %s (error rate %.3g), the person is %s", SexWord(estimate->sex),
      SexMethodWord(estimate->method), error, SexWord(p.sex));
  if (same) {
    return Bounded("sex", lr, error <= 0.2 ? Light::kMatch : Light::kPossible, false, reason, o);
  }
  return Bounded("sex", lr, error <= 0.2 ? Light::kNoMatch : Light::kPossible, may_exclude, reason,
                 o);
}

Factor CompareStature(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                      const RemainsEvidence::Terms& terms, const EvidenceOptions& o, bool explain) {
  const auto& estimate = r.biological_profile.stature;
  if (!estimate || !p.reported_height) {
    return Unknown("stature", "reported height or stature estimate missing", explain);
  }
  const double point = terms.stature_point;
  const double standard_error = terms.stature_standard_error;
  const double lr = std::max(StatureSameDensity(point, standard_error, p.reported_height->cm,
                                                p.reported_height->precision_cm, o),
                             1e-300) /
                    std::max(terms.stature_unrelated, 1e-300);
  const double adjusted = p.reported_height->cm - o.height_overstatement_cm;
  const double sd = std::sqrt(standard_error * standard_error +
                              o.height_reporting_sd_cm * o.height_reporting_sd_cm +
                              p.reported_height->precision_cm * p.reported_height->precision_cm);
  const double difference = std::abs(adjusted - point);
  const Light light = difference <= sd       ? Light::kMatch
                      : difference <= 2 * sd ? Light::kPossible
                                             : Light::kNoMatch;
  return Bounded("stature", lr, light, false,
                 ENCUENTRO_EXPLAIN(
                     "reported %.0f cm (about %.0f cm once overstatement is allowed for) against "
                     "estimated %.0f cm (SE %.1f cm%s)",
                     p.reported_height->cm, adjusted, point, standard_error,
                     estimate->standard_error_cm ? "" : ", read from the range"),
                 o);
}

Factor CompareMarkEvidence(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                           const PopulationStatistics& population,
                           const RemainsEvidence::Terms& terms, const EvidenceOptions& o,
                           bool explain) {
  MarkComparison marks =
      CompareMarks(p.distinguishing_marks, r.distinguishing_marks, terms.mark_tokens, r.condition,
                   r.marks_examined, population.marks, o.marks, explain);
  if (!marks.compared) return {"marks", 0, Light::kUnknown, false, std::move(marks.reason)};
  const double bound = o.marks.max_abs_log10_lr;
  Factor f{"marks", std::clamp(marks.log10_lr, -bound, bound),
           marks.matched > 0 && marks.log10_lr >= 1    ? Light::kMatch
           : marks.log10_lr <= -1                      ? Light::kNoMatch
           : marks.matched == 0 && marks.log10_lr == 0 ? Light::kUnknown  // nothing observable
                                                       : Light::kPossible,
           // Never an exclusion: marks are lost, missed and misreported (matching/README.md).
           false, std::move(marks.reason)};
  f.unbounded_log10_lr = marks.log10_lr;
  return f;
}

Factor CompareDentalEvidence(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                             const PopulationStatistics& population, const EvidenceOptions& o,
                             bool explain) {
  // The remains' side first: it is the same for every candidate of a search, so the scan reads a
  // person's chart (far into the record) only when there is one to compare it with.
  if (!r.dental_chart || !p.dental_chart) {
    return Unknown("dental", "no dental chart on one side or both", explain);
  }
  DentalComparison dental =
      CompareDental(*p.dental_chart, *r.dental_chart, population.dental, o.dental, explain);
  if (!dental.compared) return {"dental", 0, Light::kUnknown, false, std::move(dental.reason)};
  const double bound = o.dental.max_abs_log10_lr;
  const double lr = dental.excludes ? -bound : std::clamp(dental.log10_lr, -bound, bound);
  Factor f{"dental", lr,
           dental.excludes                                   ? Light::kNoMatch
           : dental.unexplained == 0 && dental.log10_lr >= 1 ? Light::kMatch
           : dental.unexplained > 0                          ? Light::kNoMatch
                                                             : Light::kPossible,
           dental.excludes, std::move(dental.reason)};
  f.unbounded_log10_lr = dental.excludes ? -bound : dental.log10_lr;
  return f;
}

// The words an effect is described by: its keywords, colour, brand and description, folded as
// marks' keywords are.
std::vector<std::string> EffectWords(const records::PersonalEffect& e) {
  std::vector<std::string> words;
  for (const std::string* text : {&e.colour, &e.brand, &e.description}) {
    for (std::string& w : KeywordTokens(*text)) words.push_back(std::move(w));
  }
  for (const std::string& k : e.keywords) {
    for (std::string& w : KeywordTokens(k)) words.push_back(std::move(w));
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

Factor CompareEffects(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                      const EvidenceOptions& o, bool explain) {
  if (r.effects.empty() || p.effects.empty()) {
    return Unknown("effects", "no clothing or effects recorded on one side or both", explain);
  }
  int matched = 0;
  std::vector<std::string> shared_words;
  for (const records::PersonalEffect& found : r.effects) {
    const std::vector<std::string> found_words = EffectWords(found);
    for (const records::PersonalEffect& reported : p.effects) {
      if (reported.category != found.category) continue;
      const std::vector<std::string> reported_words = EffectWords(reported);
      std::vector<std::string> shared;
      std::set_intersection(found_words.begin(), found_words.end(), reported_words.begin(),
                            reported_words.end(), std::back_inserter(shared));
      if (shared.empty()) continue;
      ++matched;
      if (explain) shared_words.insert(shared_words.end(), shared.begin(), shared.end());
      break;
    }
  }
  if (matched == 0) {
    return {"effects", 0, Light::kPossible, false,
            explain ? "no effect on the remains like those reported (not held against the pair: "
                      "clothes are common and changed)"
                    : ""};
  }
  const double lr = std::min(o.max_effects_log10_lr, matched * o.effect_match_log10_lr);
  return {"effects", lr, Light::kMatch, false,
          ENCUENTRO_EXPLAIN("%d effect(s) on the remains like those reported (words: %s); a weak "
                            "line by design",
                            matched, absl::StrJoin(shared_words, ", "))};
}

Factor ComparePlace(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                    const EvidenceOptions& o, bool explain) {
  Factor f = Unknown("place", "coordinates of last-seen or found place missing", explain);
  f.prior = true;
  if (!r.found_place.location || !p.last_seen_place.location) return f;
  const double km = DistanceKm(*p.last_seen_place.location, *r.found_place.location);
  f.reason =
      ENCUENTRO_EXPLAIN("found %.0f km from where last seen (a prior weight, not evidence)", km);
  if (km <= o.near_km) {
    f.log10_lr = o.place_log10_weight;
    f.light = Light::kMatch;
  } else if (km >= o.far_km) {
    f.log10_lr = -o.place_log10_weight;
    f.light = Light::kNoMatch;
  } else {
    f.light = Light::kPossible;
  }
  return f;
}

#undef ENCUENTRO_EXPLAIN

}  // namespace

const char* LightName(Light light) {
  switch (light) {
    case Light::kMatch:
      return "match";
    case Light::kPossible:
      return "possible";
    case Light::kNoMatch:
      return "no_match";
    case Light::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<std::pair<double, double>> PossibleAgesAtDeath(const records::MissingPerson& p,
                                                             const records::UnidentifiedRemains& r,
                                                             records::Date today) {
  // Years between the last sighting and the latest possible death. Without a found date the
  // person may have died any time until today; without a last sighting it is unknown.
  // Partial dates widen the range: the earliest sighting, the latest finding, and a birth
  // anywhere in its year or month.
  std::optional<double> elapsed;
  if (p.last_seen_date) {
    const double pmi = r.post_mortem_interval ? r.post_mortem_interval->min_days : 0;
    const double days =
        r.found_date
            ? Days(*p.last_seen_date, records::LastDay(*r.found_date, r.found_precision)) - pmi
            : Days(*p.last_seen_date, today);
    elapsed = std::max(0.0, days / kDaysPerYear);
  }
  if (p.date_of_birth && p.last_seen_date) {
    const double oldest_at_last_seen = Days(*p.date_of_birth, *p.last_seen_date) / kDaysPerYear;
    const double youngest_at_last_seen =
        Days(records::LastDay(*p.date_of_birth, p.date_of_birth_precision), *p.last_seen_date) /
        kDaysPerYear;
    return std::pair(std::max(0.0, youngest_at_last_seen), oldest_at_last_seen + *elapsed);
  }
  if (p.age_at_disappearance) {
    const auto& age = *p.age_at_disappearance;
    const double unknown_span = elapsed ? *elapsed : kTabulatedAgeYears;
    return std::pair(std::max(0.0, age.years - age.uncertainty_years),
                     age.years + age.uncertainty_years + unknown_span);
  }
  return std::nullopt;
}

double SexErrorRate(const records::SexEstimate& estimate, const EvidenceOptions& o) {
  if (estimate.error_rate) return std::clamp(*estimate.error_rate, 1e-6, 0.5);
  switch (estimate.method) {
    case records::SexMethod::kSkeletalMorphology:
      return o.sex_error_skeletal_morphology;
    case records::SexMethod::kSkeletalMetric:
      return o.sex_error_skeletal_metric;
    case records::SexMethod::kSoftTissue:
      return o.sex_error_soft_tissue;
    case records::SexMethod::kDna:
      return o.sex_error_dna;
    case records::SexMethod::kUnspecified:
      break;
  }
  return std::clamp(1 - estimate.probability, o.sex_error_unspecified_floor, 0.5);
}

double SexLikelihoodRatio(records::Sex estimated, records::Sex person, double error_rate,
                          double male_fraction) {
  const double e = std::clamp(error_rate, 0.0, 0.5);
  const double p = estimated == records::Sex::kMale ? male_fraction : 1 - male_fraction;
  const double unrelated = (1 - e) * p + e * (1 - p);
  return (estimated == person ? 1 - e : e) / unrelated;
}

double AgeRangeLikelihood(double age, double min, double max, const EvidenceOptions& o) {
  if (age < min) {
    const double z = (min - age) / o.age_error_below_years;
    return std::exp(-0.5 * z * z);
  }
  if (age > max) {
    const double z = (age - max) / AgeErrorAbove(max, o);
    return std::exp(-0.5 * z * z);
  }
  return 1;
}

double AgeLikelihoodRatio(double youngest, double oldest, double min, double max,
                          const PopulationStatistics& population, const EvidenceOptions& o) {
  return std::max(AgeSameLikelihood(youngest, oldest, min, max, o), 1e-300) /
         std::max(AgeUnrelatedLikelihood(min, max, population, o), 1e-300);
}

double StatureLikelihoodRatio(double estimate_cm, double standard_error_cm, double reported_cm,
                              double reported_precision_cm, double female_weight,
                              const PopulationStatistics& population, const EvidenceOptions& o) {
  return std::max(StatureSameDensity(estimate_cm, standard_error_cm, reported_cm,
                                     reported_precision_cm, o),
                  1e-300) /
         std::max(
             StatureUnrelatedDensity(estimate_cm, standard_error_cm, female_weight, population),
             1e-300);
}

double DistanceKm(const records::GeoPoint& a, const records::GeoPoint& b) {
  constexpr double kEarthRadiusKm = 6371.0088;
  const double to_rad = kPi / 180;
  const double dlat = (b.latitude - a.latitude) * to_rad;
  const double dlon = (b.longitude - a.longitude) * to_rad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.latitude * to_rad) * std::cos(b.latitude * to_rad) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

RemainsEvidence::RemainsEvidence(const records::UnidentifiedRemains& remains,
                                 const PopulationStatistics& population, records::Date today,
                                 const EvidenceOptions& options)
    : remains_(&remains),
      population_(&population),
      today_(today),
      options_(&options),
      terms_(std::make_unique<Terms>()) {
  for (const auto& mark : remains.distinguishing_marks) {
    terms_->mark_tokens.push_back(MarkTokens(mark));
  }
  const auto& bio = remains.biological_profile;
  if (bio.age) {
    terms_->age_unrelated =
        AgeUnrelatedLikelihood(bio.age->min_years, bio.age->max_years, population, options);
  }
  // The remains' probable sex, from their estimate against the population's sex ratio.
  double female_weight = 1 - population.male_fraction;
  if (bio.sex && bio.sex->sex != records::Sex::kUnknown) {
    terms_->sex_error = SexErrorRate(*bio.sex, options);
    const double e = terms_->sex_error;
    const bool says_female = bio.sex->sex == records::Sex::kFemale;
    const double f = (1 - population.male_fraction) * (says_female ? 1 - e : e);
    const double m = population.male_fraction * (says_female ? e : 1 - e);
    female_weight = f / (f + m);
  }
  if (bio.stature) {
    terms_->stature_point =
        bio.stature->point_cm.value_or((bio.stature->min_cm + bio.stature->max_cm) / 2);
    terms_->stature_standard_error = bio.stature->standard_error_cm.value_or(std::max(
        0.5,
        (bio.stature->max_cm - bio.stature->min_cm) / (2 * options.stature_range_standard_errors)));
    terms_->stature_unrelated = StatureUnrelatedDensity(
        terms_->stature_point, terms_->stature_standard_error, female_weight, population);
  }
}

RemainsEvidence::~RemainsEvidence() = default;

void RemainsEvidence::Compare(const records::MissingPerson& person, bool explain,
                              std::vector<Factor>* out) const {
  const records::UnidentifiedRemains& r = *remains_;
  const EvidenceOptions& o = *options_;
  out->push_back(CompareDates(person, r, o, explain));
  out->push_back(CompareAge(person, r, *terms_, today_, o, explain));
  out->push_back(CompareSex(person, r, *population_, *terms_, o, explain));
  out->push_back(CompareStature(person, r, *terms_, o, explain));
  out->push_back(CompareMarkEvidence(person, r, *population_, *terms_, o, explain));
  out->push_back(CompareDentalEvidence(person, r, *population_, o, explain));
  out->push_back(CompareEffects(person, r, o, explain));
  out->push_back(ComparePlace(person, r, o, explain));
}

std::vector<Factor> CompareAttributes(const records::MissingPerson& person,
                                      const records::UnidentifiedRemains& remains,
                                      const PopulationStatistics& population, records::Date today,
                                      const EvidenceOptions& options, bool explain) {
  std::vector<Factor> factors;
  RemainsEvidence(remains, population, today, options).Compare(person, explain, &factors);
  return factors;
}

}  // namespace encuentro::matching
