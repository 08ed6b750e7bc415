#include "cli/import_rows.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/dental_notation.h"
#include "cli/effect_commands.h"
#include "cli/mark_commands.h"
#include "cli/output.h"

namespace encuentro::cli {
namespace {

double ParseNumberOrThrow(const std::string& column, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    throw ParseError{column + ": '" + text + "' is not a number"};
  }
  return value;
}

v1::Sex ParseSexOrThrow(const std::string& column, const std::string& text) {
  if (text.empty() || text == "unknown") return v1::SEX_UNSPECIFIED;
  if (text == "female" || text == "F" || text == "f") return v1::FEMALE;
  if (text == "male" || text == "M" || text == "m") return v1::MALE;
  throw ParseError{column + ": '" + text + "' is not female, male or unknown"};
}

template <typename Enum, typename ParseFn>
Enum ParseEnumOrThrow(const std::string& column, const std::string& text, ParseFn parse) {
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Enum value{};
  if (!text.empty() && !parse(upper, &value)) {
    throw ParseError{column + ": unknown value '" + text + "'"};
  }
  return value;
}

void SetPlace(const CsvRow& row, const std::string& prefix, v1::Place* place) {
  place->set_description(row.Get(prefix + "place"));
  const std::string lat = row.Get(prefix + "lat");
  const std::string lon = row.Get(prefix + "lon");
  if (!lat.empty() || !lon.empty()) {
    place->mutable_location()->set_latitude(ParseNumberOrThrow(prefix + "lat", lat));
    place->mutable_location()->set_longitude(ParseNumberOrThrow(prefix + "lon", lon));
  }
}

// Splits `text` at every `separator`, keeping empty pieces.
std::vector<std::string> SplitAll(const std::string& text, char separator) {
  std::vector<std::string> pieces;
  for (size_t start = 0;;) {
    const size_t end = text.find(separator, start);
    pieces.push_back(
        text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return pieces;
    start = end + 1;
  }
}

void SetAssessment(const CsvRow& row, const std::string& prefix, v1::Assessment* a) {
  a->set_method(row.Get(prefix + "_method"));
  a->set_author(row.Get(prefix + "_author"));
}

}  // namespace

google::type::Date ParseDateOrThrow(const std::string& column, const std::string& text) {
  google::type::Date date;
  if (!ParseIsoDate(text, &date)) {
    throw ParseError{column + ": '" + text + "' is not a YYYY-MM-DD (or YYYY-MM, YYYY) date"};
  }
  return date;
}

// Reads the FACE of a `file.jpg#FACE` photos entry: a face index, or a box "x,y,w,h" in pixels.
void SetFaceSelection(const std::string& entry, const std::string& face,
                      v1::AddPhotoRequest::Metadata* metadata) {
  const std::vector<std::string> parts = absl::StrSplit(face, ',');
  std::vector<int> numbers;
  for (const std::string& part : parts) {
    int value = 0;
    if (!absl::SimpleAtoi(part, &value) || value < 0) {
      throw ParseError{"photos (" + entry + "#" + face +
                       "): the face is an index or a box x,y,width,height in pixels"};
    }
    numbers.push_back(value);
  }
  if (numbers.size() == 1) {
    metadata->set_face_index(numbers[0]);
  } else if (numbers.size() == 4 && numbers[2] > 0 && numbers[3] > 0) {
    v1::FaceBox* box = metadata->mutable_face_box();
    box->set_x(numbers[0]);
    box->set_y(numbers[1]);
    box->set_width(numbers[2]);
    box->set_height(numbers[3]);
  } else {
    throw ParseError{"photos (" + entry + "#" + face +
                     "): the face is an index or a box x,y,width,height in pixels"};
  }
}

v1::MissingPerson MissingPersonFromRow(const CsvRow& row) {
  v1::MissingPerson p;
  p.set_case_folio(row.Get("case_folio"));
  p.set_issuing_authority(row.Get("issuing_authority"));
  p.set_given_names(row.Get("given_names"));
  p.set_family_names(row.Get("family_names"));
  const std::string aliases = row.Get("aliases");
  for (size_t start = 0; !aliases.empty() && start <= aliases.size();) {
    const size_t end = std::min(aliases.find(';', start), aliases.size());
    if (end > start) p.add_aliases(aliases.substr(start, end - start));
    start = end + 1;
  }
  p.set_sex(ParseSexOrThrow("sex", row.Get("sex")));
  if (const std::string v = row.Get("date_of_birth"); !v.empty()) {
    *p.mutable_date_of_birth() = ParseDateOrThrow("date_of_birth", v);
  }
  if (const std::string v = row.Get("age_at_disappearance"); !v.empty()) {
    p.mutable_age_at_disappearance()->set_years(ParseNumberOrThrow("age_at_disappearance", v));
    if (const std::string u = row.Get("age_uncertainty"); !u.empty()) {
      p.mutable_age_at_disappearance()->set_uncertainty_years(
          ParseNumberOrThrow("age_uncertainty", u));
    }
  }
  if (const std::string v = row.Get("last_seen_date"); !v.empty()) {
    *p.mutable_last_seen_date() = ParseDateOrThrow("last_seen_date", v);
  }
  SetPlace(row, "last_seen_", p.mutable_last_seen_place());
  if (const std::string v = row.Get("height_cm"); !v.empty()) {
    p.mutable_reported_height()->set_cm(ParseNumberOrThrow("height_cm", v));
    if (const std::string u = row.Get("height_precision_cm"); !u.empty()) {
      p.mutable_reported_height()->set_precision_cm(ParseNumberOrThrow("height_precision_cm", u));
    }
  }
  p.set_status(ParseEnumOrThrow<v1::MissingPerson::Status>("status", row.Get("status"),
                                                           v1::MissingPerson::Status_Parse));
  return p;
}

// The `marks` column: marks separated by ';', each KIND|REGION|SIDE|DESCRIPTION|KEYWORDS with
// the keywords separated by ',' and everything after KIND optional, e.g.
// "tattoo|forearm|left|Rosa con el nombre María|rosa,María".
std::vector<v1::DistinguishingMark> MarksFromRow(const CsvRow& row) {
  std::vector<v1::DistinguishingMark> marks;
  const std::string text = row.Get("marks");
  if (text.empty()) return marks;
  for (const std::string& entry : SplitAll(text, ';')) {
    if (entry.empty()) continue;
    const std::vector<std::string> fields = SplitAll(entry, '|');
    if (fields.size() > 5) {
      throw ParseError{"marks (" + entry + "): expected KIND|REGION|SIDE|DESCRIPTION|KEYWORDS"};
    }
    v1::DistinguishingMark& mark = marks.emplace_back();
    v1::DistinguishingMark::Kind kind;
    if (!ParseMarkKind(fields[0], &kind)) {
      throw ParseError{"marks (" + entry + "): unknown kind '" + fields[0] + "'"};
    }
    mark.set_kind(kind);
    if (fields.size() > 1 && !fields[1].empty()) {
      v1::DistinguishingMark::BodyRegion region;
      if (!ParseBodyRegion(fields[1], &region)) {
        throw ParseError{"marks (" + entry + "): unknown region '" + fields[1] + "'"};
      }
      mark.set_body_region(region);
    }
    if (fields.size() > 2 && !fields[2].empty()) {
      v1::DistinguishingMark::Side side;
      if (!ParseBodySide(fields[2], &side)) {
        throw ParseError{"marks (" + entry + "): unknown side '" + fields[2] + "'"};
      }
      mark.set_body_side(side);
    }
    if (fields.size() > 3) mark.set_description(fields[3]);
    if (fields.size() > 4) {
      for (const std::string& keyword : SplitAll(fields[4], ',')) {
        if (!keyword.empty()) mark.add_keywords(keyword);
      }
    }
  }
  return marks;
}

// The `dna_samples` column: samples separated by ';'. On missing persons each is a family
// reference, DONOR|RELATIONSHIP|LAB|KIT|COLLECTED|STATUS; on remains a post-mortem sample,
// ELEMENT|LAB|KIT|COLLECTED|STATUS. Everything after the first two (one) fields is optional.
std::vector<v1::DnaSample> DnaSamplesFromRow(const CsvRow& row, bool reference) {
  std::vector<v1::DnaSample> samples;
  const std::string text = row.Get("dna_samples");
  if (text.empty()) return samples;
  const auto upper = [](std::string t) {
    for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return t;
  };
  for (const std::string& entry : SplitAll(text, ';')) {
    if (entry.empty()) continue;
    std::vector<std::string> fields = SplitAll(entry, '|');
    const size_t own = reference ? 2 : 1;  // donor and relationship, or the element
    if (fields.size() < own || fields.size() > own + 4) {
      throw ParseError{"dna_samples (" + entry + "): expected " +
                       (reference ? "DONOR|RELATIONSHIP|LAB|KIT|COLLECTED|STATUS"
                                  : "ELEMENT|LAB|KIT|COLLECTED|STATUS")};
    }
    fields.resize(own + 4);
    v1::DnaSample& sample = samples.emplace_back();
    if (reference) {
      sample.set_donor_name(fields[0]);
      v1::DnaSample::Relationship relationship;
      if (!v1::DnaSample::Relationship_Parse(upper(fields[1]), &relationship)) {
        throw ParseError{"dna_samples (" + entry + "): unknown relationship '" + fields[1] + "'"};
      }
      sample.set_relationship(relationship);
    } else {
      sample.set_skeletal_element(fields[0]);
    }
    sample.set_lab(fields[own]);
    sample.set_kit_id(fields[own + 1]);
    if (!fields[own + 2].empty()) {
      *sample.mutable_collected_date() = ParseDateOrThrow("dna_samples", fields[own + 2]);
    }
    if (!fields[own + 3].empty()) {
      v1::DnaSample::Status status;
      if (!v1::DnaSample::Status_Parse(upper(fields[own + 3]), &status)) {
        throw ParseError{"dna_samples (" + entry + "): unknown status '" + fields[own + 3] + "'"};
      }
      sample.set_status(status);
    }
  }
  return samples;
}

// The `effects` column: effects separated by ';', each CATEGORY|DESCRIPTION|COLOUR|BRAND|SIZE|
// KEYWORDS with ','-separated keywords, e.g. "clothing|camisa de futbol|azul|Chivas|M|Chivas".
std::vector<v1::PersonalEffect> EffectsFromRow(const CsvRow& row) {
  std::vector<v1::PersonalEffect> effects;
  const std::string text = row.Get("effects");
  if (text.empty()) return effects;
  for (const std::string& entry : SplitAll(text, ';')) {
    if (entry.empty()) continue;
    const std::vector<std::string> fields = SplitAll(entry, '|');
    if (fields.size() > 6) {
      throw ParseError{"effects (" + entry +
                       "): expected CATEGORY|DESCRIPTION|COLOUR|BRAND|SIZE|KEYWORDS"};
    }
    v1::PersonalEffect& effect = effects.emplace_back();
    v1::PersonalEffect::Category category;
    if (!ParseEffectCategory(fields[0], &category)) {
      throw ParseError{"effects (" + entry + "): unknown category '" + fields[0] + "'"};
    }
    effect.set_category(category);
    if (fields.size() > 1) effect.set_description(fields[1]);
    if (fields.size() > 2) effect.set_colour(fields[2]);
    if (fields.size() > 3) effect.set_brand(fields[3]);
    if (fields.size() > 4) effect.set_size(fields[4]);
    if (fields.size() > 5) {
      for (const std::string& keyword : SplitAll(fields[5], ',')) {
        if (!keyword.empty()) effect.add_keywords(keyword);
      }
    }
  }
  return effects;
}

// The `dental` column in the notation of cli/dental_notation.h, with `dental_source` and
// `dental_source_date`; nullopt when the row has no chart.
std::optional<v1::UpdateDentalChartRequest> DentalFromRow(const CsvRow& row) {
  const std::string teeth = row.Get("dental");
  if (teeth.empty()) return std::nullopt;
  v1::UpdateDentalChartRequest request;
  v1::DentalChart* chart = request.mutable_dental_chart();
  if (absl::Status s = ParseDentalNotation(teeth, chart); !s.ok()) {
    throw ParseError{"dental: " + std::string(s.message())};
  }
  chart->set_source(ParseEnumOrThrow<v1::DentalChart::Source>(
      "dental_source", row.Get("dental_source"), v1::DentalChart::Source_Parse));
  if (const std::string v = row.Get("dental_source_date"); !v.empty()) {
    *chart->mutable_source_date() = ParseDateOrThrow("dental_source_date", v);
  }
  for (const char* path : {"teeth", "source", "source_date"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  return request;
}

v1::UnidentifiedRemains RemainsFromRow(const CsvRow& row) {
  v1::UnidentifiedRemains r;
  r.set_case_folio(row.Get("case_folio"));
  r.set_lab(row.Get("lab"));
  r.set_responsible_expert(row.Get("responsible_expert"));
  if (const std::string v = row.Get("found_date"); !v.empty()) {
    *r.mutable_found_date() = ParseDateOrThrow("found_date", v);
  }
  SetPlace(row, "found_", r.mutable_found_place());
  if (const std::string v = row.Get("pmi_min_days"); !v.empty()) {
    r.mutable_post_mortem_interval()->set_min_days(ParseNumberOrThrow("pmi_min_days", v));
    r.mutable_post_mortem_interval()->set_max_days(
        ParseNumberOrThrow("pmi_max_days", row.Get("pmi_max_days")));
  }
  auto* bio = r.mutable_biological_profile();
  if (const std::string v = row.Get("sex"); !v.empty()) {
    bio->mutable_sex()->set_sex(ParseSexOrThrow("sex", v));
    bio->mutable_sex()->set_probability(
        ParseNumberOrThrow("sex_probability", row.Get("sex_probability")));
    SetAssessment(row, "sex", bio->mutable_sex()->mutable_assessment());
    bio->mutable_sex()->set_method_kind(ParseEnumOrThrow<v1::BiologicalProfile::SexMethod>(
        "sex_method_kind", row.Get("sex_method_kind"), v1::BiologicalProfile::SexMethod_Parse));
    if (const std::string e = row.Get("sex_error_rate"); !e.empty()) {
      bio->mutable_sex()->set_error_rate(ParseNumberOrThrow("sex_error_rate", e));
    }
  }
  if (const std::string v = row.Get("age_min"); !v.empty()) {
    bio->mutable_age()->mutable_age_at_death()->set_min_years(ParseNumberOrThrow("age_min", v));
    bio->mutable_age()->mutable_age_at_death()->set_max_years(
        ParseNumberOrThrow("age_max", row.Get("age_max")));
    SetAssessment(row, "age", bio->mutable_age()->mutable_assessment());
  }
  if (const std::string v = row.Get("stature_min_cm"); !v.empty()) {
    bio->mutable_stature()->set_min_cm(ParseNumberOrThrow("stature_min_cm", v));
    bio->mutable_stature()->set_max_cm(
        ParseNumberOrThrow("stature_max_cm", row.Get("stature_max_cm")));
    SetAssessment(row, "stature", bio->mutable_stature()->mutable_assessment());
    if (const std::string c = row.Get("stature_cm"); !c.empty()) {
      bio->mutable_stature()->set_stature_cm(ParseNumberOrThrow("stature_cm", c));
    }
    if (const std::string se = row.Get("stature_se_cm"); !se.empty()) {
      bio->mutable_stature()->set_standard_error_cm(ParseNumberOrThrow("stature_se_cm", se));
    }
    bio->mutable_stature()->set_formula_id(row.Get("stature_formula_id"));
  }
  r.set_condition(ParseEnumOrThrow<v1::UnidentifiedRemains::Condition>(
      "condition", row.Get("condition"), v1::UnidentifiedRemains::Condition_Parse));
  r.set_notes(row.Get("notes"));
  if (const std::string v = row.Get("marks_examined"); !v.empty()) {
    if (v == "true" || v == "yes" || v == "1" || v == "si" || v == "sí") {
      r.set_marks_examined(true);
    } else if (v != "false" && v != "no" && v != "0") {
      throw ParseError{"marks_examined: must be true or false, not '" + v + "'"};
    }
  }
  return r;
}

}  // namespace encuentro::cli
