#include "services/anthropology_service.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "anthropology/landmarks.h"
#include "anthropology/sex_estimation.h"
#include "anthropology/stature.h"
#include "anthropology/validation.h"
#include "common/field_violations.h"
#include "records/names.h"
#include "records/validation.h"
#include "services/gatekeeper.h"
#include "services/page_token.h"
#include "services/record_conversion.h"
#include "services/rpc_helpers.h"
#include "services/status_conversion.h"

namespace encuentro::services {
namespace {

constexpr char kServiceName[] = "encuentro.v1.AnthropologyService/";
// Measurement versions are listed 20 at a time, at most 200.
constexpr int kDefaultVersionsPage = 20;
constexpr int kMaxVersionsPage = 200;

absl::StatusOr<int64_t> RequireRemainsId(const std::string& name, const std::string& field) {
  std::optional<int64_t> id = records::ParseRecordId(name, records::RecordKind::kRemains);
  if (!id) return InvalidFields({{field, "must be a remains name like remains/123"}});
  return *id;
}

// "remains/{id}/measurementSets/{version}" of the given remains record.
absl::StatusOr<int64_t> RequireSetVersion(const std::string& name, int64_t remains_id,
                                          const std::string& field) {
  const std::string stem = records::RemainsName(remains_id) + "/measurementSets/";
  int64_t version = 0;
  if (name.rfind(stem, 0) != 0 || !absl::SimpleAtoi(name.substr(stem.size()), &version) ||
      version < 1) {
    return InvalidFields({{field, "must be a measurement set of the same remains, like " +
                                      storage::MeasurementSetName(remains_id, 1)}});
  }
  return version;
}

audit::AuditEvent Event(const auth::Principal& caller, const char* method) {
  return audit::EventFor(caller, absl::StrCat(kServiceName, method));
}

v1::Sex ToProto(anthropology::Sex sex) {
  return sex == anthropology::Sex::kMale ? v1::MALE : v1::FEMALE;
}

records::Sex ToRecords(anthropology::Sex sex) {
  return sex == anthropology::Sex::kMale ? records::Sex::kMale : records::Sex::kFemale;
}

v1::MeasurementOrigin ToProto(anthropology::MeasurementOrigin origin) {
  return origin == anthropology::MeasurementOrigin::kLandmarks ? v1::DERIVED_FROM_LANDMARKS
                                                               : v1::MEASURED;
}

v1::MeasurementSet ToProto(const storage::StoredMeasurementSet& set) {
  v1::MeasurementSet out;
  out.set_name(storage::MeasurementSetName(set.remains_id, set.version));
  out.set_version(set.version);
  for (const anthropology::Measurement& m : set.measurements) {
    v1::Measurement* value = out.add_measurements();
    value->set_code(m.code);
    value->set_value(m.value);
    value->set_unit(m.unit);
    value->set_origin(ToProto(m.origin));
  }
  out.set_observer(set.observer);
  out.set_instrument(set.instrument);
  if (set.measured_date) *out.mutable_measured_date() = services::ToProto(*set.measured_date);
  out.set_notes(set.notes);
  out.set_origin(ToProto(set.origin));
  for (const anthropology::LandmarkPoint& p : set.landmarks) {
    v1::LandmarkCoordinate* landmark = out.add_landmarks();
    landmark->set_name(p.name);
    landmark->set_x(p.position.x);
    landmark->set_y(p.position.y);
    landmark->set_z(p.position.z);
  }
  out.set_allow_outliers(set.allow_outliers);
  out.set_created_by(set.created_by);
  *out.mutable_create_time() = services::ToProto(set.create_time);
  return out;
}

// Values as submitted; an empty unit means the catalog's "mm".
anthropology::MeasurementSet FromProto(
    const google::protobuf::RepeatedPtrField<v1::Measurement>& values) {
  anthropology::MeasurementSet set;
  for (const v1::Measurement& v : values) {
    set.push_back({v.code(), v.value(), v.unit().empty() ? "mm" : v.unit(),
                   anthropology::MeasurementOrigin::kDirect});
  }
  return set;
}

// Validates `set` (anthropology::JudgeMeasurements): errors become INVALID_ARGUMENT naming each
// value; warnings (outliers the caller allowed) are appended to `warnings` when given.
absl::Status Validate(const anthropology::MeasurementCatalog& catalog,
                      const anthropology::MeasurementSet& set, bool allow_outliers,
                      const std::string& prefix,
                      google::protobuf::RepeatedPtrField<v1::MeasurementWarning>* warnings) {
  const anthropology::MeasurementVerdict verdict =
      anthropology::JudgeMeasurements(catalog, set, allow_outliers, prefix);
  for (size_t i = 0; warnings != nullptr && i < verdict.warnings.size(); ++i) {
    v1::MeasurementWarning* w = warnings->Add();
    w->set_field(verdict.warning_fields[i]);
    w->set_reason(std::string(anthropology::ProblemKindName(verdict.warnings[i].kind)));
    w->set_message(verdict.warnings[i].message);
  }
  return InvalidFields(verdict.errors);
}

std::string WarningsJson(int count) { return absl::StrCat("{\"warnings\": ", count, "}"); }

// The values an estimate works on: explicit ones, a named stored set, or the latest set.
struct CaseValues {
  anthropology::MeasurementSet measurements;
  std::string set_name;  // Empty for explicit values.
};

absl::StatusOr<CaseValues> ResolveValues(
    const anthropology::MeasurementCatalog& catalog, storage::MeasurementStore& store,
    int64_t remains_id, const std::string& set_name,
    const google::protobuf::RepeatedPtrField<v1::Measurement>& explicit_values) {
  CaseValues values;
  if (!explicit_values.empty()) {
    if (!set_name.empty()) {
      return InvalidFields({{"measurement_set", "give either measurement_set or measurements"}});
    }
    values.measurements = FromProto(explicit_values);
    if (absl::Status s = Validate(catalog, values.measurements, false, "", nullptr); !s.ok()) {
      return s;
    }
    return values;
  }
  std::optional<int64_t> version;
  if (!set_name.empty()) {
    absl::StatusOr<int64_t> v = RequireSetVersion(set_name, remains_id, "measurement_set");
    if (!v.ok()) return v.status();
    version = *v;
  }
  absl::StatusOr<storage::StoredMeasurementSet> stored = store.Get(remains_id, version);
  if (!stored.ok()) {
    if (absl::IsNotFound(stored.status()) && !version) {
      return absl::FailedPreconditionError(
          absl::StrCat(records::RemainsName(remains_id),
                       " has no measurements: record some first (RecordMeasurements or "
                       "ImportLandmarks) or pass them in the request"));
    }
    return stored.status();
  }
  values.measurements = std::move(stored->measurements);
  values.set_name = storage::MeasurementSetName(remains_id, stored->version);
  return values;
}

std::string Percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * fraction);
  return buffer;
}

std::string Fixed(double value, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

// The first text that fits an assessment's method field (kMaxShortText), else the last
// one cut to fit.
std::string FitText(const std::vector<std::string>& candidates) {
  for (const std::string& text : candidates) {
    if (text.size() <= kMaxShortText) return text;
  }
  return candidates.back().substr(0, kMaxShortText);
}

// How a saved sex estimate names its method: LDA, reference, populations, variables, accuracy;
// shortened (counts instead of lists) where the lists are long.
std::string SexMethod(const anthropology::SexEstimate& estimate, const std::string& reference) {
  const int n = estimate.female.reference_count + estimate.male.reference_count;
  const std::string accuracy =
      estimate.loo_accuracy ? absl::StrCat(", LOO accuracy ", Percent(*estimate.loo_accuracy)) : "";
  const std::string pops = absl::StrJoin(estimate.populations, " ");
  const std::string vars = absl::StrJoin(estimate.variables, " ");
  const std::string pop_count = absl::StrCat(estimate.populations.size(), " populations");
  const std::string var_count = absl::StrCat(estimate.variables.size(), " variables");
  return FitText({
      absl::StrCat("FORDISC-style LDA, reference ", reference, " (", pops, "), ", vars, ", n=", n,
                   accuracy),
      absl::StrCat("FORDISC-style LDA, reference ", reference, " (", pops, "), ", var_count,
                   ", n=", n, accuracy),
      absl::StrCat("FORDISC-style LDA, reference ", reference, " (", pop_count, "), ", var_count,
                   ", n=", n, accuracy),
  });
}

void FillStatureResult(const anthropology::StatureEstimate& estimate,
                       const anthropology::StatureFormula& formula, double standard_errors,
                       v1::StatureResult* out) {
  out->set_stature_cm(estimate.stature_cm);
  out->set_min_cm(estimate.lower_cm);
  out->set_max_cm(estimate.upper_cm);
  out->set_standard_error_cm(estimate.standard_error_cm);
  out->set_standard_errors(standard_errors);
  out->set_measurement_code(std::string(formula.measurement_code));
  out->set_bone_length_mm(estimate.bone_length_mm);
  out->set_formula_id(estimate.formula_id);
  out->set_formula(estimate.formula);
  out->set_source(estimate.source);
}

}  // namespace

AnthropologyServiceImpl::AnthropologyServiceImpl(Gatekeeper* gate, storage::MeasurementStore* store,
                                                 records::CaseRecords* records,
                                                 const anthropology::MeasurementCatalog* catalog,
                                                 AnthropologyServiceOptions options)
    : gate_(gate),
      store_(store),
      records_(records),
      catalog_(catalog),
      options_(std::move(options)) {
  ServeUnary(&AnthropologyServiceImpl::ListCatalog);
  ServeUnary(&AnthropologyServiceImpl::RecordMeasurements);
  ServeUnary(&AnthropologyServiceImpl::ListMeasurementVersions);
  ServeUnary(&AnthropologyServiceImpl::ImportLandmarks);
  ServeUnary(&AnthropologyServiceImpl::EstimateSex);
  ServeUnary(&AnthropologyServiceImpl::EstimateStature);
}

grpc::Status AnthropologyServiceImpl::ListCatalog(grpc::ServerContext* context,
                                                  const v1::ListCatalogRequest*,
                                                  v1::ListCatalogResponse* response) {
  return Serve(gate_, *context, "encuentro.v1.AnthropologyService.ListCatalog",
               [&](const auth::Principal&) -> absl::Status {
                 for (const anthropology::MeasurementDefinition& d : catalog_->measurements()) {
                   v1::CatalogMeasurement* m = response->add_measurements();
                   m->set_code(d.code);
                   m->set_name(d.name);
                   m->set_definition(d.definition);
                   m->set_kind(std::string(anthropology::MeasurementKindName(d.kind)));
                   m->set_region(d.region);
                   if (d.landmarks) {
                     m->add_landmarks((*d.landmarks)[0]);
                     m->add_landmarks((*d.landmarks)[1]);
                   }
                   m->set_unit(d.unit);
                   m->set_plausible_min_mm(d.plausible_min_mm);
                   m->set_plausible_max_mm(d.plausible_max_mm);
                   m->set_martin_number(d.martin_number.value_or(""));
                   for (const std::string& id : d.source_ids) m->add_source_ids(id);
                 }
                 for (const anthropology::Landmark& l : catalog_->landmarks()) {
                   v1::CatalogLandmark* landmark = response->add_landmarks();
                   landmark->set_name(l.name);
                   landmark->set_abbreviation(l.abbreviation);
                   landmark->set_definition(l.definition);
                 }
                 for (const anthropology::Source& s : catalog_->sources()) {
                   v1::CatalogSource* source = response->add_sources();
                   source->set_id(s.id);
                   source->set_citation(s.citation);
                 }
                 for (const anthropology::StatureFormula& f : anthropology::StatureFormulas()) {
                   v1::StatureFormula* formula = response->add_stature_formulas();
                   formula->set_id(std::string(f.id));
                   formula->set_reference_group(std::string(f.reference_group));
                   formula->set_sex(ToProto(f.sex));
                   formula->set_measurement_code(std::string(f.measurement_code));
                   formula->set_slope(f.slope);
                   formula->set_intercept_cm(f.intercept_cm);
                   formula->set_standard_error_cm(f.standard_error_cm);
                   formula->set_source(std::string(f.source));
                 }
                 return absl::OkStatus();
               });
}

grpc::Status AnthropologyServiceImpl::RecordMeasurements(
    grpc::ServerContext* context, const v1::RecordMeasurementsRequest* request,
    v1::RecordMeasurementsResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.AnthropologyService.RecordMeasurements",
      [&](const auth::Principal& caller) -> absl::Status {
        absl::StatusOr<int64_t> remains_id = RequireRemainsId(request->parent(), "parent");
        if (!remains_id.ok()) return remains_id.status();
        const v1::MeasurementSet& in = request->measurement_set();
        storage::StoredMeasurementSet set;
        set.remains_id = *remains_id;
        set.measurements = FromProto(in.measurements());
        if (set.measurements.empty()) {
          return InvalidFields({{"measurement_set.measurements", "must hold at least one value"}});
        }
        if (absl::Status s = Validate(*catalog_, set.measurements, request->allow_outliers(),
                                      "measurement_set.", response->mutable_warnings());
            !s.ok()) {
          return s;
        }
        if (std::vector<FieldViolation> bad =
                anthropology::ValidateSetDetails({in.observer(), in.instrument(), in.notes()});
            !bad.empty()) {
          return InvalidFields(WithFieldPrefix(bad, "measurement_set"));
        }
        set.observer = in.observer();
        set.instrument = in.instrument();
        if (in.has_measured_date()) {
          if (std::optional<std::string> problem =
                  DateProblem(in.measured_date(), /*may_be_future=*/false)) {
            return InvalidFields({{"measurement_set.measured_date", *problem}});
          }
          set.measured_date = FromProto(in.measured_date());
        }
        set.notes = in.notes();
        set.allow_outliers = request->allow_outliers();
        set.organization = caller.organization;
        set.created_by = caller.user;
        if (absl::StatusOr<records::UnidentifiedRemains> remains =
                records_->GetRemains(caller, *remains_id, /*audited_as=*/nullptr);
            !remains.ok()) {
          return remains.status();
        }
        audit::AuditEvent event = Event(caller, "RecordMeasurements");
        event.outcome_json = WarningsJson(response->warnings_size());
        absl::StatusOr<storage::StoredMeasurementSet> stored = store_->Insert(set, event);
        if (!stored.ok()) return stored.status();
        *response->mutable_measurement_set() = ToProto(*stored);
        return absl::OkStatus();
      });
}

grpc::Status AnthropologyServiceImpl::ListMeasurementVersions(
    grpc::ServerContext* context, const v1::ListMeasurementVersionsRequest* request,
    v1::ListMeasurementVersionsResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.AnthropologyService.ListMeasurementVersions",
      [&](const auth::Principal& caller) -> absl::Status {
        absl::StatusOr<int64_t> remains_id = RequireRemainsId(request->parent(), "parent");
        if (!remains_id.ok()) return remains_id.status();
        absl::StatusOr<int> page_size =
            EffectivePageSize(request->page_size(), kDefaultVersionsPage, kMaxVersionsPage);
        if (!page_size.ok()) return page_size.status();
        absl::StatusOr<int64_t> before = DecodePageToken(request->page_token(), request->parent());
        if (!before.ok()) return before.status();
        if (absl::StatusOr<records::UnidentifiedRemains> remains = records_->GetRemains(
                caller, *remains_id, "AnthropologyService/ListMeasurementVersions");
            !remains.ok()) {
          return remains.status();
        }
        absl::StatusOr<std::vector<storage::StoredMeasurementSet>> sets =
            store_->List(*remains_id, *page_size, *before);
        if (!sets.ok()) return sets.status();
        for (const auto& set : *sets) *response->add_measurement_sets() = ToProto(set);
        // Versions count down to 1, so a full page ending above 1 has more after it.
        if (static_cast<int>(sets->size()) == *page_size && sets->back().version > 1) {
          response->set_next_page_token(EncodePageToken(sets->back().version, request->parent()));
        }
        return absl::OkStatus();
      });
}

grpc::Status AnthropologyServiceImpl::ImportLandmarks(grpc::ServerContext* context,
                                                      const v1::ImportLandmarksRequest* request,
                                                      v1::ImportLandmarksResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.AnthropologyService.ImportLandmarks",
      [&](const auth::Principal& caller) -> absl::Status {
        absl::StatusOr<int64_t> remains_id = RequireRemainsId(request->parent(), "parent");
        if (!remains_id.ok()) return remains_id.status();
        absl::StatusOr<anthropology::LandmarkSet> landmarks =
            anthropology::ParseLandmarkCsv(*catalog_, request->csv());
        if (!landmarks.ok()) {
          return InvalidFields({{"csv", std::string(landmarks.status().message())}});
        }
        storage::StoredMeasurementSet set;
        set.remains_id = *remains_id;
        set.origin = anthropology::MeasurementOrigin::kLandmarks;
        set.measurements = anthropology::DeriveChordMeasurements(*catalog_, *landmarks);
        if (set.measurements.empty()) {
          return InvalidFields(
              {{"csv",
                "no catalog chord has both of its landmarks in the file, so nothing can be "
                "measured; ListCatalog names each chord's landmarks"}});
        }
        if (absl::Status s = Validate(*catalog_, set.measurements, request->allow_outliers(), "",
                                      response->mutable_warnings());
            !s.ok()) {
          return s;
        }
        set.landmarks = landmarks->points;
        if (std::vector<FieldViolation> bad = anthropology::ValidateSetDetails(
                {request->observer(), request->instrument(), request->notes()});
            !bad.empty()) {
          return InvalidFields(bad);
        }
        set.observer = request->observer();
        set.instrument = request->instrument();
        if (request->has_measured_date()) {
          if (std::optional<std::string> problem =
                  DateProblem(request->measured_date(), /*may_be_future=*/false)) {
            return InvalidFields({{"measured_date", *problem}});
          }
          set.measured_date = FromProto(request->measured_date());
        }
        set.notes = request->notes();
        set.allow_outliers = request->allow_outliers();
        set.organization = caller.organization;
        set.created_by = caller.user;
        if (absl::StatusOr<records::UnidentifiedRemains> remains =
                records_->GetRemains(caller, *remains_id, /*audited_as=*/nullptr);
            !remains.ok()) {
          return remains.status();
        }
        audit::AuditEvent event = Event(caller, "ImportLandmarks");
        event.outcome_json = WarningsJson(response->warnings_size());
        absl::StatusOr<storage::StoredMeasurementSet> stored = store_->Insert(set, event);
        if (!stored.ok()) return stored.status();
        *response->mutable_measurement_set() = ToProto(*stored);
        return absl::OkStatus();
      });
}

grpc::Status AnthropologyServiceImpl::EstimateSex(grpc::ServerContext* context,
                                                  const v1::EstimateSexRequest* request,
                                                  v1::EstimateSexResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.AnthropologyService.EstimateSex",
      [&](const auth::Principal& caller) -> absl::Status {
        absl::StatusOr<int64_t> remains_id = RequireRemainsId(request->remains(), "remains");
        if (!remains_id.ok()) return remains_id.status();
        if (request->prior_male() < 0 || request->prior_male() >= 1) {
          return InvalidFields({{"prior_male", "must be in (0, 1); 0 means 0.5"}});
        }
        absl::StatusOr<std::optional<int64_t>> revision = OptionalRevision(request->etag(), "etag");
        if (!revision.ok()) return revision.status();
        if (options_.cranio_reference == nullptr) {
          return absl::FailedPreconditionError(
              "no craniometric reference sample is loaded: start encuentrod with "
              "--cranio-reference "
              "FILE (or ENCUENTRO_CRANIO_REFERENCE), a CSV in the Howells layout "
              "(ID,Sex,PopNum,Population,<codes>)");
        }
        absl::StatusOr<records::UnidentifiedRemains> remains = records_->GetRemains(
            caller, *remains_id,
            request->save_to_profile() ? nullptr : "AnthropologyService/EstimateSex");
        if (!remains.ok()) return remains.status();
        absl::StatusOr<CaseValues> values = ResolveValues(
            *catalog_, *store_, *remains_id, request->measurement_set(), request->measurements());
        if (!values.ok()) return values.status();

        anthropology::SexEstimationOptions estimation;
        estimation.populations.assign(request->populations().begin(), request->populations().end());
        estimation.variables.assign(request->variables().begin(), request->variables().end());
        if (request->prior_male() > 0) estimation.prior_male = request->prior_male();
        absl::StatusOr<anthropology::SexEstimate> estimate =
            anthropology::EstimateSex(*options_.cranio_reference, values->measurements, estimation);
        if (!estimate.ok()) return estimate.status();

        response->set_estimated_sex(ToProto(estimate->estimated_sex));
        for (const auto& [group, out] : {std::pair{&estimate->female, response->mutable_female()},
                                         std::pair{&estimate->male, response->mutable_male()}}) {
          out->set_sex(ToProto(group->sex));
          out->set_reference_count(group->reference_count);
          out->set_posterior(group->posterior);
          out->set_mahalanobis_d2(group->mahalanobis_d2);
          out->set_typicality(group->typicality);
        }
        for (const std::string& v : estimate->variables) response->add_variables(v);
        for (const std::string& p : estimate->populations) response->add_populations(p);
        response->set_reference_rows_used(estimate->female.reference_count +
                                          estimate->male.reference_count);
        response->set_reference_rows_dropped(estimate->reference_rows_dropped);
        response->set_loo_accuracy(estimate->loo_accuracy.value_or(0));
        response->set_loo_correct(estimate->loo_correct);
        response->set_loo_total(estimate->loo_total);
        for (const std::string& w : estimate->warnings) response->add_warnings(w);
        response->set_measurement_set(values->set_name);
        const std::string method = SexMethod(*estimate, options_.cranio_reference_label);
        response->set_method(method);

        if (request->save_to_profile()) {
          const anthropology::SexGroupResult& chosen =
              estimate->estimated_sex == anthropology::Sex::kMale ? estimate->male
                                                                  : estimate->female;
          records::RecordPatch<records::UnidentifiedRemains> patch;
          patch.id = *remains_id;
          records::SexEstimate saved{
              ToRecords(estimate->estimated_sex), chosen.posterior, {method, caller.user}};
          saved.method = records::SexMethod::kSkeletalMetric;
          // The model's own leave-one-out error is its error rate; without cross-validation the
          // matcher's default for metric methods applies.
          if (estimate->loo_accuracy) {
            saved.error_rate = std::clamp(1 - *estimate->loo_accuracy, 0.0, 0.5);
          }
          patch.values.biological_profile.sex = saved;
          patch.update_mask = {"biological_profile.sex"};
          patch.expected_revision = *revision;
          absl::StatusOr<records::UnidentifiedRemains> updated =
              records_->UpdateRemains(caller, patch);
          if (!updated.ok()) return updated.status();
          *response->mutable_remains() = services::ToProto(*updated);
        }
        return absl::OkStatus();
      });
}

grpc::Status AnthropologyServiceImpl::EstimateStature(grpc::ServerContext* context,
                                                      const v1::EstimateStatureRequest* request,
                                                      v1::EstimateStatureResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.AnthropologyService.EstimateStature",
      [&](const auth::Principal& caller) -> absl::Status {
        absl::StatusOr<int64_t> remains_id = RequireRemainsId(request->remains(), "remains");
        if (!remains_id.ok()) return remains_id.status();
        const double k = request->standard_errors() == 0 ? 2.0 : request->standard_errors();
        if (!(k > 0 && k <= 5)) {
          return InvalidFields({{"standard_errors", "must be in (0, 5]; 0 means 2"}});
        }
        absl::StatusOr<std::optional<int64_t>> revision = OptionalRevision(request->etag(), "etag");
        if (!revision.ok()) return revision.status();
        std::vector<const anthropology::StatureFormula*> formulas;
        if (!request->formula_id().empty()) {
          const anthropology::StatureFormula* formula =
              anthropology::FindStatureFormula(request->formula_id());
          if (formula == nullptr) {
            return InvalidFields({{"formula_id", "unknown formula; ListCatalog lists them"}});
          }
          formulas.push_back(formula);
        } else {
          if (request->reference_group().empty() ||
              (request->sex() != v1::FEMALE && request->sex() != v1::MALE)) {
            return InvalidFields(
                {{"formula_id", "give a formula id, or reference_group and sex (FEMALE or MALE)"}});
          }
          formulas = anthropology::StatureFormulasFor(
              request->reference_group(),
              request->sex() == v1::MALE ? anthropology::Sex::kMale : anthropology::Sex::kFemale);
          if (formulas.empty()) {
            return InvalidFields({{"reference_group", "no formula for this group and sex"}});
          }
        }
        absl::StatusOr<records::UnidentifiedRemains> remains = records_->GetRemains(
            caller, *remains_id,
            request->save_to_profile() ? nullptr : "AnthropologyService/EstimateStature");
        if (!remains.ok()) return remains.status();
        absl::StatusOr<CaseValues> values = ResolveValues(
            *catalog_, *store_, *remains_id, request->measurement_set(), request->measurements());
        if (!values.ok()) return values.status();

        // Every applicable formula whose bone was measured, most precise first.
        std::vector<std::pair<anthropology::StatureEstimate, const anthropology::StatureFormula*>>
            results;
        absl::Status last_error = absl::OkStatus();
        for (const anthropology::StatureFormula* formula : formulas) {
          absl::StatusOr<anthropology::StatureEstimate> estimate = anthropology::EstimateStature(
              formula->id, values->measurements, {.standard_errors = k});
          if (estimate.ok()) {
            results.emplace_back(*std::move(estimate), formula);
          } else {
            last_error = estimate.status();
          }
        }
        if (results.empty()) {
          if (formulas.size() == 1) return last_error;
          std::vector<std::string> bones;
          for (const auto* f : formulas) bones.emplace_back(f->measurement_code);
          return absl::FailedPreconditionError(absl::StrCat(
              "none of the bones these formulas need was measured: ", absl::StrJoin(bones, ", ")));
        }
        std::stable_sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
          return a.first.standard_error_cm < b.first.standard_error_cm;
        });
        FillStatureResult(results[0].first, *results[0].second, k, response->mutable_estimate());
        for (size_t i = 1; i < results.size(); ++i) {
          FillStatureResult(results[i].first, *results[i].second, k, response->add_alternatives());
        }
        const anthropology::StatureEstimate& best = results[0].first;
        const std::string method = FitText(
            {absl::StrCat(best.formula, " [", best.formula_id, "]; range +/- ", Fixed(k, 1), " SE"),
             absl::StrCat(best.formula_id, "; range +/- ", Fixed(k, 1), " SE")});
        response->set_method(method);
        response->set_measurement_set(values->set_name);

        if (request->save_to_profile()) {
          records::RecordPatch<records::UnidentifiedRemains> patch;
          patch.id = *remains_id;
          records::StatureEstimate saved{best.lower_cm, best.upper_cm, {method, caller.user}};
          saved.point_cm = best.stature_cm;
          saved.standard_error_cm = best.standard_error_cm;
          saved.formula_id = best.formula_id;
          patch.values.biological_profile.stature = saved;
          patch.update_mask = {"biological_profile.stature"};
          patch.expected_revision = *revision;
          absl::StatusOr<records::UnidentifiedRemains> updated =
              records_->UpdateRemains(caller, patch);
          if (!updated.ok()) return updated.status();
          *response->mutable_remains() = services::ToProto(*updated);
        }
        return absl::OkStatus();
      });
}

}  // namespace encuentro::services
