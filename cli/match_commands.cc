#include "cli/match_commands.h"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "cli/output.h"
#include "common/progress.h"
#include "encuentro/v1/matching.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace encuentro::cli {
namespace {

// "sent_for_dna" -> SENT_FOR_DNA (CLI::IsMember has checked the spelling).
v1::Decision ParseDecision(std::string name) {
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v1::Decision decision = v1::DECISION_UNSPECIFIED;
  v1::Decision_Parse(name, &decision);
  return decision;
}

struct MatchFlags {
  std::string remains;
  std::string missing_person;
  std::string decision;
  std::string reason;
  std::string parent;
  std::string current;
  int top_n = 20;
  bool include_excluded = false;
  std::string purpose = "identification";
  std::string legal_basis;
  std::string batch;
  std::string output;
  std::vector<std::string> evidence;
  std::string board;
  std::string board_date;
};

const char* LightWord(v1::EvidenceFactor::Light light) {
  switch (light) {
    case v1::EvidenceFactor::MATCH:
      return "match";
    case v1::EvidenceFactor::POSSIBLE:
      return "possible";
    case v1::EvidenceFactor::NO_MATCH:
      return "NO MATCH";
    default:
      return "-";
  }
}

// A table for reviewers: one block per candidate, one line per factor with its light and reason.
void PrintCandidates(const v1::SearchCandidatesResponse& response) {
  std::printf("%lld candidate(s) scored; %d remains template(s) against %lld gallery template(s)\n",
              static_cast<long long>(response.candidates_scored()), response.remains_templates(),
              static_cast<long long>(response.gallery_templates()));
  std::printf("posterior under the prior %.3g (%s)\n", response.prior_probability(),
              response.prior().c_str());
  std::printf("population: %s\n", response.population().c_str());
  int rank = 0;
  for (const auto& c : response.candidates()) {
    std::printf("\n#%d  %-20s %-28s folio %-18s log10 LR %+.2f  posterior %.3f  %s%s\n", ++rank,
                c.missing_person().c_str(), c.display_name().c_str(), c.case_folio().c_str(),
                c.log10_lr(), c.posterior(), LightWord(c.light()),
                c.excluded() ? "  EXCLUDED" : "");
    if (c.has_decision()) {
      std::printf("    decision %s by %s: %s\n", v1::Decision_Name(c.decision().decision()).c_str(),
                  c.decision().author().c_str(), c.decision().reason().c_str());
    }
    for (const auto& f : c.factors()) {
      std::printf("    %-8s %-9s %+6.2f%s%s  %s\n", f.name().c_str(), LightWord(f.light()),
                  f.log10_lr(), f.prior_weight() ? " (prior)" : "",
                  f.excludes() ? " (excludes)" : "", f.reason().c_str());
    }
  }
  if (response.candidates_size() == 0) std::printf("no candidates\n");
}

// Remains already answered in an earlier run's output, so a rerun continues where it stopped.
std::set<std::string> AnsweredRemains(const std::string& output, bool csv) {
  std::set<std::string> done;
  std::ifstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (csv) {
      const std::string first = line.substr(0, line.find(','));
      if (first != "remains" && !first.empty()) done.insert(first);
    } else if (!line.empty()) {
      auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_object() && parsed.contains("remains")) {
        done.insert(parsed["remains"].get<std::string>());
      }
    }
  }
  return done;
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// `encuentro match --batch FILE --output OUT`: one remains name per line of FILE, searched over
// one BatchSearch stream; results appended to OUT (CSV if it ends in .csv, else JSON lines).
int RunBatch(const MatchFlags& flags, const ClientOptions& options) {
  std::ifstream in(flags.batch);
  if (!in) {
    std::fprintf(stderr, "encuentro: cannot read %s\n", flags.batch.c_str());
    return 2;
  }
  const bool csv = flags.output.size() > 4 && flags.output.ends_with(".csv");
  const std::set<std::string> answered = AnsweredRemains(flags.output, csv);
  std::vector<std::string> todo;
  int skipped = 0;
  for (std::string line; std::getline(in, line);) {
    line.erase(0, line.find_first_not_of(" \t"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty() || line == "remains" || line.front() == '#') continue;
    if (answered.count(line) != 0) {
      ++skipped;
    } else {
      todo.push_back(line);
    }
  }
  const bool fresh = answered.empty();
  std::ofstream out(flags.output, std::ios::app);
  if (!out) {
    std::fprintf(stderr, "encuentro: cannot write %s\n", flags.output.c_str());
    return 2;
  }
  if (csv && fresh)
    out << "remains,rank,missing_person,case_folio,log10_lr,posterior,excluded,error\n";
  auto stub = v1::MatchService::NewStub(OpenChannel(options));
  grpc::ClientContext context;  // no deadline: a batch takes as long as it takes
  AddCredentials(options, &context);
  auto stream = stub->BatchSearch(&context);
  // Requests go out from another thread so that results are read as they come.
  std::thread writer([&] {
    for (const std::string& remains : todo) {
      v1::BatchSearchRequest request;
      request.mutable_search()->set_remains(remains);
      request.mutable_search()->set_top_n(flags.top_n);
      request.mutable_search()->set_include_excluded(flags.include_excluded);
      request.mutable_search()->set_purpose(flags.purpose);
      request.mutable_search()->set_legal_basis(flags.legal_basis);
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  common::ProgressBar progress(static_cast<int>(todo.size()), "searches", "", options.json);
  int done = 0, failed = 0;
  for (v1::BatchSearchResult result; stream->Read(&result);) {
    if (result.code() != 0) ++failed;
    if (csv) {
      if (result.code() != 0) {
        out << CsvField(result.remains()) << ",,,,,,," << CsvField(result.error()) << "\n";
      }
      int rank = 0;
      for (const auto& c : result.response().candidates()) {
        out << CsvField(result.remains()) << ',' << ++rank << ',' << c.missing_person() << ','
            << CsvField(c.case_folio()) << ',' << c.log10_lr() << ',' << c.posterior() << ','
            << (c.excluded() ? "true" : "false") << ",\n";
      }
    } else {
      std::string json;
      google::protobuf::util::JsonPrintOptions print;
      print.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(result, &json, print);
      out << json << "\n";
    }
    out.flush();  // each answer is durable before the next, for resuming
    progress.Update(++done);
  }
  writer.join();
  grpc::Status status = stream->Finish();
  std::printf("%d searched, %d already in %s, %d failed\n", done, skipped, flags.output.c_str(),
              failed);
  if (!status.ok()) return ReportRpcError("MatchService.BatchSearch", status);
  return failed == 0 ? 0 : 1;
}

void PrintPair(const v1::CandidatePair& pair) {
  std::printf("%s  %s  now %s\n", pair.remains().c_str(), pair.missing_person().c_str(),
              v1::Decision_Name(pair.current().decision()).c_str());
  for (const auto& d : pair.history()) {
    const std::time_t seconds = static_cast<std::time_t>(d.create_time().seconds());
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &utc);
    std::printf("    %s %-12s by %s (%s): %s\n", when, v1::Decision_Name(d.decision()).c_str(),
                d.author().c_str(), d.organization().c_str(), d.reason().c_str());
  }
  const v1::DnaReadiness& dna = pair.dna();
  std::printf(
      "    DNA: family references %d profiled, %d on their way; remains %d profiled, %d on "
      "their way%s%s\n",
      dna.family_references_profiled(), dna.family_references_pending(),
      dna.remains_samples_profiled(), dna.remains_samples_pending(),
      dna.comparable() ? "; comparable now" : "", dna.awaiting_dna() ? "; awaiting DNA" : "");
}

}  // namespace

void AddMatchCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<MatchFlags>();
  CLI::App* match = app.add_subcommand("match", "Rank missing persons for a set of remains");
  match->add_option("remains", flags->remains, "remains/ID (or use --batch)");
  match->add_option("--batch", flags->batch, "File with one remains/ID per line");
  match->add_option("--output", flags->output,
                    "With --batch: results file (.csv for CSV, else JSON lines); a rerun skips "
                    "the remains already in it");
  match->add_option("--top", flags->top_n, "Candidates to show")->capture_default_str();
  match->add_flag("--include-excluded", flags->include_excluded,
                  "Also show candidates an exclusion rule dropped");
  match
      ->add_option("--purpose", flags->purpose,
                   "identification, investigation, family_request or quality_review")
      ->capture_default_str();
  match
      ->add_option("--legal-basis", flags->legal_basis,
                   "The legal basis, e.g. the investigation folio (required)")
      ->required();
  match->callback([=, &options] {
    if (!flags->batch.empty()) {
      if (flags->output.empty()) {
        std::fprintf(stderr, "encuentro: --batch needs --output FILE\n");
        *exit_code = 2;
        return;
      }
      *exit_code = RunBatch(*flags, options);
      return;
    }
    if (flags->remains.empty()) {
      std::fprintf(stderr, "encuentro: name a remains/ID or give --batch FILE\n");
      *exit_code = 2;
      return;
    }
    v1::SearchCandidatesRequest request;
    request.set_remains(flags->remains);
    request.set_top_n(flags->top_n);
    request.set_include_excluded(flags->include_excluded);
    request.set_purpose(flags->purpose);
    request.set_legal_basis(flags->legal_basis);
    auto stub = v1::MatchService::NewStub(OpenChannel(options));
    v1::SearchCandidatesResponse response;
    grpc::Status status = stub->SearchCandidates(NewContext(options).get(), request, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MatchService.SearchCandidates", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
    } else {
      PrintCandidates(response);
    }
  });

  CLI::App* decide = app.add_subcommand(
      "decide", "Record a reviewer's decision on a candidate pair (history is kept)");
  decide->add_option("remains", flags->remains, "remains/ID")->required();
  decide->add_option("missing_person", flags->missing_person, "missingPersons/ID")->required();
  decide->add_option("--decision", flags->decision, "pending, excluded, possible, sent_for_dna")
      ->required()
      ->check(CLI::IsMember({"pending", "excluded", "possible", "sent_for_dna"}));
  decide->add_option("--reason", flags->reason, "Why (required)")->required();
  decide->callback([=, &options] {
    v1::RecordDecisionRequest request;
    request.set_remains(flags->remains);
    request.set_missing_person(flags->missing_person);
    request.set_decision(ParseDecision(flags->decision));
    request.set_reason(flags->reason);
    auto stub = v1::MatchService::NewStub(OpenChannel(options));
    v1::CandidatePair pair;
    grpc::Status status = stub->RecordDecision(NewContext(options).get(), request, &pair);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MatchService.RecordDecision", status);
      return;
    }
    if (options.json) {
      PrintMessage(pair, true);
    } else {
      PrintPair(pair);
    }
  });

  CLI::App* identify = app.add_subcommand(
      "identify",
      "Close a case: the remains are the missing person, confirmed by a DNA report, dental or "
      "fingerprint comparison and the identification board");
  identify->add_option("remains", flags->remains, "remains/ID")->required();
  identify->add_option("missing_person", flags->missing_person, "missingPersons/ID")->required();
  identify
      ->add_option("--evidence", flags->evidence,
                   "KIND:REFERENCE[@YYYY-MM-DD], KIND dna_report, dental_comparison or "
                   "fingerprint_comparison; repeat the flag")
      ->required();
  identify->add_option("--board", flags->board, "The identification board's acta or dictamen")
      ->required();
  identify->add_option("--board-date", flags->board_date, "YYYY-MM-DD of the board's decision");
  identify->add_option("--reason", flags->reason, "Why (required)")->required();
  identify->callback([=, &options] {
    v1::ConfirmIdentificationRequest request;
    request.set_remains(flags->remains);
    request.set_missing_person(flags->missing_person);
    for (const std::string& text : flags->evidence) {
      const size_t colon = text.find(':');
      v1::ConfirmingEvidence::Kind kind = v1::ConfirmingEvidence::KIND_UNSPECIFIED;
      std::string name = colon == std::string::npos ? text : text.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (colon == std::string::npos || !v1::ConfirmingEvidence::Kind_Parse(name, &kind)) {
        std::fprintf(stderr, "encuentro: --evidence %s: expected KIND:REFERENCE[@DATE]\n",
                     text.c_str());
        *exit_code = 2;
        return;
      }
      v1::ConfirmingEvidence* e = request.add_evidence();
      e->set_kind(kind);
      std::string reference = text.substr(colon + 1);
      if (const size_t at = reference.rfind('@'); at != std::string::npos) {
        if (!ParseIsoDate(reference.substr(at + 1), e->mutable_date())) {
          std::fprintf(stderr, "encuentro: --evidence %s: the date is not YYYY-MM-DD\n",
                       text.c_str());
          *exit_code = 2;
          return;
        }
        reference.resize(at);
      }
      e->set_reference(reference);
    }
    request.set_board_reference(flags->board);
    if (!flags->board_date.empty() &&
        !ParseIsoDate(flags->board_date, request.mutable_board_date())) {
      std::fprintf(stderr, "encuentro: --board-date: not a YYYY-MM-DD date\n");
      *exit_code = 2;
      return;
    }
    request.set_reason(flags->reason);
    auto stub = v1::MatchService::NewStub(OpenChannel(options));
    v1::Identification out;
    grpc::Status status = stub->ConfirmIdentification(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MatchService.ConfirmIdentification", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* candidates = app.add_subcommand(
      "candidates",
      "Candidate pairs with decisions, for remains/ID or missingPersons/ID, or across all "
      "records by their current decision (e.g. --current pending: the leads to review)");
  candidates->add_option("parent", flags->parent, "remains/ID or missingPersons/ID");
  candidates->add_option("--current", flags->current, "Only pairs whose latest decision is this")
      ->check(CLI::IsMember({"pending", "excluded", "possible", "sent_for_dna", "identified"}));
  candidates->callback([=, &options] {
    if (flags->parent.empty() && flags->current.empty()) {
      std::fprintf(stderr,
                   "encuentro: give a parent (remains/ID or missingPersons/ID) or "
                   "--current DECISION\n");
      *exit_code = 2;
      return;
    }
    v1::ListCandidatesRequest request;
    request.set_parent(flags->parent);
    if (!flags->current.empty()) request.set_current_decision(ParseDecision(flags->current));
    auto stub = v1::MatchService::NewStub(OpenChannel(options));
    int shown = 0;
    do {
      v1::ListCandidatesResponse response;
      grpc::Status status = stub->ListCandidates(NewContext(options).get(), request, &response);
      if (!status.ok()) {
        *exit_code = ReportRpcError("MatchService.ListCandidates", status);
        return;
      }
      for (const auto& pair : response.pairs()) {
        if (options.json) {
          PrintMessage(pair, true);
        } else {
          PrintPair(pair);
        }
        ++shown;
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    if (shown == 0 && !options.json) std::printf("no candidate pairs\n");
  });
}

}  // namespace encuentro::cli
