#include "records/validation.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/text.h"

namespace encuentro::records {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

// Collects violations for one record.
class Checker {
 public:
  explicit Checker(Date today) : today_(today) {}

  void Fail(const std::string& field, const std::string& description) {
    violations_.push_back({field, description});
  }

  void Text(const std::string& field, const std::string& value, size_t max_length,
            bool required = false) {
    if (!IsValidUtf8(value)) {
      Fail(field, "must be valid UTF-8");
    } else if (required && value.find_first_not_of(" \t\r\n") == std::string::npos) {
      Fail(field, "is required");
    } else if (value.size() > max_length) {
      Fail(field, "is longer than " + std::to_string(max_length) + " bytes");
    }
  }

  // Returns whether the date is usable for cross-field checks.
  bool PastDate(const std::string& field, const std::optional<Date>& date) {
    if (!date) return false;
    if (!date->ok()) {
      Fail(field, "is not a valid calendar date");
      return false;
    }
    if (*date > today_) {
      Fail(field, "is in the future");
      return false;
    }
    if (date->year() < std::chrono::year(1900)) {
      Fail(field, "is before 1900");
      return false;
    }
    return true;
  }

  void Range(const std::string& field, double value, double min, double max,
             const std::string& unit) {
    if (!std::isfinite(value) || value < min || value > max) {
      Fail(field, "must be between " + Format(min) + " and " + Format(max) +
                      (unit.empty() ? "" : " " + unit));
    }
  }

  void Place(const std::string& field, const records::Place& place) {
    Text(field + ".description", place.description, kMaxLongText);
    if (place.location) {
      Range(field + ".location.latitude", place.location->latitude, -90, 90, "degrees");
      Range(field + ".location.longitude", place.location->longitude, -180, 180, "degrees");
    }
  }

  void Assessment(const std::string& field, const records::Assessment& a) {
    Text(field + ".method", a.method, kMaxShortText, /*required=*/true);
    Text(field + ".author", a.author, kMaxShortText, /*required=*/true);
  }

  std::vector<FieldViolation> Take() { return std::move(violations_); }

 private:
  static std::string Format(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text;
  }

  Date today_;
  std::vector<FieldViolation> violations_;
};

double YearsBetween(Date from, Date to) {
  return static_cast<double>((sys_days(to) - sys_days(from)).count()) / 365.2425;
}

}  // namespace

std::vector<FieldViolation> ValidateMissingPerson(const MissingPerson& p, Date today) {
  Checker check(today);
  check.Text("case_folio", p.case_folio, kMaxShortText, /*required=*/true);
  check.Text("issuing_authority", p.issuing_authority, kMaxShortText, /*required=*/true);
  check.Text("given_names", p.given_names, kMaxShortText);
  check.Text("family_names", p.family_names, kMaxShortText);
  if (p.given_names.find_first_not_of(" ") == std::string::npos &&
      p.family_names.find_first_not_of(" ") == std::string::npos) {
    check.Fail("given_names", "a given or family name is required");
  }
  if (p.aliases.size() > kMaxAliases) {
    check.Fail("aliases", "has more than " + std::to_string(kMaxAliases) + " entries");
  }
  for (size_t i = 0; i < p.aliases.size() && i < kMaxAliases; ++i) {
    check.Text("aliases[" + std::to_string(i) + "]", p.aliases[i], kMaxShortText, true);
  }
  const bool dob_ok = check.PastDate("date_of_birth", p.date_of_birth);
  const bool seen_ok = check.PastDate("last_seen_date", p.last_seen_date);
  // Partial dates are checked as widely as they allow: born no later than last seen.
  if (dob_ok && seen_ok && *p.date_of_birth > LastDay(*p.last_seen_date, p.last_seen_precision)) {
    check.Fail("date_of_birth", "is after last_seen_date");
  }
  if (p.age_at_disappearance) {
    const AgeAtDisappearance& age = *p.age_at_disappearance;
    check.Range("age_at_disappearance.years", age.years, 0, kMaxAgeYears, "years");
    check.Range("age_at_disappearance.uncertainty_years", age.uncertainty_years, 0, 50, "years");
    if (dob_ok && seen_ok && *p.date_of_birth <= *p.last_seen_date) {
      const double actual = YearsBetween(*p.date_of_birth, *p.last_seen_date);
      // A year of slack (ages are reported in whole years), plus what partial dates leave open.
      const double open =
          YearsBetween(*p.date_of_birth, LastDay(*p.date_of_birth, p.date_of_birth_precision)) +
          YearsBetween(*p.last_seen_date, LastDay(*p.last_seen_date, p.last_seen_precision));
      if (std::abs(actual - age.years) > age.uncertainty_years + 1 + open) {
        check.Fail("age_at_disappearance.years",
                   "disagrees with date_of_birth and last_seen_date (" +
                       std::to_string(static_cast<int>(actual)) + " years)");
      }
    }
  }
  check.Place("last_seen_place", p.last_seen_place);
  if (p.reported_height) {
    check.Range("reported_height.cm", p.reported_height->cm, kMinHeightCm, kMaxHeightCm, "cm");
    check.Range("reported_height.precision_cm", p.reported_height->precision_cm, 0, 30, "cm");
  }
  return check.Take();
}

std::vector<FieldViolation> ValidateRemains(const UnidentifiedRemains& r, Date today) {
  Checker check(today);
  check.Text("case_folio", r.case_folio, kMaxShortText, /*required=*/true);
  check.Text("lab", r.lab, kMaxShortText, /*required=*/true);
  check.Text("responsible_expert", r.responsible_expert, kMaxShortText);
  check.Text("notes", r.notes, kMaxLongText);
  check.PastDate("found_date", r.found_date);
  check.Place("found_place", r.found_place);
  if (r.post_mortem_interval) {
    const PostMortemInterval& pmi = *r.post_mortem_interval;
    check.Range("post_mortem_interval.min_days", pmi.min_days, 0, 365.0 * 200, "days");
    check.Range("post_mortem_interval.max_days", pmi.max_days, 0, 365.0 * 200, "days");
    if (pmi.min_days > pmi.max_days) {
      check.Fail("post_mortem_interval", "min_days is greater than max_days");
    }
  }
  const BiologicalProfile& bio = r.biological_profile;
  if (bio.sex) {
    check.Range("biological_profile.sex.probability", bio.sex->probability, 0, 1, "");
    check.Assessment("biological_profile.sex.assessment", bio.sex->assessment);
    if (bio.sex->error_rate) {
      check.Range("biological_profile.sex.error_rate", *bio.sex->error_rate, 0, 0.5, "");
    }
  }
  if (bio.age) {
    check.Range("biological_profile.age.age_at_death.min_years", bio.age->min_years, 0,
                kMaxAgeYears, "years");
    check.Range("biological_profile.age.age_at_death.max_years", bio.age->max_years, 0,
                kMaxAgeYears, "years");
    if (bio.age->min_years > bio.age->max_years) {
      check.Fail("biological_profile.age.age_at_death", "min_years is greater than max_years");
    }
    check.Assessment("biological_profile.age.assessment", bio.age->assessment);
  }
  if (bio.stature) {
    check.Range("biological_profile.stature.min_cm", bio.stature->min_cm, kMinHeightCm,
                kMaxHeightCm, "cm");
    check.Range("biological_profile.stature.max_cm", bio.stature->max_cm, kMinHeightCm,
                kMaxHeightCm, "cm");
    if (bio.stature->min_cm > bio.stature->max_cm) {
      check.Fail("biological_profile.stature", "min_cm is greater than max_cm");
    }
    check.Assessment("biological_profile.stature.assessment", bio.stature->assessment);
    if (bio.stature->point_cm) {
      check.Range("biological_profile.stature.stature_cm", *bio.stature->point_cm,
                  bio.stature->min_cm, bio.stature->max_cm, "cm (within min_cm and max_cm)");
    }
    if (bio.stature->standard_error_cm) {
      check.Range("biological_profile.stature.standard_error_cm", *bio.stature->standard_error_cm,
                  0.1, 30, "cm");
    }
    check.Text("biological_profile.stature.formula_id", bio.stature->formula_id, kMaxShortText);
  }
  return check.Take();
}

std::vector<FieldViolation> ValidateMark(const DistinguishingMark& m) {
  Checker check(Date{});
  if (m.kind == MarkKind::kUnspecified) check.Fail("kind", "is required");
  check.Text("location_detail", m.location_detail, kMaxShortText);
  check.Text("description", m.description, kMaxLongText, /*required=*/true);
  if (m.keywords.size() > kMaxMarkKeywords) {
    check.Fail("keywords", "has more than " + std::to_string(kMaxMarkKeywords) + " entries");
  } else {
    for (size_t i = 0; i < m.keywords.size(); ++i) {
      check.Text("keywords[" + std::to_string(i) + "]", m.keywords[i], kMaxShortText,
                 /*required=*/true);
    }
  }
  check.Text("implant.manufacturer", m.implant_manufacturer, kMaxShortText);
  check.Text("implant.serial_number", m.implant_serial_number, kMaxShortText);
  if (m.kind != MarkKind::kMedicalImplant &&
      !(m.implant_manufacturer.empty() && m.implant_serial_number.empty())) {
    check.Fail("implant", "is for medical implants only");
  }
  return check.Take();
}

std::vector<FieldViolation> ValidateEffect(const PersonalEffect& e) {
  Checker check(Date{});
  if (e.category == EffectCategory::kUnspecified) check.Fail("category", "is required");
  check.Text("description", e.description, kMaxLongText, /*required=*/true);
  check.Text("colour", e.colour, kMaxShortText);
  check.Text("brand", e.brand, kMaxShortText);
  check.Text("size", e.size, kMaxShortText);
  if (e.keywords.size() > kMaxMarkKeywords) {
    check.Fail("keywords", "has more than " + std::to_string(kMaxMarkKeywords) + " entries");
  } else {
    for (size_t i = 0; i < e.keywords.size(); ++i) {
      check.Text("keywords[" + std::to_string(i) + "]", e.keywords[i], kMaxShortText,
                 /*required=*/true);
    }
  }
  return check.Take();
}

std::vector<FieldViolation> ValidateDnaSample(const DnaSample& s, Date today) {
  Checker check(today);
  const bool reference = s.owner_kind == RecordKind::kMissingPerson;
  check.Text("donor_name", s.donor_name, kMaxShortText, /*required=*/reference);
  if (reference && s.relationship == KinRelationship::kUnspecified) {
    check.Fail("relationship", "is required for a family reference sample");
  }
  check.Text("skeletal_element", s.skeletal_element, kMaxShortText, /*required=*/!reference);
  if (!reference && (!s.donor_name.empty() || s.relationship != KinRelationship::kUnspecified)) {
    check.Fail("donor_name", "is for family reference samples, not post-mortem ones");
  }
  if (reference && !s.skeletal_element.empty()) {
    check.Fail("skeletal_element", "is for post-mortem samples");
  }
  check.Text("lab", s.lab, kMaxShortText);
  check.Text("kit_id", s.kit_id, kMaxShortText);
  check.Text("notes", s.notes, kMaxLongText);
  check.PastDate("collected_date", s.collected_date);
  return check.Take();
}

absl::Status ValidateWithdrawalReason(const std::string& reason, const std::string& what) {
  if (!IsValidUtf8(reason)) return InvalidFields({{"reason", "must be valid UTF-8"}});
  if (!HasVisibleText(reason) || reason.size() > kMaxLongText) {
    return InvalidFields({{"reason", "is required (at most " + std::to_string(kMaxLongText) +
                                         " bytes): say why " + what + " is withdrawn"}});
  }
  return absl::OkStatus();
}

bool IsFdiTooth(int fdi) {
  const int quadrant = fdi / 10;
  const int position = fdi % 10;
  if (quadrant >= 1 && quadrant <= 4) return position >= 1 && position <= 8;
  if (quadrant >= 5 && quadrant <= 8) return position >= 1 && position <= 5;
  return false;
}

std::vector<FieldViolation> ValidateDentalChart(const DentalChart& chart, RecordKind kind,
                                                Date today) {
  Checker check(today);
  check.PastDate("source_date", chart.source_date);
  check.Text("notes", chart.notes, kMaxLongText);
  std::vector<int> seen;
  for (size_t i = 0; i < chart.teeth.size(); ++i) {
    const Tooth& t = chart.teeth[i];
    const std::string field = "teeth[" + std::to_string(i) + "]";
    if (!IsFdiTooth(t.fdi)) {
      check.Fail(field + ".fdi", "is not an FDI tooth number (11-48 permanent, 51-85 deciduous)");
    } else if (std::find(seen.begin(), seen.end(), t.fdi) != seen.end()) {
      check.Fail(field + ".fdi", "tooth " + std::to_string(t.fdi) + " is charted twice");
    }
    seen.push_back(t.fdi);
    if (t.state == ToothState::kNotExamined) {
      check.Fail(field + ".state", "is required (leave a tooth that was not examined out)");
    }
    if (t.state == ToothState::kMissingPostMortem && kind == RecordKind::kMissingPerson) {
      check.Fail(field + ".state", "a tooth lost after death is charted on remains only");
    }
    const bool treatable =
        t.state == ToothState::kPresent ||
        (t.state == ToothState::kMissingAnteMortem && !t.restorations.empty() &&
         std::all_of(t.restorations.begin(), t.restorations.end(), [](const Restoration& r) {
           return r.kind == RestorationKind::kBridge || r.kind == RestorationKind::kImplant ||
                  r.kind == RestorationKind::kProsthesis;
         }));
    if (!t.restorations.empty() && !treatable) {
      check.Fail(field + ".restorations",
                 "only a present tooth has treatments (a lost one: a bridge, implant or "
                 "prosthesis in its place)");
    }
    for (size_t k = 0; k < t.restorations.size(); ++k) {
      const Restoration& r = t.restorations[k];
      const std::string at = field + ".restorations[" + std::to_string(k) + "]";
      if (r.kind == RestorationKind::kFilling && r.surfaces == 0) {
        check.Fail(at + ".surfaces", "a filling names at least one surface");
      }
      if (r.kind != RestorationKind::kFilling && r.surfaces != 0) {
        check.Fail(at + ".surfaces", "only fillings name surfaces");
      }
    }
  }
  if (chart.teeth.size() > 52) check.Fail("teeth", "has more than 52 teeth");
  return check.Take();
}

}  // namespace encuentro::records
