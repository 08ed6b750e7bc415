#include "services/record_conversion.h"

#include <algorithm>

#include "records/names.h"

namespace encuentro::services {
namespace {

using records::Date;

records::Place FromProto(const v1::Place& in) {
  records::Place out;
  out.description = in.description();
  if (in.has_location()) {
    out.location = records::GeoPoint{in.location().latitude(), in.location().longitude()};
  }
  return out;
}

void ToProto(const records::Place& in, v1::Place* out) {
  out->set_description(in.description);
  if (in.location) {
    out->mutable_location()->set_latitude(in.location->latitude);
    out->mutable_location()->set_longitude(in.location->longitude);
  }
}

records::Assessment FromProto(const v1::Assessment& in) { return {in.method(), in.author()}; }

void ToProto(const records::Assessment& in, v1::Assessment* out) {
  out->set_method(in.method);
  out->set_author(in.author);
}

void ToProto(const records::RecordMetadata& meta, const std::string& name, auto* out) {
  out->set_name(name);
  out->set_organization(meta.organization);
  *out->mutable_create_time() = services::ToProto(meta.create_time);
  *out->mutable_update_time() = services::ToProto(meta.update_time);
  out->set_etag(records::Etag(meta.revision));
  if (meta.delete_time) {
    *out->mutable_delete_time() = services::ToProto(*meta.delete_time);
    out->set_delete_reason(meta.delete_reason);
  }
}

}  // namespace

Date FromProto(const google::type::Date& date) {
  return Date{std::chrono::year(date.year()),
              std::chrono::month(static_cast<unsigned>(date.month())),
              std::chrono::day(static_cast<unsigned>(date.day()))};
}

std::optional<Date> OptionalDateFromProto(bool present, const google::type::Date& date,
                                          const std::string& field,
                                          std::vector<FieldViolation>* bad) {
  if (!present) return std::nullopt;
  if (std::optional<std::string> problem = DateProblem(date, /*may_be_future=*/true)) {
    bad->push_back({field, *problem});
    return std::nullopt;
  }
  return FromProto(date);
}

std::optional<std::string> DateProblem(const google::type::Date& date, bool may_be_future) {
  if (date.year() >= 1 && date.year() <= 9999 && (date.month() == 0 || date.day() == 0) &&
      date.month() >= 0 && date.month() <= 12 && date.day() >= 0) {
    return "needs a full date (YYYY-MM-DD); only dates of birth, of the last sighting, of the "
           "finding and of a photo may give just the year or the month";
  }
  if (date.year() < 1 || date.year() > 9999 || !FromProto(date).ok()) {
    return "is not a valid date (YYYY-MM-DD, year 1-9999)";
  }
  if (!may_be_future && FromProto(date) > Date(std::chrono::floor<std::chrono::days>(
                                              std::chrono::system_clock::now()))) {
    return "is in the future";
  }
  return std::nullopt;
}

std::optional<Date> OptionalPartialDateFromProto(bool present, const google::type::Date& date,
                                                 const std::string& field,
                                                 std::vector<FieldViolation>* bad,
                                                 records::DatePrecision* precision) {
  *precision = records::DatePrecision::kDay;
  if (!present) return std::nullopt;
  google::type::Date first = date;
  if (date.month() == 0 && date.day() == 0) {
    *precision = records::DatePrecision::kYear;
    first.set_month(1);
    first.set_day(1);
  } else if (date.month() != 0 && date.day() == 0) {
    *precision = records::DatePrecision::kMonth;
    first.set_day(1);
  } else if (date.month() == 0) {
    bad->push_back({field, "gives a day without a month"});
    return std::nullopt;
  }
  return OptionalDateFromProto(true, first, field, bad);
}

google::type::Date ToProto(const Date& date, records::DatePrecision precision) {
  google::type::Date out = ToProto(date);
  if (precision != records::DatePrecision::kDay) out.set_day(0);
  if (precision == records::DatePrecision::kYear) out.set_month(0);
  return out;
}

google::type::Date ToProto(const Date& date) {
  google::type::Date out;
  out.set_year(static_cast<int>(date.year()));
  out.set_month(static_cast<int>(static_cast<unsigned>(date.month())));
  out.set_day(static_cast<int>(static_cast<unsigned>(date.day())));
  return out;
}

google::protobuf::Timestamp ToProto(const records::Timestamp& time) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  google::protobuf::Timestamp out;
  out.set_seconds(micros / 1000000);
  out.set_nanos(static_cast<int>(micros % 1000000) * 1000);
  return out;
}

std::optional<records::Sex> SexFromProto(v1::Sex sex, const std::string& field,
                                         std::vector<FieldViolation>* bad) {
  switch (sex) {
    case v1::SEX_UNSPECIFIED:
      return records::Sex::kUnknown;
    case v1::FEMALE:
      return records::Sex::kFemale;
    case v1::MALE:
      return records::Sex::kMale;
    default:
      bad->push_back({field, "unknown value " + std::to_string(static_cast<int>(sex))});
      return std::nullopt;
  }
}

v1::Sex SexToProto(records::Sex sex) {
  switch (sex) {
    case records::Sex::kFemale:
      return v1::FEMALE;
    case records::Sex::kMale:
      return v1::MALE;
    case records::Sex::kUnknown:
      break;
  }
  return v1::SEX_UNSPECIFIED;
}

std::optional<records::MissingPersonStatus> StatusFromProto(v1::MissingPerson::Status status,
                                                            const std::string& field,
                                                            std::vector<FieldViolation>* bad) {
  switch (status) {
    case v1::MissingPerson::STATUS_UNSPECIFIED:
    case v1::MissingPerson::MISSING:
      return records::MissingPersonStatus::kMissing;
    case v1::MissingPerson::LOCATED_ALIVE:
      return records::MissingPersonStatus::kLocatedAlive;
    case v1::MissingPerson::LOCATED_DECEASED:
      return records::MissingPersonStatus::kLocatedDeceased;
    case v1::MissingPerson::WITHDRAWN:
      return records::MissingPersonStatus::kWithdrawn;
    default:
      bad->push_back({field, "unknown value " + std::to_string(static_cast<int>(status))});
      return std::nullopt;
  }
}

records::MissingPerson FromProto(const v1::MissingPerson& in, std::vector<FieldViolation>* bad) {
  records::MissingPerson out;
  out.case_folio = in.case_folio();
  out.issuing_authority = in.issuing_authority();
  out.given_names = in.given_names();
  out.family_names = in.family_names();
  out.aliases.assign(in.aliases().begin(), in.aliases().end());
  out.sex = SexFromProto(in.sex(), "sex", bad).value_or(records::Sex::kUnknown);
  out.date_of_birth =
      OptionalPartialDateFromProto(in.has_date_of_birth(), in.date_of_birth(), "date_of_birth", bad,
                                   &out.date_of_birth_precision);
  if (in.has_age_at_disappearance()) {
    out.age_at_disappearance = records::AgeAtDisappearance{
        in.age_at_disappearance().years(), in.age_at_disappearance().uncertainty_years()};
  }
  out.last_seen_date =
      OptionalPartialDateFromProto(in.has_last_seen_date(), in.last_seen_date(), "last_seen_date",
                                   bad, &out.last_seen_precision);
  out.last_seen_place = FromProto(in.last_seen_place());
  if (in.has_reported_height()) {
    out.reported_height =
        records::ReportedHeight{in.reported_height().cm(), in.reported_height().precision_cm()};
  }
  out.status =
      StatusFromProto(in.status(), "status", bad).value_or(records::MissingPersonStatus::kMissing);
  return out;
}

v1::MissingPerson ToProto(const records::MissingPerson& in) {
  v1::MissingPerson out;
  ToProto(in.meta, records::MissingPersonName(in.meta.id), &out);
  for (int64_t id : in.meta.same_folio_ids) {
    out.add_possible_duplicates(records::MissingPersonName(id));
  }
  out.set_case_folio(in.case_folio);
  out.set_issuing_authority(in.issuing_authority);
  out.set_given_names(in.given_names);
  out.set_family_names(in.family_names);
  for (const auto& alias : in.aliases) out.add_aliases(alias);
  out.set_sex(SexToProto(in.sex));
  if (in.date_of_birth) {
    *out.mutable_date_of_birth() = ToProto(*in.date_of_birth, in.date_of_birth_precision);
  }
  if (in.age_at_disappearance) {
    out.mutable_age_at_disappearance()->set_years(in.age_at_disappearance->years);
    out.mutable_age_at_disappearance()->set_uncertainty_years(
        in.age_at_disappearance->uncertainty_years);
  }
  if (in.last_seen_date) {
    *out.mutable_last_seen_date() = ToProto(*in.last_seen_date, in.last_seen_precision);
  }
  if (!in.last_seen_place.description.empty() || in.last_seen_place.location) {
    ToProto(in.last_seen_place, out.mutable_last_seen_place());
  }
  if (in.reported_height) {
    out.mutable_reported_height()->set_cm(in.reported_height->cm);
    out.mutable_reported_height()->set_precision_cm(in.reported_height->precision_cm);
  }
  for (const auto& mark : in.distinguishing_marks) *out.add_marks() = ToProto(mark);
  for (const auto& effect : in.effects) *out.add_effects() = ToProto(effect);
  if (in.dental_chart) {
    *out.mutable_dental_chart() =
        ToProto(*in.dental_chart,
                records::DentalChartName(records::RecordKind::kMissingPerson, in.meta.id));
  }
  if (in.identification) *out.mutable_identification() = ToProto(*in.identification);
  switch (in.status) {
    case records::MissingPersonStatus::kMissing:
      out.set_status(v1::MissingPerson::MISSING);
      break;
    case records::MissingPersonStatus::kLocatedAlive:
      out.set_status(v1::MissingPerson::LOCATED_ALIVE);
      break;
    case records::MissingPersonStatus::kLocatedDeceased:
      out.set_status(v1::MissingPerson::LOCATED_DECEASED);
      break;
    case records::MissingPersonStatus::kWithdrawn:
      out.set_status(v1::MissingPerson::WITHDRAWN);
      break;
  }
  return out;
}

records::UnidentifiedRemains FromProto(const v1::UnidentifiedRemains& in,
                                       std::vector<FieldViolation>* bad) {
  records::UnidentifiedRemains out;
  out.case_folio = in.case_folio();
  out.lab = in.lab();
  out.responsible_expert = in.responsible_expert();
  out.found_date = OptionalPartialDateFromProto(in.has_found_date(), in.found_date(), "found_date",
                                                bad, &out.found_precision);
  out.found_place = FromProto(in.found_place());
  if (in.has_post_mortem_interval()) {
    out.post_mortem_interval = records::PostMortemInterval{in.post_mortem_interval().min_days(),
                                                           in.post_mortem_interval().max_days()};
  }
  const auto& bio = in.biological_profile();
  if (bio.has_sex()) {
    out.biological_profile.sex =
        records::SexEstimate{SexFromProto(bio.sex().sex(), "biological_profile.sex.sex", bad)
                                 .value_or(records::Sex::kUnknown),
                             bio.sex().probability(), FromProto(bio.sex().assessment())};
    const int method = static_cast<int>(bio.sex().method_kind());
    if (method < 0 || method > static_cast<int>(records::SexMethod::kDna)) {
      bad->push_back(
          {"biological_profile.sex.method_kind", "unknown value " + std::to_string(method)});
    } else {
      out.biological_profile.sex->method = static_cast<records::SexMethod>(method);
    }
    if (bio.sex().has_error_rate()) out.biological_profile.sex->error_rate = bio.sex().error_rate();
  }
  if (bio.has_age()) {
    out.biological_profile.age = records::AgeEstimate{bio.age().age_at_death().min_years(),
                                                      bio.age().age_at_death().max_years(),
                                                      FromProto(bio.age().assessment())};
  }
  if (bio.has_stature()) {
    out.biological_profile.stature = records::StatureEstimate{
        bio.stature().min_cm(), bio.stature().max_cm(), FromProto(bio.stature().assessment())};
    auto& stature = *out.biological_profile.stature;
    if (bio.stature().has_stature_cm()) stature.point_cm = bio.stature().stature_cm();
    if (bio.stature().has_standard_error_cm()) {
      stature.standard_error_cm = bio.stature().standard_error_cm();
    }
    stature.formula_id = bio.stature().formula_id();
  }
  const int condition = static_cast<int>(in.condition());
  if (condition < 0 || condition > static_cast<int>(records::RemainsCondition::kCommingled)) {
    bad->push_back({"condition", "unknown value " + std::to_string(condition)});
  } else {
    out.condition = static_cast<records::RemainsCondition>(condition);
  }
  out.notes = in.notes();
  out.marks_examined = in.marks_examined();
  return out;
}

v1::UnidentifiedRemains ToProto(const records::UnidentifiedRemains& in) {
  v1::UnidentifiedRemains out;
  ToProto(in.meta, records::RemainsName(in.meta.id), &out);
  for (int64_t id : in.meta.same_folio_ids) out.add_possible_duplicates(records::RemainsName(id));
  out.set_case_folio(in.case_folio);
  out.set_lab(in.lab);
  out.set_responsible_expert(in.responsible_expert);
  if (in.found_date) *out.mutable_found_date() = ToProto(*in.found_date, in.found_precision);
  if (!in.found_place.description.empty() || in.found_place.location) {
    ToProto(in.found_place, out.mutable_found_place());
  }
  if (in.post_mortem_interval) {
    out.mutable_post_mortem_interval()->set_min_days(in.post_mortem_interval->min_days);
    out.mutable_post_mortem_interval()->set_max_days(in.post_mortem_interval->max_days);
  }
  const auto& bio = in.biological_profile;
  v1::BiologicalProfile* out_bio = out.mutable_biological_profile();
  if (bio.sex) {
    out_bio->mutable_sex()->set_sex(SexToProto(bio.sex->sex));
    out_bio->mutable_sex()->set_probability(bio.sex->probability);
    ToProto(bio.sex->assessment, out_bio->mutable_sex()->mutable_assessment());
    out_bio->mutable_sex()->set_method_kind(
        static_cast<v1::BiologicalProfile::SexMethod>(bio.sex->method));
    if (bio.sex->error_rate) out_bio->mutable_sex()->set_error_rate(*bio.sex->error_rate);
  }
  if (bio.age) {
    out_bio->mutable_age()->mutable_age_at_death()->set_min_years(bio.age->min_years);
    out_bio->mutable_age()->mutable_age_at_death()->set_max_years(bio.age->max_years);
    ToProto(bio.age->assessment, out_bio->mutable_age()->mutable_assessment());
  }
  if (bio.stature) {
    out_bio->mutable_stature()->set_min_cm(bio.stature->min_cm);
    out_bio->mutable_stature()->set_max_cm(bio.stature->max_cm);
    ToProto(bio.stature->assessment, out_bio->mutable_stature()->mutable_assessment());
    if (bio.stature->point_cm) out_bio->mutable_stature()->set_stature_cm(*bio.stature->point_cm);
    if (bio.stature->standard_error_cm) {
      out_bio->mutable_stature()->set_standard_error_cm(*bio.stature->standard_error_cm);
    }
    out_bio->mutable_stature()->set_formula_id(bio.stature->formula_id);
  }
  out.set_condition(static_cast<v1::UnidentifiedRemains::Condition>(in.condition));
  out.set_notes(in.notes);
  out.set_marks_examined(in.marks_examined);
  for (const auto& mark : in.distinguishing_marks) *out.add_marks() = ToProto(mark);
  for (const auto& effect : in.effects) *out.add_effects() = ToProto(effect);
  if (in.dental_chart) {
    *out.mutable_dental_chart() = ToProto(
        *in.dental_chart, records::DentalChartName(records::RecordKind::kRemains, in.meta.id));
  }
  if (in.identification) *out.mutable_identification() = ToProto(*in.identification);
  return out;
}

records::DistinguishingMark FromProto(const v1::DistinguishingMark& in,
                                      std::vector<FieldViolation>* bad) {
  records::DistinguishingMark out;
  out.kind = EnumFromProto(in.kind(), records::MarkKind::kMedicalImplant, "kind", bad)
                 .value_or(records::MarkKind::kUnspecified);
  out.region = EnumFromProto(in.body_region(), records::BodyRegion::kFoot, "body_region", bad)
                   .value_or(records::BodyRegion::kUnspecified);
  out.side = EnumFromProto(in.body_side(), records::BodySide::kMidline, "body_side", bad)
                 .value_or(records::BodySide::kUnspecified);
  out.location_detail = in.location_detail();
  out.description = in.description();
  out.keywords.assign(in.keywords().begin(), in.keywords().end());
  out.implant_manufacturer = in.implant().manufacturer();
  out.implant_serial_number = in.implant().serial_number();
  return out;
}

v1::DistinguishingMark ToProto(const records::DistinguishingMark& in) {
  v1::DistinguishingMark out;
  ToProto(in.meta, records::MarkName(in.owner_kind, in.owner_id, in.meta.id), &out);
  out.set_kind(static_cast<v1::DistinguishingMark::Kind>(in.kind));
  out.set_body_region(static_cast<v1::DistinguishingMark::BodyRegion>(in.region));
  out.set_body_side(static_cast<v1::DistinguishingMark::Side>(in.side));
  out.set_location_detail(in.location_detail);
  out.set_description(in.description);
  for (const auto& keyword : in.keywords) out.add_keywords(keyword);
  if (!in.implant_manufacturer.empty() || !in.implant_serial_number.empty()) {
    out.mutable_implant()->set_manufacturer(in.implant_manufacturer);
    out.mutable_implant()->set_serial_number(in.implant_serial_number);
  }
  return out;
}

v1::Identification ToProto(const records::Identification& in) {
  v1::Identification out;
  out.set_remains(records::RemainsName(in.remains_id));
  out.set_missing_person(records::MissingPersonName(in.missing_person_id));
  for (const records::ConfirmingEvidence& e : in.evidence) {
    v1::ConfirmingEvidence* item = out.add_evidence();
    item->set_kind(static_cast<v1::ConfirmingEvidence::Kind>(static_cast<int>(e.kind) + 1));
    item->set_reference(e.reference);
    if (e.date) *item->mutable_date() = ToProto(*e.date);
  }
  out.set_board_reference(in.board_reference);
  if (in.board_date) *out.mutable_board_date() = ToProto(*in.board_date);
  out.set_reason(in.reason);
  out.set_author(in.principal);
  out.set_organization(in.organization);
  *out.mutable_create_time() = ToProto(in.create_time);
  return out;
}

records::DentalChart FromProto(const v1::DentalChart& in, std::vector<FieldViolation>* bad) {
  records::DentalChart out;
  out.source = EnumFromProto(in.source(), records::DentalSource::kOther, "source", bad)
                   .value_or(records::DentalSource::kUnspecified);
  out.source_date =
      OptionalDateFromProto(in.has_source_date(), in.source_date(), "source_date", bad);
  out.notes = in.notes();
  for (int i = 0; i < in.teeth_size(); ++i) {
    const v1::DentalChart::Tooth& t = in.teeth(i);
    const std::string field = "teeth[" + std::to_string(i) + "]";
    records::Tooth& tooth = out.teeth.emplace_back();
    tooth.fdi = t.fdi();
    tooth.state = EnumFromProto(t.state(), records::ToothState::kUnerupted, field + ".state", bad)
                      .value_or(records::ToothState::kNotExamined);
    for (int k = 0; k < t.restorations_size(); ++k) {
      const v1::DentalChart::Restoration& r = t.restorations(k);
      const std::string at = field + ".restorations[" + std::to_string(k) + "]";
      records::Restoration& restoration = tooth.restorations.emplace_back();
      const int kind = static_cast<int>(r.kind());
      if (kind < 1 || kind > static_cast<int>(records::RestorationKind::kProsthesis) + 1) {
        bad->push_back({at + ".kind", kind == 0 ? "is required" : "unknown value"});
      } else {
        restoration.kind = static_cast<records::RestorationKind>(kind - 1);
      }
      for (int j = 0; j < r.surfaces_size(); ++j) {
        const int surface = static_cast<int>(r.surfaces(j));
        if (surface < 1 || surface > 5) {
          bad->push_back({at + ".surfaces[" + std::to_string(j) + "]", "unknown value"});
        } else {
          restoration.surfaces |= static_cast<uint8_t>(1u << (surface - 1));
        }
      }
      restoration.material =
          EnumFromProto(r.material(), records::DentalMaterial::kOther, at + ".material", bad)
              .value_or(records::DentalMaterial::kUnspecified);
    }
  }
  return out;
}

v1::DentalChart ToProto(const records::DentalChart& in, const std::string& name) {
  v1::DentalChart out;
  out.set_name(name);
  out.set_source(static_cast<v1::DentalChart::Source>(in.source));
  if (in.source_date) *out.mutable_source_date() = ToProto(*in.source_date);
  out.set_notes(in.notes);
  out.set_organization(in.meta.organization);
  // A chart never written has neither (and an update of it needs no etag).
  if (in.meta.revision > 0) {
    *out.mutable_update_time() = ToProto(in.meta.update_time);
    out.set_etag(records::Etag(in.meta.revision));
  }
  for (const records::Tooth& t : in.teeth) {
    v1::DentalChart::Tooth* tooth = out.add_teeth();
    tooth->set_fdi(t.fdi);
    tooth->set_state(static_cast<v1::DentalChart::ToothState>(t.state));
    for (const records::Restoration& r : t.restorations) {
      v1::DentalChart::Restoration* restoration = tooth->add_restorations();
      restoration->set_kind(
          static_cast<v1::DentalChart::Restoration::Kind>(static_cast<int>(r.kind) + 1));
      for (int bit = 0; bit < 5; ++bit) {
        if (r.surfaces & (1u << bit)) {
          restoration->add_surfaces(static_cast<v1::DentalChart::Surface>(bit + 1));
        }
      }
      restoration->set_material(static_cast<v1::DentalChart::Material>(r.material));
    }
  }
  return out;
}

records::DnaSample FromProto(const v1::DnaSample& in, std::vector<FieldViolation>* bad) {
  records::DnaSample out;
  out.donor_name = in.donor_name();
  out.relationship =
      EnumFromProto(in.relationship(), records::KinRelationship::kOther, "relationship", bad)
          .value_or(records::KinRelationship::kUnspecified);
  out.skeletal_element = in.skeletal_element();
  out.lab = in.lab();
  out.kit_id = in.kit_id();
  out.collected_date =
      OptionalDateFromProto(in.has_collected_date(), in.collected_date(), "collected_date", bad);
  const int status = static_cast<int>(in.status());
  if (status < 0 || status > v1::DnaSample::FAILED) {
    bad->push_back({"status", "unknown value " + std::to_string(status)});
  } else if (status > 0) {
    out.status = static_cast<records::DnaSampleStatus>(status - 1);
  }
  out.notes = in.notes();
  return out;
}

v1::DnaSample ToProto(const records::DnaSample& in) {
  v1::DnaSample out;
  ToProto(in.meta, records::DnaSampleName(in.owner_kind, in.owner_id, in.meta.id), &out);
  out.set_donor_name(in.donor_name);
  out.set_relationship(static_cast<v1::DnaSample::Relationship>(in.relationship));
  out.set_skeletal_element(in.skeletal_element);
  out.set_lab(in.lab);
  out.set_kit_id(in.kit_id);
  if (in.collected_date) *out.mutable_collected_date() = services::ToProto(*in.collected_date);
  out.set_status(static_cast<v1::DnaSample::Status>(static_cast<int>(in.status) + 1));
  out.set_notes(in.notes);
  return out;
}

records::PersonalEffect FromProto(const v1::PersonalEffect& in, std::vector<FieldViolation>* bad) {
  records::PersonalEffect out;
  out.category = EnumFromProto(in.category(), records::EffectCategory::kOther, "category", bad)
                     .value_or(records::EffectCategory::kUnspecified);
  out.description = in.description();
  out.colour = in.colour();
  out.brand = in.brand();
  out.size = in.size();
  out.keywords.assign(in.keywords().begin(), in.keywords().end());
  return out;
}

v1::PersonalEffect ToProto(const records::PersonalEffect& in) {
  v1::PersonalEffect out;
  ToProto(in.meta, records::EffectName(in.owner_kind, in.owner_id, in.meta.id), &out);
  out.set_category(static_cast<v1::PersonalEffect::Category>(in.category));
  out.set_description(in.description);
  out.set_colour(in.colour);
  out.set_brand(in.brand);
  out.set_size(in.size);
  for (const auto& k : in.keywords) out.add_keywords(k);
  return out;
}

}  // namespace encuentro::services
