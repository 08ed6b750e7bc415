#include "services/anthropology_service.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "anthropology/sex_estimation.h"
#include "anthropology/stature.h"
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

v1::Sex ToProto(anthropology::Sex sex) {
  return sex == anthropology::Sex::kMale ? v1::MALE : v1::FEMALE;
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

void AddWarnings(const std::vector<records::MeasurementWarning>& warnings,
                 const std::string& prefix,
                 google::protobuf::RepeatedPtrField<v1::MeasurementWarning>* out) {
  for (const records::MeasurementWarning& w : warnings) {
    v1::MeasurementWarning* added = out->Add();
    added->set_field(prefix + w.field);
    added->set_reason(w.reason);
    added->set_message(w.message);
  }
}

// Field violations from MeasurementRecords name fields of the set; RecordMeasurements nests the
// set under "measurement_set".
absl::Status PrefixSetFields(const absl::Status& status) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.empty()) return status;
  return FieldError(status.code(), WithFieldPrefix(violations, "measurement_set"));
}

// A set's details and date as a request gives them (a MeasurementSet, or ImportLandmarks' own
// fields); the date is judged here, as every date of the API is where it is read.
template <typename Details>
absl::StatusOr<records::MeasurementSetInput> SetInputOf(int64_t remains_id, const Details& in,
                                                        bool allow_outliers,
                                                        const std::string& date_field) {
  records::MeasurementSetInput input;
  input.remains_id = remains_id;
  input.details = {in.observer(), in.instrument(), in.notes()};
  input.allow_outliers = allow_outliers;
  if (in.has_measured_date()) {
    if (std::optional<std::string> problem =
            DateProblem(in.measured_date(), /*may_be_future=*/false)) {
      return InvalidFields({{date_field, *problem}});
    }
    input.measured_date = services::FromProto(in.measured_date());
  }
  return input;
}

// The values an estimate request names: explicit measurements, or a stored set of its remains.
template <typename Request>
absl::StatusOr<records::EstimateInput> EstimateInputOf(const Request& request, int64_t remains_id) {
  records::EstimateInput input;
  input.remains_id = remains_id;
  if (!request.measurements().empty() && !request.measurement_set().empty()) {
    return InvalidFields({{"measurement_set", "give either measurement_set or measurements"}});
  }
  input.values = FromProto(request.measurements());
  if (!request.measurement_set().empty()) {
    absl::StatusOr<int64_t> v =
        RequireSetVersion(request.measurement_set(), remains_id, "measurement_set");
    if (!v.ok()) return v.status();
    input.version = *v;
  }
  absl::StatusOr<std::optional<int64_t>> revision = OptionalRevision(request.etag(), "etag");
  if (!revision.ok()) return revision.status();
  input.expected_revision = *revision;
  input.save_to_profile = request.save_to_profile();
  return input;
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

AnthropologyServiceImpl::AnthropologyServiceImpl(Gatekeeper* gate,
                                                 records::MeasurementRecords* measurements)
    : gate_(gate), measurements_(measurements) {
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
                 const anthropology::MeasurementCatalog& catalog = measurements_->catalog();
                 for (const anthropology::MeasurementDefinition& d : catalog.measurements()) {
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
                 for (const anthropology::Landmark& l : catalog.landmarks()) {
                   v1::CatalogLandmark* landmark = response->add_landmarks();
                   landmark->set_name(l.name);
                   landmark->set_abbreviation(l.abbreviation);
                   landmark->set_definition(l.definition);
                 }
                 for (const anthropology::Source& s : catalog.sources()) {
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
  return Serve(gate_, *context, "encuentro.v1.AnthropologyService.RecordMeasurements",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<int64_t> remains_id = RequireRemainsId(request->parent(), "parent");
                 if (!remains_id.ok()) return remains_id.status();
                 const v1::MeasurementSet& in = request->measurement_set();
                 absl::StatusOr<records::MeasurementSetInput> input = SetInputOf(
                     *remains_id, in, request->allow_outliers(), "measurement_set.measured_date");
                 if (!input.ok()) return input.status();
                 absl::StatusOr<records::RecordedMeasurements> recorded =
                     measurements_->RecordMeasurements(
                         caller, *input, FromProto(in.measurements()),
                         "encuentro.v1.AnthropologyService/RecordMeasurements");
                 if (!recorded.ok()) return PrefixSetFields(recorded.status());
                 AddWarnings(recorded->warnings, "measurement_set.", response->mutable_warnings());
                 *response->mutable_measurement_set() = ToProto(recorded->set);
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
        absl::StatusOr<std::vector<storage::StoredMeasurementSet>> sets =
            measurements_->ListVersions(caller, *remains_id, *page_size, *before,
                                        "AnthropologyService/ListMeasurementVersions");
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
        absl::StatusOr<records::MeasurementSetInput> input =
            SetInputOf(*remains_id, *request, request->allow_outliers(), "measured_date");
        if (!input.ok()) return input.status();
        absl::StatusOr<records::RecordedMeasurements> recorded = measurements_->ImportLandmarks(
            caller, *input, request->csv(), "encuentro.v1.AnthropologyService/ImportLandmarks");
        if (!recorded.ok()) return recorded.status();
        AddWarnings(recorded->warnings, "", response->mutable_warnings());
        *response->mutable_measurement_set() = ToProto(recorded->set);
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
        absl::StatusOr<records::EstimateInput> input = EstimateInputOf(*request, *remains_id);
        if (!input.ok()) return input.status();
        anthropology::SexEstimationOptions options;
        options.populations.assign(request->populations().begin(), request->populations().end());
        options.variables.assign(request->variables().begin(), request->variables().end());
        if (request->prior_male() > 0) options.prior_male = request->prior_male();
        absl::StatusOr<records::SexEstimateResult> result =
            measurements_->EstimateSex(caller, *input, options, "AnthropologyService/EstimateSex");
        if (!result.ok()) return result.status();

        const anthropology::SexEstimate& estimate = result->estimate;
        response->set_estimated_sex(ToProto(estimate.estimated_sex));
        for (const auto& [group, out] : {std::pair{&estimate.female, response->mutable_female()},
                                         std::pair{&estimate.male, response->mutable_male()}}) {
          out->set_sex(ToProto(group->sex));
          out->set_reference_count(group->reference_count);
          out->set_posterior(group->posterior);
          out->set_mahalanobis_d2(group->mahalanobis_d2);
          out->set_typicality(group->typicality);
        }
        for (const std::string& v : estimate.variables) response->add_variables(v);
        for (const std::string& p : estimate.populations) response->add_populations(p);
        response->set_reference_rows_used(estimate.female.reference_count +
                                          estimate.male.reference_count);
        response->set_reference_rows_dropped(estimate.reference_rows_dropped);
        response->set_loo_accuracy(estimate.loo_accuracy.value_or(0));
        response->set_loo_correct(estimate.loo_correct);
        response->set_loo_total(estimate.loo_total);
        for (const std::string& w : estimate.warnings) response->add_warnings(w);
        response->set_measurement_set(result->set_name);
        response->set_method(result->method);
        if (result->saved) *response->mutable_remains() = services::ToProto(*result->saved);
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
        absl::StatusOr<records::EstimateInput> input = EstimateInputOf(*request, *remains_id);
        if (!input.ok()) return input.status();
        absl::StatusOr<records::StatureEstimateResult> result = measurements_->EstimateStature(
            caller, *input, formulas, k, "AnthropologyService/EstimateStature");
        if (!result.ok()) return result.status();
        for (size_t i = 0; i < result->estimates.size(); ++i) {
          const auto& [estimate, formula] = result->estimates[i];
          FillStatureResult(estimate, *formula, k,
                            i == 0 ? response->mutable_estimate() : response->add_alternatives());
        }
        response->set_method(result->method);
        response->set_measurement_set(result->set_name);
        if (result->saved) *response->mutable_remains() = services::ToProto(*result->saved);
        return absl::OkStatus();
      });
}

}  // namespace encuentro::services
