#include "cli/dental_commands.h"

#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/dental_notation.h"
#include "cli/output.h"
#include "encuentro/v1/dental.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct DentalFlags {
  std::string parent;
  std::string teeth;
  std::string source;
  std::string source_date;
  std::string notes;
  std::string etag;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "encuentro: %s\n", message.c_str());
  return 2;
}

void Print(const v1::DentalChart& chart, bool json) {
  if (json) return PrintMessage(chart, true);
  std::printf("%s  %s%s  %s\n", chart.name().c_str(),
              v1::DentalChart::Source_Name(chart.source()).c_str(),
              chart.has_source_date() ? (" " + std::to_string(chart.source_date().year()) + "-" +
                                         std::to_string(chart.source_date().month()) + "-" +
                                         std::to_string(chart.source_date().day()))
                                            .c_str()
                                      : "",
              chart.etag().c_str());
  std::printf("%s\n",
              chart.teeth_size() ? FormatDentalNotation(chart).c_str() : "(no teeth charted)");
  if (!chart.notes().empty()) std::printf("%s\n", chart.notes().c_str());
}

}  // namespace

void AddDentalCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto f = std::make_shared<DentalFlags>();
  CLI::App* group =
      app.add_subcommand("dental", "Dental charts (FDI, Interpol DVI coding) of records");
  group->require_subcommand(1);

  CLI::App* get = group->add_subcommand("get", "Show a record's dental chart");
  get->add_option("record", f->parent, "missingPersons/ID or remains/ID")->required();
  get->callback([=, &options] {
    v1::GetDentalChartRequest request;
    request.set_name(f->parent + "/dentalChart");
    v1::DentalChart out;
    auto stub = v1::DentalService::NewStub(OpenChannel(options));
    grpc::Status status = stub->GetDentalChart(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("DentalService.GetDentalChart", status);
      return;
    }
    Print(out, options.json);
  });

  CLI::App* set = group->add_subcommand(
      "set", "Write a record's dental chart: the teeth given replace the charted ones");
  set->add_option("record", f->parent, "missingPersons/ID or remains/ID")->required();
  set->add_option("--teeth", f->teeth,
                  "e.g. \"16:missing_am; 26:filling/MO/amalgam; 36:root_canal+crown\"")
      ->required();
  set->add_option("--source", f->source,
                  "dental_record, radiograph, clinical_examination, family_report or other");
  set->add_option("--source-date", f->source_date, "YYYY-MM-DD of the record or radiograph");
  set->add_option("--notes", f->notes, "Free text");
  set->add_option("--etag", f->etag, "Refuse if the chart changed since this etag");
  set->callback([=, &options] {
    v1::UpdateDentalChartRequest request;
    v1::DentalChart* chart = request.mutable_dental_chart();
    chart->set_name(f->parent + "/dentalChart");
    chart->set_etag(f->etag);
    if (absl::Status s = ParseDentalNotation(f->teeth, chart); !s.ok()) {
      *exit_code = Fail(std::string(s.message()));
      return;
    }
    request.mutable_update_mask()->add_paths("teeth");
    if (!f->source.empty()) {
      std::string upper = f->source;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      v1::DentalChart::Source source;
      if (!v1::DentalChart::Source_Parse(upper, &source)) {
        *exit_code = Fail("--source: unknown source '" + f->source + "'");
        return;
      }
      chart->set_source(source);
      request.mutable_update_mask()->add_paths("source");
    }
    if (!f->source_date.empty()) {
      if (!ParseIsoDate(f->source_date, chart->mutable_source_date())) {
        *exit_code = Fail("--source-date: not a YYYY-MM-DD date");
        return;
      }
      request.mutable_update_mask()->add_paths("source_date");
    }
    if (!f->notes.empty()) {
      chart->set_notes(f->notes);
      request.mutable_update_mask()->add_paths("notes");
    }
    v1::DentalChart out;
    auto stub = v1::DentalService::NewStub(OpenChannel(options));
    grpc::Status status = stub->UpdateDentalChart(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("DentalService.UpdateDentalChart", status);
      return;
    }
    Print(out, options.json);
  });
}

}  // namespace encuentro::cli
