// Evidence that a set of remains is, or is not, a given missing person: one factor per line of
// evidence, each a log10 likelihood ratio with a traffic light and a reason a reviewer can read.
// Independent lines of evidence add in log10 (forensic practice; see domain.md). The models, their
// formulas, assumptions and sources are written down in matching/README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "matching/population.h"
#include "records/model.h"

namespace encuentro::matching {

// DVI-style traffic light for one factor.
enum class Light { kMatch, kPossible, kNoMatch, kUnknown };

const char* LightName(Light light);

struct Factor {
  // "face", "dates", "age", "sex", "stature", "marks", "dental", "effects", "place": always a
  // string literal, so that the search's scan, which makes a factor of each kind for every
  // candidate, copies no characters.
  std::string_view name;
  // log10 P(evidence | same person) / P(evidence | different people), within the factor's
  // bound; 0 when uninformative. For a prior factor, the log10 weight of the prior instead.
  double log10_lr = 0;
  Light light = Light::kUnknown;
  // True when the factor alone rules the pair out (it is then dropped unless asked for).
  bool excludes = false;
  std::string reason;
  // True for "place": it weighs the prior probability of the pair, it is not evidence, and it is
  // not part of the combined likelihood ratio.
  bool prior = false;
  // The value before the bound. The bound limits what a score claims; candidates whose bounded
  // scores tie are ordered by the unbounded evidence.
  std::optional<double> unbounded_log10_lr;

  double OrderingLog10Lr() const { return unbounded_log10_lr.value_or(log10_lr); }
};

// Assumptions behind the attribute factors. Defaults follow the practice in domain.md and are
// documented in matching/README.md; a lab can change them.
struct EvidenceOptions {
  // Remains found up to this many days before the last sighting are still possible (uncertain
  // dates); earlier ones exclude.
  double date_margin_days = 30;

  // Age. How far the true age may lie outside the anthropologist's range: a Gaussian fall-off of
  // this spread below the range, and above it a spread that grows with the range's upper end past
  // `age_error_growth_from_years`, since skeletal methods underestimate older adults.
  double age_error_below_years = 4;
  double age_error_above_years = 4;
  double age_error_growth_from_years = 40;
  double age_error_growth_per_year = 0.3;
  // The pair is excluded when the person's oldest possible age is this far below the range, or
  // their youngest this far above it (asymmetric for the same reason).
  double age_exclusion_below_years = 10;
  double age_exclusion_above_years = 20;

  // Sex. Error rates used when an estimate does not carry its own, by method.
  double sex_error_skeletal_morphology = 0.10;
  double sex_error_skeletal_metric = 0.15;
  double sex_error_soft_tissue = 0.02;
  double sex_error_dna = 0.001;
  // Method not recorded (older records): 1 - the stated probability, but never below this.
  double sex_error_unspecified_floor = 0.15;

  // Stature. Reported living heights run high and are rounded: mean overstatement and spread.
  double height_overstatement_cm = 2.5;
  double height_reporting_sd_cm = 4;
  // A stature estimate saved without its standard error is read as its midpoint +/- this many
  // standard errors (the anthropology service's default range).
  double stature_range_standard_errors = 2;

  // Place, a prior weight: within `near_km` the prior is raised by `place_log10_weight`, beyond
  // `far_km` lowered by as much.
  double near_km = 50;
  double far_km = 500;
  double place_log10_weight = 0.3;

  // No single attribute may count for or against more than this (log10); marks have their own
  // bound (MarkEvidenceOptions).
  double max_abs_log10_lr = 2;

  MarkEvidenceOptions marks;
  DentalEvidenceOptions dental;

  // Clothing and effects: a weak line by design (clothes are common, shared and changed). Each
  // effect on the remains of the category of one the family described, sharing a word of its
  // description, colour or brand, counts this much (log10), up to the cap; nothing counts against.
  double effect_match_log10_lr = 0.3;
  double max_effects_log10_lr = 0.6;
};

// Every attribute factor for the pair, in a fixed order (dates, age, sex, stature, marks, dental,
// effects, place).
// Factors whose data are missing on either side come back with light kUnknown and log10 LR 0,
// so a reviewer sees what was not compared. `today` bounds the person's possible age at death
// when the remains have no found date. Without `explain` the reasons of informative factors are
// left empty (the values are the same), for scoring many candidates and explaining a few.
std::vector<Factor> CompareAttributes(const records::MissingPerson& person,
                                      const records::UnidentifiedRemains& remains,
                                      const PopulationStatistics& population, records::Date today,
                                      const EvidenceOptions& options = {}, bool explain = true);

// The remains' side of every comparison in one search, worked out once (the age factor's
// population term, the remains' probable sex, the stature estimate's population density), so
// that comparing tens of thousands of candidates repeats only what depends on each of them.
// Holds pointers to its arguments, which must outlive it. Immutable; safe to share.
class RemainsEvidence {
 public:
  RemainsEvidence(const records::UnidentifiedRemains& remains,
                  const PopulationStatistics& population, records::Date today,
                  const EvidenceOptions& options);
  ~RemainsEvidence();
  RemainsEvidence(const RemainsEvidence&) = delete;
  RemainsEvidence& operator=(const RemainsEvidence&) = delete;

  // Appends every attribute factor of the pair to `out`, as CompareAttributes returns them.
  void Compare(const records::MissingPerson& person, bool explain, std::vector<Factor>* out) const;

  const records::UnidentifiedRemains& remains() const { return *remains_; }

  struct Terms;

 private:
  const records::UnidentifiedRemains* remains_;
  const PopulationStatistics* population_;
  records::Date today_;
  const EvidenceOptions* options_;
  std::unique_ptr<Terms> terms_;
};

// The person's possible ages at death in years, [youngest, oldest]: from the last sighting until
// the remains were found less the least post-mortem interval (until `today` when the found date
// is unknown). Nullopt when the person's age is not recorded.
std::optional<std::pair<double, double>> PossibleAgesAtDeath(
    const records::MissingPerson& person, const records::UnidentifiedRemains& remains,
    records::Date today);

// The likelihood ratio functions behind the factors, unbounded, for tests and the evaluation
// tool. See matching/README.md for each formula.

// Error rate of a sex estimate: its own, else the method's default.
double SexErrorRate(const records::SexEstimate& estimate, const EvidenceOptions& options);
// P(estimate says `estimated` | person of sex `person`) / P(it says so | someone else from the
// population): (1-e)/D when they agree, e/D when not, D = (1-e) p(estimated) + e (1-p(estimated)).
double SexLikelihoodRatio(records::Sex estimated, records::Sex person, double error_rate,
                          double male_fraction);
// How likely the anthropologist's range [min, max] is if the true age is `age`: 1 inside, a
// Gaussian fall-off outside (asymmetric, see EvidenceOptions).
double AgeRangeLikelihood(double age, double min, double max, const EvidenceOptions& options);
// The mean of AgeRangeLikelihood over the person's possible ages [youngest, oldest], divided by
// its mean over the population's ages at death.
double AgeLikelihoodRatio(double youngest, double oldest, double min, double max,
                          const PopulationStatistics& population, const EvidenceOptions& options);
// Normal density of the estimate given the person's reported height (less overstatement) with
// the estimate's, the report's and the rounding's errors, divided by the density of the estimate
// among people of the remains' probable sex (`female_weight`, the rest male).
double StatureLikelihoodRatio(double estimate_cm, double standard_error_cm, double reported_cm,
                              double reported_precision_cm, double female_weight,
                              const PopulationStatistics& population,
                              const EvidenceOptions& options);

// Great-circle distance in km (haversine, mean Earth radius).
double DistanceKm(const records::GeoPoint& a, const records::GeoPoint& b);

}  // namespace encuentro::matching
