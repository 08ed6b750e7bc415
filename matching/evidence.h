// Evidence that a set of remains is, or is not, a given missing person: one factor per line of
// evidence, each a log10 likelihood ratio with a traffic light and a reason a reviewer can read.
// Independent lines of evidence add in log10 (forensic practice; see domain.md).
#pragma once

#include <string>
#include <vector>

#include "records/model.h"

namespace encuentro::matching {

// DVI-style traffic light for one factor.
enum class Light { kMatch, kPossible, kNoMatch, kUnknown };

const char* LightName(Light light);

struct Factor {
  // "dates", "age", "sex", "stature", "place", "face".
  std::string name;
  // log10 P(evidence | same person) / P(evidence | different people); 0 when uninformative.
  double log10_lr = 0;
  Light light = Light::kUnknown;
  // True when the factor alone rules the pair out (it is then dropped unless asked for).
  bool excludes = false;
  std::string reason;
};

// Assumptions behind the attribute factors. Defaults follow the practice in domain.md and are
// documented in the README; a lab can change them.
struct EvidenceOptions {
  // Remains found up to this many days before the last sighting are still possible (uncertain
  // dates); earlier ones exclude.
  double date_margin_days = 30;
  // Only a sex estimate at least this probable may exclude.
  double confident_sex_probability = 0.95;
  // An age-at-death range this many years away from the person's possible ages excludes.
  double age_exclusion_gap_years = 15;
  // Spread of the age evidence beyond the stated ranges (estimation error), in years.
  double age_error_sd_years = 4;
  // Span of ages over which unrelated people are spread, for the age factor's denominator.
  double population_age_span_years = 70;
  // Reported living heights run high and are rounded: mean overstatement and its spread.
  double height_overstatement_cm = 2.5;
  double height_reporting_sd_cm = 4;
  // Spread of adult stature in the population, for the stature factor's denominator.
  double population_stature_sd_cm = 8;
  // Place: within this distance the factor is mildly for, beyond the far one mildly against.
  double near_km = 50;
  double far_km = 500;
  double place_log10_lr = 0.3;
  // No single attribute may count for or against more than this (log10).
  double max_abs_log10_lr = 2;
};

// Every attribute factor for the pair, in a fixed order (dates, age, sex, stature, place).
// Factors whose data are missing on either side come back with light kUnknown and log10 LR 0,
// so a reviewer sees what was not compared.
std::vector<Factor> CompareAttributes(const records::MissingPerson& person,
                                      const records::UnidentifiedRemains& remains,
                                      const EvidenceOptions& options = {});

// Great-circle distance in km (haversine, mean Earth radius).
double DistanceKm(const records::GeoPoint& a, const records::GeoPoint& b);

}  // namespace encuentro::matching
