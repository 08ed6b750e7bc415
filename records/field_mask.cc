#include "records/field_mask.h"

#include <functional>
#include <utility>

#include "common/field_violations.h"

namespace encuentro::records {
namespace {

template <typename Record>
using Copier = std::pair<const char*, std::function<void(const Record&, Record&)>>;

#define ENCUENTRO_FIELD(name)                                      \
  {                                                                \
#name, [](const auto& from, auto& to) { to.name = from.name; } \
  }

const std::vector<Copier<MissingPerson>>& MissingPersonFields() {
  static const auto* const kFields = new std::vector<Copier<MissingPerson>>{
      ENCUENTRO_FIELD(case_folio),
      ENCUENTRO_FIELD(issuing_authority),
      ENCUENTRO_FIELD(given_names),
      ENCUENTRO_FIELD(family_names),
      ENCUENTRO_FIELD(aliases),
      ENCUENTRO_FIELD(sex),
      {"date_of_birth",
       [](const auto& from, auto& to) {
         to.date_of_birth = from.date_of_birth;
         to.date_of_birth_precision = from.date_of_birth_precision;
       }},
      ENCUENTRO_FIELD(age_at_disappearance),
      {"last_seen_date",
       [](const auto& from, auto& to) {
         to.last_seen_date = from.last_seen_date;
         to.last_seen_precision = from.last_seen_precision;
       }},
      ENCUENTRO_FIELD(last_seen_place),
      ENCUENTRO_FIELD(reported_height),
      ENCUENTRO_FIELD(status),
  };
  return *kFields;
}

const std::vector<Copier<UnidentifiedRemains>>& RemainsFields() {
  static const auto* const kFields = new std::vector<Copier<UnidentifiedRemains>>{
      ENCUENTRO_FIELD(case_folio),
      ENCUENTRO_FIELD(lab),
      ENCUENTRO_FIELD(responsible_expert),
      {"found_date",
       [](const auto& from, auto& to) {
         to.found_date = from.found_date;
         to.found_precision = from.found_precision;
       }},
      ENCUENTRO_FIELD(found_place),
      ENCUENTRO_FIELD(post_mortem_interval),
      ENCUENTRO_FIELD(biological_profile),
      ENCUENTRO_FIELD(condition),
      ENCUENTRO_FIELD(notes),
      ENCUENTRO_FIELD(marks_examined),
      {"biological_profile.sex",
       [](const auto& from, auto& to) { to.biological_profile.sex = from.biological_profile.sex; }},
      {"biological_profile.age",
       [](const auto& from, auto& to) { to.biological_profile.age = from.biological_profile.age; }},
      {"biological_profile.stature",
       [](const auto& from, auto& to) {
         to.biological_profile.stature = from.biological_profile.stature;
       }},
  };
  return *kFields;
}

template <typename Record>
absl::Status Apply(const std::vector<Copier<Record>>& fields, const Record& patch,
                   const std::vector<std::string>& paths, Record& target) {
  if (paths.empty()) {
    return InvalidFields({{"update_mask", "must name the fields to change (or \"*\")"}});
  }
  std::vector<const Copier<Record>*> chosen;
  std::vector<FieldViolation> unknown;
  for (const std::string& path : paths) {
    bool found = false;
    for (const auto& field : fields) {
      // Nested paths ("biological_profile.sex") are listed explicitly; "*" takes the top level.
      const bool top_level = std::string(field.first).find('.') == std::string::npos;
      if (path == field.first || (path == "*" && top_level)) {
        chosen.push_back(&field);
        found = true;
      }
    }
    if (!found) unknown.push_back({"update_mask", "'" + path + "' is not a mutable field"});
  }
  if (!unknown.empty()) return InvalidFields(unknown);
  for (const auto* field : chosen) field->second(patch, target);
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyUpdateMask(const MissingPerson& patch, const std::vector<std::string>& paths,
                             MissingPerson& target) {
  return Apply(MissingPersonFields(), patch, paths, target);
}

absl::Status ApplyUpdateMask(const UnidentifiedRemains& patch,
                             const std::vector<std::string>& paths, UnidentifiedRemains& target) {
  return Apply(RemainsFields(), patch, paths, target);
}

absl::Status ApplyUpdateMask(const DistinguishingMark& patch, const std::vector<std::string>& paths,
                             DistinguishingMark& target) {
  static const auto* const kFields = new std::vector<Copier<DistinguishingMark>>{
      ENCUENTRO_FIELD(kind),
      ENCUENTRO_FIELD(description),
      ENCUENTRO_FIELD(keywords),
      {"body_region", [](const auto& from, auto& to) { to.region = from.region; }},
      {"body_side", [](const auto& from, auto& to) { to.side = from.side; }},
      {"location_detail",
       [](const auto& from, auto& to) { to.location_detail = from.location_detail; }},
      {"implant",
       [](const auto& from, auto& to) {
         to.implant_manufacturer = from.implant_manufacturer;
         to.implant_serial_number = from.implant_serial_number;
       }},
  };
  return Apply(*kFields, patch, paths, target);
}

absl::Status ApplyUpdateMask(const DentalChart& patch, const std::vector<std::string>& paths,
                             DentalChart& target) {
  static const auto* const kFields = new std::vector<Copier<DentalChart>>{
      ENCUENTRO_FIELD(source),
      ENCUENTRO_FIELD(source_date),
      ENCUENTRO_FIELD(notes),
      ENCUENTRO_FIELD(teeth),
  };
  return Apply(*kFields, patch, paths, target);
}

absl::Status ApplyUpdateMask(const PersonalEffect& patch, const std::vector<std::string>& paths,
                             PersonalEffect& target) {
  static const auto* const kFields = new std::vector<Copier<PersonalEffect>>{
      ENCUENTRO_FIELD(category), ENCUENTRO_FIELD(description), ENCUENTRO_FIELD(colour),
      ENCUENTRO_FIELD(brand),    ENCUENTRO_FIELD(size),        ENCUENTRO_FIELD(keywords),
  };
  return Apply(*kFields, patch, paths, target);
}

absl::Status ApplyUpdateMask(const DnaSample& patch, const std::vector<std::string>& paths,
                             DnaSample& target) {
  static const auto* const kFields = new std::vector<Copier<DnaSample>>{
      ENCUENTRO_FIELD(donor_name), ENCUENTRO_FIELD(relationship), ENCUENTRO_FIELD(skeletal_element),
      ENCUENTRO_FIELD(lab),        ENCUENTRO_FIELD(kit_id),       ENCUENTRO_FIELD(collected_date),
      ENCUENTRO_FIELD(status),     ENCUENTRO_FIELD(notes),
  };
  return Apply(*kFields, patch, paths, target);
}

#undef ENCUENTRO_FIELD

}  // namespace encuentro::records
