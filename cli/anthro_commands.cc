#include "cli/anthro_commands.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "anthropology/catalog.h"
#include "anthropology/landmarks.h"
#include "anthropology/validation.h"
#include "cli/output.h"
#include "encuentro/v1/anthropology.grpc.pb.h"
#include "encuentro/v1/remains.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct AnthroFlags {
  std::string remains;
  std::string file;
  std::vector<std::string> values;
  std::string observer;
  std::string instrument;
  std::string date;
  std::string notes;
  bool allow_outliers = false;
  std::string measurement_set;
  std::vector<std::string> populations;
  std::vector<std::string> variables;
  double prior_male = 0;
  std::string formula;
  std::string group;
  std::string sex;
  double standard_errors = 0;
  bool save = false;
  std::string etag;
};

int Usage(const std::string& message) {
  std::fprintf(stderr, "encuentro: %s\n", message.c_str());
  return 2;
}

bool ReadText(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return true;
}

// "GOL=182.5" or "GOL=18.2cm" into a Measurement.
bool ParseValue(const std::string& text, v1::Measurement* out) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  const std::string number = text.substr(eq + 1);
  size_t used = 0;
  try {
    out->set_value(std::stod(number, &used));
  } catch (const std::exception&) {
    return false;
  }
  out->set_code(text.substr(0, eq));
  out->set_unit(used < number.size() ? number.substr(used) : "mm");
  return true;
}

// Adds --value flags' measurements to `out`; false (after a usage message) on a bad one.
template <typename Repeated>
bool AddValues(const std::vector<std::string>& values, Repeated* out, int* exit_code) {
  for (const std::string& text : values) {
    if (!ParseValue(text, out->Add())) {
      *exit_code = Usage("--value must be CODE=NUMBER[UNIT], e.g. GOL=182 (got " + text + ")");
      return false;
    }
  }
  return true;
}

const char* OriginLabel(v1::MeasurementOrigin origin) {
  return origin == v1::DERIVED_FROM_LANDMARKS ? "landmarks" : "measured";
}

std::string DateText(const google::type::Date& date) {
  if (date.year() == 0) return "-";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", date.year(), date.month(), date.day());
  return buffer;
}

// Header line and one line per value, with the catalog's name of each code.
void PrintMeasurementSet(const v1::MeasurementSet& set) {
  const anthropology::MeasurementCatalog& catalog = anthropology::MeasurementCatalog::Embedded();
  std::printf("%s  version %lld, %s, observer %s, instrument %s, measured %s, by %s\n",
              set.name().c_str(), static_cast<long long>(set.version()), OriginLabel(set.origin()),
              set.observer().empty() ? "-" : set.observer().c_str(),
              set.instrument().empty() ? "-" : set.instrument().c_str(),
              DateText(set.measured_date()).c_str(), set.created_by().c_str());
  if (!set.notes().empty()) std::printf("  notes: %s\n", set.notes().c_str());
  for (const v1::Measurement& m : set.measurements()) {
    const anthropology::MeasurementDefinition* d = catalog.FindMeasurement(m.code());
    std::printf("  %-9s %8.1f %-3s %-10s %s\n", m.code().c_str(), m.value(), m.unit().c_str(),
                OriginLabel(m.origin()), d != nullptr ? d->name.c_str() : "");
  }
  if (set.landmarks_size() > 0) std::printf("  (%d landmarks kept)\n", set.landmarks_size());
}

void PrintWarnings(const google::protobuf::RepeatedPtrField<v1::MeasurementWarning>& warnings) {
  for (const auto& w : warnings) {
    std::printf("warning: %s: %s\n", w.field().c_str(), w.message().c_str());
  }
}

void PrintSexEstimate(const v1::EstimateSexResponse& r) {
  std::printf("estimated sex: %s\n", v1::Sex_Name(r.estimated_sex()).c_str());
  for (const v1::SexGroupResult* g : {&r.female(), &r.male()}) {
    std::printf("  %-6s posterior %.3f  typicality %.3f  D2 %.2f  (reference n=%d)\n",
                g->sex() == v1::MALE ? "male" : "female", g->posterior(), g->typicality(),
                g->mahalanobis_d2(), g->reference_count());
  }
  std::string variables, populations;
  for (const auto& v : r.variables()) variables += " " + v;
  for (const auto& p : r.populations()) populations += " " + p;
  std::printf("variables:%s\npopulations:%s (%d rows used, %d dropped as incomplete)\n",
              variables.c_str(), populations.c_str(), r.reference_rows_used(),
              r.reference_rows_dropped());
  if (r.loo_total() > 0) {
    std::printf("leave-one-out accuracy: %.1f%% (%d/%d)\n", 100 * r.loo_accuracy(), r.loo_correct(),
                r.loo_total());
  }
  for (const auto& w : r.warnings()) std::printf("warning: %s\n", w.c_str());
  std::printf("values from: %s\n",
              r.measurement_set().empty() ? "the command line" : r.measurement_set().c_str());
  std::printf("method: %s\n", r.method().c_str());
  if (r.has_remains()) {
    std::printf("saved to %s (etag %s)\n", r.remains().name().c_str(), r.remains().etag().c_str());
  }
}

void PrintStatureResult(const v1::StatureResult& s, const char* label) {
  std::printf("%s %.1f cm, range %.1f-%.1f cm (+/- %.1f SE, SE %.2f cm) from %s = %.0f mm\n", label,
              s.stature_cm(), s.min_cm(), s.max_cm(), s.standard_errors(), s.standard_error_cm(),
              s.measurement_code().c_str(), s.bone_length_mm());
  std::printf("  %s [%s]\n", s.formula().c_str(), s.formula_id().c_str());
}

void PrintStatureEstimate(const v1::EstimateStatureResponse& r) {
  PrintStatureResult(r.estimate(), "stature:");
  std::printf("  source: %s\n", r.estimate().source().c_str());
  for (const auto& alternative : r.alternatives()) PrintStatureResult(alternative, "also:");
  std::printf("values from: %s\n",
              r.measurement_set().empty() ? "the command line" : r.measurement_set().c_str());
  if (r.has_remains()) {
    std::printf("saved to %s (etag %s)\n", r.remains().name().c_str(), r.remains().etag().c_str());
  }
}

void PrintAssessment(const v1::Assessment& a) {
  std::printf("      method: %s\n      by: %s\n", a.method().empty() ? "-" : a.method().c_str(),
              a.author().empty() ? "-" : a.author().c_str());
}

// The one-page profile: identity, biological profile with each estimate's uncertainty and
// method, and the latest measurements.
void PrintReport(const v1::UnidentifiedRemains& r, const v1::ListMeasurementVersionsResponse& sets,
                 int version_count) {
  std::printf("%s  case %s  lab %s  expert %s\n", r.name().c_str(), r.case_folio().c_str(),
              r.lab().c_str(),
              r.responsible_expert().empty() ? "-" : r.responsible_expert().c_str());
  std::printf("condition %s, found %s %s\n",
              v1::UnidentifiedRemains::Condition_Name(r.condition()).c_str(),
              DateText(r.found_date()).c_str(), r.found_place().description().c_str());
  std::printf("\nBiological profile\n");
  const v1::BiologicalProfile& bio = r.biological_profile();
  if (bio.has_sex()) {
    std::printf("  sex:     %s, probability %.3f\n", v1::Sex_Name(bio.sex().sex()).c_str(),
                bio.sex().probability());
    PrintAssessment(bio.sex().assessment());
  } else {
    std::printf("  sex:     not estimated\n");
  }
  if (bio.has_age()) {
    std::printf("  age:     %.0f-%.0f years\n", bio.age().age_at_death().min_years(),
                bio.age().age_at_death().max_years());
    PrintAssessment(bio.age().assessment());
  } else {
    std::printf("  age:     not estimated\n");
  }
  if (bio.has_stature()) {
    std::printf("  stature: %.1f-%.1f cm (midpoint %.1f)\n", bio.stature().min_cm(),
                bio.stature().max_cm(), (bio.stature().min_cm() + bio.stature().max_cm()) / 2);
    PrintAssessment(bio.stature().assessment());
  } else {
    std::printf("  stature: not estimated\n");
  }
  std::printf("\nLatest measurements");
  if (sets.measurement_sets().empty()) {
    std::printf(": none recorded\n");
    return;
  }
  std::printf(" (%d version%s on record)\n", version_count, version_count == 1 ? "" : "s");
  PrintMeasurementSet(sets.measurement_sets(0));
}

void AddMeasurementFlags(CLI::App* command, AnthroFlags* flags) {
  command->add_option("--observer", flags->observer, "Who measured");
  command->add_option("--instrument", flags->instrument, "Caliper, board, digitizer, CT...");
  command->add_option("--date", flags->date, "When measured, YYYY-MM-DD");
  command->add_option("--notes", flags->notes, "Free text");
  command->add_flag("--allow-outliers", flags->allow_outliers,
                    "Accept values outside the plausible range, as warnings");
}

bool FillSetFlags(const AnthroFlags& flags, v1::MeasurementSet* set, int* exit_code) {
  set->set_observer(flags.observer);
  set->set_instrument(flags.instrument);
  set->set_notes(flags.notes);
  if (!flags.date.empty() && !ParseIsoDate(flags.date, set->mutable_measured_date())) {
    *exit_code = Usage("--date must be YYYY-MM-DD");
    return false;
  }
  return true;
}

// Computes the chords of a landmark file with the embedded catalog, with no server.
int LocalLandmarks(const std::string& path, bool json) {
  std::string csv;
  if (!ReadText(path, &csv)) return Usage("cannot read " + path);
  const anthropology::MeasurementCatalog& catalog = anthropology::MeasurementCatalog::Embedded();
  absl::StatusOr<anthropology::LandmarkSet> landmarks =
      anthropology::ParseLandmarkCsv(catalog, csv);
  if (!landmarks.ok()) {
    std::fprintf(stderr, "encuentro: %s: %s\n", path.c_str(),
                 std::string(landmarks.status().message()).c_str());
    return 1;
  }
  const anthropology::MeasurementSet chords =
      anthropology::DeriveChordMeasurements(catalog, *landmarks);
  const anthropology::ValidationReport report =
      anthropology::ValidateMeasurements(catalog, chords, {.allow_outliers = true});
  v1::MeasurementSet set;
  set.set_origin(v1::DERIVED_FROM_LANDMARKS);
  for (const anthropology::Measurement& m : chords) {
    v1::Measurement* out = set.add_measurements();
    out->set_code(m.code);
    out->set_value(m.value);
    out->set_unit(m.unit);
    out->set_origin(v1::DERIVED_FROM_LANDMARKS);
  }
  if (json) {
    PrintMessage(set, true);
  } else {
    std::printf("%zu landmarks, %zu chord measurements (derived from landmarks)\n",
                landmarks->points.size(), chords.size());
    for (const anthropology::Measurement& m : chords) {
      const anthropology::MeasurementDefinition* d = catalog.FindMeasurement(m.code);
      std::printf("  %-4s %8.2f mm  %-34s %s - %s\n", m.code.c_str(), m.value, d->name.c_str(),
                  (*d->landmarks)[0].c_str(), (*d->landmarks)[1].c_str());
    }
  }
  int errors = 0;
  for (const anthropology::MeasurementProblem& p : report.problems) {
    std::fprintf(stderr, "warning: %s\n", p.message.c_str());
    errors += p.kind == anthropology::ProblemKind::kInconsistent ? 1 : 0;
  }
  if (chords.empty()) {
    std::fprintf(stderr, "encuentro: no catalog chord has both of its landmarks in %s\n",
                 path.c_str());
    return 1;
  }
  return errors > 0 ? 1 : 0;
}

}  // namespace

void AddAnthroCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<AnthroFlags>();
  CLI::App* group = app.add_subcommand(
      "anthro", "Forensic anthropology: measurements, landmarks, sex and stature estimates");
  group->require_subcommand(1);

  CLI::App* catalog = group->add_subcommand(
      "catalog", "List the accepted measurements, landmarks and stature formulas");
  catalog->callback([=, &options] {
    auto stub = v1::AnthropologyService::NewStub(OpenChannel(options));
    v1::ListCatalogResponse response;
    grpc::Status status = stub->ListCatalog(NewContext(options).get(), {}, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("AnthropologyService.ListCatalog", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
      return;
    }
    std::printf("%-9s %-38s %-17s %-9s %s\n", "code", "name", "kind", "range mm", "martin");
    for (const auto& m : response.measurements()) {
      std::printf("%-9s %-38s %-17s %3.0f-%-5.0f %s\n", m.code().c_str(), m.name().c_str(),
                  m.kind().c_str(), m.plausible_min_mm(), m.plausible_max_mm(),
                  m.martin_number().c_str());
    }
    std::printf("\nlandmarks:");
    for (const auto& l : response.landmarks()) std::printf(" %s", l.name().c_str());
    std::printf("\n\nstature formulas:\n");
    for (const auto& f : response.stature_formulas()) {
      std::printf("  %-34s %-13s %-6s %-8s %.3f x cm + %.2f, SE %.3f cm\n", f.id().c_str(),
                  f.reference_group().c_str(), f.sex() == v1::MALE ? "male" : "female",
                  f.measurement_code().c_str(), f.slope(), f.intercept_cm(), f.standard_error_cm());
    }
    std::printf("\nsources:\n");
    for (const auto& s : response.sources()) {
      std::printf("  [%s] %s\n", s.id().c_str(), s.citation().c_str());
    }
  });

  CLI::App* record =
      group->add_subcommand("record", "Record a new version of a remains record's measurements");
  record->add_option("remains", flags->remains, "remains/ID")->required();
  record->add_option("--value", flags->values, "CODE=VALUE[UNIT], e.g. GOL=182 (repeatable)");
  record->add_option("--file", flags->file,
                     "A MeasurementSet as proto3 JSON (\"-\" for stdin) instead of --value");
  AddMeasurementFlags(record, flags.get());
  record->callback([=, &options] {
    v1::RecordMeasurementsRequest request;
    request.set_parent(flags->remains);
    request.set_allow_outliers(flags->allow_outliers);
    v1::MeasurementSet* set = request.mutable_measurement_set();
    if (!flags->file.empty()) {
      if (absl::Status s = ReadJsonMessage(flags->file, set); !s.ok()) {
        *exit_code = Usage(std::string(s.message()));
        return;
      }
    }
    if (!AddValues(flags->values, set->mutable_measurements(), exit_code)) return;
    if (!flags->observer.empty() || !flags->instrument.empty() || !flags->date.empty() ||
        !flags->notes.empty() || flags->file.empty()) {
      if (!FillSetFlags(*flags, set, exit_code)) return;
    }
    auto stub = v1::AnthropologyService::NewStub(OpenChannel(options));
    v1::RecordMeasurementsResponse response;
    grpc::Status status = stub->RecordMeasurements(NewContext(options).get(), request, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("AnthropologyService.RecordMeasurements", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
      return;
    }
    PrintMeasurementSet(response.measurement_set());
    PrintWarnings(response.warnings());
  });

  CLI::App* versions = group->add_subcommand(
      "versions", "List every measurement version of a remains record, newest first");
  versions->add_option("remains", flags->remains, "remains/ID")->required();
  versions->callback([=, &options] {
    auto stub = v1::AnthropologyService::NewStub(OpenChannel(options));
    v1::ListMeasurementVersionsRequest request;
    request.set_parent(flags->remains);
    do {
      v1::ListMeasurementVersionsResponse response;
      grpc::Status status =
          stub->ListMeasurementVersions(NewContext(options).get(), request, &response);
      if (!status.ok()) {
        *exit_code = ReportRpcError("AnthropologyService.ListMeasurementVersions", status);
        return;
      }
      for (const auto& set : response.measurement_sets()) {
        if (options.json) {
          PrintMessage(set, true);
        } else {
          PrintMeasurementSet(set);
        }
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
  });

  CLI::App* landmarks = group->add_subcommand(
      "landmarks",
      "Compute the chord measurements of a landmark,x,y,z CSV (mm); with --remains, also "
      "store them on the server");
  landmarks->add_option("file", flags->file, "CSV of landmark,x,y,z in mm")->required();
  landmarks->add_option("--remains", flags->remains,
                        "remains/ID: import landmarks and chords as a new measurement version");
  AddMeasurementFlags(landmarks, flags.get());
  landmarks->callback([=, &options] {
    if (flags->remains.empty()) {
      *exit_code = LocalLandmarks(flags->file, options.json);
      return;
    }
    v1::ImportLandmarksRequest request;
    request.set_parent(flags->remains);
    if (!ReadText(flags->file, request.mutable_csv())) {
      *exit_code = Usage("cannot read " + flags->file);
      return;
    }
    request.set_observer(flags->observer);
    request.set_instrument(flags->instrument);
    request.set_notes(flags->notes);
    request.set_allow_outliers(flags->allow_outliers);
    if (!flags->date.empty() && !ParseIsoDate(flags->date, request.mutable_measured_date())) {
      *exit_code = Usage("--date must be YYYY-MM-DD");
      return;
    }
    auto stub = v1::AnthropologyService::NewStub(OpenChannel(options));
    v1::ImportLandmarksResponse response;
    grpc::Status status = stub->ImportLandmarks(NewContext(options).get(), request, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("AnthropologyService.ImportLandmarks", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
      return;
    }
    PrintMeasurementSet(response.measurement_set());
    PrintWarnings(response.warnings());
  });

  CLI::App* sex = group->add_subcommand(
      "sex", "Estimate sex by LDA against the server's craniometric reference sample");
  sex->add_option("remains", flags->remains, "remains/ID")->required();
  sex->add_option("--set", flags->measurement_set,
                  "remains/ID/measurementSets/N to use (default: the latest)");
  sex->add_option("--value", flags->values, "CODE=VALUE: use these values instead of a set");
  sex->add_option("--population", flags->populations,
                  "Reference population to fit on (repeatable; default: all)");
  sex->add_option("--variable", flags->variables,
                  "Variable to consider (repeatable; default: all shared)");
  sex->add_option("--prior-male", flags->prior_male, "Prior probability of male (default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  sex->add_flag("--save", flags->save, "Save the estimate into the biological profile");
  sex->add_option("--etag", flags->etag, "With --save: refuse if the record changed since");
  sex->callback([=, &options] {
    v1::EstimateSexRequest request;
    request.set_remains(flags->remains);
    request.set_measurement_set(flags->measurement_set);
    if (!AddValues(flags->values, request.mutable_measurements(), exit_code)) return;
    for (const auto& p : flags->populations) request.add_populations(p);
    for (const auto& v : flags->variables) request.add_variables(v);
    request.set_prior_male(flags->prior_male);
    request.set_save_to_profile(flags->save);
    request.set_etag(flags->etag);
    auto stub = v1::AnthropologyService::NewStub(OpenChannel(options));
    v1::EstimateSexResponse response;
    grpc::Status status = stub->EstimateSex(NewContext(options).get(), request, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("AnthropologyService.EstimateSex", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
    } else {
      PrintSexEstimate(response);
    }
  });

  CLI::App* stature =
      group->add_subcommand("stature", "Estimate living stature from a long-bone length");
  stature->add_option("remains", flags->remains, "remains/ID")->required();
  stature->add_option("--formula", flags->formula, "Formula id (see `anthro catalog`)");
  stature->add_option("--group", flags->group,
                      "Instead of --formula: reference group (mesoamerican, us_white, ...)");
  stature->add_option("--sex", flags->sex, "With --group: female or male")
      ->check(CLI::IsMember({"female", "male"}));
  stature->add_option("--k", flags->standard_errors,
                      "Half-width of the range in standard errors (default 2)");
  stature->add_option("--set", flags->measurement_set,
                      "remains/ID/measurementSets/N to use (default: the latest)");
  stature->add_option("--value", flags->values, "CODE=VALUE: use these values instead of a set");
  stature->add_flag("--save", flags->save, "Save the range into the biological profile");
  stature->add_option("--etag", flags->etag, "With --save: refuse if the record changed since");
  stature->callback([=, &options] {
    v1::EstimateStatureRequest request;
    request.set_remains(flags->remains);
    request.set_measurement_set(flags->measurement_set);
    if (!AddValues(flags->values, request.mutable_measurements(), exit_code)) return;
    request.set_formula_id(flags->formula);
    request.set_reference_group(flags->group);
    if (!flags->sex.empty()) request.set_sex(flags->sex == "male" ? v1::MALE : v1::FEMALE);
    request.set_standard_errors(flags->standard_errors);
    request.set_save_to_profile(flags->save);
    request.set_etag(flags->etag);
    auto stub = v1::AnthropologyService::NewStub(OpenChannel(options));
    v1::EstimateStatureResponse response;
    grpc::Status status = stub->EstimateStature(NewContext(options).get(), request, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("AnthropologyService.EstimateStature", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
    } else {
      PrintStatureEstimate(response);
    }
  });

  CLI::App* report = group->add_subcommand(
      "report", "One-page profile: biological profile, estimates and latest measurements");
  report->add_option("remains", flags->remains, "remains/ID")->required();
  report->callback([=, &options] {
    auto channel = OpenChannel(options);
    v1::GetRemainsRequest get;
    get.set_name(flags->remains);
    v1::UnidentifiedRemains remains;
    grpc::Status status =
        v1::RemainsService::NewStub(channel)->GetRemains(NewContext(options).get(), get, &remains);
    if (!status.ok()) {
      *exit_code = ReportRpcError("RemainsService.GetRemains", status);
      return;
    }
    auto stub = v1::AnthropologyService::NewStub(channel);
    v1::ListMeasurementVersionsRequest list;
    list.set_parent(flags->remains);
    list.set_page_size(1);
    v1::ListMeasurementVersionsResponse latest;
    status = stub->ListMeasurementVersions(NewContext(options).get(), list, &latest);
    if (!status.ok()) {
      *exit_code = ReportRpcError("AnthropologyService.ListMeasurementVersions", status);
      return;
    }
    // Versions count up from 1, so the latest's number is how many there are.
    const int version_count = latest.measurement_sets().empty()
                                  ? 0
                                  : static_cast<int>(latest.measurement_sets(0).version());
    if (options.json) {
      PrintMessage(remains, true);
      if (!latest.measurement_sets().empty()) PrintMessage(latest.measurement_sets(0), true);
      return;
    }
    PrintReport(remains, latest, version_count);
  });
}

}  // namespace encuentro::cli
