#include "matching/evidence.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "absl/strings/str_format.h"

namespace encuentro::matching {
namespace {

using std::chrono::sys_days;
constexpr double kDaysPerYear = 365.2425;
constexpr double kPi = 3.14159265358979323846;

double Days(const records::Date& from, const records::Date& to) {
  return static_cast<double>((sys_days(to) - sys_days(from)).count());
}

double Clamp(double log10_lr, const EvidenceOptions& options) {
  return std::clamp(log10_lr, -options.max_abs_log10_lr, options.max_abs_log10_lr);
}

double NormalDensity(double x, double sd) {
  return std::exp(-0.5 * (x / sd) * (x / sd)) / (sd * std::sqrt(2 * kPi));
}

Factor Unknown(const char* name, const char* reason) {
  return {name, 0, Light::kUnknown, false, reason};
}

Factor CompareDates(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                    const EvidenceOptions& o) {
  if (!p.last_seen_date || !r.found_date) {
    return Unknown("dates", "last-seen or found date not recorded");
  }
  const double after = Days(*p.last_seen_date, *r.found_date);
  const double pmi_min = r.post_mortem_interval ? r.post_mortem_interval->min_days : 0;
  // The latest the death can have happened, given the estimated time since death.
  const double death_after = after - pmi_min;
  if (after < -o.date_margin_days) {
    return {"dates", -o.max_abs_log10_lr, Light::kNoMatch, true,
            absl::StrFormat("found %.0f days before the person was last seen (margin %.0f days)",
                            -after, o.date_margin_days)};
  }
  if (death_after < -o.date_margin_days) {
    return {
        "dates", -o.max_abs_log10_lr, Light::kNoMatch, true,
        absl::StrFormat("death at least %.0f days before found, i.e. %.0f days before last seen "
                        "(margin %.0f days)",
                        pmi_min, -death_after, o.date_margin_days)};
  }
  if (after < 0 || death_after < 0) {
    return {
        "dates", 0, Light::kPossible, false,
        absl::StrFormat("found %.0f days after last seen, within the %.0f-day margin of uncertain "
                        "dates",
                        after, o.date_margin_days)};
  }
  return {
      "dates", 0, Light::kMatch, false,
      absl::StrFormat("found %.0f days (%.1f years) after last seen", after, after / kDaysPerYear)};
}

// The ages the person can have had at death: from the last sighting until the remains were
// found less the least post-mortem interval.
std::optional<std::pair<double, double>> PossibleAgesAtDeath(
    const records::MissingPerson& p, const records::UnidentifiedRemains& r) {
  std::optional<double> elapsed;  // years between last seen and the latest possible death
  if (p.last_seen_date && r.found_date) {
    const double pmi = r.post_mortem_interval ? r.post_mortem_interval->min_days : 0;
    elapsed = std::max(0.0, (Days(*p.last_seen_date, *r.found_date) - pmi) / kDaysPerYear);
  }
  if (p.date_of_birth && p.last_seen_date) {
    const double at_last_seen = Days(*p.date_of_birth, *p.last_seen_date) / kDaysPerYear;
    return std::pair(at_last_seen, at_last_seen + elapsed.value_or(0));
  }
  if (p.age_at_disappearance) {
    const auto& age = *p.age_at_disappearance;
    return std::pair(age.years - age.uncertainty_years,
                     age.years + age.uncertainty_years + elapsed.value_or(0));
  }
  return std::nullopt;
}

Factor CompareAge(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                  const EvidenceOptions& o) {
  const auto& estimate = r.biological_profile.age;
  const auto ages = PossibleAgesAtDeath(p, r);
  if (!estimate || !ages)
    return Unknown("age", "age-at-death estimate or the person's age missing");
  const double gap =
      std::max({0.0, estimate->min_years - ages->second, ages->first - estimate->max_years});
  // Unrelated people's ages spread over the population span; the estimate covers its width.
  const double width = estimate->max_years - estimate->min_years + 2 * o.age_error_sd_years;
  const double coincidence = std::min(1.0, width / o.population_age_span_years);
  const double likelihood =
      std::exp(-0.5 * (gap / o.age_error_sd_years) * (gap / o.age_error_sd_years));
  const double log10_lr = Clamp(std::log10(std::max(likelihood, 1e-12) / coincidence), o);
  const std::string ranges =
      absl::StrFormat("estimated age at death %.0f-%.0f, the person would have been %.0f-%.0f",
                      estimate->min_years, estimate->max_years, ages->first, ages->second);
  if (gap == 0) return {"age", log10_lr, Light::kMatch, false, ranges + ": consistent"};
  const bool excludes = gap > o.age_exclusion_gap_years;
  return {"age", log10_lr, gap <= 2 * o.age_error_sd_years ? Light::kPossible : Light::kNoMatch,
          excludes, ranges + absl::StrFormat(": %.1f years apart", gap)};
}

Factor CompareSex(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                  const EvidenceOptions& o) {
  const auto& estimate = r.biological_profile.sex;
  if (!estimate || estimate->sex == records::Sex::kUnknown || p.sex == records::Sex::kUnknown) {
    return Unknown("sex", "sex not recorded or not estimated");
  }
  const double probability = std::clamp(estimate->probability, 0.0, 1.0);
  const bool same = estimate->sex == p.sex;
  // Against a population of even sex ratio: P(estimate | same) / P(estimate | unrelated).
  const double lr = (same ? probability : 1 - probability) / 0.5;
  const double log10_lr = Clamp(std::log10(std::max(lr, 1e-12)), o);
  char reason[160];
  std::snprintf(reason, sizeof reason, "remains estimated %s (p = %.2f), the person is %s",
                estimate->sex == records::Sex::kFemale ? "female" : "male", probability,
                p.sex == records::Sex::kFemale ? "female" : "male");
  if (same) {
    return {"sex", log10_lr, probability >= 0.8 ? Light::kMatch : Light::kPossible, false, reason};
  }
  return {"sex", log10_lr, probability >= 0.8 ? Light::kNoMatch : Light::kPossible,
          probability >= o.confident_sex_probability, reason};
}

Factor CompareStature(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                      const EvidenceOptions& o) {
  const auto& estimate = r.biological_profile.stature;
  if (!estimate || !p.reported_height) {
    return Unknown("stature", "reported height or stature estimate missing");
  }
  // The estimated range is taken as the estimate plus or minus two standard errors.
  const double centre = (estimate->min_cm + estimate->max_cm) / 2;
  const double standard_error = std::max(1.0, (estimate->max_cm - estimate->min_cm) / 4);
  const double adjusted = p.reported_height->cm - o.height_overstatement_cm;
  const double sd = std::sqrt(standard_error * standard_error +
                              o.height_reporting_sd_cm * o.height_reporting_sd_cm +
                              p.reported_height->precision_cm * p.reported_height->precision_cm);
  const double difference = adjusted - centre;
  const double unrelated_sd =
      std::sqrt(o.population_stature_sd_cm * o.population_stature_sd_cm + sd * sd);
  const double log10_lr =
      Clamp(std::log10(NormalDensity(difference, sd) / NormalDensity(0, unrelated_sd)), o);
  const Light light = std::abs(difference) <= sd       ? Light::kMatch
                      : std::abs(difference) <= 2 * sd ? Light::kPossible
                                                       : Light::kNoMatch;
  return {
      "stature", log10_lr, light, false,
      absl::StrFormat("reported %.0f cm (about %.0f cm once overstatement is allowed for) against "
                      "estimated %.0f-%.0f cm",
                      p.reported_height->cm, adjusted, estimate->min_cm, estimate->max_cm)};
}

Factor ComparePlace(const records::MissingPerson& p, const records::UnidentifiedRemains& r,
                    const EvidenceOptions& o) {
  if (!p.last_seen_place.location || !r.found_place.location) {
    return Unknown("place", "coordinates of last-seen or found place missing");
  }
  const double km = DistanceKm(*p.last_seen_place.location, *r.found_place.location);
  const std::string reason = absl::StrFormat("found %.0f km from where last seen", km);
  if (km <= o.near_km) return {"place", o.place_log10_lr, Light::kMatch, false, reason};
  if (km >= o.far_km) return {"place", -o.place_log10_lr, Light::kNoMatch, false, reason};
  return {"place", 0, Light::kPossible, false, reason};
}

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

std::vector<Factor> CompareAttributes(const records::MissingPerson& person,
                                      const records::UnidentifiedRemains& remains,
                                      const EvidenceOptions& options) {
  return {CompareDates(person, remains, options), CompareAge(person, remains, options),
          CompareSex(person, remains, options), CompareStature(person, remains, options),
          ComparePlace(person, remains, options)};
}

}  // namespace encuentro::matching
